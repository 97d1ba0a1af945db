"""Known-item query variants: deterministic for a seed, and each one changes what it says it does."""

import random

import pytest

from bench.variants import SPAN_WORDS, SUBSTITUTES, VARIANTS, Source, known_items, misspell, normal, spellings
from search.analyzer import is_name_like, term_of

TEXTS = (
    "We talked with the maintainers about a big problem: scheduling containers on Kubernetes is "
    "hard. Later the team said that Stacoviak had built the whole deployment pipeline in one week, "
    "and people thought the new dashboard was awesome because it showed every failing container.",
    "Yesterday our guest explained how Postgres replication works, why Santo prefers logical "
    "decoding, and what happens when the primary database loses its network connection during a "
    "migration. It was a great story about a small company that fixed a huge outage quickly.",
    "The compiler rewrote generics into monomorphized functions, which Gopherson described as a "
    "simple trick with surprising consequences for binary size, build times and the language server "
    "that every editor talks to when you write code.",
    "Last year the committee reviewed the Wireshark captures, and Ivanov, the volunteer who "
    "maintained the parser, wrote a summary of every malformed packet the fuzzer had produced.",
)
SOURCES = [Source(f"episode-{i}", text) for i, text in enumerate(TEXTS)]
UNCOMMON = {
    "maintainers", "scheduling", "containers", "kubernetes", "stacoviak", "deployment", "pipeline",
    "dashboard", "failing", "postgres", "replication", "santo", "logical", "decoding", "primary",
    "migration", "outage", "compiler", "generics", "monomorphized", "gopherson", "consequences",
    "binary", "editor", "surprising", "committee", "wireshark", "captures", "ivanov", "volunteer",
    "parser", "summary", "malformed", "packet", "fuzzer",
}


def is_uncommon(word: str) -> bool:
    return word.lower() in UNCOMMON


def _items(variant: str, seed: int = 7) -> list:
    return known_items(SOURCES, variant, 6, is_uncommon, seed)


def _words(item) -> list[str]:
    return item.query.split()


def _span_words(item) -> list[str]:
    source = next(s for s in SOURCES if s.episode_id == item.episode_id)
    assert f" {item.span} " in f" {normal(source.text)} "
    return item.span.split()


def test_the_same_seed_gives_the_same_queries_and_another_seed_others():
    first = [_items(v) for v in VARIANTS]
    assert first == [_items(v) for v in VARIANTS]
    assert first != [_items(v, seed=8) for v in VARIANTS]
    assert all(first), "every variant found queries in the sample passages"


@pytest.mark.parametrize("variant", ["exact-short", "exact-medium", "exact-long"])
def test_exact_spans_are_the_passage_words_of_the_stated_length(variant):
    low, high = SPAN_WORDS[variant]
    for item in _items(variant):
        assert low <= len(_words(item)) <= high
        assert normal(item.query) == item.span
        assert sum(1 for w in _words(item) if is_uncommon(w)) >= 2


def test_dropped_leaves_out_one_searchable_word():
    for item in _items("dropped"):
        span, query = _span_words(item), [w.lower() for w in _words(item)]
        assert len(query) == len(span) - 1
        gone = [i for i in range(len(span)) if span[:i] + span[i + 1 :] == query]
        assert gone and any(term_of(span[i]) for i in gone)


def test_replaced_puts_a_synonym_or_misheard_word_in_one_place():
    for item in _items("replaced"):
        span, query = _span_words(item), [w.lower() for w in _words(item)]
        changed = [i for i, (a, b) in enumerate(zip(span, query)) if a != b]
        assert len(span) == len(query) and len(changed) == 1
        assert SUBSTITUTES[span[changed[0]]].lower() == query[changed[0]]


def test_swapped_exchanges_two_neighbouring_words():
    for item in _items("swapped"):
        span, query = _span_words(item), [w.lower() for w in _words(item)]
        changed = [i for i, (a, b) in enumerate(zip(span, query)) if a != b]
        assert len(changed) == 2 and changed[1] == changed[0] + 1
        assert (query[changed[0]], query[changed[1]]) == (span[changed[1]], span[changed[0]])


def test_misspelt_name_respells_one_name_so_it_no_longer_matches_exactly():
    for item in _items("misspelt-name"):
        span, query = _span_words(item), _words(item)
        changed = [i for i, (a, b) in enumerate(zip(span, query)) if a != b.lower()]
        assert len(span) == len(query) and len(changed) == 1
        wrong = query[changed[0]]
        assert is_name_like(wrong), "a name stays capitalised"
        assert term_of(wrong) != term_of(span[changed[0]])


def test_a_name_is_misspelt_by_sound_by_a_doubled_or_a_dropped_letter():
    assert set(spellings("Witkoff")) == {"Whitkoff", "Witcoff", "Vitkoff", "Wytkoff", "Witkof"}
    assert {"Kubbernetes", "Cubernetes"} <= set(spellings("Kubernetes"))
    assert "Santoh" in spellings("Santo")
    assert misspell("Stacoviak", random.Random(3)) in spellings("Stacoviak")
    assert spellings("Browne") == ["Brovne"], "dropping the final e leaves the same index term"


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v.startswith("typo:") or v in ("name-in-5", "one-word-misspelt")])
def test_a_misspelling_variant_changes_one_word_into_another_index_term(variant):
    for item in _items(variant):
        typed, spoken = _words(item), _span_words(item)
        assert len(typed) == len(spoken)
        changed = [(a, b) for a, b in zip(typed, spoken) if a.lower() != b]
        assert len(changed) == 1
        wrong, right = changed[0]
        assert term_of(wrong) != term_of(right)
        if variant == "name-in-5":
            assert right.lower() in UNCOMMON and wrong[0].isupper()


def test_a_split_word_is_two_words_and_joined_words_one():
    for item in _items("split"):
        assert len(_words(item)) == len(_span_words(item)) + 1
        assert "".join(_words(item)).lower() == "".join(_span_words(item))
    for item in _items("joined"):
        assert len(_words(item)) == len(_span_words(item)) - 1
        assert "".join(_words(item)).lower() == "".join(_span_words(item))


def test_a_word_is_split_only_where_both_halves_are_words():
    known = {"deploy", "ment", "wire", "shark"}
    items = known_items(SOURCES, "split", 3, is_uncommon, 7, is_known=lambda w: w.lower() in known)
    assert {tuple(_words(i)) for i in items} and all(
        any(w in ("deploy", "ment", "Wire", "shark") for w in _words(i)) for i in items
    )
