"""Speaker turns shared by Markdown and plain text: paragraphs, labels, inline timestamps."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from search.formats._text import STAMP, add_segments, parse_timestamp
from search.models import Segment

# A labelled paragraph: (label, text). A label starts a new speaker's turn, None continues the
# current one, and "" ends it without naming anyone (an ad break, say).
Paragraph = tuple[str | None, str]


def group_paragraphs(lines: Iterable[str], starts_turn: Callable[[str], bool]) -> Iterator[str]:
    """Join wrapped lines into paragraphs; a blank line or a line that starts a turn begins one."""
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if current and (not stripped or starts_turn(stripped)):
            yield " ".join(current)
            current = []
        if stripped:
            current.append(stripped)
    if current:
        yield " ".join(current)


def build_turn_segments(paragraphs: Iterable[Paragraph]) -> list[Segment]:
    """Segments for labelled paragraphs; each starts at the last timestamp at or before it."""
    segments: list[Segment] = []
    speaker: str | None = None
    clock: float | None = None
    for label, text in paragraphs:
        if label is not None:
            speaker = label or None
        if "[" in text or "(" in text:
            start, clock = _paragraph_times(text, clock)
            text = STAMP.sub(" ", text)
        else:
            start = clock
        add_segments(segments, text, start, speaker)
    return segments


def _paragraph_times(text: str, clock: float | None) -> tuple[float | None, float | None]:
    """(start of this paragraph, clock after it), from the stamps it holds."""
    start = clock
    for match in STAMP.finditer(text):
        clock = parse_timestamp(match.group("time"))
        if not text[:match.start()].strip():
            start = clock
    return start, clock


def prose_segments(lines: Iterable[str]) -> list[Segment]:
    """Untimed segments for unlabelled text: paragraphs, long ones cut at sentence ends."""
    segments: list[Segment] = []
    for paragraph in group_paragraphs(lines, _never):
        add_segments(segments, paragraph)
    return segments


def _never(line: str) -> bool:
    """No line starts a turn in unlabelled prose."""
    return False
