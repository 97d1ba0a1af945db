"""Archive.fm text pages: show, title, `Duration:`-style fields, then one long line of speech."""

from __future__ import annotations

import re

from search.formats._text import parse_date
from search.formats._turns import prose_segments
from search.models import Transcript

NAME = "archivefm"
EXTENSIONS = (".txt",)

_FIRST_LINE = "Archive.fm"
# Names (show, title, title again) come first, then label lines each followed by their value line.
_HEADER = re.compile(
    r"\s*Archive\.fm[ \t]*\n(?P<names>(?:[^\n]*\n){0,12}?)"
    r"(?P<fields>(?:[ \t]*[A-Z][A-Za-z ]{1,30}:[ \t]*\n\s*[^\n]+\n)+)"
)
_FIELD = re.compile(r"([A-Z][A-Za-z ]{1,30}):[ \t]*\n\s*([^\n]+)")
_DURATION = re.compile(r"(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?")


def looks_like(text: str) -> bool:
    """Whether the first line is `Archive.fm`."""
    return text.lstrip().split("\n", 1)[0].strip() == _FIRST_LINE


def parse(text: str) -> Transcript:
    """Parse the header fields and the speech, dropping [Music] and other stage notes."""
    header = _HEADER.match(text)
    if header is None:
        body = text.lstrip().split("\n", 1)[1:]
        return Transcript(segments=prose_segments("".join(body).split("\n")), format=NAME)
    names = [line.strip() for line in header.group("names").split("\n") if line.strip()]
    fields = {label.lower(): value.strip() for label, value in _FIELD.findall(header["fields"])}
    return Transcript(
        segments=prose_segments(text[header.end():].split("\n")),
        format=NAME,
        podcast=names[0] if names else None,
        title=names[1] if len(names) > 1 else None,
        description=_description(names),
        duration=parse_duration(fields.get("duration", "")),
        published=parse_date(fields.get("broadcast on", ""), "%d %b %Y", "%d %B %Y"),
    )


def _description(names: list[str]) -> str | None:
    """Lines after the title, unless they only repeat it (the page prints the title twice)."""
    extra = [line for line in names[2:] if line != names[1]]
    return " ".join(extra) or None


def parse_duration(text: str) -> float | None:
    """Seconds for '45m', '1h 2m', '1h 2m 3s'; None for anything else."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        return None
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)
