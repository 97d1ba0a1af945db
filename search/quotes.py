"""Search hits -> readable quotes: one per moment, trimmed at sentences, matched words marked, deep links."""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tantivy

from search.analyzer import MIN_SOUND_KEY, WORD, is_name_like, sound_key, sounds_near, term_of
from search.models import Episode, Hit, Passage
from search.passages import sentence_spans
from search.query import ParsedQuery, QueryWord

MAX_QUOTE_CHARS = 400
# The first page (a chat page: bot/commands.py) keeps variety: quotes from different episodes first.
FIRST_PAGE = 3
ELLIPSIS = "…"
_AUDIO_SUFFIXES = (".mp3", ".m4a", ".ogg", ".oga", ".opus", ".wav", ".aac", ".flac", ".mp4", ".webm")
_YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "music.youtube.com")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A passage the index returned, with its episode's details, before it becomes a quote."""

    episode_id: str
    podcast: str
    title: str
    published: date | None
    urls: tuple[str, ...]
    turns: tuple[tuple[int, float | None, str | None], ...]
    text: str
    word_start: int
    word_end: int
    score: float

    @classmethod
    def from_doc(cls, doc: tantivy.Document, score: float) -> Candidate:
        """Read a stored passage document."""
        meta = json.loads(doc.get_first("meta"))
        published = meta["published"]
        return cls(
            episode_id=doc.get_first("episode_id"),
            podcast=doc.get_first("podcast"),
            title=doc.get_first("title"),
            published=date.fromisoformat(published) if published else None,
            urls=tuple(meta["urls"]),
            turns=tuple(tuple(turn) for turn in meta["turns"]),
            text=doc.get_first("text"),
            word_start=doc.get_first("word_start"),
            word_end=doc.get_first("word_end"),
            score=score,
        )


@dataclass(frozen=True, slots=True)
class Moment:
    """Where a matching passage lies: its episode (as a number) and its words; read from fast fields."""

    episode: int
    word_start: int
    word_end: int


def reading_order(moments: Sequence[Moment], first_page: int, per_episode: int) -> list[int]:
    """The matches that become quotes, in the order pages show them (indices into `moments`, which
    come best first): the first page's best from different episodes (at most `per_episode` from one),
    then every other match in score order; never two that share a word, so never one moment twice."""
    taken = _Taken()
    order: list[int] = []
    per: Counter[int] = Counter()
    for i, moment in enumerate(moments):
        if len(order) == first_page:
            break
        if per[moment.episode] < per_episode and taken.add(moment):
            order.append(i)
            per[moment.episode] += 1
    # A match already shown overlaps itself, so this pass skips it as it skips its neighbours.
    order += [i for i, moment in enumerate(moments) if taken.add(moment)]
    return order


class _Taken:
    """The word ranges already quoted, per episode, sorted and disjoint: an overlap costs a bisect."""

    def __init__(self) -> None:
        self._ranges: dict[int, tuple[list[int], list[int]]] = {}

    def add(self, moment: Moment) -> bool:
        """Take a moment unless it shares a word with one taken; whether it was taken."""
        starts, ends = self._ranges.setdefault(moment.episode, ([], []))
        at = bisect_right(starts, moment.word_start)
        if (at and ends[at - 1] > moment.word_start) or (at < len(starts) and starts[at] < moment.word_end):
            return False
        starts.insert(at, moment.word_start)
        ends.insert(at, moment.word_end)
        return True


class Matcher:
    """Decides which words of a passage a query matched: the same term, a correction of a misspelt
    word (ranking.py), or a rare word's sound-alike."""

    def __init__(self, parsed: ParsedQuery, rare_terms: Collection[str], corrections: Collection[str] = ()) -> None:
        self.terms = {w.term for w in parsed.words} | set(corrections)
        self.rare = [w for w in parsed.words if w.term in rare_terms]
        self._decided: dict[str, bool] = {}

    def matches(self, word: str) -> bool:
        """Whether this word of a passage answers the query."""
        decided = self._decided.get(word)
        if decided is None:
            decided = self._decided[word] = self._matches(word)
        return decided

    def _matches(self, word: str) -> bool:
        term = term_of(word)
        if term is None:
            return False
        return term in self.terms or any(self._sounds_alike(word, term, w) for w in self.rare)

    @staticmethod
    def _sounds_alike(word: str, term: str, wanted: QueryWord) -> bool:
        if len(term) >= 6 and edit_distance(term, wanted.term, 2) <= (1 if len(term) < 10 else 2):
            return True
        return is_name_like(word) and len(wanted.sound) >= MIN_SOUND_KEY and sounds_near(sound_key(word), wanted.sound)


def to_hit(candidate: Candidate, matcher: Matcher) -> Hit:
    """Cut a candidate passage down to a readable quote with its matched words marked."""
    spans = [(m.start(), m.end()) for m in WORD.finditer(candidate.text) if matcher.matches(m[0])]
    begin, end = quote_bounds(candidate.text, spans, speaker_changes=_speaker_changes(candidate.turns))
    text, shift = _with_ellipses(candidate.text, begin, end)
    shown = [(a, b) for a, b in spans if begin <= a and b <= end]
    highlights = tuple((a - shift, b - shift) for a, b in shown)
    # The link goes to the moment the first marked word is said, not to the quote's first sentence.
    start, speaker = _turn_at(candidate.turns, shown[0][0] if shown else begin)
    return Hit(
        episode_id=candidate.episode_id,
        podcast=candidate.podcast,
        episode_title=candidate.title,
        published=candidate.published,
        url=deep_link(candidate.urls, start),
        start_seconds=start,
        speaker=speaker,
        text=text,
        highlights=highlights,
        score=round(candidate.score, 4),
    )


def quote_bounds(
    text: str,
    spans: Sequence[tuple[int, int]],
    limit: int = MAX_QUOTE_CHARS,
    speaker_changes: Collection[int] = (),
) -> tuple[int, int]:
    """The stretch of whole sentences, at most `limit` characters, that holds the most matches.

    It stays within one speaker's turn, so the quote reads as one person's words.
    """
    sentences = sentence_spans(text) or [(0, len(text))]
    counts = [sum(1 for a, _ in spans if s <= a < e) for s, e in sentences]
    turn_starts = {i for i, (s, _) in enumerate(sentences) if s in speaker_changes}
    best = counts.index(max(counts))
    first = last = best
    if sentences[best][1] - sentences[best][0] > limit:
        return _window_in_sentence(text, sentences[best], spans, limit)
    while True:
        step = _next_sentence(sentences, counts, turn_starts, (first, last), limit)
        if step is None:
            return sentences[first][0], sentences[last][1]
        first, last = min(first, step), max(last, step)


def _next_sentence(sentences, counts, turn_starts, bounds: tuple[int, int], limit: int) -> int | None:
    """The neighbour to add next (one with matches first, then the following one), if it fits."""
    first, last = bounds
    options = []
    if last + 1 < len(sentences) and last + 1 not in turn_starts:
        options.append(last + 1)
    if first > 0 and first not in turn_starts:
        options.append(first - 1)
    options.sort(key=lambda i: -counts[i])
    for i in options:
        if max(sentences[last][1], sentences[i][1]) - min(sentences[first][0], sentences[i][0]) <= limit:
            return i
    return None


def _window_in_sentence(text: str, sentence: tuple[int, int], spans, limit: int) -> tuple[int, int]:
    """A run-on sentence: a window of about `limit` characters at word boundaries around the first match."""
    inside = [a for a, _ in spans if sentence[0] <= a < sentence[1]]
    anchor = inside[0] if inside else sentence[0]
    begin = max(sentence[0], anchor - limit // 3)
    end = min(sentence[1], begin + limit)
    while begin > sentence[0] and not text[begin - 1].isspace():
        begin += 1
    while end < sentence[1] and not text[end].isspace():
        end -= 1
    return begin, end


def _with_ellipses(text: str, begin: int, end: int) -> tuple[str, int]:
    """The quote's text, with '…' where it was cut mid-sentence; and how far offsets moved."""
    quote = text[begin:end].strip()
    shift = begin + (len(text[begin:end]) - len(text[begin:end].lstrip()))
    if begin > 0 and not _ends_sentence(text[:begin]):
        return ELLIPSIS + quote + (ELLIPSIS if end < len(text) and not _ends_sentence(quote) else ""), shift - 1
    if end < len(text) and not _ends_sentence(quote):
        quote += ELLIPSIS
    return quote, shift


def _ends_sentence(text: str) -> bool:
    return text.rstrip().endswith((".", "!", "?", "…", '"', "”", "’", ")"))


def _speaker_changes(turns) -> set[int]:
    """Offsets where a new speaker starts talking."""
    changes, previous = set(), None
    for at, _, speaker in turns:
        if speaker != previous and previous is not None:
            changes.add(at)
        previous = speaker
    return changes


def _turn_at(turns, offset: int) -> tuple[float | None, str | None]:
    """The start time and speaker in force at a character offset of a passage."""
    start = speaker = None
    for at, turn_start, turn_speaker in turns:
        if at > offset and start is not None:
            break
        start = turn_start if turn_start is not None else start
        speaker = turn_speaker if at <= offset or speaker is None else speaker
    return start, speaker


def deep_link(urls: Sequence[str], start: float | None) -> str | None:
    """The episode's link, to the moment when the transcript is timed: YouTube t=, audio #t=."""
    if not urls:
        return None
    # Parsing drops times that are no moment, but older databases may hold one (a JSON 1e400).
    if start is None or not math.isfinite(start) or start < 0:
        return urls[0]
    seconds = int(start)
    for url in urls:
        parts = urlsplit(url)
        if parts.hostname in _YOUTUBE_HOSTS:
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "t"] + [("t", str(seconds))]
            return urlunsplit(parts._replace(query=urlencode(query)))
    for url in urls:
        if urlsplit(url).path.lower().endswith(_AUDIO_SUFFIXES):
            return f"{url.split('#')[0]}#t={seconds}"
    return urls[0]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance between two short strings, giving up (limit + 1) once past `limit`."""
    # Each edit changes the length by at most one, and the set of letters used by at most two.
    if abs(len(a) - len(b)) > limit or len(set(a) ^ set(b)) > 2 * limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def quote_passage(episode: Episode, passage: Passage) -> Hit:
    """A passage as a quote with nothing marked (for a random pick)."""
    candidate = Candidate(
        episode_id=episode.id,
        podcast=episode.podcast,
        title=episode.title,
        published=episode.published,
        urls=episode.urls,
        turns=passage.turns,
        text=passage.text,
        word_start=passage.word_start,
        word_end=passage.word_end,
        score=0.0,
    )
    return to_hit(candidate, Matcher(ParsedQuery(), ()))
