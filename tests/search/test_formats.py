"""Transcript formats: detection from content, parsing each format, refusing broken files."""

from __future__ import annotations

import codecs
import json
import random
import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from search.errors import TranscriptError
from search.formats import detect_format, parse_transcript
from search.formats._text import (
    add_segments,
    chunk_words,
    is_speaker_name,
    parse_timestamp,
    remove_stage_notes,
)
from search.formats import podscripts
from search.formats.archivefm import parse_duration

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures" / "transcripts"


def fixture(name: str) -> bytes:
    """Bytes of a fixture file."""
    return (FIXTURES / name).read_bytes()


def parse_fixture(name: str):
    """Parse a fixture file, passing its name as the real caller would."""
    return parse_transcript(fixture(name), name)


def all_text(transcript) -> str:
    """Every segment's text joined by spaces."""
    return " ".join(segment.text for segment in transcript.segments)


def assert_clean_segments(transcript) -> None:
    """Every segment's text is non-empty, stripped and has no runs of whitespace."""
    assert transcript.segments
    for segment in transcript.segments:
        assert segment.text
        assert segment.text == " ".join(segment.text.split())


def refusal(data: bytes, name: str = "") -> str:
    """The message of the TranscriptError parsing `data` raises."""
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(data, name)
    return str(caught.value)


# --- the two seed files ------------------------------------------------------------------------


def test_podscripts_seed_metadata():
    transcript = parse_transcript((SEEDS / "000_2522e9545a44e52d.txt").read_bytes())
    assert transcript.format == "podscripts"
    assert transcript.podcast == "The Duran Podcast"
    assert transcript.title == "Bizarre negotiations and intel back channels"
    assert transcript.published == date(2025, 12, 1)
    assert transcript.description.startswith("Bizarre negotiations and intel back channels")


def test_podscripts_seed_joins_wrapped_lines_into_sentences():
    transcript = parse_transcript((SEEDS / "000_2522e9545a44e52d.txt").read_bytes())
    text = all_text(transcript)
    assert_clean_segments(transcript)
    assert text.startswith("All right, Alexander, let's talk about the diplomacy")
    # Each of these sentences is hard-wrapped over two lines in the file.
    assert (
        "took place over the weekend in Florida between the United States and Ukraine." in text
    )
    assert "And now it's Umerov, who's the chief negotiator, who is also implicated." in text
    assert "Allegedly he's implicated in some of this corruption, Nabu investigation" in text
    assert text.endswith("There's a link in the description box down below. Take care.")
    assert "Discussion (0)" not in text and "Episode Date" not in text
    assert 60 <= len(transcript.segments) <= 400
    assert all(segment.start is None for segment in transcript.segments)
    # Every segment ends a sentence: chunks never cut one in half.
    assert all(segment.text[-1] in ".?!" for segment in transcript.segments)


def test_podscripts_header_whose_transcript_line_comes_first_is_no_crash():
    """`Transcript` as the show line is not the marker the body follows: never a bare ValueError."""
    page = "Transcript\nEpisode Date: December 1, 2025Talk\n" + "We spoke at length about the rivers. " * 5
    transcript = parse_transcript(page.encode(), "page.txt")
    assert transcript.format != "podscripts"
    assert "We spoke at length about the rivers." in all_text(transcript)


def test_podscripts_parser_refuses_a_page_without_its_transcript_line():
    with pytest.raises(TranscriptError, match="without its 'Transcript' line"):
        podscripts.parse("Transcript\nEpisode Date: December 1, 2025Talk\nwords\n")


def test_archivefm_seed():
    transcript = parse_transcript((SEEDS / "003_e6d2948ca99f10f8.txt").read_bytes())
    assert transcript.format == "archivefm"
    assert transcript.podcast == "The Duran Podcast"
    assert transcript.title == "UK missiles ready to strike Russia. Putin warns US/UK"
    assert transcript.duration == 45 * 60
    assert transcript.published == date(2024, 9, 13)
    assert transcript.description is None
    text = all_text(transcript)
    assert_clean_segments(transcript)
    assert "[Music]" not in text and "Music" not in text
    assert text.startswith("All right, Alexander, let's talk about what is happening")
    assert "Blinken has just returned from Kiev and Blinken said" in text
    assert text.endswith("like the t-shirts we are wearing today in this video. Take care.")
    assert "Duration" not in text and "mp3" not in text
    assert 60 <= len(transcript.segments) <= 400


# --- WebVTT ------------------------------------------------------------------------------------


def test_webvtt_voices_tags_entities_and_blocks():
    transcript = parse_fixture("interview.vtt")
    assert transcript.format == "webvtt"
    assert [(s.start, s.speaker, s.text) for s in transcript.segments] == [
        (1.0, "Alice", "Welcome to the show & thanks for listening."),
        (4.5, "Bob", "It's great to be here."),
        (4.5, "Alice", "Let's begin."),
        (62.0, None, "We agreed that 3 > 2 and more."),
    ]
    text = all_text(transcript)
    for leftover in ("STYLE", "REGION", "NOTE", "intro", "align", "::cue", "<", "&"):
        assert leftover not in text.replace("& thanks", "")


def test_webvtt_youtube_rolling_captions_keep_each_word_once_with_first_time():
    transcript = parse_fixture("youtube_autocaptions.vtt")
    spoken = (
        "so today we're going to talk about rolling captions & how they repeat every line"
        " and then it ends"
    )
    assert all_text(transcript).split() == spoken.split()
    assert [(s.start, s.text) for s in transcript.segments] == [
        (0.0, "so today we're going to talk"),
        (2.879, "about rolling captions & how"),
        (5.759, "they repeat every line"),
        (10.01, "and then it ends"),
    ]


def test_webvtt_genuine_repeats_in_new_cues_are_kept():
    data = (
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nNo.\n\n"
        b"00:00:02.000 --> 00:00:03.000\nI said no\nand I meant it.\n"
    )
    transcript = parse_transcript(data)
    assert [s.text for s in transcript.segments] == ["No.", "I said no and I meant it."]


def test_ytdlp_timing_lines_without_a_blank_line_above_start_their_own_cues():
    """yt-dlp writes YouTube's older captions with a timing line right under the last text line."""
    transcript = parse_fixture("ytdlp_youtube.vtt")
    assert [(s.start, s.text) for s in transcript.segments] == [
        (286.07, "right"),
        (286.47, "so"),
        (304.08, "the ferry leaves at noon sharp"),
        (305.4, "and the harbour master waves"),
    ]
    assert "-->" not in all_text(transcript) and "align" not in all_text(transcript)


def test_youtube_rolling_captions_as_served_keep_each_word_once_with_its_cue_s_time():
    """Each cue repeats the line before and adds words timed inline, then a 10 ms cue shows the
    joined line; here the blank-space lines are trimmed away and one timing line follows text."""
    transcript = parse_fixture("youtube_rolling_trimmed.vtt")
    assert [(s.start, s.text) for s in transcript.segments] == [
        (0.16, "we planted the beans in April"),
        (2.36, "and by June the pods were ready"),
        (4.279, "so we picked them every morning"),
        (6.799, "before the heat came"),
    ]


def test_netflix_whitespace_lines_before_the_first_cue_keep_it():
    transcript = parse_fixture("netflix.vtt")
    assert transcript.format == "webvtt"
    assert [(s.start, s.text) for s in transcript.segments] == [
        (3.12, "The lighthouse was dark"),
        (5.64, "for the first time in forty years."),
        (9.2, "Who turned it off?"),
        (11.04, "- Nobody. - Then why is it dark?"),
    ]


@pytest.mark.parametrize("header", ["WEBVTT \t", "WEBVTT\t", "WEBVTT - Episode 4  ", "WEBVTT\n \t"])
def test_a_header_followed_by_blanks_still_has_its_cues(header):
    data = f"{header}\n\n00:00:01.000 --> 00:00:02.000\nFirst words.\n \n00:00:03.000 --> 00:00:04.000\nMore.\n"
    transcript = parse_transcript(data.encode(), "x.vtt")
    assert [(s.start, s.text) for s in transcript.segments] == [(1.0, "First words."), (3.0, "More.")]


@pytest.mark.parametrize(
    ("timing", "start"),
    [
        ("123:00:01.000 --> 123:00:02.000", 442801.0),
        ("00:00:01.000\f-->\f00:00:02.000", 1.0),
        ("00:00:01.000 --> 00:00:02.000align:start position:0%", 1.0),
        ("00:00:01.000 -->\t00:00:02.000\fline:84%", 1.0),
    ],
    ids=["three-digit-hours", "form-feeds", "settings-glued-on", "tab-and-form-feed"],
)
def test_timing_lines_the_spec_allows(timing, start):
    data = f"WEBVTT\n\n{timing}\nSpoken words.\n".encode()
    assert [(s.start, s.text) for s in parse_transcript(data).segments] == [(start, "Spoken words.")]


@pytest.mark.parametrize(
    "line",
    [
        "<c.first Spoken words.",
        "<c.first>Spoken words.</c.first",
        "Spoken <00:00:01.500>words.",
        "Spoken <100:00:01.500><c>words.</c>",
        "<v.loud Esme>Spoken words.</v>",
        "<c.first.loud\nlater>Spoken words.",
        "&lrm;Spoken words.&rlm;",
        "Spoken words.</",
    ],
)
def test_unclosed_and_odd_tags_leave_no_trace(line):
    data = f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n{line}\n".encode()
    assert [s.text for s in parse_transcript(data).segments] == ["Spoken words."]


# --- SRT ---------------------------------------------------------------------------------------


def test_srt_cues_tags_and_speaker_labels():
    transcript = parse_fixture("episode.srt")
    assert transcript.format == "srt"
    assert [(s.start, s.speaker, s.text) for s in transcript.segments] == [
        (1.0, None, "Hello and welcome to the programme."),
        (4.5, "HOST", "Today we talk about rivers."),
        (6.5, None, "- Are you sure? - Quite sure."),
        (70.25, None, "That's all, folks."),
    ]


def test_srt_empty_cue_bad_cue_and_colon_phrases(caplog):
    """An empty cue followed by two blank lines keeps the next cue; a cue with a malformed timing
    line is dropped alone; phrases ending in a colon stay speech, recurring names are speakers."""
    transcript = parse_fixture("kitchen.srt")
    assert [(s.start, s.speaker, s.text) for s in transcript.segments] == [
        (1.0, "CHEF", "Bonjour à tous, welcome back."),
        (3.4, None, "Car j'ai 3 spécialités: la soupe, le pain et la tarte."),
        (7.2, None, "The answer was simple: more butter."),
        (10.0, None, "Hide these tags: salt, pepper, thyme."),
        (14.2, None, "Remember: never rush the dough."),
        (16.5, "Marie Dubois", "It smells wonderful."),
        (18.2, "CHEF", "Et voilà, the tart is done."),
        (20.5, "Marie Dubois", "Can I have a slice?"),
    ]
    assert "00:00:1O,600" in caplog.text


@pytest.mark.parametrize(
    ("label", "name_like"),
    [
        ("Marie Dubois", True), ("Dr. O'Brien", True), ("Jean-Luc", True), ("Speaker 2", True),
        ("MAN 2", True), ("Ursula von der Leyen", True), ("Car j'ai 3 spécialités", False),
        ("Hide these tags", False), ("The answer was simple", False), ("Note", False),
        ("Plan 9 From Outer Space Tonight", False),
    ],
)
def test_is_speaker_name(label, name_like):
    assert is_speaker_name(label) is name_like


# --- Podcasting 2.0 JSON -----------------------------------------------------------------------


def test_json_word_level_segments_are_merged_into_sentences():
    transcript = parse_fixture("word_level.json")
    assert transcript.format == "json"
    segments = transcript.segments
    assert [(s.start, s.speaker, s.text) for s in segments[:3]] == [
        (0.5, "Alice", "Hello and welcome."),
        (1.7, "Alice", "Today we talk about rivers?"),
        (4.1, "Bob", "Thanks for having me!"),
    ]
    # A 35-word run without punctuation is cut after 30 words.
    assert [len(s.text.split()) for s in segments[3:]] == [30, 5]
    assert segments[3].start == 5.7
    assert segments[4].text == "a chat reply either way"
    words = json.loads(fixture("word_level.json"))["segments"]
    # Every entry is kept; the lone "?" is glued to the word before it.
    assert len(all_text(transcript).split()) == len(words) - 1


@pytest.mark.parametrize("start", ["1e400", "-1e400", "NaN", "Infinity", "-2.5", "1" + "0" * 400])
def test_json_start_times_that_are_no_moment_are_dropped_and_the_words_kept(start):
    data = f'{{"segments": [{{"startTime": {start}, "body": "Hello there."}}]}}'
    segments = parse_transcript(data.encode(), "x.json").segments
    assert [(s.start, s.text) for s in segments] == [(None, "Hello there.")]


def test_every_format_s_segments_get_only_times_that_are_moments():
    segments = []
    for start in (float("nan"), float("inf"), -1.0, 0.0, 12.5):
        add_segments(segments, "Hello there.", start)
    assert [s.start for s in segments] == [None, None, None, 0.0, 12.5]


def test_json_without_segments_list_is_unknown_format():
    assert refusal(b'{"version": "1.0.0", "segments": "none"}').startswith("unknown format")
    assert refusal(b'{"segments": [1, 2, 3]}').startswith("unknown format")
    assert refusal(b'{"name": "Alice", "items": [1, 2]}') == "unknown format"
    assert refusal(b'[{"body": "hello"}]') == "unknown format"


@pytest.mark.parametrize("cut", [10, 40, 77, 150, 400, 1000, -2])
def test_truncated_json_transcript(cut):
    data = fixture("word_level.json")
    assert refusal(data[:cut], "x.json") == "truncated JSON transcript"


def test_malformed_json_transcript_names_the_place():
    message = refusal(b'{"segments": [{"body": "hi"},, {"body": "there"}]}')
    assert message == "malformed JSON transcript (line 1, column 30)"


@pytest.mark.parametrize("closed", [False, True])
def test_json_nested_too_deeply_is_refused_not_a_crash(closed):
    depth = 100_000
    data = '{"segments": ' + "[" * depth + ("]" * depth + "}" if closed else "")
    assert refusal(data.encode(), "deep.json") == "malformed JSON transcript (nested too deeply)"


# --- HTML --------------------------------------------------------------------------------------


def test_html_cite_time_paragraphs():
    transcript = parse_fixture("episode.html")
    assert transcript.format == "html"
    assert transcript.title == "Episode 12: Rivers"
    assert [(s.start, s.speaker, s.text) for s in transcript.segments] == [
        (0.0, "Alice", "Welcome to the show & thanks for joining."),
        (5.0, "Bob", "Glad to be here. Really glad."),
        (5.0, "Bob", "It\u2019s been a while."),
        (3723.0, "Alice", "Let's wrap up there."),
    ]
    assert "not speech" not in all_text(transcript)
    assert "color" not in all_text(transcript)


def test_html_plain_paragraphs():
    transcript = parse_fixture("paragraphs.html")
    assert [(s.start, s.speaker, s.text) for s in transcript.segments] == [
        (None, None, "First paragraph of a transcript without speakers or times."),
        (None, None, "Second paragraph, wrapped over two lines."),
    ]


@pytest.mark.parametrize(
    "opening",
    ["<h2>Episode 7</h2>", "<main>", "<ul><li>Show notes</li></ul>", '<meta charset="utf-8">', "<strong>Ann:</strong>"],
)
def test_html_fragments_opening_on_other_elements_are_html(opening):
    page = opening + "\n<p>The river rose over the bank at night.</p>\n<p>Nobody slept.</p>"
    transcript = parse_transcript(page.encode(), "episode-7.html")
    assert transcript.format == "html"
    assert "The river rose over the bank at night. Nobody slept." in all_text(transcript)


# --- Markdown (real Changelog excerpt) ---------------------------------------------------------


@pytest.fixture(scope="module")
def changelog():
    """The parsed Changelog excerpt."""
    return parse_fixture("changelog_go-time-90_excerpt.md")


def segment_starting(transcript, prefix: str):
    """The one segment whose text starts with `prefix`."""
    found = [s for s in transcript.segments if s.text.startswith(prefix)]
    assert len(found) == 1, prefix
    return found[0]


def test_markdown_speakers_and_format(changelog):
    assert changelog.format == "markdown"
    assert_clean_segments(changelog)
    assert {s.speaker for s in changelog.segments} == {
        "Jaana Dogan",
        "Mat Ryer",
        "Johnny Boursiquot",
    }
    # A paragraph without a label continues the previous speaker's turn.
    assert segment_starting(changelog, "I find that useful").speaker == "Johnny Boursiquot"


def test_markdown_start_is_the_last_timestamp_at_or_before(changelog):
    assert segment_starting(changelog, "Yeah, one of the best parts").start is None
    assert segment_starting(changelog, "We mentioned go test.").start == 22 * 60 + 49
    assert segment_starting(changelog, "There's also another little feature").start == 1369
    assert segment_starting(changelog, "Okay, I want to also mention").start == 42 * 60 + 54
    assert segment_starting(changelog, "Yeah. And Fatih Arslan").start == 48 * 60 + 13
    assert segment_starting(changelog, "Yeah, so all the pprof tools").start == 3601.11
    starts = [s.start for s in changelog.segments if s.start is not None]
    assert starts == sorted(starts)


def test_markdown_markup_breaks_and_notes_are_removed(changelog):
    text = all_text(changelog)
    assert "Break" not in text
    assert "laughter" not in text
    assert "We'll figure it out in a couple of weeks." in text
    assert "I personally like Go Report Card, which" in text
    assert "He has this go-tools repo, Staticcheck tool" in text
    assert "naming the file with _test.go at the end" in text
    for leftover in ("\\", "**", "](", "`", "[", "]"):
        assert leftover not in text, leftover
    assert not re.search(r"\d\d:\d\d", text)


def test_markdown_inline_forms():
    data = (
        "# Episode 7\n\n**Ann Lee**: \\[00:01:02.5\\] I *really* mean it \\[laughs\\].\n"
        "Still Ann, on a wrapped line.\n\n**Bob:** See [the docs](https://example.com) "
        "&amp; \\*stars\\*.\n\n**Break:** \\[05:00\\] Sponsor words we drop.\n\n"
        "Nobody speaks here yet.\n"
    ).encode()
    transcript = parse_transcript(data, "ep7.md")
    assert transcript.title == "Episode 7"
    assert [(s.start, s.speaker, s.text) for s in transcript.segments] == [
        (62.5, "Ann Lee", "I really mean it . Still Ann, on a wrapped line."),
        (62.5, "Bob", "See the docs & *stars*."),
        (300.0, None, "Nobody speaks here yet."),
    ]


# --- plain text --------------------------------------------------------------------------------


def test_plain_text_with_speaker_labels_and_stamps():
    transcript = parse_fixture("labelled.txt")
    assert transcript.format == "text"
    assert [(s.start, s.speaker, s.text) for s in transcript.segments] == [
        (5.0, "Alice", "Welcome back to the show."),
        (5.0, "Bob", "Thanks, Alice. It's good to be back and to see everyone again."),
        (62.0, "Alice", "Let's talk about gardens."),
        (62.0, "Bob", "Sure I love gardens. I grow tomatoes every summer."),
        (62.0, "Bob", "They never ripen in time, though."),
    ]


def test_otter_export_labels_and_times_become_speaker_and_start():
    transcript = parse_fixture("otter_export.txt")
    turns = [(s.start, s.speaker, s.text[:20]) for s in transcript.segments if s.speaker]
    assert turns == [
        (5.0, "Priya Nair", "Welcome everyone, an"),
        (21.0, "Speaker 1", "Happy to be here. I "),
        (3735.0, "Priya Nair", "Let's close with the"),
    ]
    assert not re.search(r"\d:\d\d|Priya Nair|Speaker 1", " ".join(s.text for s in transcript.segments[3:]))


def test_name_and_parenthesised_time_labels_become_speaker_and_start():
    transcript = parse_fixture("rev_export.txt")
    assert [(s.start, s.speaker, s.text) for s in transcript.segments] == [
        (5.0, "Priya Nair", "Welcome everyone, and thanks for coming out on such a rainy evening."),
        (21.0, "Tom Okafor", "Happy to be here. I brought the seed catalogue you asked about."),
        (3735.0, "Priya Nair", "Let's close with the compost rota for April."),
    ]


def test_plain_text_colon_phrases_that_are_no_names_stay_speech():
    data = (
        "The answer was simple: we planted earlier than anyone else that spring.\n"
        "Hide these tags: they only confuse the people reading the notes later on.\n"
        "Car j'ai 3 spécialités: la soupe, le pain et la tarte aux pommes du jardin.\n"
        "Then (12:30) we left the garden and walked home along the river.\n"
    ).encode()
    transcript = parse_transcript(data, "notes.txt")
    assert all(s.speaker is None for s in transcript.segments)
    assert "The answer was simple: we planted" in all_text(transcript)
    assert "Then (12:30) we left" in all_text(transcript)


def test_plain_prose_paragraphs():
    transcript = parse_fixture("prose.txt")
    assert transcript.format == "text"
    assert [s.text for s in transcript.segments] == [
        "This is a transcript that somebody typed up without any speaker labels or timestamps. "
        "The lines were wrapped by a text editor, so a sentence can run over several lines and "
        "must be joined back together.",
        "A second paragraph starts after a blank line. It is short.",
    ]
    assert all(s.start is None and s.speaker is None for s in transcript.segments)


# --- detection comes from content --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("interview.vtt", "webvtt"),
        ("youtube_autocaptions.vtt", "webvtt"),
        ("episode.srt", "srt"),
        ("word_level.json", "json"),
        ("episode.html", "html"),
        ("paragraphs.html", "html"),
        ("changelog_go-time-90_excerpt.md", "markdown"),
        ("labelled.txt", "text"),
        ("prose.txt", "text"),
        ("ytdlp_youtube.vtt", "webvtt"),
        ("youtube_rolling_trimmed.vtt", "webvtt"),
        ("netflix.vtt", "webvtt"),
        ("kitchen.srt", "srt"),
        ("otter_export.txt", "text"),
        ("rev_export.txt", "text"),
    ],
)
def test_detect_format_from_content(name, expected):
    assert detect_format(fixture(name).decode()) == expected


@pytest.mark.parametrize("misleading_name", ["x.txt", "x.srt", "x.md", "x.json", ""])
def test_file_name_does_not_decide_the_format(misleading_name):
    assert parse_transcript(fixture("interview.vtt"), misleading_name).format == "webvtt"
    assert parse_transcript(fixture("episode.srt"), misleading_name).format == "srt"


def test_prose_named_vtt_is_still_text_and_csv_named_md_still_unknown():
    assert parse_transcript(fixture("prose.txt"), "talk.vtt").format == "text"
    assert refusal(b"a,b,c\n1,2,3\n4,5,6\n7,8,9\n", "table.md") == "unknown format"


def test_file_name_breaks_a_tie_between_formats_that_both_fit():
    # Dotted times, no header, no cue numbers: a WebVTT body or a sloppy SRT file.
    headerless = b"00:00:01.000 --> 00:00:02.000\n<v Ann>Hello there.\n"
    assert parse_transcript(headerless).format == "webvtt"
    assert parse_transcript(headerless, "clip.vtt").segments[0].speaker == "Ann"
    srt = parse_transcript(headerless, "clip.srt")
    assert srt.format == "srt"
    assert srt.segments[0].text == "Hello there."


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom_is_accepted(encoding):
    text = fixture("episode.srt").decode()
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    transcript = parse_transcript(bom + text.encode(encoding))
    assert transcript.format == "srt"
    assert transcript.segments[1].text == "Today we talk about rivers."


def test_utf8_bom_is_accepted():
    transcript = parse_transcript(codecs.BOM_UTF8 + fixture("interview.vtt"))
    assert transcript.format == "webvtt"
    assert len(transcript.segments) == 4


def test_timing_line_without_spaces_around_the_arrow():
    transcript = parse_transcript(b"1\n00:00:01,000-->00:00:02,000\nTight arrows.\n")
    assert [(s.start, s.text) for s in transcript.segments] == [(1.0, "Tight arrows.")]


def test_windows_line_ends_are_accepted():
    transcript = parse_transcript(fixture("episode.srt").replace(b"\n", b"\r\n"))
    assert transcript.segments[0].text == "Hello and welcome to the programme."


# --- broken inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"   \n\t \r\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n\n"]
)
def test_empty_files(data):
    assert refusal(data) == "empty file"


def test_png_is_a_binary_file():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
    assert refusal(png, "transcript.txt") == "binary file (PNG image)"


def test_a_stray_nul_byte_is_a_replaced_character_not_a_binary_file():
    """The WebVTT parser replaces NUL with U+FFFD; one damaged byte costs one character."""
    transcript = parse_transcript(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi\x00there\n")
    assert [s.text for s in transcript.segments] == ["Hi\ufffdthere"]


def test_text_full_of_nul_bytes_is_still_a_binary_file():
    assert refusal("Hello there, a long talk about rivers.".encode("utf-16-le")) == "binary file"
    assert refusal(b"WEBVTT\n" + b"\x00" * 200) == "binary file"


@pytest.mark.parametrize("encoding", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_with_bom_is_accepted(encoding):
    text = fixture("episode.srt").decode()
    bom = {"utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}.get(encoding, b"")
    transcript = parse_transcript(bom + text.encode(encoding))
    assert transcript.format == "srt"
    assert transcript.segments[1].text == "Today we talk about rivers."


def test_mostly_control_bytes_make_a_binary_file():
    assert refusal(bytes(range(1, 32)) * 20) == "binary file"


def test_invalid_utf8_names_byte_and_offset():
    assert refusal(b"Hello there, this is \xff text") == "not valid UTF-8 (byte 0xff at offset 21)"
    latin1 = "Caf\u00e9 talk: we spoke at length about caf\u00e9s.".encode("latin-1")
    assert refusal(latin1) == "not valid UTF-8 (byte 0xe9 at offset 3)"
    # The offset counts from the start of the file, BOM included.
    assert refusal(codecs.BOM_UTF8 + b"ab\xc3") == "not valid UTF-8 (byte 0xc3 at offset 5)"


def test_invalid_utf8_error_keeps_its_cause():
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(b"abc \xff")
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)


@pytest.mark.parametrize(
    "data",
    [
        b"name,age,city\nAlice,30,Paris\nBob,25,Rome\nCarol,41,Oslo\n",
        b'<?xml version="1.0"?>\n<note><to>Tove</to><from>Jani</from>'
        b"<body>Don't forget me this weekend, and bring the long list of things.</body></note>",
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>A show</title></channel></rss>',
        b'{"name": "Alice", "items": [1, 2, 3]}',
        b"just five words here ok",
        b"x8#k2!q9 zz$$ 0x1f 77@@ ~~~~ 123 456 789 %% ^^ && ** ((",
    ],
    ids=["csv", "xml-note", "rss", "json-object", "too-short", "symbols"],
)
def test_unknown_formats(data):
    assert refusal(data) == "unknown format"


def test_random_bytes_never_parse():
    generator = random.Random(1234)
    for _ in range(50):
        data = bytes(generator.randrange(256) for _ in range(300))
        message = refusal(data)
        assert message.startswith(("binary file", "not valid UTF-8", "unknown format"))


def test_random_valid_utf8_text_is_unknown():
    generator = random.Random(99)
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789+/=!#%&"
    for _ in range(20):
        data = "".join(generator.choice(alphabet) for _ in range(400)).encode()
        assert refusal(data) == "unknown format"


FIXTURE_NAMES = sorted(path.name for path in FIXTURES.iterdir() if path.name != "README.md")


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_any_cut_or_damaged_fixture_parses_or_raises_transcript_error(name):
    data = fixture(name)
    for cut in range(0, len(data), 11):
        for variant in (data[:cut], data[:cut] + data[cut + 5:], data[:cut] + b"\xff"):
            try:
                transcript = parse_transcript(variant, name)
            except TranscriptError:
                continue
            assert_clean_segments(transcript)


@pytest.mark.parametrize("cut", [b"00:00:05.000 --> 00:0", b"00:0", b"3", b"3\n00:00:05.000 -"])
def test_a_vtt_cut_inside_its_last_timing_line_is_refused_whole(cut):
    data = (
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nFirst words.\n\n"
        b"00:00:03.000 --> 00:00:04.000\nSecond words.\n\n" + cut
    )
    assert refusal(data) == "truncated: the file ends inside its last cue's timing line"


@pytest.mark.parametrize("cut", [b"\n5\n00:01:20,0", b"\n5\n00:0", b"\n5", b"\n5\n00:01:20,000 --> 00:01:2"])
def test_an_srt_cut_inside_its_last_timing_line_is_refused_whole(cut):
    data = fixture("episode.srt") + cut
    assert refusal(data) == "truncated: the file ends inside its last cue's timing line"


def test_an_srt_whose_last_cue_is_whole_still_parses():
    data = fixture("episode.srt") + b"\n5\n00:01:20,000 --> 00:01:22,000\nThe end.\n"
    assert parse_transcript(data).segments[-1].text == "The end."


def test_a_bad_timing_line_in_a_whole_last_cue_drops_that_cue():
    """The file goes on past the bad line (the cue has its text): damaged, not cut off."""
    data = b"1\n00:00:01,000 --> 00:00:02,000\nOne.\n\n2\n00:00:0x,000 --> 00:00:04,000\nTwo.\n"
    assert [s.text for s in parse_transcript(data).segments] == ["One."]


def test_a_file_whose_every_timing_line_is_bad_names_the_first():
    data = b"WEBVTT\n\n00:00:0x.000 --> 00:00:02.000\nOne.\n\n00:00:03.000 --> 00:0y:04.000\nTwo.\n"
    assert refusal(data) == "bad cue timing line: '00:00:0x.000 --> 00:00:02.000'"


def test_vtt_cut_before_any_whole_cue_has_no_text():
    assert refusal(b"WEBVTT\n\n00:00:01.000 --> 00:00") == "no transcript text found"


@pytest.mark.parametrize(("end", "missing"), [("", "</body>"), ("</p>", "</body>"), ("</p></body>", "</html>")])
def test_an_html_document_cut_before_its_closing_tags_is_refused_whole(end, missing):
    page = "<!DOCTYPE html><html><head><title>Ep</title></head><body><p>Hello there, friends.</p><p>More." + end
    assert refusal(page.encode(), "ep.html") == f"truncated: the file ends before its {missing}"


def test_bad_timing_line_in_the_middle_drops_its_cue_only(caplog):
    data = (
        b"1\n00:00:01,000 --> 00:00:02,000\nOne.\n\n2\n00:00:0x,000 --> 00:00:04,000\nTwo.\n\n"
        b"3\n00:00:05,000 --> 00:00:06,000\nThree.\n"
    )
    assert [(s.start, s.text) for s in parse_transcript(data).segments] == [(1.0, "One."), (5.0, "Three.")]
    [record] = [r for r in caplog.records if r.name == "search.formats._cues"]
    # (The entry point's logging quotes values with spaces, in the record itself: look inside.)
    assert record.levelname == "WARNING" and record.args[0] == 1
    assert "00:00:0x,000 --> 00:00:04,000" in record.getMessage()


@pytest.mark.parametrize("damaged", [700, 0])
@pytest.mark.parametrize("extension", ["srt", "vtt"])
def test_one_malformed_cue_among_1342_good_ones_drops_only_that_cue(extension, damaged):
    separator = "," if extension == "srt" else "."
    cues = [
        f"{n}\n00:{n // 60:02}:{n % 60:02}{separator}000 --> 00:{n // 60:02}:{n % 60:02}{separator}900\n"
        f"Sentence number {n}.\n"
        for n in range(1, 1344)
    ]
    cues[damaged] = f"{damaged + 1}\n00:11:4O{separator}000 --> 00:11:40{separator}900\nThe damaged one.\n"
    header = "WEBVTT\n\n" if extension == "vtt" else ""
    transcript = parse_transcript((header + "\n".join(cues)).encode(), f"long.{extension}")
    assert len(transcript.segments) == 1342
    assert "The damaged one." not in all_text(transcript)
    assert transcript.segments[damaged].text == f"Sentence number {damaged + 2}."


def test_files_with_only_stage_notes_have_no_text():
    assert refusal(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n[Music]\n") == (
        "no transcript text found"
    )
    assert refusal(b"<html><body><p>[Applause]</p></body></html>") == "no transcript text found"


def test_decomposed_letters_are_composed_as_the_file_is_read():
    """macOS writes "ï" as "i" + U+0308; stored composed, the analyzer keeps the word whole."""
    decomposed = unicodedata.normalize("NFD", "A naïve man from Zürich spoke about the café at length today.")
    text = all_text(parse_transcript(decomposed.encode(), "notes.txt"))
    assert "naïve" in text and "Zürich" in text and "café" in text


# --- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("01:46", 106.0),
        ("1:02:03", 3723.0),
        ("01:02:03.45", 3723.45),
        ("00:00:01,500", 1.5),
        ("0:05", 5.0),
        ("100:00", 6000.0),
        ("1:2", None),
        ("abc", None),
    ],
)
def test_parse_timestamp(text, seconds):
    assert parse_timestamp(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("45m", 2700), ("1h 2m", 3720), ("1h", 3600), ("2m 5s", 125), ("", None), ("soon", None)],
)
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_remove_stage_notes_keeps_spoken_parentheses():
    text = "[Music] So (if you can remember) it was \\[laughter\\] fine (inaudible) [Applause]"
    assert " ".join(remove_stage_notes(text).split()) == "So (if you can remember) it was fine"


def test_chunk_words_cuts_long_text_at_sentence_ends():
    sentence = "This sentence has exactly eight words in it."
    chunks = chunk_words(" ".join([sentence] * 30))
    assert all(chunk.endswith("in it.") for chunk in chunks)
    assert all(40 <= len(chunk.split()) <= 80 for chunk in chunks)
    assert " ".join(chunks) == " ".join([sentence] * 30)
    run_on = " ".join(f"word{i}" for i in range(200))
    assert [len(chunk.split()) for chunk in chunk_words(run_on)] == [80, 80, 40]
