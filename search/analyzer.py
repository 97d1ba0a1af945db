"""The one analyzer for passages and queries: word splitting, folding, stopwords, stemming, sound keys.

tantivy applies `build_analyzer()` to every passage it indexes; queries and highlights go word by
word through the very same analyzer (`term_of`), so a query word matches exactly what was indexed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import tantivy

ANALYZER_NAME = "podquote"

# A word: letters and digits with inner apostrophes ("Putin's", "don't"); numbers keep their inner
# separators ("2,000", "3.5"). Hyphens split words, so "long-range" is found by "long range".
# The two spellings must agree: tantivy's regex syntax (for indexing) and Python's (for queries).
_TANTIVY_WORD = r"\p{N}+(?:[.,]\p{N}+)+|[\p{L}\p{N}]+(?:['’][\p{L}]+)*"
WORD = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:['’][^\W\d_]+)*")
MAX_WORD_LENGTH = 40


def build_analyzer() -> tantivy.TextAnalyzer:
    """The tantivy analyzer used for passage text, episode titles and query words alike."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(_TANTIVY_WORD))
        .filter(tantivy.Filter.remove_long(MAX_WORD_LENGTH))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .filter(tantivy.Filter.stopword("english"))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


_ANALYZER = build_analyzer()


@lru_cache(maxsize=200_000)
def term_of(word: str) -> str | None:
    """The index term of one word, or None for a stopword (the vocabulary is small: cache it)."""
    terms = _ANALYZER.analyze(word)
    return terms[0] if terms else None


def words(text: str) -> list[re.Match[str]]:
    """The words of a text, with their character spans."""
    return list(WORD.finditer(text))


def fold(word: str) -> str:
    """Lower-case ASCII letters of a word, accents removed ("Zelenskyy's" -> "zelenskyys")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if "a" <= ch <= "z")


# Sound keys: speech recognition spells a name the way it sounds ("Witkoff" becomes "Whitkoff",
# "Wittkov", "Witgolf"), so names are also indexed by a coarse key of their consonant sounds,
# where letters that sound alike or are often confused (v/f, g/k, d/t, b/p, z/s) collapse.
_SOUND_RULES = (
    (re.compile(r"^wh"), "w"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"gh"), ""),
    (re.compile(r"sch|sh|zh"), "s"),
    (re.compile(r"ch|kh|ck|qu?"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"th"), "t"),
)
_SOUND_LETTERS = str.maketrans("cgzvdb", "kksftp")
_SILENT = re.compile(r"(?<!^)w|[aeiouyh]")
MIN_SOUND_KEY = 3


@lru_cache(maxsize=200_000)
def sound_key(word: str) -> str:
    """A coarse phonetic key of a word: its consonant sounds, with one 'a' for a leading vowel."""
    letters = fold(re.sub(r"['’]s$", "", word))
    if not letters:
        return ""
    for pattern, replacement in _SOUND_RULES:
        letters = pattern.sub(replacement, letters)
    lead = "a" if letters[:1] in "aeiouy" else ""
    consonants = _SILENT.sub("", letters.translate(_SOUND_LETTERS))
    return lead + re.sub(r"(.)\1+", r"\1", consonants)


def sound_keys(text: str) -> list[str]:
    """Sound keys of the name-like words of a text (capitalised, 4+ letters)."""
    keys = (sound_key(m[0]) for m in WORD.finditer(text) if is_name_like(m[0]))
    return [key for key in keys if len(key) >= MIN_SOUND_KEY]


@lru_cache(maxsize=200_000)
def near_keys(key: str) -> tuple[str, ...]:
    """The key with one sound dropped, each way: how a heard name gains or loses a sound.

    Two keys are near when one is the other plus one sound ("wtkf", "wtklf"). Substitutions are
    left out on purpose: the key's letter classes already absorb the usual ones, and the rest
    mostly join unrelated names ("spln" for Zeppelin, "stln" for Stalin).
    """
    if len(key) <= MIN_SOUND_KEY:
        return ()
    return tuple(dict.fromkeys(key[:i] + key[i + 1 :] for i in range(len(key))))


def sounds_near(key: str, wanted: str) -> bool:
    """Whether a word's sound key equals a query word's, or differs by one added or dropped sound."""
    return key == wanted or key in near_keys(wanted) or wanted in near_keys(key)


def is_name_like(word: str) -> bool:
    """Whether a word looks like a name: capitalised, four letters or more."""
    return len(word) >= 4 and word[0].isupper() and word[1:2].isalpha()
