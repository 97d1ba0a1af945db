"""A person's query -> what to look for: words, exact phrases and filters. Never raises on odd input."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from search.analyzer import MAX_WORD_LENGTH, WORD, sound_key, term_of
from search.errors import QueryError

MAX_QUERY_CHARS = 1000
MAX_WORDS = 32

# key:"quoted words" | key:word | "quoted phrase" | anything else up to white space
_PART = re.compile(r'(\w+):"([^"]*)"?|(\w+):(\S+)|"([^"]*)"?|(\S+)')
FILTERS = ("after", "before", "episode")


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One searchable word of a query: as typed, its index term, its sound key and its position."""

    text: str
    term: str
    sound: str
    position: int


@dataclass(slots=True)
class ParsedQuery:
    """A query taken apart; `note` tells the person about anything that was changed or ignored."""

    words: list[QueryWord] = field(default_factory=list)
    phrases: list[list[QueryWord]] = field(default_factory=list)
    after: date | None = None
    before: date | None = None
    episode: list[str] = field(default_factory=list)
    note: str | None = None
    had_words: bool = False
    # A word was dropped for being longer than any indexed word can be (not for being common).
    had_long_word: bool = False

    @property
    def has_filters(self) -> bool:
        """Whether the query narrows by date or episode."""
        return bool(self.after or self.before or self.episode)


def parse_query(text: str) -> ParsedQuery:
    """Split a query into words, phrases and filters; raise QueryError only for a bad filter value."""
    parsed = ParsedQuery()
    # Composed like the passages (search/formats/_decode.py), whatever the keyboard or app sent.
    text = unicodedata.normalize("NFC", text)
    if len(text) > MAX_QUERY_CHARS:
        text, parsed.note = text[:MAX_QUERY_CHARS], "Your query was long, so I used its beginning."
    position = 0
    for match in _PART.finditer(text):
        key, value = (match[1], match[2]) if match[1] else (match[3], match[4])
        if key and key.lower() in FILTERS:
            _apply_filter(parsed, key.lower(), value)
            continue
        phrase = match[5] if match[5] is not None else None
        chunk = phrase if phrase is not None else match[0]
        words = _query_words(chunk, position, parsed)
        # Words typed one after another stand one after another (so the near phrase can match).
        position += len(WORD.findall(chunk))
        if phrase is not None and len(words) > 1:
            parsed.phrases.append(words)
        parsed.words.extend(words)
    _cap_words(parsed)
    return parsed


def _query_words(chunk: str, position: int, parsed: ParsedQuery) -> list[QueryWord]:
    found = []
    for offset, match in enumerate(WORD.finditer(chunk)):
        parsed.had_words = True
        term = term_of(match[0])
        if term:
            found.append(QueryWord(match[0], term, sound_key(match[0]), position + offset))
        elif len(match[0].encode()) > MAX_WORD_LENGTH:  # the analyzer drops words of more bytes
            parsed.had_long_word = True
    return found


def _cap_words(parsed: ParsedQuery) -> None:
    if len(parsed.words) > MAX_WORDS:
        parsed.words = parsed.words[:MAX_WORDS]
        parsed.phrases = [p for p in parsed.phrases if p[-1] in parsed.words]
        parsed.note = f"Your query was long, so I used its first {MAX_WORDS} words."


def _apply_filter(parsed: ParsedQuery, key: str, value: str) -> None:
    if key == "episode":
        parsed.episode.extend(t for t in (term_of(m[0]) for m in WORD.finditer(value)) if t)
        return
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{key}: needs a date like 2024-09-13, not “{value[:20]}”.") from None
    setattr(parsed, key, day)
