"""How a word gets misspelt, one kind at a time: by a keyboard, by a memory, by speech recognition.

Each kind is a function (word, rng) -> the misspelt word, or None when the kind can't apply to that
word. They work on the word as typed (its case kept), and never touch its first letter unless the
kind is about it (c/k, v/w, ph/f), since people and speech recognition rarely get that one wrong.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

VOWELS = "aeiou"
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
# Letters that sound alike, each way: what a listener or speech recognition confuses.
_SOUND_ALIKE = {
    "a": "e", "e": "a", "i": "y", "y": "i", "o": "u", "u": "o", "s": "z", "z": "s", "d": "t",
    "t": "d", "b": "p", "p": "b", "g": "k", "k": "g", "m": "n", "n": "m", "f": "v", "v": "f",
}
# Speech recognition's rewrites of a name (the seeds' Witkoff became Whitkoff, Wittkov, Witgolf,
# Wittgolf, Wyckoff, Wickhoff): sounds spelt otherwise, voiced or not, letters doubled or added.
_HEARD = (
    ("^w(?!h)", "wh"), ("^wh", "w"), ("(?<=.)i", "y"), ("(?<=.)y", "i"), ("tk", "tg"), ("tk", "ttk"),
    ("tk", "ck"), ("k", "g"), ("g", "k"), ("ff$", "v"), ("v$", "ff"), ("(?<!f)f$", "lf"), ("ff", "lf"),
    ("d", "t"), ("t(?!h)", "d"), ("b", "p"), ("p(?!h)", "b"), ("ov$", "av"), ("ov$", "off"),
    ("er", "ar"), ("ar", "er"), ("e", "ei"), ("c(?=[aou])", "k"), ("k", "ck"), ("s(?=[aeiou])", "z"),
    ("z", "s"), ("ph", "f"), ("(?<!f)f(?!f)", "ph"), ("sh", "sch"), ("ie", "ei"), ("ou", "u"), ("on$", "en"),
    ("ski$", "sky"), ("th", "t"), ("([aeiou])([bdgkmnpt])(?=[aeiou])", r"\1\2\2"),
)


def _neighbours(letter: str) -> str:
    """The keys next to a letter on a QWERTY keyboard (same row)."""
    for row in _KEYBOARD_ROWS:
        at = row.find(letter)
        if at >= 0:
            return row[max(at - 1, 0) : at] + row[at + 1 : at + 2]
    return ""


def _cased(wrong: str, like: str) -> str:
    return wrong[:1].upper() + wrong[1:] if like[:1].isupper() else wrong


def _inner(word: str) -> range:
    """Positions a typo may touch: all but the first letter."""
    return range(1, len(word))


def insertion(word: str, rng: random.Random) -> str | None:
    """A key next to one of the word's letters pressed too."""
    at = rng.choice(_inner(word))
    extra = _neighbours(word[at].lower()) or word[at]
    return word[:at] + rng.choice(extra) + word[at:]


def deletion(word: str, rng: random.Random) -> str | None:
    """One letter left out."""
    at = rng.choice(_inner(word))
    return word[:at] + word[at + 1 :]


def keyboard(word: str, rng: random.Random) -> str | None:
    """One letter replaced by a key next to it."""
    at = rng.choice(_inner(word))
    near = _neighbours(word[at].lower())
    return word[:at] + rng.choice(near) + word[at + 1 :] if near else None


def sound_alike(word: str, rng: random.Random) -> str | None:
    """One letter replaced by one that sounds like it (a/e, d/t, s/z, m/n...)."""
    places = [i for i in _inner(word) if word[i].lower() in _SOUND_ALIKE]
    if not places:
        return None
    at = rng.choice(places)
    return word[:at] + _SOUND_ALIKE[word[at].lower()] + word[at + 1 :]


def transposition(word: str, rng: random.Random) -> str | None:
    """Two neighbouring letters (different ones) typed in the wrong order."""
    places = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    if not places:
        return None
    at = rng.choice(places)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def doubled(word: str, rng: random.Random) -> str | None:
    """A single consonant doubled ("Channgelog")."""
    places = [i for i in _inner(word) if _single_consonant(word, i)]
    return _at(places, rng, lambda i: word[: i + 1] + word[i] + word[i + 1 :])


def undoubled(word: str, rng: random.Random) -> str | None:
    """A doubled consonant written once ("Hammer" -> "Hamer")."""
    places = [i for i in _inner(word) if word[i] == word[i - 1] and word[i].lower() not in VOWELS]
    return _at(places, rng, lambda i: word[:i] + word[i + 1 :])


def dropped_vowel(word: str, rng: random.Random) -> str | None:
    """An inner vowel left out ("Wndows", "Kbernetes")."""
    places = [i for i in range(1, len(word) - 1) if word[i].lower() in VOWELS]
    return _at(places, rng, lambda i: word[:i] + word[i + 1 :])


def last_letter(word: str, rng: random.Random) -> str | None:
    """The last letter changed ("Linuh", "Reakt")."""
    letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != word[-1].lower()])
    return word[:-1] + letter


def c_k(word: str, rng: random.Random) -> str | None:
    """A c written k, or a k written c."""
    return _swap_spelling(word, rng, (("c", "k"), ("k", "c")))


def ph_f(word: str, rng: random.Random) -> str | None:
    """A ph written f, or an f written ph."""
    return _swap_spelling(word, rng, (("ph", "f"), ("f", "ph")))


def v_w(word: str, rng: random.Random) -> str | None:
    """A v written w, or a w written v."""
    return _swap_spelling(word, rng, (("v", "w"), ("w", "v")))


def heard(word: str, rng: random.Random) -> str | None:
    """A name as speech recognition spells it: one or two of its sound rewrites ("Witkoff" -> "Whitkoff",
    "Witgolf")."""
    wrong = word.lower()
    for _ in range(rng.randint(1, 2)):
        edits = [(m, new) for old, new in _HEARD for m in re.finditer(old, wrong)]
        if not edits:
            break
        match, new = rng.choice(edits)
        wrong = wrong[: match.start()] + match.expand(new) + wrong[match.end() :]
    return _cased(wrong, word) if wrong != word.lower() else None


def _single_consonant(word: str, i: int) -> bool:
    letter = word[i].lower()
    alone = word[i - 1].lower() != letter and (i + 1 == len(word) or word[i + 1].lower() != letter)
    return letter.isalpha() and letter not in VOWELS and alone


def _at(places: list[int], rng: random.Random, change: Callable[[int], str]) -> str | None:
    return change(rng.choice(places)) if places else None


def _swap_spelling(word: str, rng: random.Random, pairs) -> str | None:
    lower = word.lower()
    edits = [(m.start(), m.end(), new) for old, new in pairs for m in re.finditer(old, lower)]
    if not edits:
        return None
    begin, end, new = rng.choice(edits)
    return _cased(lower[:begin] + new + lower[end:], word)


# Every kind, by the name the evaluation reports it under.
KINDS: dict[str, Callable[[str, random.Random], str | None]] = {
    "insertion": insertion,
    "deletion": deletion,
    "keyboard": keyboard,
    "sound-alike": sound_alike,
    "transposition": transposition,
    "doubled": doubled,
    "undoubled": undoubled,
    "dropped-vowel": dropped_vowel,
    "last-letter": last_letter,
    "c-k": c_k,
    "ph-f": ph_f,
    "v-w": v_w,
    "heard": heard,
}
