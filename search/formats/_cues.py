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

# What is left of a cue id or a timing line cut short: "12", "00:0", "00:00:05.000 --> 00:0".
_CUT_TIMING = re.compile(r"[ \t]*[\d:.,]+(?:[ \t]*-{1,2}>?[ \t]*[\d:.,]*)?[ \t]*")

# A cue: its start in seconds and its raw text lines.
Cue = tuple[float, list[str]]


def read_cues(text: str, block_break: re.Pattern[str] = BLANK_LINE) -> list[Cue]:
    """Cues in file order; blocks without a timing line (headers, NOTE, STYLE) are skipped.

    A malformed timing line is an error. In the last block it means the file was cut off (a
    download that stopped early), and a cut file is refused whole rather than stored in part.
    """
    blocks = block_break.split(text.strip())
    cues: list[Cue] = []
    for block in blocks[:-1]:
        cue = _read_cue(block)
        if cue is not None:
            cues.append(cue)
    last = _read_last_cue(blocks[-1])
    return cues + [last] if last is not None else cues


def _read_cue(block: str) -> Cue | None:
    """The cue in one block: timing on its first line, or on its second after a cue id."""
    lines = block.split("\n")
    for position, line in enumerate(lines[:2]):
        if "-->" not in line:
            continue
        match = TIMING.fullmatch(line)
        if match is None:
            raise TranscriptError(f"bad cue timing line: {line.strip()[:60]!r}")
        return parse_timestamp(match["start"]), lines[position + 1:]
    return None


def _read_last_cue(block: str) -> Cue | None:
    """The last block's cue; 'truncated' when the file stops at its id or inside its timing line."""
    lines = block.split("\n")
    end = lines[-1]
    if len(lines) <= 2 and _CUT_TIMING.fullmatch(end) and not TIMING.fullmatch(end):
        raise TranscriptError("truncated: the file ends inside its last cue's timing line")
    return _read_cue(block)


def starts_with_cue(text: str) -> bool:
    """Whether the text opens with a cue: an optional id line, then a timing line."""
    lines = text.lstrip().split("\n", 2)
    return any(TIMING.fullmatch(line) for line in lines[:2])
