"""Segments -> overlapping, sentence-aware windows of roughly 40-80 words."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from search.models import Passage, Segment

MIN_WORDS = 40
MAX_WORDS = 80
# A sentence longer than a window (unpunctuated speech-recognition output) is cut into pieces.
MAX_PIECE = 40
# Share of the words at the very start or end of an episode where plugs and sign-offs live.
EDGE_SHARE = 0.04
EDGE_MIN_WORDS = 60

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_PLUG_WORDS = re.compile(
    r"\b(subscribe|description|sponsor\w*|patreon|merch|youtube|rumble|substack|locals|telegram|"
    r"twitter|podcasts?|newsletter|website|dot com|\w+\.(?:com|org|net|io|fm)|link|channel|"
    r"support|donate|shop|follow us|like and)\b",
    re.IGNORECASE,
)
_PLUGS_FOR_BOILERPLATE = 2


@dataclass(frozen=True, slots=True)
class _Sentence:
    text: str
    words: int
    start: float | None
    speaker: str | None


def build_passages(segments: Sequence[Segment], duration: float | None = None) -> list[Passage]:
    """Cut an episode's segments into overlapping windows that begin and end at sentences."""
    sentences = _sentences(segments, duration)
    total_words = sum(s.words for s in sentences)
    passages: list[Passage] = []
    first, word_offset = 0, 0
    while first < len(sentences):
        last = _window_end(sentences, first)
        window = sentences[first : last + 1]
        passage = _passage(window, word_offset, total_words)
        passages.append(passage)
        if last == len(sentences) - 1:
            break
        step = _step(window)
        word_offset += sum(s.words for s in window[:step])
        first += step
    return passages


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of a text."""
    spans, begin = [], 0
    for boundary in _SENTENCE_END.finditer(text):
        spans.append((begin, boundary.start()))
        begin = boundary.end()
    spans.append((begin, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _sentences(segments: Sequence[Segment], duration: float | None) -> list[_Sentence]:
    sentences = []
    for span, end in _timed_spans(segments, duration):
        pieces = [(p, s) for s in span for t in _SENTENCE_END.split(s.text.strip()) for p in _pieces(t)]
        words = [len(piece.split()) for piece, _ in pieces]
        before = 0
        for (piece, segment), count in zip(pieces, words):
            start = _estimate(segment.start, end, before / sum(words))
            sentences.append(_Sentence(piece, count, start, segment.speaker))
            before += count
    return sentences


def _timed_spans(
    segments: Sequence[Segment], duration: float | None
) -> Iterator[tuple[Sequence[Segment], float | None]]:
    """Runs of segments under one known time (a Markdown turn of minutes under one stamp carries it
    into its untimed paragraphs), each with when the next run starts (the episode's end, last)."""
    first = 0
    while first < len(segments):
        last = first + 1
        while last < len(segments) and segments[last].start == segments[first].start:
            last += 1
        end = segments[last].start if last < len(segments) else duration
        yield segments[first:last], end
        first = last


def _estimate(start: float | None, end: float | None, share: float) -> float | None:
    """When a sentence is said that begins `share` of the way through the words of a timed run:
    the run's time, moved on in proportion (speech is about even) when the next run's time is known."""
    if start is None or end is None or end <= start:
        return start
    return round(start + (end - start) * share, 2)


def _pieces(sentence: str) -> list[str]:
    words = sentence.split()
    if len(words) <= MAX_WORDS:
        return [sentence] if words else []
    return [" ".join(words[i : i + MAX_PIECE]) for i in range(0, len(words), MAX_PIECE)]


def _window_end(sentences: list[_Sentence], first: int) -> int:
    """The last sentence of the window that begins at `first`: at least MIN, at most MAX words."""
    words, last = 0, first
    while last < len(sentences):
        words += sentences[last].words
        following = sentences[last + 1].words if last + 1 < len(sentences) else 0
        if words >= MIN_WORDS and words + following > MAX_WORDS:
            break
        last += 1
    return min(last, len(sentences) - 1)


def _step(window: list[_Sentence]) -> int:
    """How many sentences to advance: about half a window, so windows overlap by about half."""
    half, words = sum(s.words for s in window) / 2, 0
    for count, sentence in enumerate(window, start=1):
        words += sentence.words
        if words >= half:
            return min(count, max(1, len(window) - 1))
    return 1


def _passage(window: list[_Sentence], word_start: int, total_words: int) -> Passage:
    texts, turns, offset = [], [], 0
    for sentence in window:
        if not turns or turns[-1][1:] != (sentence.start, sentence.speaker):
            turns.append((offset, sentence.start, sentence.speaker))
        texts.append(sentence.text)
        offset += len(sentence.text) + 1
    text = " ".join(texts)
    word_end = word_start + sum(s.words for s in window)
    return Passage(
        text=text,
        word_start=word_start,
        word_end=word_end,
        turns=tuple(turns),
        boilerplate=_is_boilerplate(text, word_start, word_end, total_words),
    )


def _is_boilerplate(text: str, word_start: int, word_end: int, total_words: int) -> bool:
    """Plugs and sign-offs: a window at an episode's edge that names channels, links, sponsors."""
    edge = max(EDGE_MIN_WORDS, int(total_words * EDGE_SHARE))
    at_edge = word_start < edge or word_end > total_words - edge
    return at_edge and len(_PLUG_WORDS.findall(text)) >= _PLUGS_FOR_BOILERPLATE
