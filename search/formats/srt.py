"""SubRip (.srt) subtitles: numbered cues, `00:00:01,000 --> 00:00:04,000`, a few lines of text."""

from __future__ import annotations

import html
import re

from search.formats._cues import read_cues, starts_with_cue
from search.formats._text import add_segments, split_speaker_label, strip_tags
from search.models import Segment, Transcript

NAME = "srt"
EXTENSIONS = (".srt",)

# Positioning codes some SRT writers borrow from SSA/ASS: {\an8}, {\i1}.
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")


def looks_like(text: str) -> bool:
    """Whether the text opens with a cue and no WEBVTT header."""
    stripped = text.lstrip()
    return not stripped.startswith("WEBVTT") and starts_with_cue(stripped)


def parse(text: str) -> Transcript:
    """One segment per cue, with its start time, and its speaker when it opens with `Name:`."""
    segments: list[Segment] = []
    for start, lines in read_cues(text):
        speaker, words = split_speaker_label(cue_text(lines))
        add_segments(segments, words, start, speaker)
    return Transcript(segments=segments, format=NAME)


def cue_text(lines: list[str]) -> str:
    """A cue's lines as one line of plain text: no tags, no ASS codes, entities decoded."""
    text = " ".join(line.strip() for line in lines)
    if "{" in text:
        text = _ASS_OVERRIDE.sub("", text)
    return html.unescape(strip_tags(text))
