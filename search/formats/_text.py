"""Text helpers shared by the transcript formats: cleaning, timestamps, speakers, chunking."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Container, Iterable
from datetime import date, datetime

from search.models import Segment

# A clock time: [h:]mm:ss with optional fraction; minutes may exceed 59 when there is no hour part.
# Hours may have any number of digits (WebVTT allows 100:00:00.000); nine keep the match bounded.
TIME_PATTERN = r"(?:(\d{1,9}):)?(\d{1,3}):(\d{2})(?:[.,](\d{1,3}))?"
_TIME = re.compile(TIME_PATTERN)

# An inline timestamp as transcripts write it: [01:46], (00:01:02), or what Markdown's
# \[\\00:08:15.11\\\] unescapes to, [\00:08:15.11\]. "[a] to [b]" marks a span: one stamp at a.
_ONE_STAMP = r"[\[(]\\*(?:" + TIME_PATTERN + r")\\*[\])]"
STAMP = re.compile(
    r"[\[(]\\*(?P<time>" + TIME_PATTERN + r")\\*[\])](?:\s+to\s+" + _ONE_STAMP + ")?"
)

_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<\d{1,9}:[\d:.]*>")
# Square brackets (escaped or not) almost never hold speech in a transcript: [Music], \[laughter\].
_BRACKET_NOTE = re.compile(r"\\?\[[^\[\]\n]{1,60}?\\?\]")
# Parentheses often hold speech "(if you can remember)", so only well-known sound words go.
_PAREN_NOTE = re.compile(
    r"\((?:inaudible|unintelligible|laugh(?:s|ter|ing)?|chuckles?|applause|music|cross-?talk"
    r"|silence|pause|coughs?|sighs?|background noise|static)\b[^()\n]{0,20}\)",
    re.IGNORECASE,
)

CHUNK_WORDS = 40
# One chunk of whitespace-collapsed text, the first alternative that fits: 40-80 words ending a
# sentence; else the longest run up to 80 words ending one; else 80 words of an unpunctuated
# run (auto captions); else whatever is left. A regex, so 20M words are cut in C, not Python.
_SENTENCE_END = r"[^ ]*[.?!…][\"'”’)]?(?: |$)"
_CHUNK = re.compile(
    rf"(?:[^ ]+ ){{{CHUNK_WORDS - 1},{2 * CHUNK_WORDS - 1}}}?{_SENTENCE_END}"
    rf"|(?:[^ ]+ ){{0,{2 * CHUNK_WORDS - 1}}}{_SENTENCE_END}|(?:[^ ]+ ){{{2 * CHUNK_WORDS}}}|.+"
)
_SPEAKER_LABEL = re.compile(r"([^\W\d_][\w.'’-]*(?: [\w.'’()-]+){0,3}):[ \t]+(?=\S)")
# Words that end in a colon at a line start without being anybody's name.
_NOT_SPEAKERS = frozenset(
    "note notes update edit warning example source subject from to date re cc tags title summary"
    " http https also ps nb".split()
)
# Lower-case words that may stand between the capitalised words of a name: "Ursula von der Leyen".
_NAME_PARTICLES = frozenset("de da di del della der den van von la le du dos das bin ibn al y".split())


def collapse_whitespace(text: str) -> str:
    """Squeeze every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


def strip_tags(text: str) -> str:
    """Remove markup tags such as <i>, <font color=..>, <c.colorE5E5E5> and <00:00:01.000>."""
    return _TAG.sub("", text) if "<" in text else text


def remove_stage_notes(text: str) -> str:
    """Drop bracketed non-speech notes like [Music], \\[laughter\\] and (inaudible)."""
    if "[" in text:
        text = _BRACKET_NOTE.sub(" ", text)
    if "(" in text:
        text = _PAREN_NOTE.sub(" ", text)
    return text


def clean_text(text: str) -> str:
    """Return speech only: stage notes removed and whitespace collapsed."""
    return collapse_whitespace(remove_stage_notes(text))


def parse_timestamp(text: str) -> float | None:
    """Seconds for 'hh:mm:ss(.ms)', 'mm:ss' or 'hh:mm:ss,ms'; None when it isn't one."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    total = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    # Rounded to the millisecond the clock is written in: 2.679, not 2.6790000000000003.
    return round(total + (float("0." + fraction) if fraction else 0.0), 3)


def parse_date(text: str, *formats: str) -> date | None:
    """The date `text` spells in the first of `formats` that fits; None when none does."""
    for pattern in formats:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def split_speaker_label(text: str, speakers: Container[str]) -> tuple[str | None, str]:
    """Split a leading 'Name: ' label off the text when the label is one of the file's `speakers`."""
    label = speaker_label(text)
    if label is None or label not in speakers:
        return None, text
    return label, text[_SPEAKER_LABEL.match(text).end():]


def speaker_label(text: str) -> str | None:
    """The text's leading 'Name: ' label when it is shaped like a name; None otherwise."""
    match = _SPEAKER_LABEL.match(text)
    return match.group(1) if match is not None and is_speaker_name(match.group(1)) else None


def recurring_speakers(texts: Iterable[str]) -> frozenset[str]:
    """The labels of these texts taken for speakers: used twice or more, or written in capitals as
    captions for the deaf write them ("HOST:"). A phrase that ends in a colon once stays speech."""
    counts = Counter(label for label in map(speaker_label, texts) if label is not None)
    return frozenset(label for label, count in counts.items() if count >= 2 or label.isupper())


def is_speaker_name(name: str) -> bool:
    """Whether a label looks like a person or role: a few capitalised words, perhaps a number last
    ("Speaker 2"), no other digits, no sentence punctuation, not a heading word."""
    words = name.split()
    if words and words[-1].isdigit() and len(words) > 1:
        words = words[:-1]
    return (
        0 < len(words) <= 4
        and len(name) <= 40
        and name.lower() not in _NOT_SPEAKERS
        and _is_name_word(words[0])
        and all(_is_name_word(word) or word in _NAME_PARTICLES for word in words[1:])
    )


def _is_name_word(word: str) -> bool:
    """A capitalised word of letters, perhaps with '.', apostrophes or hyphens: Dr., O'Brien, Jean-Luc."""
    return word[0].isupper() and all(char.isalpha() or char in ".'’-" for char in word)


def chunk_words(text: str) -> list[str]:
    """Cut whitespace-collapsed text into pieces of about CHUNK_WORDS words, at sentence ends."""
    if text.count(" ") < CHUNK_WORDS * 3 // 2:
        return [text]
    chunks = [chunk.rstrip() for chunk in _CHUNK.findall(text)]
    if len(chunks) > 1 and chunks[-1].count(" ") + 1 < CHUNK_WORDS // 2:
        chunks[-2:] = [chunks[-2] + " " + chunks[-1]]
    return chunks


def add_segments(
    segments: list[Segment], text: str, start: float | None = None, speaker: str | None = None
) -> None:
    """Clean `text` and append it to `segments` as one or more sentence-sized segments."""
    cleaned = clean_text(text)
    start = start if is_moment(start) else None
    if cleaned:
        segments.extend(Segment(chunk, start, speaker) for chunk in chunk_words(cleaned))


def is_moment(seconds: float | None) -> bool:
    """Whether a start time can be linked to: finite and not negative (a file may say 1e400 or NaN)."""
    return seconds is not None and math.isfinite(seconds) and seconds >= 0


def looks_like_prose(text: str) -> bool:
    """Whether text reads as natural language: enough words, mostly letters, no table or markup."""
    head = text[:20000].strip()
    if not head or head[0] in "{[<":
        return False
    words = head.split()
    if len(words) < 10 or _looks_like_table(head):
        return False
    wordlike = sum(1 for word in words if word.strip(".,;:!?\"'()“”‘’-…").isalpha())
    letters = sum(1 for char in head if char.isalpha())
    non_space = len(head) - head.count(" ") - head.count("\n")
    return wordlike >= 0.7 * len(words) and letters >= 0.7 * non_space


def _looks_like_table(text: str) -> bool:
    """Whether most lines carry the same number (2+) of commas, tabs or semicolons, as CSV does."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if len(lines) < 3:
        return False
    for delimiter in ",\t;":
        counts = [line.count(delimiter) for line in lines]
        most = max(set(counts), key=counts.count)
        if most >= 2 and counts.count(most) >= 0.8 * len(counts):
            return True
    return False
