"""Podcasting 2.0 HTML transcripts: `<cite>Name:</cite> <time>0:01</time> <p>text</p>`, or <p>s."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from search.errors import TranscriptError
from search.formats._text import add_segments, collapse_whitespace, parse_timestamp
from search.models import Segment, Transcript

NAME = "html"
EXTENSIONS = (".html", ".htm")

# A document (doctype or <html>, perhaps after an XML prolog) or a fragment opening on an HTML
# element a page or its transcript part starts with (a heading, a list, <meta charset>, <strong>).
# Other XML (<rss>, <note>) is not HTML even when it holds a <body> element.
_FRAGMENT_TAGS = (
    "head|body|main|header|footer|nav|aside|section|article|div|span|p|cite|time|h[1-6]|ul|ol|li|dl"
    "|dt|dd|table|blockquote|pre|strong|em|b|i|u|small|mark|a|br|hr|meta|link|title|figure|figcaption"
)
_HTML_START = re.compile(
    r"\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?(?:<!doctype\s+html|<html\b"
    rf"|<(?:{_FRAGMENT_TAGS})\b)",
    re.IGNORECASE | re.DOTALL,
)
# A document that opens these and never closes them was cut off (a download that stopped early).
_DOCUMENT = ("html", "body")
_IGNORED = frozenset({"script", "style", "noscript", "template"})
# Elements whose text is metadata for what follows, never speech.
_CAPTURED = frozenset({"cite", "time", "title", "h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset(
    "p div li blockquote section article dd dt td th tr hr ul ol table main body".split()
)


def looks_like(text: str) -> bool:
    """Whether the text opens as an HTML document or a transcript fragment."""
    return _HTML_START.match(text) is not None


def parse(text: str) -> Transcript:
    """Paragraphs as segments, each with the last speaker (<cite>) and time (<time>) before it."""
    parser = _TranscriptParser()
    parser.feed(text)
    parser.close()
    if parser.unclosed:
        raise TranscriptError(f"truncated: the file ends before its </{parser.unclosed[-1]}>")
    return Transcript(segments=parser.segments, format=NAME, title=parser.title)


class _TranscriptParser(HTMLParser):
    """Collects block text as segments, tracking the speaker and time named before each block."""

    def __init__(self) -> None:
        """Start with no speaker, no time and no text."""
        super().__init__(convert_charrefs=True)
        self.segments: list[Segment] = []
        self.title: str | None = None
        self._speaker: str | None = None
        self._clock: float | None = None
        self._text: list[str] = []
        self._captured_tag: str | None = None
        self._captured: list[str] = []
        self._ignored_depth = 0
        self.unclosed: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        """Open an ignored, captured or block element."""
        if tag in _DOCUMENT and tag not in self.unclosed:
            self.unclosed.append(tag)
        if tag in _IGNORED:
            self._ignored_depth += 1
        elif tag in _CAPTURED:
            self._flush()
            self._captured_tag, self._captured = tag, []
        elif tag in _BLOCKS:
            self._flush()
        elif tag == "br":
            # A line break inside a paragraph often wraps a sentence: keep it one segment.
            self._text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        """Close an element; the end of a <cite> or <time> sets what the next paragraphs get."""
        if tag in self.unclosed:
            self.unclosed.remove(tag)
        if tag in _IGNORED:
            self._ignored_depth = max(0, self._ignored_depth - 1)
        elif tag == self._captured_tag:
            self._use_captured(tag, collapse_whitespace("".join(self._captured)))
            self._captured_tag = None
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        """Keep text, unless it is inside <script> or <style>."""
        if not self._ignored_depth:
            (self._captured if self._captured_tag else self._text).append(data)

    def close(self) -> None:
        """Finish parsing and keep the last paragraph."""
        super().close()
        self._flush()

    def _use_captured(self, tag: str, text: str) -> None:
        """Apply a captured element: speaker, time or title; headings are dropped."""
        if tag == "cite":
            self._speaker = text.rstrip(":").strip() or None
        elif tag == "time" and parse_timestamp(text) is not None:
            self._clock = parse_timestamp(text)
        elif tag == "title":
            self.title = text or None

    def _flush(self) -> None:
        """Turn the text gathered since the last block boundary into segments."""
        add_segments(self.segments, "".join(self._text), self._clock, self._speaker)
        self._text = []
