"""Podscripts pages saved as text: `Show - Title`, `Episode Date: ...`, hard-wrapped speech."""

from __future__ import annotations

import re

from search.errors import TranscriptError
from search.formats._text import collapse_whitespace, parse_date
from search.formats._turns import prose_segments
from search.models import Transcript

NAME = "podscripts"
EXTENSIONS = (".txt",)

# The page glues the description straight onto the date: "December 1, 2025Bizarre negotiations".
_DATE_LINE = re.compile(r"Episode Date:\s*([A-Z][a-z]+\.? \d{1,2}, \d{4})?(.*)")
_DISCUSSION = re.compile(r"Discussion \(\d+\)")
_HEADER_LINES = 12


def looks_like(text: str) -> bool:
    """Whether line 2 is `Episode Date:` and a `Transcript` line follows soon after."""
    lines = [line.strip() for line in text.lstrip().split("\n", _HEADER_LINES)[:_HEADER_LINES]]
    return len(lines) > 2 and lines[1].startswith("Episode Date:") and "Transcript" in lines[2:]


def parse(text: str) -> Transcript:
    """Parse the header into metadata and the wrapped lines into whole-sentence segments."""
    lines = [line.strip() for line in text.strip().split("\n")]
    if "Transcript" not in lines[2:]:
        raise TranscriptError("podscripts page without its 'Transcript' line")
    transcript_at = lines.index("Transcript", 2)
    body_start = transcript_at + 1
    if body_start < len(lines) and _DISCUSSION.fullmatch(lines[body_start]):
        body_start += 1
    podcast, title = _show_and_title(lines[0])
    date_text, description = _DATE_LINE.match(lines[1]).groups()
    description = collapse_whitespace(" ".join([description, *lines[2:transcript_at]]))
    return Transcript(
        segments=prose_segments(lines[body_start:]),
        format=NAME,
        podcast=podcast,
        title=title,
        published=parse_date(date_text or "", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y"),
        description=description or None,
    )


def _show_and_title(line: str) -> tuple[str | None, str | None]:
    """Split `Show - Title` at the first ' - '; a line without one is all title."""
    show, separator, title = line.strip().partition(" - ")
    if not separator:
        return None, show or None
    return show.strip() or None, title.strip() or None
