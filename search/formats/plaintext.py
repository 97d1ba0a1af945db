"""Plain text: `Name: text` turns with optional `[00:01:02]` stamps, or unlabelled prose.

Transcription services' exports are plain text too: Otter.ai puts `Name  0:05` on a line of its own
above each turn, Rev and Descript write `Name (00:00:05):`. Both become a speaker and a time.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterator

from search.formats._text import (
    STAMP,
    TIME_PATTERN,
    is_speaker_name,
    looks_like_prose,
    recurring_speakers,
    split_speaker_label,
)
from search.formats._turns import Paragraph, build_turn_segments, group_paragraphs, prose_segments
from search.models import Transcript

NAME = "text"
EXTENSIONS = (".txt", ".text")

_LEADING_STAMP = re.compile(r"[ \t]*" + STAMP.pattern + r"[ \t]*")
# `Speaker 1  0:05` on a line above the words (Otter.ai: two spaces before the time, which tell it
# from prose), or `Jane Doe (00:00:05):` before them (Rev, Descript).
_TIMED_LABEL = re.compile(
    rf"(?P<name>[^\W\d_][^\n():\[\]]{{0,39}}?)"
    rf"(?:(?:  |\t)[ \t]*(?P<alone>{TIME_PATTERN})(?:[ \t]+|$)"
    rf"|[ \t]*\((?P<paren>{TIME_PATTERN})\)[ \t]*:[ \t]*)"
)
# A timed label fits in this many characters; looking no further keeps a long line's work short.
_LABEL_SPAN = 100
_MIN_LABELLED_LINES = 2


def looks_like(text: str) -> bool:
    """Whether the text, timestamps aside, reads as natural language (labelled or not)."""
    return looks_like_prose(STAMP.sub(" ", text[:20000]))


def parse(text: str) -> Transcript:
    """Parse labelled turns when there are any, else cut prose into paragraph segments."""
    lines = text.split("\n")
    speakers = recurring_speakers(_unstamped(line.strip()) for line in lines)
    labelled = [line for line in lines if _split_label(line.strip(), speakers)[0] is not None]
    if len(labelled) >= _MIN_LABELLED_LINES:
        paragraphs = group_paragraphs(lines, lambda line: _split_label(line, speakers)[0] is not None)
        segments = build_turn_segments(_labelled(paragraphs, speakers))
    else:
        segments = prose_segments(lines)
    return Transcript(segments=segments, format=NAME)


def _unstamped(line: str) -> str:
    """A line without the timestamp it may open with."""
    stamp = _LEADING_STAMP.match(line)
    return line[stamp.end():] if stamp else line


def _split_label(paragraph: str, speakers: Container[str]) -> tuple[str | None, str]:
    """Split a speaker label off a paragraph, keeping its time in the text as a stamp:
    `[00:01:02] Name: words`, `Name  0:05` or `Name (00:00:05): words`."""
    timed = _TIMED_LABEL.match(paragraph[:_LABEL_SPAN])
    if timed is not None and is_speaker_name(timed["name"].strip()):
        time = timed["alone"] or timed["paren"]
        return timed["name"].strip(), f"[{time}] {paragraph[timed.end():]}"
    stamp = _LEADING_STAMP.match(paragraph)
    rest = paragraph[stamp.end():] if stamp else paragraph
    label, rest = split_speaker_label(rest, speakers)
    if label is None:
        return None, paragraph
    return label, (stamp.group(0) if stamp else "") + rest


def _labelled(paragraphs: Iterator[str], speakers: Container[str]) -> Iterator[Paragraph]:
    """Each paragraph as (label or None, text)."""
    for paragraph in paragraphs:
        yield _split_label(paragraph, speakers)
