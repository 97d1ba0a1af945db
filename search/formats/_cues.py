"""Timed cues shared by SRT and WebVTT: blank-line blocks, an optional id, a timing line."""

from __future__ import annotations

import re

from search.errors import TranscriptError
from search.formats._text import TIME_PATTERN, parse_timestamp

TIMING = re.compile(
    rf"[ \t]*(?P<start>{TIME_PATTERN})[ \t]*-->[ \t]*(?P<end>{TIME_PATTERN})(?:[ \t].*)?"
)
# Blocks end at an empty line. WebVTT means exactly that (YouTube puts a line holding one space
# inside a cue); SRT writers are sloppier, so there a line of blanks ends a block too.
EMPTY_LINE = re.compile(r"\n\n+")
BLANK_LINE = re.compile(r"\n[ \t]*\n")

# A cue: its start in seconds and its raw text lines.
Cue = tuple[float, list[str]]


def read_cues(text: str, block_break: re.Pattern[str] = BLANK_LINE) -> list[Cue]:
    """Cues in file order; blocks without a timing line (headers, NOTE, STYLE) are skipped.

    A malformed timing line is an error, except in the last block: a download cut off in the
    middle of its final cue still holds every cue before it, so that one cue is dropped.
    """
    blocks = block_break.split(text.strip())
    cues: list[Cue] = []
    for number, block in enumerate(blocks, start=1):
        cue = _read_cue(block, is_last=number == len(blocks))
        if cue is not None:
            cues.append(cue)
    return cues


def _read_cue(block: str, is_last: bool) -> Cue | None:
    """The cue in one block: timing on its first line, or on its second after a cue id."""
    lines = block.split("\n")
    for position, line in enumerate(lines[:2]):
        if "-->" not in line:
            continue
        match = TIMING.fullmatch(line)
        if match is not None:
            return parse_timestamp(match["start"]), lines[position + 1:]
        if is_last:
            return None
        raise TranscriptError(f"bad cue timing line: {line.strip()[:60]!r}")
    return None


def starts_with_cue(text: str) -> bool:
    """Whether the text opens with a cue: an optional id line, then a timing line."""
    lines = text.lstrip().split("\n", 2)
    return any(TIMING.fullmatch(line) for line in lines[:2])
