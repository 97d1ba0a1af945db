"""The index's vocabulary, and the indexed words near a misspelt query word.

A query word that isn't indexed (or hardly is) was likely misspelt, by the person or by the
transcript: "Kbernetes", "Channgelog", "Reakt". Its corrections are the indexed terms within a
small edit distance (insertions, deletions, substitutions and transpositions each count 1, the
optimal string alignment distance), closest first, then most used.

Why not tantivy's fuzzy_term_query: it finds the same terms with a Levenshtein automaton, but scores
every passage it matches alike (a constant), so a found correction can't count for more when it is
rare, and loses to the common words around it. Enumerating the terms ourselves lets each one be an
ordinary BM25 term query. The vocabulary is read from the index a first letter at a time, on first
need (the Changelog's 45,000 terms take 0.3 s at once, a letter 10-20 ms), and compared with
rapidfuzz within the letter's words of about the right length (0.1 ms, not 3 ms for all of them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import tantivy
from rapidfuzz import process
from rapidfuzz.distance import OSA

# Words shorter than this aren't corrected: one letter off, "at" is "an", "as", "it"...
MIN_LETTERS = 3
# From this many letters a word may be two edits off; shorter ones only one.
TWO_EDITS_FROM = 8
MAX_CORRECTIONS = 4
# Corrections already looked for, per vocabulary (a query's words are looked up more than once).
MAX_REMEMBERED = 10_000
# A misspelling rarely touches the first letter, except where the sound is spelt two ways (c/k,
# ph/f, v/w): only words starting with the same letter, or its other spelling, are compared.
_OTHER_FIRST = {"c": "k", "k": "c", "f": "p", "p": "f", "v": "w", "w": "v"}


@dataclass(frozen=True, slots=True)
class Correction:
    """An indexed term near a query word: how many edits away, in how many passages."""

    term: str
    distance: int
    passages: int


def max_edits(term: str) -> int:
    """The edits a word may be off: none when short, 1, or 2 when long."""
    if len(term) < MIN_LETTERS:
        return 0
    return 1 if len(term) < TWO_EDITS_FROM else 2


class Vocabulary:
    """The terms of the index's text field by first letter and length, read on first use."""

    def __init__(self, searcher: Callable[[], tantivy.Searcher], field: str = "text") -> None:
        self._searcher = searcher
        self._field = field
        self._letters: dict[str, dict[int, list[str]]] = {}
        self._passages: dict[str, int] = {}
        self._remembered: dict[str, list[Correction]] = {}
        self._lock = threading.Lock()

    def corrections(self, term: str, typed: str = "") -> list[Correction]:
        """The nearest indexed terms to a term (itself left out), closest and most used first.

        `typed` is the word as typed, folded: the stemmer cuts a misspelt word and the right one
        differently ("univrsity" -> "univrs", "university" -> "universiti"), so it is compared too.
        """
        found = self._remembered.get(term + " " + typed)
        if found is None:
            if len(self._remembered) >= MAX_REMEMBERED:
                self._remembered.clear()
            found = self._remembered[term + " " + typed] = self._look_up(term, typed)
        return found

    def _look_up(self, term: str, typed: str) -> list[Correction]:
        nearest: dict[str, int] = {}
        # "ph" and "f" are one sound but two edits apart ("Phont", "Grafql"): both are looked for.
        spellings = (term, typed, typed.replace("ph", "f"), typed.replace("f", "ph"))
        for word in dict.fromkeys(w for w in spellings if max_edits(w)):
            for letter in filter(None, (word[0], _OTHER_FIRST.get(word[0]))):
                for other, distance, _ in self._near(word, letter, max_edits(word)):
                    nearest[other] = min(int(distance), nearest.get(other, 99))
        nearest.pop(term, None)
        found = [Correction(other, distance, self._passages[other]) for other, distance in nearest.items()]
        found.sort(key=lambda c: (c.distance, -c.passages))
        return found[:MAX_CORRECTIONS]

    def _near(self, term: str, letter: str, edits: int) -> list[tuple[str, float, int]]:
        by_length = self._letter(letter)
        choices = [t for n in range(len(term) - edits, len(term) + edits + 1) for t in by_length.get(n, ())]
        return process.extract(term, choices, scorer=OSA.distance, score_cutoff=edits, limit=None)

    def _letter(self, letter: str) -> dict[int, list[str]]:
        """The terms starting with a letter, by length (read from the index once)."""
        found = self._letters.get(letter)
        if found is None:
            with self._lock:
                found = self._letters.get(letter) or self._read(letter)
        return found

    def _read(self, letter: str) -> dict[int, list[str]]:
        by_length: dict[int, list[str]] = {}
        for term, passages in self._searcher().terms_with_prefix(self._field, letter):
            by_length.setdefault(len(term), []).append(term)
            self._passages[term] = passages
        self._letters[letter] = by_length
        return by_length
