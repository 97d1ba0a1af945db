"""Fuzz target `formats`: near-valid transcript files of every format through what `podquote ingest`
does with one file (decode, detect the format, parse, describe the episode).

A file may be refused only with a TranscriptError; what is accepted must be clean speech: segments
of collapsed, non-empty text, start times that are moments, no timing line or tag left in the words
of a caption file. A file that takes seconds to read is a finding too (outside text gets linear work).
"""

from __future__ import annotations

import logging
import time

from hypothesis import strategies as st

from bot.ingest import record_from_bytes
from search.errors import TranscriptError
from search.formats._text import is_moment

TARGET_NAME = "formats"
MAX_SIZE = 8192
# Far above what a few kilobytes take (milliseconds): only a blow-up gets near it.
SLOW_SECONDS = 2.0
# The name a file arrives with only breaks ties between formats; each input gets one of these.
NAMES = ("episode.vtt", "episode.srt", "episode.txt", "episode.md", "episode.json", "episode.html", "episode")

_words = st.lists(
    st.sampled_from(
        "the ferry leaves at noon so we planted beans Witkoff said 3 spécialités: answer was simple"
        " naïve café — … 'quoted' \"double\" [Music] (laughs) &amp; &lrm; <i> </i> <c.first"
        " <00:00:01.230><c> </c> {\\an8} --> : Note: HOST: Marie".split()
    ),
    min_size=0,
    max_size=14,
).map(" ".join)
_names = st.sampled_from(["Priya Nair", "Speaker 1", "HOST", "Tom", "The answer was simple", "Dr. O'Brien", ""])


@st.composite
def _clock(draw, separator: str = ".") -> str:
    """A cue time, usually well formed, sometimes odd: three-digit hours, no hours, a cut fraction."""
    hours = draw(st.sampled_from(["00:", "01:", "123:", "", "0:"]))
    minutes, seconds = draw(st.integers(0, 99)), draw(st.integers(0, 99))
    fraction = draw(st.sampled_from(["000", "5", "999", "", "12"]))
    return f"{hours}{minutes:02}:{seconds:02}" + (f"{separator}{fraction}" if fraction else "")


@st.composite
def _cue_file(draw, webvtt: bool) -> str:
    """An SRT or WebVTT file: ids or none, settings, YouTube-style rolling lines, blank-line quirks."""
    separator = "." if webvtt else ","
    lines = ["WEBVTT" + draw(st.sampled_from(["", " \t", " - title", "\nKind: captions\nLanguage: en"]))] if webvtt else []
    previous = ""
    for number in range(1, draw(st.integers(1, 12)) + 1):
        lines.append(draw(st.sampled_from(["", "", " ", "\n", "NOTE a comment\n"])))
        if draw(st.booleans()):
            lines.append(str(number))
        settings = draw(st.sampled_from(["", " align:start position:0%", "align:start", "\fline:84%", "  position:50.00%,middle "]))
        lines.append(f"{draw(_clock(separator))} --> {draw(_clock(separator))}{settings}")
        text = draw(_words)
        if webvtt and previous and draw(st.booleans()):
            lines.append(previous)  # a rolling caption repeats the line before
        speaker = draw(_names)
        lines.append(f"{speaker}: {text}" if speaker and draw(st.booleans()) else text)
        previous = text
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@st.composite
def _labelled_text(draw) -> str:
    """Plain-text turns: `Name: words`, Otter's `Name  0:05` lines, Rev's `Name (00:00:05):`."""
    lines = []
    for _ in range(draw(st.integers(1, 10))):
        name, clock, words = draw(_names) or "Ann", draw(_clock()), draw(_words)
        lines.append(draw(st.sampled_from([
            f"{name}: {words}", f"{name}  {clock}\n{words}", f"{name} ({clock}): {words}",
            f"[{clock}] {name}: {words}", words,
        ])))
    return "\n\n".join(lines)


@st.composite
def _json_file(draw) -> str:
    """A Podcasting 2.0 JSON transcript, times sometimes odd."""
    entries = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.sampled_from(["1.5", "0", "-2", "1e400", '"3"', "null", "12345678901234567890"]))
        entries.append(f'{{"startTime": {start}, "speaker": "{draw(_names)}", "body": "{draw(_words)}"}}')
    return '{"version": "1.0.0", "segments": [' + ", ".join(entries) + "]}"


@st.composite
def _markup_file(draw) -> str:
    """Markdown turns with escaped stamps, or an HTML transcript with <cite> and <time>."""
    turns = [(draw(_names) or "Ann", draw(_clock()), draw(_words)) for _ in range(draw(st.integers(1, 6)))]
    if draw(st.booleans()):
        return "# Episode\n\n" + "\n\n".join(f"**{n}:** \\[{c}\\] {w}" for n, c, w in turns)
    body = "".join(f"<cite>{n}:</cite> <time>{c}</time> <p>{w}</p>\n" for n, c, w in turns)
    return "<!DOCTYPE html><html><body>" + body + draw(st.sampled_from(["</body></html>", ""]))


@st.composite
def _damaged(draw, files: st.SearchStrategy[str]) -> bytes:
    """Bytes of the text, damaged the ways real files are: cut short, a stretch dropped or doubled,
    an odd character or byte-order mark put in, another encoding."""
    raw = draw(files).encode("utf-8")
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(raw)))
        kind = draw(st.sampled_from(["cut", "drop", "double", "insert", "none"]))
        if kind == "cut":
            raw = raw[:at]
        elif kind == "drop":
            raw = raw[:at] + raw[at + draw(st.integers(1, 40)):]
        elif kind == "double":
            raw = raw[:at] + raw[max(0, at - 60):at] + raw[at:]
        elif kind == "insert":
            odd = draw(st.sampled_from(
                [b"\x00", b"\f", b"\r", b"\r\n", b"\xef\xbb\xbf", b"\xff", b" " * 3000, b"-->", b"<", b":", b"\t",
                 b"<v" + b" " * 20000]
            ))
            raw = raw[:at] + odd + raw[at:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16", "utf-32", "utf-8-sig"]))
    if encoding != "utf-8":
        raw = raw.decode("utf-8", errors="replace").encode(encoding)
    return raw


def inputs() -> st.SearchStrategy[bytes]:
    """Near-valid transcripts of every format, damaged a little."""
    files = st.one_of(
        _cue_file(webvtt=True), _cue_file(webvtt=False), _labelled_text(), _json_file(), _markup_file()
    )
    return _damaged(files)


def check(data: bytes) -> None:
    """Ingest one file's bytes as `podquote ingest` would; refusing it with a TranscriptError is fine."""
    # Dropped cues are logged for the operator; thousands of inputs' lines would bury the report.
    logging.getLogger("search.formats").setLevel(logging.ERROR)
    name = NAMES[len(data) % len(NAMES)]
    began = time.perf_counter()
    try:
        record = record_from_bytes(data, name, f"fuzz/{name}")
    except TranscriptError:
        return
    finally:
        took = time.perf_counter() - began
        if took > SLOW_SECONDS:
            raise AssertionError(f"{len(data)} bytes took {took:.1f} s")
    _check_clean(record.episode.segments, record.format)


def _check_clean(segments, file_format: str) -> None:
    """Accepted text is clean speech with linkable times."""
    assert segments, "accepted without any segment"
    for segment in segments:
        assert segment.text and segment.text == " ".join(segment.text.split()), repr(segment.text)
        assert segment.start is None or is_moment(segment.start), segment.start
        if file_format in ("srt", "webvtt"):
            assert "-->" not in segment.text, f"timing line kept as speech: {segment.text!r}"
            assert "<c" not in segment.text and "</" not in segment.text, f"tag kept: {segment.text!r}"
