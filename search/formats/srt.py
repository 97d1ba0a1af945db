"""SubRip (.srt) subtitles: numbered cues, `00:00:01,000 --> 00:00:04,000`, a few lines of text."""

from __future__ import annotations

from search.formats._cues import caption_line, join_split_tags, read_cues, starts_with_cue
from search.formats._text import add_segments, recurring_speakers, split_speaker_label
from search.models import Segment, Transcript

NAME = "srt"
EXTENSIONS = (".srt",)


def looks_like(text: str) -> bool:
    """Whether the text opens with a cue and no WEBVTT header."""
    stripped = text.lstrip()
    return not stripped.startswith("WEBVTT") and starts_with_cue(stripped)


def parse(text: str) -> Transcript:
    """One segment per cue, with its start time, and its speaker when it opens with `Name:`."""
    cues = [(start, cue_text(lines)) for start, lines in read_cues(text)]
    speakers = recurring_speakers(words for _, words in cues)
    segments: list[Segment] = []
    for start, words in cues:
        speaker, words = split_speaker_label(words, speakers)
        add_segments(segments, words, start, speaker)
    return Transcript(segments=segments, format=NAME)


def cue_text(lines: list[str]) -> str:
    """A cue's lines as one line of plain text."""
    return " ".join(filter(None, map(caption_line, join_split_tags(lines))))
