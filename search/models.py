"""Plain values that flow through the search core: what parsers produce and searches return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of speech: its text, and its start time and speaker when the transcript has them."""

    text: str
    start: float | None = None
    speaker: str | None = None


@dataclass(slots=True)
class Transcript:
    """What a parser found in one file: the segments, and whatever metadata the file itself carries."""

    segments: list[Segment]
    format: str = ""
    podcast: str | None = None
    title: str | None = None
    published: date | None = None
    duration: float | None = None
    urls: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Episode:
    """An episode as the index knows it: identity and metadata, plus its segments when indexing."""

    id: str
    podcast: str
    title: str
    published: date | None = None
    urls: tuple[str, ...] = ()
    duration: float | None = None
    segments: tuple[Segment, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class Passage:
    """A window of an episode's text: what the index stores and a quote is cut from.

    `turns` marks each character offset in `text` where the start time or the speaker changes, so a
    quote cut from the middle of a passage still links to its own moment and names its speaker.
    """

    text: str
    word_start: int
    word_end: int
    turns: tuple[tuple[int, float | None, str | None], ...] = ()
    boilerplate: bool = False

    @property
    def start(self) -> float | None:
        """When the passage begins, if the transcript is timed."""
        return next((start for _, start, _ in self.turns if start is not None), None)


@dataclass(frozen=True, slots=True)
class Hit:
    """One quote found by a search: readable text with the matched words' spans, and its episode."""

    episode_id: str
    podcast: str
    episode_title: str
    published: date | None
    url: str | None
    start_seconds: float | None
    speaker: str | None
    text: str
    highlights: tuple[tuple[int, int], ...]
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    """A page of quotes for a query; `message` explains an empty or adjusted search."""

    query: str
    quotes: tuple[Hit, ...]
    total: int
    offset: int = 0
    has_more: bool = False
    message: str | None = None
