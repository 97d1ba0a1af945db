"""Podcasting 2.0 JSON transcripts: `{"segments": [{"startTime", "speaker", "body"}, ...]}`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from itertools import groupby

from search.errors import TranscriptError
from search.formats._text import add_segments, is_moment
from search.models import Segment, Transcript

NAME = "json"
EXTENSIONS = (".json",)

_SEGMENTS_KEY = re.compile(r'"segments"\s*:')
_SPACE_BEFORE_PUNCTUATION = re.compile(r" (?=[,.;:!?…])")
_SENTENCE_END = ".?!…"
MAX_WORDS = 30

# One entry of the file's list: (speaker, start, body).
Row = tuple[str | None, float | None, str]


def looks_like(text: str) -> bool:
    """Whether the text is a JSON object with a "segments" key, or one cut short before its end."""
    if not text.lstrip().startswith("{"):
        return False
    return _SEGMENTS_KEY.search(text) is not None or not text.rstrip().endswith("}")


def parse(text: str) -> Transcript:
    """Merge the (often one-word) entries into sentence-sized segments, one speaker each."""
    rows = _rows(_load(text))
    segments: list[Segment] = []
    for speaker, turn in groupby(rows, key=lambda row: row[0]):
        for start, words in _sentences(turn):
            add_segments(segments, words, start, speaker)
    return Transcript(segments=segments, format=NAME)


def _load(text: str) -> object:
    """Decode the JSON, telling a file cut short from one that is malformed."""
    try:
        return json.loads(text)
    except RecursionError as error:
        # Python's decoder recurses once per nested list or object; thousands of `[` exhaust it.
        raise TranscriptError("malformed JSON transcript (nested too deeply)") from error
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise TranscriptError("truncated JSON transcript") from error
        raise TranscriptError(
            f"malformed JSON transcript (line {error.lineno}, column {error.colno})"
        ) from error


def _rows(data: object) -> list[Row]:
    """The segment entries; 'unknown format' when the JSON is no Podcasting 2.0 transcript."""
    entries = data.get("segments") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise TranscriptError("unknown format (JSON without a list of transcript segments)")
    return [_row(entry) for entry in entries if isinstance(entry.get("body"), str)]


def _row(entry: dict) -> Row:
    """(speaker, start, body) of one entry; a missing or odd speaker or time becomes None."""
    speaker = entry.get("speaker")
    return (
        speaker.strip() or None if isinstance(speaker, str) else None,
        _start(entry.get("startTime")),
        entry["body"].strip(),
    )


def _start(value: object) -> float | None:
    """A start time in seconds; None for anything that is no moment of the episode (a string,
    NaN, a negative number, 1e400), so the words still go in without a time."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an integer literal of hundreds of digits
        return None
    return seconds if is_moment(seconds) else None


def _sentences(rows: Iterable[Row]) -> Iterator[tuple[float | None, str]]:
    """(first start, text) for runs of entries closed by a sentence end or MAX_WORDS words."""
    start: float | None = None
    bodies: list[str] = []
    for _, row_start, body in rows:
        if not body:
            continue
        if not bodies:
            start = row_start
        bodies.append(body)
        if body[-1] in _SENTENCE_END or sum(b.count(" ") + 1 for b in bodies) >= MAX_WORDS:
            yield start, _join(bodies)
            bodies = []
    if bodies:
        yield start, _join(bodies)


def _join(bodies: list[str]) -> str:
    """Words joined by spaces, without a space before punctuation that came as its own entry."""
    return _SPACE_BEFORE_PUNCTUATION.sub("", " ".join(bodies))
