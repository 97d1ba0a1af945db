"""The index's vocabulary: which indexed words are near a misspelt one, and in what order."""

from search.corrections import Vocabulary, max_edits
from search.index import QuoteIndex
from tests.search.test_index import FILLER, _episode


def _index(*texts: str) -> QuoteIndex:
    idx = QuoteIndex.in_memory()
    idx.replace_episodes([_episode(f"e{i}", f"{FILLER} {text} {FILLER}") for i, text in enumerate(texts)])
    return idx


def _terms(idx: QuoteIndex, term: str, typed: str = "") -> list[tuple[str, int]]:
    return [(c.term, c.distance) for c in Vocabulary(idx.searcher).corrections(term, typed)]


def test_closest_first_then_the_most_used():
    idx = _index("The plane, the plane, the plane.", "A plant.", "The plank was long and the planet too.")
    assert _terms(idx, "plan")[:3] == [("plane", 1), ("plank", 1), ("plant", 1)]
    assert _terms(idx, "plan")[0] == ("plane", 1), "three passages have plane, one each the others"


def test_edits_allowed_grow_with_the_word():
    assert [max_edits(w) for w in ("at", "cat", "kubernet", "plane")] == [0, 1, 2, 1]


def test_transpositions_cost_one_and_the_first_letter_is_kept_or_spelt_the_other_way():
    idx = _index("We ran kubernetes and a container.", "Nothing about tubernetes here.")
    assert ("kubernet", 1) in _terms(idx, "kuberent")
    assert ("kubernet", 1) in _terms(idx, "cubernet")
    assert ("tubernet", 1) not in _terms(idx, "cubernet")


def test_the_word_as_typed_and_its_other_ph_f_spelling_are_compared_too():
    idx = _index("His philosophy of testing.")
    assert _terms(idx, "filosofi", "filosofy") == [("philosophi", 1)]
    assert _terms(idx, "filosofi") == []


def test_words_written_after_the_vocabulary_was_read_are_found(tmp_path):
    writer = QuoteIndex.open(tmp_path)
    writer.replace_episodes([_episode("a", FILLER + " The zeppelin landed. " + FILLER)])
    reader = QuoteIndex.open(tmp_path)
    assert [q.episode_id for q in reader.search("zepelin").quotes] == ["a"]
    assert reader.search("airshp").quotes == ()  # the words starting with "a" are read now
    writer.replace_episodes([_episode("b", FILLER + " An airship flew. " + FILLER)])
    assert [q.episode_id for q in reader.search("airshp").quotes] == ["b"]


def test_the_plan_names_the_corrections_it_looks_for():
    from search.query import parse_query
    from search.ranking import build_query

    idx = _index("We ran kubernetes and a container.")
    plan = build_query(idx._schema, idx.searcher(), parse_query("kbernetes containr"), Vocabulary(idx.searcher))
    assert plan.corrections == {"kubernet", "contain"}
    assert build_query(idx._schema, idx.searcher(), parse_query("kbernetes")).corrections == frozenset()
