"""Fuzz target: the feed reader (bot/feeds.py parse_feed), on near-valid RSS and Atom in many encodings,
with hostile titles (unclosed tags, escaped markup, entities), broken XML and flipped bytes.

parse_feed must return a ParsedFeed or raise FeedError; titles and descriptions stay within their caps;
the result survives the trip back from the parse pool's worker (pickling); and a small feed is read
quickly (a super-linear blow-up shows as a slow small input).
"""

from __future__ import annotations

import pickle
import time

from hypothesis import strategies as st

from bot.feeds import DESCRIPTION_CHARS, MAX_ITEMS, TITLE_CHARS, FeedError, parse_feed

TARGET_NAME = "feeds"
MAX_SIZE = 64 * 1024
SLOW_SECONDS = 5.0  # for a feed of MAX_SIZE bytes at most; a linear read takes milliseconds
_URL = "https://fuzz.example/feed.xml"
_ENCODINGS = ["utf-8", "utf-16", "big5", "gb2312", "euc-kr", "shift_jis", "windows-1251", "iso-8859-1",
              "windows-1252", "koi8-r", "utf-32"]
_DECLARED = [*_ENCODINGS, "x-unknown", "", "utf-8\"?><!-- "]
_HOSTILE = ["<", "&lt;", "<!--", "<![CDATA[", "<a href='", "&", "&#", "&#x110000;", "&amp;lt;", "]]>", "<p <b ",
            "\x00", "\ufeff", "\u202e", "’", "臺灣", "한국어", "Русский", "é"]


class SlowParse(Exception):
    """A small feed took too long to read."""


class OverCap(Exception):
    """A title or description longer than its cap, or too many items."""


def _text() -> st.SearchStrategy[str]:
    hostile = st.lists(st.sampled_from(_HOSTILE), max_size=8).map("".join)
    return st.lists(st.text(max_size=20) | hostile, max_size=6).map("".join)


def _repeated() -> st.SearchStrategy[str]:
    """A hostile piece many times over (what made the old tag stripping quadratic)."""
    return st.builds(lambda piece, n: piece * n, st.sampled_from(_HOSTILE), st.integers(1, 4000))


@st.composite
def _item(draw: st.DrawFn) -> str:
    title = draw(_text() | _repeated())
    parts = [f"<title>{title}</title>"]
    if draw(st.booleans()):
        parts.append(f"<guid>{draw(_text())}</guid>")
    if draw(st.booleans()):
        parts.append(f"<description><![CDATA[{draw(_text() | _repeated())}]]></description>")
    if draw(st.booleans()):
        parts.append(f"<pubDate>{draw(st.sampled_from(['Tue, 03 Sep 2024 10:00:00 GMT', 'yesterday', '']))}</pubDate>")
    for _ in range(draw(st.integers(0, 3))):
        url = draw(st.sampled_from(["/t.vtt", "https://t.example/x.srt", "", "javascript:x", "//h/"]))
        parts.append(f'<podcast:transcript url="{url}" type="{draw(st.sampled_from(["text/vtt", "", "x"]))}"/>')
    if draw(st.booleans()):
        parts.append(f'<enclosure url="{draw(_text())}" type="audio/mpeg"/>')
    return "<item>" + "".join(parts) + "</item>"


@st.composite
def _feed(draw: st.DrawFn) -> bytes:
    items = "".join(draw(st.lists(_item(), max_size=5)))
    title = draw(_text() | _repeated())
    declared = draw(st.sampled_from(_DECLARED))
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    if draw(st.booleans()):
        text = (f'{declaration}<rss version="2.0" xmlns:podcast="https://podcastindex.org/namespace/1.0">'
                f"<channel><title>{title}</title>{items}</channel></rss>")
    else:
        entries = items.replace("<item>", "<entry>").replace("</item>", "</entry>")
        text = f'{declaration}<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>{entries}</feed>'
    data = text.encode(draw(st.sampled_from(_ENCODINGS)), errors="replace")
    return _damage(draw, data)[:MAX_SIZE]


def _damage(draw: st.DrawFn, data: bytes) -> bytes:
    """Cut the feed short, or flip a few of its bytes, or leave it be."""
    choice = draw(st.sampled_from(["none", "cut", "flip"]))
    if choice == "cut" and data:
        return data[: draw(st.integers(0, len(data) - 1))]
    if choice == "flip" and data:
        flipped = bytearray(data)
        for _ in range(draw(st.integers(1, 5))):
            flipped[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(flipped)
    return data


def inputs() -> st.SearchStrategy[bytes]:
    """Near-valid feeds, in many encodings, hostile inside."""
    return _feed()


def check(data: bytes) -> None:
    """Read the bytes as a feed; anything but a ParsedFeed or a FeedError is a finding."""
    started = time.perf_counter()
    try:
        feed = parse_feed(data, _URL, "application/rss+xml")
    except FeedError:
        return
    if time.perf_counter() - started > SLOW_SECONDS:
        raise SlowParse(f"{len(data)} bytes took {time.perf_counter() - started:.1f} s")
    too_long = [t for t in [feed.title, *(i.title for i in feed.items)] if t and len(t) > TITLE_CHARS]
    too_long += [i.description for i in feed.items if i.description and len(i.description) > DESCRIPTION_CHARS]
    if too_long or len(feed.items) > MAX_ITEMS:
        raise OverCap(f"{len(feed.items)} items; over their caps: {[t[:40] for t in too_long]}")
    if pickle.loads(pickle.dumps(feed)) != feed:
        raise ValueError("the parsed feed does not survive pickling (the way back from the parse pool)")
