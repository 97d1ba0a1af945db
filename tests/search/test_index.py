"""The tantivy index: incremental adds and replacements, ranking, phrases, filters, names, odd queries."""

import re
import unicodedata
from datetime import date

import pytest

from search import ranking
from search.formats import parse_transcript
from search import index as index_module
from search.index import SCHEMA_VERSION, IndexHome, QuoteIndex
from search.models import Episode, Segment
from tests.conftest import FIXTURES, SEEDS


def _episode(episode_id: str, text: str, **meta) -> Episode:
    defaults = dict(podcast="Test Cast", title=f"Episode {episode_id}", published=date(2024, 1, 1))
    defaults.update(meta)
    return Episode(id=episode_id, segments=(Segment(text),), **defaults)


FILLER = " ".join(f"People talked about ordinary things number {i} for a while." for i in range(40))


@pytest.fixture
def index() -> QuoteIndex:
    idx = QuoteIndex.in_memory()
    idx.replace_episodes(
        [
            _episode("war", FILLER + " The storm shadow missiles were sent by Britain. " + FILLER,
                     title="Missiles over the border", published=date(2024, 9, 13)),
            _episode("talks", FILLER + " Whitkoff went to Moscow to meet the president. " + FILLER
                     + " Later Witkoff said the talks were useful. " + FILLER,
                     title="Bizarre negotiations", published=date(2025, 12, 1)),
            _episode("play", FILLER + " The whole thing is theater, kabuki theater, nothing more. " + FILLER,
                     title="Theater of war", published=date(2023, 5, 2)),
        ]
    )
    return idx


def _episodes(result) -> list[str]:
    return [q.episode_id for q in result.quotes]


def test_best_match_comes_first_with_the_words_marked(index):
    result = index.search("storm shadow")
    first = result.quotes[0]
    assert first.episode_id == "war"
    marked = [first.text[a:b] for a, b in first.highlights]
    assert marked == ["storm", "shadow"]
    assert first.published == date(2024, 9, 13)
    assert first.episode_title == "Missiles over the border"


def test_exact_name_ranks_above_its_misspellings_and_both_are_found(index):
    result = index.search("Witkoff", limit=5)
    assert _episodes(result)[:2] == ["talks", "talks"]
    first, second = result.quotes[:2]
    assert "Witkoff" in [first.text[a:b] for a, b in first.highlights]
    assert "Whitkoff" in [second.text[a:b] for a, b in second.highlights]
    assert first.score > second.score


def test_witkoff_finds_the_december_2025_seed_s_misspellings_with_exact_matches_first():
    """The issue's check, on the real seed: speech recognition wrote the name many ways."""
    transcript = parse_transcript((SEEDS / "000_2522e9545a44e52d.txt").read_bytes(), "december.txt")
    idx = QuoteIndex.in_memory()
    idx.replace_episodes([Episode("december", "The Duran", "Bizarre talks", segments=tuple(transcript.segments))])
    quotes = idx.search("Witkoff", limit=50, per_episode=50).quotes
    marked = [{quote.text[a:b] for a, b in quote.highlights} for quote in quotes]
    exact = [i for i, words in enumerate(marked) if "Witkoff" in words]
    assert len(exact) >= 2 and exact == list(range(len(exact)))
    assert {"Whitkoff", "Wittkov", "Witgolf"} <= set().union(*marked[len(exact):])


def test_misspelt_query_finds_the_correct_name():
    idx = QuoteIndex.in_memory()
    idx.replace_episodes([_episode("k8s", FILLER + " We deployed it all on Kubernetes last year. " + FILLER)])
    assert _episodes(idx.search("Kubernetis deployed")) == ["k8s"]


def test_quoted_phrase_must_match_in_order(index):
    assert _episodes(index.search('"kabuki theater"')) == ["play"]
    assert index.search('"nothing kabuki"').quotes == ()


def test_date_filters_are_inclusive(index):
    assert _episodes(index.search("missiles after:2024-09-13")) == ["war"]
    assert index.search("missiles before:2024-09-12").quotes == ()
    assert set(_episodes(index.search("talks after:2025-01-01 before:2025-12-31"))) == {"talks"}


def test_episode_filter_matches_title_words(index):
    assert _episodes(index.search("Witkoff episode:bizarre")) == ["talks", "talks"]
    assert _episodes(index.search("theater episode:bizarre")) == []
    assert _episodes(index.search('kabuki episode:"theater of war"')) == ["play"]
    assert index.search("kabuki episode:negotiations").quotes == ()


def test_replacing_an_episode_leaves_one_copy(index):
    before = index.passage_count()
    index.replace_episodes([_episode("war", FILLER + " Now it says cruise missiles instead. " + FILLER)])
    assert index.search('"storm shadow"').quotes == ()
    assert _episodes(index.search('"cruise missiles"')) == ["war"]
    assert index.passage_count() <= before + 2


def test_adding_an_episode_is_incremental(index):
    index.replace_episodes([_episode("new", FILLER + " A brand new zeppelin story. " + FILLER)])
    assert _episodes(index.search("zeppelin")) == ["new"]
    assert _episodes(index.search('"kabuki theater"')) == ["play"], "older episodes are still there"


def test_removing_an_episode(index):
    index.remove_episodes(["play"])
    assert index.search("kabuki").quotes == ()


def test_the_first_page_takes_two_quotes_an_episode_and_the_pages_after_reach_every_match():
    # Eight far-apart mentions in one episode, three in another: eleven moments to page through.
    idx = QuoteIndex.in_memory()
    many = FILLER.join(f" Topic {i}: the gadget works. " for i in range(8))
    few = FILLER.join(f" Theme {i}: a gadget again. " for i in range(3))
    idx.replace_episodes([_episode("many", FILLER + many + FILLER), _episode("few", FILLER + few + FILLER)])
    pages = _all_pages(idx, "gadget")
    assert all(_episodes(pages[0]).count(e) <= 2 for e in ("few", "many"))
    quotes = [quote for page in pages for quote in page.quotes]
    marked = [re.search(r"(Topic|Theme) \d", quote.text)[0] for quote in quotes]
    assert sorted(marked) == sorted([f"Topic {i}" for i in range(8)] + [f"Theme {i}" for i in range(3)])
    assert {page.total for page in pages} == {11}
    assert [page.has_more for page in pages] == [True, True, True, False]
    past = idx.search("gadget", limit=3, offset=12)
    assert (past.quotes, past.has_more, past.message) == ((), False, "No more quotes: only 11 matched.")


def test_pages_never_repeat_a_quote_nor_share_a_sentence_even_when_every_passage_matches():
    idx = QuoteIndex.in_memory()
    text = " ".join(f"Topic {i}: the gadget works well again and again today." for i in range(200))
    idx.replace_episodes([_episode("one", text)])
    pages = _all_pages(idx, "gadget")
    quotes = [quote for page in pages for quote in page.quotes]
    topics = [set(re.findall(r"Topic (\d+)", quote.text)) for quote in quotes]
    assert len(quotes) == pages[0].total >= 10 and all(topics)
    assert all(a.isdisjoint(b) for i, a in enumerate(topics) for b in topics[i + 1 :])
    assert [page.has_more for page in pages] == [True] * (len(pages) - 1) + [False]


def test_a_long_page_is_the_same_quotes_as_short_pages_one_after_another():
    idx = QuoteIndex.in_memory()
    idx.replace_episodes([_episode(f"ep{i}", FILLER.join([f" The gadget {i} works. "] * 4)) for i in range(3)])
    long = idx.search("gadget", limit=30)
    short = [q for page in _all_pages(idx, "gadget") for q in page.quotes]
    assert long.quotes == tuple(short) and long.total == len(short)


def test_paging_reaches_the_quotes_among_the_best_passages_and_counts_exactly_those(monkeypatch):
    monkeypatch.setattr(index_module, "MAX_MATCHES", 4)
    idx = QuoteIndex.in_memory()
    idx.replace_episodes([_episode(f"ep{i}", FILLER + f" The gadget {i} works. " + FILLER) for i in range(10)])
    pages = _all_pages(idx, "gadget")
    shown = sum(len(page.quotes) for page in pages)
    assert 1 <= shown == pages[0].total <= 4
    assert not pages[-1].has_more
    monkeypatch.undo()
    assert idx.search("gadget").total == 10


def _all_pages(idx: QuoteIndex, query: str, size: int = 3) -> list:
    pages = [idx.search(query, limit=size)]
    while pages[-1].has_more:
        pages.append(idx.search(query, limit=size, offset=size * len(pages)))
    return pages


def _seed_index() -> QuoteIndex:
    idx = QuoteIndex.in_memory()
    episodes = []
    for path in sorted(SEEDS.glob("*.txt")):
        transcript = parse_transcript(path.read_bytes(), path.name)
        episodes.append(Episode(path.stem, "The Duran", path.stem, segments=tuple(transcript.segments)))
    idx.replace_episodes(episodes)
    return idx


def test_paging_witkoff_on_the_seeds_reaches_its_misspellings_after_the_exact_matches():
    pages = _all_pages(_seed_index(), "Witkoff")
    marked = [{q.text[a:b] for a, b in q.highlights} for page in pages for q in page.quotes]
    exact = [i for i, words in enumerate(marked) if "Witkoff" in words]
    assert exact == list(range(len(exact))) and len(exact) >= 2
    within_four_pages = set().union(*marked[:12])
    assert within_four_pages & {"Whitkoff", "Wittkov", "Witgolf"}


def test_storm_shadow_on_the_seeds_has_a_second_page_holding_the_fourth_quote():
    idx = _seed_index()
    first, second = idx.search("storm shadow", limit=3), idx.search("storm shadow", limit=3, offset=3)
    assert first.has_more
    assert second.quotes[0] == idx.search("storm shadow", limit=4).quotes[3]


def test_paging_continues_without_repeats():
    idx = QuoteIndex.in_memory()
    idx.replace_episodes([_episode(f"ep{i}", FILLER + f" The gadget {i} works. " + FILLER) for i in range(7)])
    first, second = idx.search("gadget", limit=3), idx.search("gadget", limit=3, offset=3)
    assert first.has_more and second.has_more
    assert len(set(_episodes(first)) | set(_episodes(second))) == 6
    last = idx.search("gadget", limit=3, offset=6)
    assert len(last.quotes) == 1 and not last.has_more


def test_a_page_past_the_last_quote_says_there_are_no_more_not_that_nothing_matched():
    idx = QuoteIndex.in_memory()
    idx.replace_episodes([_episode(f"ep{i}", FILLER + f" The gadget {i} works. " + FILLER) for i in range(2)])
    past = idx.search("gadget", limit=3, offset=2)
    assert (past.quotes, past.message) == ((), "No more quotes: only 2 matched.")
    assert past.total == 2


@pytest.mark.parametrize(
    "query, says",
    [
        ("", "Type a few words"),
        ("   ", "Type a few words"),
        ("?!... ---", "Type a few words"),
        ('AND ( ) " * : ^ ~', "too common"),
        ("the and of to", "too common"),
        ("x" * 5000, "that long"),
        ("the " + "supercalifragilistic" * 3, "that long"),
        ("zzqx", "Nothing matched"),
        ("after:yesterday missiles", "after: needs a date"),
        ("after:2024-01-01", "Add a few words"),
    ],
)
def test_odd_queries_get_a_message_not_an_error(index, query, says):
    result = index.search(query)
    assert result.quotes == ()
    assert says in result.message


def test_a_5000_character_query_is_shortened_and_still_answers(index):
    result = index.search("storm shadow " + "blah " * 1000)
    assert result.message and "long" in result.message
    assert _episodes(result)[0] == "war"


def test_decomposed_unicode_is_found_by_composed_queries_and_the_other_way_round():
    """NFD text (as macOS writes it) must match what people type, and an NFD query the NFC text."""
    idx = QuoteIndex.in_memory()
    text = "A naïve banker from Zürich met a cellist in the old town and they talked for hours."
    segments = parse_transcript(unicodedata.normalize("NFD", text).encode(), "nfd.txt").segments
    idx.replace_episodes([Episode("nfd", "Cast", "Notes", segments=tuple(segments))])
    assert _episodes(idx.search("naïve")) == ["nfd"]
    assert _episodes(idx.search("zurich")) == ["nfd"]
    assert _episodes(idx.search(unicodedata.normalize("NFD", "Zürich"))) == ["nfd"]


def test_timed_transcripts_link_to_the_moment():
    idx = QuoteIndex.in_memory()
    segments = (Segment(FILLER, start=0.0, speaker="Ann"), Segment("The zeppelin landed at noon.", 754.0, "Bob"),
                Segment(FILLER, start=800.0, speaker="Ann"))
    idx.replace_episodes([Episode("t", "Cast", "Timed", None, ("https://cdn.example/t.mp3",), None, segments)])
    quote = idx.search("zeppelin").quotes[0]
    assert quote.start_seconds == 754.0
    assert quote.speaker == "Bob"
    assert quote.url == "https://cdn.example/t.mp3#t=754"


def test_episodes_without_urls_get_no_link(index):
    assert index.search("storm shadow").quotes[0].url is None


def test_index_on_disk_survives_reopening(tmp_path):
    QuoteIndex.open(tmp_path).replace_episodes([_episode("disk", FILLER + " A zeppelin. " + FILLER)])
    assert _episodes(QuoteIndex.open(tmp_path).search("zeppelin")) == ["disk"]


def test_a_reader_sees_what_another_writer_committed(tmp_path):
    reader, writer = QuoteIndex.open(tmp_path), QuoteIndex.open(tmp_path)
    assert reader.search("zeppelin").quotes == ()
    writer.replace_episodes([_episode("later", FILLER + " A zeppelin. " + FILLER)])
    assert _episodes(reader.search("zeppelin")) == ["later"]


CHATTER = " ".join(f"So we really thought it was pretty good, number {i}." for i in range(30))


@pytest.fixture
def chatty(monkeypatch) -> QuoteIndex:
    """Passages full of common words, and passages where a distinctive word joins a few of them."""
    # Thresholds for a small index: a word in a tenth of the passages is common.
    monkeypatch.setattr(ranking, "COMMON_MIN", 1)
    monkeypatch.setattr(ranking, "COMMON_SHARE", 0.1)
    idx = QuoteIndex.in_memory()
    idx.replace_episodes(
        [_episode(f"chat{i}", CHATTER) for i in range(20)]
        + [_episode(f"ship{i}", FILLER + " The airship was pretty good. " + FILLER) for i in range(20)]
        + [_episode("zep", FILLER + " One zeppelin. " + FILLER)]
    )
    return idx


def test_with_a_distinctive_word_common_words_alone_do_not_make_a_match(chatty):
    result = chatty.search("airship really pretty good")
    assert {e[:4] for e in _episodes(result)} == {"ship"}
    # One moment in each of the 20 episodes with the airship (each in two overlapping passages).
    assert chatty.searcher().doc_freq("text", "airship") == 40 and result.total == 20
    first = result.quotes[0]
    assert [first.text[a:b] for a, b in first.highlights] == ["airship", "pretty", "good"]


def test_when_too_few_passages_have_the_distinctive_word_common_words_match_too(chatty):
    result = chatty.search("zeppelin good", limit=5)
    assert _episodes(result)[0] == "zep"
    assert "chat" in {e[:4] for e in _episodes(result)[1:]}
    assert result.total > chatty.searcher().doc_freq("text", "zeppelin")


def test_words_in_the_typed_order_outrank_the_same_words_scattered():
    idx = QuoteIndex.in_memory()
    scattered = "Million reasons to block it, five of them. Going home, the million block party, five going."
    idx.replace_episodes(
        [
            _episode("scattered", FILLER + " " + scattered + " " + FILLER),
            _episode("said", FILLER + " So we are going to block five million websites. " + FILLER),
        ]
    )
    assert _episodes(idx.search("going to block five million"))[0] == "said"


def test_a_switch_removes_the_old_folder_and_a_crashed_build_but_not_another_build_under_way(tmp_path):
    index = QuoteIndex.open(tmp_path)
    old = index.folder
    crashed = tmp_path / f"index-v{SCHEMA_VERSION}-crashed"  # a build whose process was killed
    crashed.mkdir()
    (tmp_path / f".{crashed.name}.building").touch()
    under_way = QuoteIndex.fresh(IndexHome(tmp_path))  # another process's rebuild, still filling
    fresh = QuoteIndex.fresh(index.home)
    fresh.replace_episodes([_episode("new", FILLER + " A zeppelin. " + FILLER)])
    index.switch_to(fresh)
    assert sorted(p for p in tmp_path.glob("index-v*") if p.is_dir()) == sorted([fresh.folder, under_way.folder])
    assert not old.exists() and _episodes(QuoteIndex.open(tmp_path).search("zeppelin")) == ["new"]


def test_a_match_deep_in_a_long_markdown_turn_links_to_an_estimate_of_its_own_moment():
    """Go Time #90's excerpt: Mat Ryer talks for minutes under one [22:49] stamp; the next comes at 42:54."""
    transcript = parse_transcript((FIXTURES / "transcripts" / "changelog_go-time-90_excerpt.md").read_bytes(), "go.md")
    idx = QuoteIndex.in_memory()
    urls = ("https://cdn.example/go-time-90.mp3",)
    idx.replace_episodes([Episode("go", "Go Time", "Go tools", urls=urls, segments=tuple(transcript.segments))])
    spans = [s for s in transcript.segments if s.start == 22 * 60 + 49]
    late = spans[-1].text.split(". ")[-1]  # the last sentence said under the [22:49] stamp
    quote = idx.search(f'"{late}"').quotes[0]
    assert 22 * 60 + 49 < quote.start_seconds < 42 * 60 + 54
    assert quote.url == f"{urls[0]}#t={int(quote.start_seconds)}"


# Misspelt query words (issue 10): each kind of misspelling finds the word the transcript has.
WORDS = {
    "react": "We rewrote the frontend in react over the summer.",
    "google": "Then google bought the company outright.",
    "linux": "The server runs linux on old hardware.",
    "jerod": "Jerod said the episode would ship on Friday.",
    "windows": "Nobody at the office used windows anymore.",
    "kubernetes": "We deployed it all on kubernetes last year.",
    "changelog": "You are listening to the changelog every week.",
    "philosophy": "His philosophy of testing was simple and strict.",
    "elasticsearch": "The logs all went into elasticsearch eventually.",
    "open": "It became an open source project in the end.",
    "committee": "The committee reviewed every proposal twice.",
    "volunteer": "A volunteer maintained the parser for years.",
}


@pytest.fixture(scope="module")
def words_index() -> QuoteIndex:
    """One episode per word, and a decoy of each with the same sentence but another word (so the
    context alone can't tell them apart), among filler every episode shares."""
    idx = QuoteIndex.in_memory()
    decoys = {f"{key}-decoy": re.sub(key, "something", text, flags=re.I) for key, text in WORDS.items()}
    idx.replace_episodes([_episode(key, f"{FILLER} {text} {FILLER}") for key, text in {**decoys, **WORDS}.items()])
    return idx


@pytest.mark.parametrize(
    "query, episode",
    [
        ("Reakt frontend", "react"),  # changed last letter, a short word
        ("Linuh hardware", "linux"),
        ("Gogle bought", "google"),  # a doubled letter written once
        ("Jrod said", "jerod"),  # a vowel dropped
        ("Wndows office", "windows"),
        ("Kbernetes deployed", "kubernetes"),
        ("Channgelog listening", "changelog"),  # a letter doubled
        ("Kubrenetes deployed", "kubernetes"),  # two letters swapped
        ("Kubernetez deployed", "kubernetes"),  # a sound-alike letter
        ("Kubernwtes deployed", "kubernetes"),  # a key next to the right one
        ("Philosofy testing", "philosophy"),  # ph/f
        ("Filosofy testing", "philosophy"),  # ph/f, twice
        ("comittee reviewed", "committee"),
        ("wolunteer maintained", "volunteer"),  # v/w
    ],
)
def test_a_misspelt_word_finds_the_word_the_transcript_has(words_index, query, episode):
    assert _episodes(words_index.search(query))[:1] == [episode]


def test_the_word_a_misspelling_found_is_marked_in_the_quote(words_index):
    quote = words_index.search("Reakt frontend").quotes[0]
    assert [quote.text[a:b] for a, b in quote.highlights] == ["frontend", "react"]


def test_a_misspelt_word_alone_finds_its_word(words_index):
    for query, episode in (("Reakt", "react"), ("Linuh", "linux"), ("Jrod", "jerod"), ("Kbernetes", "kubernetes")):
        assert _episodes(words_index.search(query))[:1] == [episode], query


def test_a_word_split_in_two_or_two_words_joined_are_found(words_index):
    assert _episodes(words_index.search("Elastic Search"))[:1] == ["elasticsearch"]
    assert _episodes(words_index.search("opensource project"))[:1] == ["open"]


def test_the_misspelt_word_outweighs_the_common_words_around_it():
    """The correction counts nearly as the word itself: common words in more passages don't bury it."""
    idx = QuoteIndex.in_memory()
    chatter = " ".join(f"People talked about ordinary things, things people talked about, {i}." for i in range(30))
    idx.replace_episodes(
        [_episode(f"chat{i}", chatter) for i in range(5)]
        + [_episode("k8s", FILLER + " We deployed it all on kubernetes last year. " + FILLER)]
    )
    assert _episodes(idx.search("people talked about ordinary kubernettes"))[:1] == ["k8s"]


def test_the_exact_word_ranks_above_its_corrections():
    idx = QuoteIndex.in_memory()
    idx.replace_episodes(
        [_episode(f"plane{i}", FILLER + " The plane landed late again. " + FILLER) for i in range(6)]
        + [_episode("plan", FILLER + " The plan landed on my desk. " + FILLER)]
    )
    assert _episodes(idx.search("plan landed"))[:1] == ["plan"]
    assert {"plan", "plane0"} <= set(_episodes(idx.search("plan landed", limit=10)))


def test_words_too_far_from_any_indexed_word_find_nothing(words_index):
    assert words_index.search("Kxbxrnxtes").quotes == ()  # three edits
    assert words_index.search("zeppelin").quotes == ()
