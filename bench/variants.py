"""Known-item queries: spans of real passages, as remembered (exactly, or with one thing wrong).

Deterministic: the same passages and seed give the same queries, on any machine and Python run.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.typos import KINDS
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
    # The table: 5 and 10 exact words, one word misspelt (any kind) in a remembered span,
    # a name misspelt (any kind) in 5 words of context, and each kind of misspelling on its own.
    "exact-5": (5, 5),
    "exact-10": (10, 10),
    "one-word-misspelt": (8, 12),
    "name-in-5": (5, 5),
    **{f"typo:{kind}": (5, 5) for kind in KINDS},
    "split": (5, 5),
    "joined": (5, 5),
}
VARIANTS = tuple(SPAN_WORDS)
# Words shorter than this are left alone by the misspelling kinds (a typo in "cat" is another word).
MIN_TYPO_LETTERS = 4
MIN_SPLIT_PART = 3
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
    sources: Sequence[Source],
    variant: str,
    count: int,
    is_uncommon: Callable[[str], bool],
    seed: int,
    is_known: Callable[[str], bool] = bool,
) -> list[KnownItem]:
    """`count` distinct queries of one variant, drawn from random passages with a seeded generator.

    `is_known` says whether a word is in the corpus: a split word is cut where both halves are.
    """
    rng = random.Random(f"{seed}:{variant}")
    items: dict[str, KnownItem] = {}
    makers = {**_MAKERS, "split": _splitter(is_known)}
    chosen = _chooser(variant, is_uncommon)
    for _ in range(count * ATTEMPTS_PER_ITEM):
        if len(items) == count:
            break
        item = _attempt(rng.choice(sources), variant, rng, is_uncommon, makers, chosen)
        if item is not None:
            items.setdefault(item.query.lower(), item)
    return list(items.values())


def _attempt(
    source: Source, variant: str, rng: random.Random, is_uncommon, makers, chosen
) -> KnownItem | None:
    low, high = SPAN_WORDS[variant]
    found = words(source.text)
    length = rng.randint(low, high)
    if len(found) < length:
        return None
    first = rng.randrange(len(found) - length + 1)
    span = found[first : first + length]
    if sum(1 for m in span if is_uncommon(m[0])) < MIN_UNCOMMON:
        return None
    changed = makers[variant](span, source.text, rng, chosen)
    if changed is None:
        return None
    exact = " ".join(m[0] for m in span)
    return KnownItem(variant, " ".join(changed), normal(exact), length, source.episode_id)


def _exact(span: list[re.Match[str]], text: str, rng: random.Random, chosen=None) -> list[str]:
    return [m[0] for m in span]


def _dropped(span: list[re.Match[str]], text: str, rng: random.Random, chosen=None) -> list[str] | None:
    """One word (one that counts for search, not a stopword) left out."""
    texts = [m[0] for m in span]
    choices = [i for i, word in enumerate(texts) if term_of(word)]
    if not choices:
        return None
    drop = rng.choice(choices)
    return texts[:drop] + texts[drop + 1 :]


def _replaced(span: list[re.Match[str]], text: str, rng: random.Random, chosen=None) -> list[str] | None:
    """One word replaced by a common synonym or by what it is misheard as."""
    texts = [m[0] for m in span]
    choices = [i for i, word in enumerate(texts) if word.lower() in SUBSTITUTES]
    if not choices:
        return None
    at = rng.choice(choices)
    texts[at] = _same_case(SUBSTITUTES[texts[at].lower()], texts[at])
    return texts


def _swapped(span: list[re.Match[str]], text: str, rng: random.Random, chosen=None) -> list[str] | None:
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


def _misspelt_name(span: list[re.Match[str]], text: str, rng: random.Random, chosen=None) -> list[str] | None:
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


def _chooser(variant: str, is_uncommon: Callable[[str], bool]) -> Callable[[re.Match[str], str], bool]:
    """Which words of a span a variant may misspell: a name for name-in-5, any searchable word of
    four letters or more for one-word-misspelt, else an uncommon one (the word a person remembers)."""
    if variant == "name-in-5":
        return _is_name
    if variant == "one-word-misspelt":
        return lambda match, text: len(match[0]) >= MIN_TYPO_LETTERS and term_of(match[0]) is not None
    return lambda match, text: len(match[0]) >= MIN_TYPO_LETTERS and is_uncommon(match[0])


def _typo(kinds: Sequence[str]):
    """A maker misspelling one chosen word of the span by one of these kinds (a new index term)."""

    def make(span: list[re.Match[str]], text: str, rng: random.Random, chosen) -> list[str] | None:
        texts = [m[0] for m in span]
        places = [i for i, m in enumerate(span) if chosen(m, text) and not texts[i].isdigit()]
        if not places:
            return None
        at = rng.choice(places)
        wrong = KINDS[rng.choice(kinds)](texts[at], rng)
        if not wrong or term_of(wrong) in (None, term_of(texts[at])):
            return None
        texts[at] = wrong
        return texts

    return make


def _joined(span: list[re.Match[str]], text: str, rng: random.Random, chosen) -> list[str] | None:
    """Two neighbouring words written as one ("open source" -> "opensource"), one of them uncommon."""
    texts = [m[0] for m in span]
    places = [
        i for i in range(len(texts) - 1)
        if (chosen(span[i], text) or chosen(span[i + 1], text)) and term_of(texts[i + 1])
        and texts[i].isalpha() and texts[i + 1].isalpha()
    ]
    if not places:
        return None
    at = rng.choice(places)
    return texts[:at] + [texts[at] + texts[at + 1].lower()] + texts[at + 2 :]


def _splitter(is_known: Callable[[str], bool]):
    """A maker writing one word as two where both halves are words ("Elasticsearch" -> "Elastic Search")."""

    def make(span: list[re.Match[str]], text: str, rng: random.Random, chosen) -> list[str] | None:
        texts = [m[0] for m in span]
        cuts = [
            (i, cut) for i, m in enumerate(span) if chosen(m, text) and texts[i].isalpha()
            for cut in range(MIN_SPLIT_PART, len(texts[i]) - MIN_SPLIT_PART + 1)
            if is_known(texts[i][:cut]) and is_known(texts[i][cut:])
        ]
        if not cuts:
            return None
        at, cut = rng.choice(cuts)
        return texts[:at] + [texts[at][:cut], texts[at][cut:]] + texts[at + 1 :]

    return make


_MAKERS = {
    "exact-short": _exact, "exact-medium": _exact, "exact-long": _exact,
    "dropped": _dropped, "replaced": _replaced, "swapped": _swapped, "misspelt-name": _misspelt_name,
    "exact-5": _exact, "exact-10": _exact, "one-word-misspelt": _typo(tuple(KINDS)),
    "name-in-5": _typo(tuple(KINDS)), **{f"typo:{kind}": _typo((kind,)) for kind in KINDS},
    "joined": _joined,
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
