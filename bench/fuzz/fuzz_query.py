"""Fuzz the query parser and the search behind it: what a person types after /quote.

A query either parses (words capped, phrases made of its words, filters as dates or title terms) or is
refused with a QueryError, and searching it answers with a SearchResult (quotes, or a message) in
good time: never an exception, never a freeze.
"""

from __future__ import annotations

import time
from datetime import date

from hypothesis import strategies as st

from search.errors import QueryError
from search.index import QuoteIndex
from search.models import Episode, Segment, SearchResult
from search.query import MAX_WORDS, ParsedQuery, parse_query

TARGET_NAME = "query"
MAX_SIZE = 2048
# A query is answered in milliseconds; this much means something runs away (a busy machine included).
TOO_SLOW = 2.0

_WORDS = [
    "storm", "shadow", "Witkoff", "Whitkoff", "witgolf", "the", "and", "zeppelin", "kabuki", "theater",
    "AND", "OR", "NOT", "naïve", "Zürich", "Zu\u0308rich", "ﬁre", "İstanbul", "ß", "x" * 300, "a" * 41,
    "can't", "rock'n'roll", "3.14", "2024-09-13", "U.S.", "e-mail", "😀", "مرحبا", "日本語", "\u200b", "\u0301",
]
_PUNCTUATION = ['"', '""', "'", ":", "::", "(", ")", "*", "^", "~", "-", "+", "\\", "/", "[", "]", "{", "}", "…"]
_FILTERS = ["after:", "before:", "episode:", "AFTER:", "Episode:", 'episode:"', "after:\"", "foo:", "x:y:"]
_DATES = ["2024-09-13", "2024-02-30", "0001-01-01", "9999-12-31", "2024-9-1", "20240913", "yesterday", "", "-1"]
_SPACES = [" ", "  ", "\t", "\n", "\u00a0", "\u3000", "\f", "\r\n", ""]


def _tokens() -> st.SearchStrategy[str]:
    date_filter = st.tuples(st.sampled_from(_FILTERS), st.sampled_from(_DATES)).map("".join)
    return st.one_of(
        st.sampled_from(_WORDS),
        st.sampled_from(_PUNCTUATION),
        date_filter,
        st.text(max_size=12),
        st.tuples(st.sampled_from(['"', 'episode:"']), st.sampled_from(_WORDS), st.sampled_from(_WORDS)).map(
            lambda parts: f"{parts[0]}{parts[1]} {parts[2]}"
        ),
    )


def inputs() -> st.SearchStrategy[bytes]:
    """Queries shaped like what people type (and what a tampered client sends), as UTF-8 bytes."""
    parts = st.lists(st.tuples(_tokens(), st.sampled_from(_SPACES)), max_size=60)
    return parts.map(lambda pairs: "".join(token + space for token, space in pairs).encode("utf-8", "surrogatepass"))


def check(data: bytes) -> None:
    """Parse and search one query: a refusal is a QueryError or a message, anything else is a finding."""
    text = data.decode("utf-8", errors="replace")
    try:
        parsed = parse_query(text)
    except QueryError:
        parsed = None
    if parsed is not None:
        _check_parsed(parsed)
    started = time.perf_counter()
    result = _index().search(text)
    if time.perf_counter() - started > TOO_SLOW:
        raise AssertionError(f"searching took {time.perf_counter() - started:.1f} s")
    _check_result(result, parsed)


def _check_parsed(parsed: ParsedQuery) -> None:
    if len(parsed.words) > MAX_WORDS:
        raise AssertionError(f"{len(parsed.words)} words kept, more than {MAX_WORDS}")
    if any(not word.term or word.term != word.term.strip() for word in parsed.words):
        raise AssertionError(f"an empty or padded term: {parsed.words}")
    if any(word not in parsed.words for phrase in parsed.phrases for word in phrase):
        raise AssertionError("a phrase holds a word the query doesn't")
    if any(len(phrase) < 2 for phrase in parsed.phrases):
        raise AssertionError("a phrase of fewer than two words")
    for day in (parsed.after, parsed.before):
        if day is not None and not isinstance(day, date):
            raise AssertionError(f"a date filter that is no date: {day!r}")


def _check_result(result: SearchResult, parsed: ParsedQuery | None) -> None:
    if not result.quotes and not result.message:
        raise AssertionError("no quotes and no message saying why")
    if result.has_more and result.total <= result.offset + len(result.quotes):
        raise AssertionError(f"has_more with total {result.total} and {len(result.quotes)} shown")
    for quote in result.quotes:
        if any(not 0 <= a < b <= len(quote.text) for a, b in quote.highlights):
            raise AssertionError(f"a highlight outside the quote: {quote.highlights}")
    if parsed is None and result.quotes:
        raise AssertionError("a refused query found quotes")


_INDEX: list[QuoteIndex] = []


def _index() -> QuoteIndex:
    """A small index, built once, with the words the inputs use (so that searches find things)."""
    if not _INDEX:
        filler = " ".join(f"People talked about ordinary things number {i} for a while." for i in range(30))
        said = [
            "The storm shadow missiles were sent. Witkoff and Whitkoff met in Zürich.",
            "It is all kabuki theater, a naïve zeppelin story. The AND gate and the NOT gate.",
            "Witgolf said rock'n'roll costs 3.14 dollars in the U.S. by e-mail.",
        ]
        index = QuoteIndex.in_memory()
        index.replace_episodes(
            Episode(f"ep{i}", "Fuzz Cast", f"Episode {i} theater", date(2024, 9, 10 + i), segments=(Segment(
                f"{filler} {line} {filler} {line}", start=0.0),), duration=600.0)
            for i, line in enumerate(said)
        )
        _INDEX.append(index)
    return _INDEX[0]
