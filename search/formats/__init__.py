"""Transcript file formats: find out from a file's content which format it is in, and parse it."""

from __future__ import annotations

from types import ModuleType

from search.errors import TranscriptError
from search.formats import (
    archivefm,
    htmltranscript,
    jsontranscript,
    markdown,
    plaintext,
    podscripts,
    srt,
    webvtt,
)
from search.formats._decode import decode
from search.models import Transcript

__all__ = ["detect_format", "parse_transcript", "FORMAT_NAMES"]

# Formats recognised by a marker of their own, in order of preference when several match.
_FORMATS: tuple[ModuleType, ...] = (
    webvtt,
    srt,
    jsontranscript,
    htmltranscript,
    archivefm,
    podscripts,
    markdown,
)
# Plain text accepts almost any prose, so it is only tried when nothing more specific matches.
_FALLBACK = plaintext

FORMAT_NAMES: tuple[str, ...] = tuple(module.NAME for module in (*_FORMATS, _FALLBACK))


def detect_format(text: str) -> str | None:
    """The name of the format the text is in, judged by content alone; None when unknown."""
    module = _choose(text, name="")
    return module.NAME if module is not None else None


def parse_transcript(data: bytes, name: str = "") -> Transcript:
    """Decode, detect and parse a transcript file; `name` only breaks ties between formats."""
    text = decode(data)
    module = _choose(text, name)
    if module is None:
        raise TranscriptError("unknown format")
    transcript = module.parse(text)
    if not transcript.segments:
        raise TranscriptError("no transcript text found")
    return transcript


def _choose(text: str, name: str) -> ModuleType | None:
    """The format module for the text: the first whose content check passes, unless the
    file name's extension points at another one that passes too."""
    text = text.removeprefix("\ufeff")
    candidates = [module for module in _FORMATS if module.looks_like(text)]
    if not candidates:
        return _FALLBACK if _FALLBACK.looks_like(text) else None
    named = [module for module in candidates if name.lower().endswith(module.EXTENSIONS)]
    return (named or candidates)[0]
