"""Timed cues shared by SRT and WebVTT: blocks of lines, an optional id, a timing line, text.

Read line by line as the WebVTT parser reads them (https://www.w3.org/TR/webvtt1/#file-parsing):
a line with "-->" is a timing line wherever it stands, even right under the last cue's text with
no blank line between (yt-dlp writes YouTube's captions so), and a cue whose timing line is
malformed is dropped, not the whole file.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable

from search.errors import TranscriptError
from search.formats._text import TIME_PATTERN, parse_timestamp, strip_tags

log = logging.getLogger(__name__)

# Settings may follow the end time after whitespace or, as some writers do, straight after it.
# Whitespace is the WebVTT spec's: space, tab, form feed.
TIMING = re.compile(
    rf"[ \t\f]*(?P<start>{TIME_PATTERN})[ \t\f]*-->[ \t\f]*(?P<end>{TIME_PATTERN})"
    r"(?:[ \t\f].*|[A-Za-z].*)?"
)
# What is left of a cue id or a timing line cut short: "12", "00:0", "00:00:05.000 --> 00:0".
_CUT_TIMING = re.compile(r"[ \t]*[\d:.,]+(?:[ \t]*-{1,2}>?[ \t]*[\d:.,]*)?[ \t]*")
# How far into a file a cue number's timing line is looked for.
_FIRST_LINES = 12
# Blocks that are never a cue's text, even when one follows a cue that has none.
_NOT_TEXT = ("NOTE", "STYLE", "REGION", "WEBVTT")

# A tag opened on one line and closed on the next; a tag left open (`<c.first` with no `>`).
_SPLIT_TAG = re.compile(r"<[^<>\n]*\n[^<>]*>")
_OPEN_TAG = re.compile(r"</?[A-Za-z][\w.-]*|</|<\d{1,9}:[\d:.]*")
# Positioning codes some SRT writers borrow from SSA/ASS: {\an8}, {\i1}.
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")
# Direction marks Netflix writes as &lrm; before each line: invisible, and they split words.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))

# A cue: its start in seconds and its raw text lines.
Cue = tuple[float, list[str]]


def is_empty_line(line: str) -> bool:
    """WebVTT ends a block only at an empty line (YouTube puts a line of one space inside cues)."""
    return not line


def is_blank_line(line: str) -> bool:
    """SRT writers are sloppier: there a line of blanks ends a block too."""
    return not line.strip()


def read_cues(text: str, ends_block: Callable[[str], bool] = is_blank_line) -> list[Cue]:
    """Cues in file order; blocks without a timing line (headers, NOTE, STYLE) are skipped.

    A file that stops inside its last cue's number or timing line was cut off (a download that
    stopped early) and is refused whole rather than stored in part. A malformed timing line
    elsewhere drops its cue; a file with no cue left names the first bad line.
    """
    lines = text.strip().split("\n")
    if _cut_off(lines):
        raise TranscriptError("truncated: the file ends inside its last cue's timing line")
    reader = _CueReader(ends_block)
    for line in lines:
        reader.feed(line)
    reader.end_block()
    if reader.bad and not reader.cues:
        raise TranscriptError(f"bad cue timing line: {reader.bad[0].strip()[:60]!r}")
    if reader.bad:
        log.warning("cues with a bad timing line dropped count=%d first=%s", len(reader.bad), reader.bad[0][:60])
    return reader.cues


class _CueReader:
    """Sorts a caption file's lines, one at a time, into cues."""

    def __init__(self, ends_block: Callable[[str], bool]) -> None:
        """Start outside any block."""
        self.ends_block = ends_block
        self.cues: list[Cue] = []
        self.bad: list[str] = []
        self._text: list[str] | None = None  # the text lines of the cue being read
        self._dropping = False  # inside a cue whose timing line was malformed
        self._pending: list[str] = []  # a block's lines before any timing line: ids, headers, notes
        self._textless: list[str] | None = None  # the cue just ended, when it ended without text

    def feed(self, line: str) -> None:
        """Take the next line of the file."""
        if "-->" in line:
            self._start_cue(line)
        elif self.ends_block(line):
            self.end_block()
        elif self._text is not None:
            self._text.append(line)
        elif not self._dropping:
            self._pending.append(line)

    def _start_cue(self, line: str) -> None:
        """Begin the cue a timing line opens; a line of digits just above it is its number."""
        if self._text and self._text[-1].strip().isdigit():
            self._text.pop()
        self._pending, self._textless = [], None
        match = TIMING.fullmatch(line)
        self._dropping = match is None
        if match is None:
            self.bad.append(line)
            self._text = None
            return
        self._text = []
        self.cues.append((parse_timestamp(match["start"]), self._text))

    def end_block(self) -> None:
        """An empty line: the block ends. Text standing alone right after a cue without any (the
        cue's text set off by a blank line, as trimmed YouTube captions have it) is that cue's."""
        if self._pending and self._textless is not None and not self._pending[0].startswith(_NOT_TEXT):
            self._textless.extend(self._pending)
        ended_textless = self._text is not None and not any(line.strip() for line in self._text)
        self._textless = self._text if ended_textless else None
        self._text, self._dropping, self._pending = None, False, []


def _cut_off(lines: list[str]) -> bool:
    """Whether the file stops inside its last cue's number or timing line."""
    end = lines[-1]
    if not _CUT_TIMING.fullmatch(end) or TIMING.fullmatch(end):
        return False
    if "-->" in end:
        return True
    # A number or a clock cut short is only a cut timing line as the first or second line of its
    # block; under a timing line or other text it is speech ("42").
    before = lines[-3:-1]
    if before and TIMING.fullmatch(before[-1]):
        return False
    return len(before) < 2 or not all(line.strip() for line in before)


def starts_with_cue(text: str) -> bool:
    """Whether the text opens with a cue (an optional id line, then a timing line), or with a cue
    number and a timing line soon after: the first cue's own timing line may be the malformed one."""
    lines = text.lstrip().split("\n", _FIRST_LINES)[:_FIRST_LINES]
    if any(TIMING.fullmatch(line) for line in lines[:2]):
        return True
    return lines[0].strip().isdigit() and any(TIMING.fullmatch(line) for line in lines)


def join_split_tags(lines: list[str]) -> list[str]:
    """A cue's raw lines, with any tag that runs over a line end joined onto one line."""
    text = "\n".join(lines)
    if "<" in text and "\n" in text:
        text = _SPLIT_TAG.sub(lambda match: match[0].replace("\n", " "), text)
    return text.split("\n")


def caption_line(raw: str) -> str:
    """One line of a cue as plain text: no tags (closed or left open), ASS codes, entities or
    direction marks; whitespace collapsed."""
    if "<" in raw:
        raw = _OPEN_TAG.sub("", strip_tags(raw))
    if "{" in raw:
        raw = _ASS_OVERRIDE.sub("", raw)
    if "&" in raw:
        raw = html.unescape(raw)
    return " ".join(raw.translate(_BIDI_MARKS).split())
