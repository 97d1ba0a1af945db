"""Known-item queries: spans of real passages, as remembered (exactly, or with one thing wrong).

Deterministic: the same passages and seed give the same queries, on any machine and Python run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from search.analyzer import is_name_like, term_of, words

# Span lengths in words, per variant: exact spans short, medium and long; the variants with one
# thing wrong start from spans of 8-12 words (what a person quotes from memory).
SPAN_WORDS = {
    "exact-short": (4, 6),
    "exact-medium": (7, 10),
    "exact-long": (11, 15),
    "dropped": (8, 12),
    "replaced": (8, 12),
    "swapped": (8, 12),
    "misspelt-name": (8, 12),
}
VARIANTS = tuple(SPAN_WORDS)
MIN_UNCOMMON = 2
ATTEMPTS_PER_ITEM = 400

# A common synonym, or the word speech recognition (or a memory) puts in its place.
SUBSTITUTES = {
    # synonyms
    "big": "large", "large": "big", "small": "little", "little": "small", "huge": "massive",
    "start": "begin", "started": "began", "begin": "start", "fast": "quick", "quick": "fast",
    "quickly": "fast", "talk": "speak", "talking": "speaking", "speak": "talk", "help": "assist",
    "use": "utilize", "using": "utilizing", "used": "utilized", "build": "make", "building": "making",
    "built": "made", "problem": "issue", "problems": "issues", "issue": "problem", "issues": "problems",
    "company": "business", "companies": "businesses", "hard": "difficult", "difficult": "hard",
    "easy": "simple", "simple": "easy", "maybe": "perhaps", "important": "crucial", "great": "awesome",
    "awesome": "great", "amazing": "incredible", "kind": "sort", "pretty": "fairly", "idea": "notion",
    "people": "folks", "folks": "people", "stuff": "things", "things": "stuff", "fix": "repair",
    "bug": "error", "bugs": "errors", "happy": "glad", "need": "require", "show": "display",
    "try": "attempt", "trying": "attempting", "look": "see", "looking": "searching", "end": "finish",
    "buy": "purchase", "money": "cash", "smart": "clever", "wrong": "incorrect", "correct": "right",
    "job": "work", "understand": "grasp", "fun": "enjoyable", "weird": "strange", "strange": "weird",
    "story": "tale", "change": "alter", "changed": "altered", "different": "distinct", "often": "frequently",
    "usually": "generally", "basically": "essentially", "actually": "really", "really": "truly",
    "totally": "completely", "definitely": "certainly", "super": "very", "lot": "bunch", "sure": "certain",
    "team": "group", "write": "author", "create": "make", "created": "made", "learn": "study",
    "learning": "studying", "care": "mind", "hear": "listen", "remember": "recall", "went": "traveled",
    "world": "planet", "years": "decades", "person": "individual", "answer": "reply", "question": "query",
    # heard wrong
    "right": "write", "new": "knew", "knew": "new", "know": "no", "here": "hear", "whether": "weather",
    "week": "weak", "whole": "hole", "piece": "peace", "site": "sight", "sell": "cell", "meet": "meat",
    "made": "maid", "one": "won", "two": "too", "eight": "ate", "some": "sum", "read": "red",
    "role": "roll", "scene": "seen", "seen": "scene", "sent": "cent", "wait": "weight", "way": "weigh",
    "would": "wood", "our": "hour", "plain": "plane", "fair": "fare", "allowed": "aloud",
    "board": "bored", "break": "brake", "cache": "cash", "sequel": "SQL", "night": "knight",
    "through": "threw", "where": "wear", "which": "witch", "whose": "who's", "hours": "ours",
    "mind": "mined", "rights": "writes", "pair": "pear", "close": "clothes", "course": "coarse",
}

# How speech recognition misspells a name: sounds spelt another way, letters doubled or dropped.
_SOUND_SPELLINGS = (
    ("ph", "f"), ("(?<!f)f(?!f)", "ph"), ("ck", "k"), ("c(?=[aou])", "k"), ("k", "c"), ("x", "ks"),
    ("ks", "x"),
    ("z", "s"), ("(?<=[aeiou])s(?=[aeiou])", "z"), ("ie$", "y"), ("y$", "ie"), ("ee", "ea"), ("ea", "ee"),
    ("ei", "ie"), ("ie", "ei"), ("ou", "u"), ("oo", "u"), ("qu", "kw"), ("^w", "wh"), ("^wh", "w"),
    ("th", "t"), ("w", "v"), ("v", "w"), ("sch", "sh"), ("sh", "sch"), ("ai", "ay"), ("ay", "ai"),
    ("er$", "or"), ("or$", "er"), ("an$", "en"), ("en$", "an"), ("son$", "sen"), ("ski$", "sky"),
    ("(?<=[^aeiou])o$", "oh"), ("(?<=[^aeiou])a$", "ah"), ("g(?=[ei])", "j"), ("j", "g"),
    ("(?<=.)i(?=[^aeiou])", "y"), ("(?<=.)y(?=[^aeiou])", "i"),
)
_DOUBLED = re.compile(r"([b-df-hj-np-tv-z])\1")
_SINGLE = re.compile(r"(?<=[aeiou])([bdfgklmnprstz])(?=[aeiouy])")
# Letters heard or not: an 'h' after a hard consonant ("Thomson"), a final 'e' ("Browne").
_SILENT = re.compile(r"(?<=[bdgkr])h|(?<=[^aeiou])e$")


@dataclass(frozen=True, slots=True)
class Source:
    """A passage to draw spans from."""

    episode_id: str
    text: str


@dataclass(frozen=True, slots=True)
class KnownItem:
    """A query made from a passage; every episode containing `span` (the exact words) is a right answer."""

    variant: str
    query: str
    span: str
    words: int
    episode_id: str


def normal(text: str) -> str:
    """Lower-cased words joined by single spaces: the form in which spans are looked for in episodes."""
    return " ".join(m[0].lower() for m in words(text))


def known_items(
    sources: Sequence[Source], variant: str, count: int, is_uncommon: Callable[[str], bool], seed: int
) -> list[KnownItem]:
    """`count` distinct queries of one variant, drawn from random passages with a seeded generator."""
    rng = random.Random(f"{seed}:{variant}")
    items: dict[str, KnownItem] = {}
    for _ in range(count * ATTEMPTS_PER_ITEM):
        if len(items) == count:
            break
        item = _attempt(rng.choice(sources), variant, rng, is_uncommon)
        if item is not None:
            items.setdefault(item.query.lower(), item)
    return list(items.values())


def _attempt(source: Source, variant: str, rng: random.Random, is_uncommon) -> KnownItem | None:
    low, high = SPAN_WORDS[variant]
    found = words(source.text)
    length = rng.randint(low, high)
    if len(found) < length:
        return None
    first = rng.randrange(len(found) - length + 1)
    span = found[first : first + length]
    if sum(1 for m in span if is_uncommon(m[0])) < MIN_UNCOMMON:
        return None
    changed = _MAKERS[variant](span, source.text, rng)
    if changed is None:
        return None
    exact = " ".join(m[0] for m in span)
    return KnownItem(variant, " ".join(changed), normal(exact), length, source.episode_id)


def _exact(span: list[re.Match[str]], text: str, rng: random.Random) -> list[str]:
    return [m[0] for m in span]


def _dropped(span: list[re.Match[str]], text: str, rng: random.Random) -> list[str] | None:
    """One word (one that counts for search, not a stopword) left out."""
    texts = [m[0] for m in span]
    choices = [i for i, word in enumerate(texts) if term_of(word)]
    if not choices:
        return None
    drop = rng.choice(choices)
    return texts[:drop] + texts[drop + 1 :]


def _replaced(span: list[re.Match[str]], text: str, rng: random.Random) -> list[str] | None:
    """One word replaced by a common synonym or by what it is misheard as."""
    texts = [m[0] for m in span]
    choices = [i for i, word in enumerate(texts) if word.lower() in SUBSTITUTES]
    if not choices:
        return None
    at = rng.choice(choices)
    texts[at] = _same_case(SUBSTITUTES[texts[at].lower()], texts[at])
    return texts


def _swapped(span: list[re.Match[str]], text: str, rng: random.Random) -> list[str] | None:
    """Two neighbouring words (both searchable, and different) in the wrong order."""
    texts = [m[0] for m in span]
    choices = [
        i for i in range(len(texts) - 1)
        if term_of(texts[i]) and term_of(texts[i + 1]) and texts[i].lower() != texts[i + 1].lower()
    ]
    if not choices:
        return None
    at = rng.choice(choices)
    texts[at], texts[at + 1] = texts[at + 1], texts[at]
    return texts


def _misspelt_name(span: list[re.Match[str]], text: str, rng: random.Random) -> list[str] | None:
    """A name (capitalised mid-sentence) spelt the way speech recognition hears it."""
    texts = [m[0] for m in span]
    choices = [i for i, m in enumerate(span) if _is_name(m, text)]
    rng.shuffle(choices)
    for at in choices:
        wrong = misspell(texts[at], rng)
        if wrong is not None:
            texts[at] = wrong
            return texts
    return None


_MAKERS = {
    "exact-short": _exact, "exact-medium": _exact, "exact-long": _exact,
    "dropped": _dropped, "replaced": _replaced, "swapped": _swapped, "misspelt-name": _misspelt_name,
}


def misspell(name: str, rng: random.Random) -> str | None:
    """The name with one sound spelt differently or one letter doubled or dropped; None if none applies."""
    choices = spellings(name)
    return rng.choice(choices) if choices else None


def spellings(name: str) -> list[str]:
    """Every way the misspelling rules respell a name once (each no longer the same index term)."""
    lower = name.lower()
    found = {}
    for begin, end, replacement in _edits(lower):
        wrong = lower[:begin] + replacement + lower[end:]
        if len(wrong) >= 3 and term_of(wrong) and term_of(wrong) != term_of(lower):
            found.setdefault(_same_case(wrong, name), None)
    return list(found)


def _edits(word: str) -> list[tuple[int, int, str]]:
    """Every (begin, end, replacement) edit of the misspelling rules that applies to a word."""
    edits = [(m.start(), m.end(), new) for old, new in _SOUND_SPELLINGS for m in re.finditer(old, word)]
    edits += [(m.start(), m.end(), m[1]) for m in _DOUBLED.finditer(word)]
    edits += [(m.start(), m.end(), m[1] * 2) for m in _SINGLE.finditer(word)]
    edits += [(m.start(), m.end(), "") for m in _SILENT.finditer(word)]
    return edits


def _is_name(match: re.Match[str], text: str) -> bool:
    """Capitalised mid-sentence (so not just a sentence's first word), and not an acronym."""
    word = match[0]
    return is_name_like(word) and not word.isupper() and not _opens_sentence(text, match.start())


def _same_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() and not word[:1].isupper() else word


def _opens_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip(" \"'“‘(")
    return not before or before.endswith((".", "!", "?", "…", ":"))
