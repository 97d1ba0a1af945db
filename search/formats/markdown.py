"""Markdown transcripts as the Changelog writes them: `**Speaker:** text`, `\\[01:46\\]` stamps."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from search.formats._text import STAMP, strip_tags
from search.formats._turns import Paragraph, build_turn_segments, group_paragraphs
from search.models import Transcript

NAME = "markdown"
EXTENSIONS = (".md", ".markdown")

# `**Name:**`, `**Name**:` and `**Name** :` all occur in the corpus.
_LABEL = re.compile(r"\*\*([^*\n]{1,80}?)\s*(?::\*\*|\*\*\s*:)\s*")
_LABEL_LINE = re.compile(r"^[ \t]*\*\*[^*\n]{1,80}?\s*(?::\*\*|\*\*\s*:)", re.MULTILINE)
_LINE_MARKERS = re.compile(r"^[ \t]*(?:>[ \t]?)+|^[ \t]*[-*+][ \t]+", re.MULTILINE)
_HEADING = re.compile(r"#{1,6}[ \t]+(.*)")
_LINK = re.compile(r"!?(?<!\\)\[([^\[\]\n]*)\]\([^()\s]*\)")
# Emphasis, code and strike-through marks; escaped ones (\\*) are literal text and stay.
_MARKS = re.compile(r"(?<!\\)(?:\*+|~~|`+)")
_UNDERSCORES = re.compile(r"(?<![\\\w])_+(?=\S)|(?<=[^\s\\])_+(?!\w)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~\"'])")
# Ad breaks carry only a timestamp worth keeping.
_NOT_SPEECH = frozenset({"break"})


def looks_like(text: str) -> bool:
    """Whether the text has `**Speaker:**` turns at the start of a line."""
    return _LABEL_LINE.search(text) is not None


def parse(text: str) -> Transcript:
    """Parse a Markdown transcript into speaker segments with the times of its inline stamps."""
    text = _LINE_MARKERS.sub("", text)
    paragraphs = list(group_paragraphs(text.split("\n"), _starts_turn))
    title = _heading(paragraphs[0]) if paragraphs else None
    segments = build_turn_segments(_turns(paragraphs))
    return Transcript(segments=segments, format=NAME, title=title)


def _starts_turn(line: str) -> bool:
    """Whether a line opens a new speaker turn."""
    return line.startswith("**") and _LABEL.match(line) is not None


def _heading(paragraph: str) -> str | None:
    """The text of a `# Heading` paragraph, None for anything else."""
    match = _HEADING.fullmatch(paragraph)
    return _inline_to_text(match.group(1)).strip() if match else None


def _turns(paragraphs: list[str]) -> Iterator[Paragraph]:
    """Label and plain text of each paragraph; skip headings, keep only the stamps of breaks."""
    for paragraph in paragraphs:
        if paragraph.startswith("#") and _HEADING.fullmatch(paragraph):
            continue
        label, body = _split_label(paragraph)
        if label is not None and label.lower() in _NOT_SPEECH:
            yield "", _stamps_only(_inline_to_text(body))
        else:
            yield label, _inline_to_text(body)


def _split_label(paragraph: str) -> tuple[str | None, str]:
    """Split `**Name:**` off a paragraph."""
    match = _LABEL.match(paragraph) if paragraph.startswith("**") else None
    if match is None:
        return None, paragraph
    return _inline_to_text(match.group(1)).strip(), paragraph[match.end():]


def _stamps_only(text: str) -> str:
    """Keep the inline timestamps of a text and drop its words."""
    return " ".join(match.group(0) for match in STAMP.finditer(text))


def _inline_to_text(text: str) -> str:
    """Markdown inline markup to plain text: links to their text, no emphasis, no escapes."""
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    if "*" in text or "`" in text or "~" in text:
        text = _MARKS.sub("", text)
    if "_" in text:
        text = _UNDERSCORES.sub("", text)
    if "<" in text:
        text = strip_tags(text)
    if "&" in text:
        text = html.unescape(text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return text
