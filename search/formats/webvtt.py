"""WebVTT captions, including YouTube's rolling auto-captions whose cues repeat earlier lines."""

from __future__ import annotations

import re
from itertools import groupby

from search.formats._cues import (
    caption_line,
    is_empty_line,
    join_split_tags,
    read_cues,
    starts_with_cue,
)
from search.formats._text import add_segments, collapse_whitespace
from search.models import Segment, Transcript

NAME = "webvtt"
EXTENSIONS = (".vtt", ".webvtt")

# One blank, then the name up to the tag's end: "[ \t]+([^>]+)" took time quadratic in a run of blanks.
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?[ \t]([^<>]*)>")
_HEADERLESS_DOTTED = re.compile(r"\s*(?:\d+:)?\d+:\d{2}\.\d+[ \t]+-->")

# Roll-up captions carry at most a few lines over (YouTube one or two); looking no further keeps two
# cues of thousands of lines from being compared in every overlap.
_MAX_ROLLED_LINES = 4

# A caption line: who says it (None when untold) and what is said.
Line = tuple[str | None, str]


def looks_like(text: str) -> bool:
    """Whether the text has a WEBVTT header, or (no header) opens straight on a '.'-timed cue."""
    stripped = text.lstrip()
    return stripped.startswith("WEBVTT") or (
        starts_with_cue(stripped) and _HEADERLESS_DOTTED.match(stripped) is not None
    )


def parse(text: str) -> Transcript:
    """One segment per cue and voice, each spoken word kept once with the time it first appears."""
    segments: list[Segment] = []
    previous: list[Line] = []
    for start, raw_lines in read_cues(text, is_empty_line):
        lines = _caption_lines(raw_lines)
        for speaker, group in groupby(_new_lines(lines, previous), key=lambda line: line[0]):
            add_segments(segments, " ".join(words for _, words in group), start, speaker)
        previous = lines or previous
    return Transcript(segments=segments, format=NAME)


def _caption_lines(raw_lines: list[str]) -> list[Line]:
    """A cue's non-empty lines as plain text, each with the voice (`<v Name>`) speaking it."""
    lines: list[Line] = []
    speaker = None
    for raw in join_split_tags(raw_lines):
        voice = _VOICE.search(raw)
        if voice is not None:
            speaker = collapse_whitespace(voice.group(1)) or None
        words = caption_line(raw)
        if words:
            lines.append((speaker, words))
    return lines


def _new_lines(lines: list[Line], previous: list[Line]) -> list[Line]:
    """The lines of a cue that are new: auto-captions open each cue with the previous one's end."""
    for overlap in range(min(len(lines), len(previous), _MAX_ROLLED_LINES), 0, -1):
        if lines[:overlap] == previous[-overlap:]:
            return lines[overlap:]
    return lines
