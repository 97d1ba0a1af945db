"""Quote trimming, deep links and the distance used for sound-alikes."""

import pytest

from search.quotes import MAX_QUOTE_CHARS, deep_link, edit_distance, quote_bounds


def test_a_quote_is_whole_sentences_around_the_match_within_the_limit():
    sentences = [f"Filler sentence number {i} says little." for i in range(30)]
    sentences[17] = "Here the storm shadow missiles appear."
    text = " ".join(sentences)
    match = text.index("storm")
    begin, end = quote_bounds(text, [(match, match + 5)])
    quote = text[begin:end]
    assert "storm shadow" in quote
    assert len(quote) <= MAX_QUOTE_CHARS
    assert quote.startswith("Filler") or quote.startswith("Here")
    assert quote.endswith(".")


def test_a_run_on_sentence_is_cut_at_words_around_the_match():
    text = " ".join(["blah"] * 300) + " needle " + " ".join(["blah"] * 300)
    match = text.index("needle")
    begin, end = quote_bounds(text, [(match, match + 6)])
    assert begin <= match < end
    assert end - begin <= MAX_QUOTE_CHARS
    assert text[begin - 1] == " " and text[end] == " "


def test_youtube_links_get_t_and_audio_files_get_hash_t():
    assert deep_link(["https://www.youtube.com/watch?v=abc"], 75.9) == "https://www.youtube.com/watch?v=abc&t=75"
    assert deep_link(["https://youtu.be/abc?t=5"], 10) == "https://youtu.be/abc?t=10"
    assert deep_link(["https://cdn.example/ep1.mp3"], 61) == "https://cdn.example/ep1.mp3#t=61"


def test_links_without_a_moment_or_a_known_kind_stay_as_they_are():
    assert deep_link(["https://example.com/ep/1"], 30) == "https://example.com/ep/1"
    assert deep_link(["https://www.youtube.com/watch?v=abc"], None) == "https://www.youtube.com/watch?v=abc"
    assert deep_link([], 30) is None


@pytest.mark.parametrize("start", [float("inf"), float("-inf"), float("nan"), -3.0])
def test_a_start_time_that_is_no_moment_links_to_the_episode_itself(start):
    """Times stored before parsing refused them (a JSON startTime of 1e400) must not crash a quote."""
    assert deep_link(["https://cdn.example/ep1.mp3"], start) == "https://cdn.example/ep1.mp3"


def test_a_timed_link_prefers_the_video_then_the_audio_over_the_page():
    urls = ["https://example.com/ep/1", "https://cdn.example/1.mp3"]
    assert deep_link(urls, 12) == "https://cdn.example/1.mp3#t=12"


def test_edit_distance():
    assert edit_distance("wtkf", "wtklf", 1) == 1
    assert edit_distance("witkoff", "witgolf", 2) == 2
    assert edit_distance("abc", "xyzxyz", 1) == 2


def test_a_quote_stays_within_one_speakers_turn():
    ann = "Ann says one thing. Ann says another."
    bob = " Bob mentions the zeppelin. Bob goes on."
    text = ann + bob
    match = text.index("zeppelin")
    begin, end = quote_bounds(text, [(match, match + 8)], speaker_changes={len(ann) + 1})
    assert text[begin:end] == bob.strip()


def test_the_link_and_time_are_the_marked_words_moment_not_the_quotes_start():
    # Turns start at sentences (search/passages.py): the quote begins at 100 s, the match is at 130 s.
    text = "A first sentence comes here. Then a second one follows on. Now the zeppelin lands at last."
    turns = ((0, 100.0, "Ann"), (text.index("Then"), 115.0, "Ann"), (text.index("Now"), 130.0, "Ann"))
    hit = _hit(text, turns, "zeppelin")
    assert hit.text.startswith("A first sentence")
    assert hit.start_seconds == 130.0
    assert hit.url == "https://cdn.example/ep.mp3#t=130"


def test_a_quote_with_nothing_marked_links_to_its_start():
    text = "A first sentence comes here. Then a second one follows on."
    hit = _hit(text, ((0, 100.0, None), (text.index("Then"), 115.0, None)), "")
    assert hit.start_seconds == 100.0


def _hit(text, turns, query):
    from search.query import parse_query
    from search.quotes import Candidate, Matcher, to_hit

    candidate = Candidate("ep", "Pod", "Title", None, ("https://cdn.example/ep.mp3",), turns, text, 0, 20, 1.0)
    return to_hit(candidate, Matcher(parse_query(query), ()))
