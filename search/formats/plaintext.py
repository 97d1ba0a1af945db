"""Plain text: `Name: text` turns with optional `[00:01:02]` stamps, or unlabelled prose."""

from __future__ import annotations

import re
from collections.abc import Iterator

from search.formats._text import STAMP, looks_like_prose, split_speaker_label
from search.formats._turns import Paragraph, build_turn_segments, group_paragraphs, prose_segments
from search.models import Transcript

NAME = "text"
EXTENSIONS = (".txt", ".text")

_LEADING_STAMP = re.compile(r"[ \t]*" + STAMP.pattern + r"[ \t]*")
_MIN_LABELLED_LINES = 2


def looks_like(text: str) -> bool:
    """Whether the text, timestamps aside, reads as natural language (labelled or not)."""
    return looks_like_prose(STAMP.sub(" ", text[:20000]))


def parse(text: str) -> Transcript:
    """Parse labelled turns when there are any, else cut prose into paragraph segments."""
    lines = text.split("\n")
    if _has_labels(text):
        paragraphs = group_paragraphs(lines, _starts_turn)
        segments = build_turn_segments(_labelled(paragraphs))
    else:
        segments = prose_segments(lines)
    return Transcript(segments=segments, format=NAME)


def _has_labels(text: str) -> bool:
    """Whether at least two lines open with a speaker label."""
    labelled = 0
    for line in text.split("\n"):
        labelled += _starts_turn(line.strip())
        if labelled >= _MIN_LABELLED_LINES:
            return True
    return False


def _starts_turn(line: str) -> bool:
    """Whether a line opens with `Name:`, perhaps after a timestamp."""
    return _split_label(line)[0] is not None


def _split_label(paragraph: str) -> tuple[str | None, str]:
    """Split `[00:01:02] Name:` off a paragraph, keeping the stamp in the text for its time."""
    stamp = _LEADING_STAMP.match(paragraph)
    rest = paragraph[stamp.end():] if stamp else paragraph
    label, rest = split_speaker_label(rest)
    if label is None:
        return None, paragraph
    return label, (stamp.group(0) if stamp else "") + rest


def _labelled(paragraphs: Iterator[str]) -> Iterator[Paragraph]:
    """Each paragraph as (label or None, text)."""
    for paragraph in paragraphs:
        yield _split_label(paragraph)

