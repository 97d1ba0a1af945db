"""Rendering helpers every adapter shares: marking matched words, times and dates as people read them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date


def mark(
    text: str,
    highlights: Sequence[tuple[int, int]],
    before: str,
    after: str,
    escape: Callable[[str], str] = lambda s: s,
) -> str:
    """The text with each run of matched words wrapped in before/after, every piece escaped."""
    out, position = [], 0
    for begin, end in merge_spans(text, highlights):
        out += [escape(text[position:begin]), before, escape(text[begin:end]), after]
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def merge_spans(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted spans, with neighbours separated only by spaces joined ("**storm shadow**")."""
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and (begin <= merged[-1][1] or not text[merged[-1][1] : begin].strip()):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def timestamp(seconds: float | None) -> str | None:
    """12:34 or 1:02:03; None when the moment is unknown."""
    if seconds is None:
        return None
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def day(published: date | None) -> str | None:
    """13 Sep 2024; None when the date is unknown."""
    return f"{published.day} {published:%b %Y}" if published else None


def shorten(text: str, limit: int) -> str:
    """Text cut at a word boundary to at most `limit` characters, with '…' when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"
