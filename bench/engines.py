"""The engines compared with podquote, over the same passages and the same tokens.

rank-bm25's `BM25Okapi` (the design card's baseline) and SQLite FTS5's `bm25()`, both fed the terms
podquote's own analyzer makes (`term_of` over `words`), so the comparison is of ranking and speed,
not of tokenizing.
"""

from __future__ import annotations

import sqlite3
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from search.analyzer import term_of, words
from search.index import QuoteIndex

# Enough passages to find 10 distinct episodes among them, nearly always.
PASSAGE_DEPTH = 100
# The quotes a chat shows for /quote (bot.commands.QUOTES_PER_PAGE), fetched by every engine.
SHOWN = 3
# podquote returns at most two quotes an episode: 20 quotes cover 10 distinct episodes.
PODQUOTE_LIMIT = 20


def tokens(text: str) -> list[str]:
    """The index terms of a text, exactly as podquote's analyzer makes them (stopwords dropped)."""
    return [term for term in (term_of(m[0]) for m in words(text)) if term]


@dataclass
class Passages:
    """Passages as parallel lists: the episode each belongs to, its text, and its terms."""

    episode_ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, pairs) -> Passages:
        """From (episode id, text) pairs."""
        passages = cls()
        for episode_id, text in pairs:
            passages.episode_ids.append(episode_id)
            passages.texts.append(text)
        return passages

    def __len__(self) -> int:
        return len(self.texts)

    def episodes_of(self, ranked: Sequence[int]) -> list[str]:
        """The episodes of passages ranked by position."""
        return [self.episode_ids[i] for i in ranked]


class PodquoteEngine:
    """podquote itself, through `QuoteIndex.search`: what `Library.search` runs for /quote."""

    name = "podquote"

    def __init__(self, index: QuoteIndex) -> None:
        self.index = index

    def search(self, query: str) -> object:
        """One /quote: the quotes a chat shows, formatted."""
        return self.index.search(query, limit=SHOWN)

    def ranked_episodes(self, query: str) -> list[str]:
        """Episodes in the order their best quote ranks (variety, at most 2 quotes an episode, over the
        whole list, as a chat's first page has: later pages go deeper into the same episodes)."""
        result = self.index.search(query, limit=PODQUOTE_LIMIT, first_page=PODQUOTE_LIMIT)
        return [q.episode_id for q in result.quotes]


class Bm25Engine:
    """rank-bm25's BM25Okapi over the passages' terms (it scores every passage for every query).

    Latency is measured with its own `get_scores`. The quality evaluation, which runs thousands of
    queries, ranks with `same_scores`: the very same formula and figures (its idf, k1, b, average
    length) computed over an inverted index, checked equal to `get_scores` in every run.
    """

    name = "rank-bm25"

    def __init__(self, passages: Passages) -> None:
        from rank_bm25 import BM25Okapi

        self.passages = passages
        self.model = BM25Okapi([tokens(text) for text in passages.texts])
        self._postings: dict | None = None

    def memory_bytes(self) -> int:
        """What the model holds: a dict of term counts per passage, their lengths, the idf table.

        Counted object by object (the words themselves are shared with the idf table's keys),
        because the process's resident memory also moves with whatever else was freed before.
        """
        model = self.model
        held = sys.getsizeof(model.doc_freqs) + sum(sys.getsizeof(d) for d in model.doc_freqs)
        held += sys.getsizeof(model.doc_len) + sys.getsizeof(model.idf)
        return held + sum(sys.getsizeof(term) + sys.getsizeof(idf) for term, idf in model.idf.items())

    def top(self, query: str, depth: int, fast: bool = False) -> list[int]:
        """The best-scoring passages' positions, best first (passages scoring nothing left out)."""
        import numpy

        terms = tokens(query)
        if not terms:
            return []
        scores = self.same_scores(terms) if fast else self.model.get_scores(terms)
        depth = min(depth, len(scores))
        best = numpy.argpartition(-scores, depth - 1)[:depth]
        best = best[numpy.argsort(-scores[best], kind="stable")]
        return [int(i) for i in best if scores[i] > 0]

    def search(self, query: str) -> list[str]:
        """The texts of the passages a chat would show."""
        return [self.passages.texts[i] for i in self.top(query, SHOWN)]

    def ranked_episodes(self, query: str) -> list[str]:
        """Episodes in the order their best passage ranks (by `same_scores`)."""
        return self.passages.episodes_of(self.top(query, PASSAGE_DEPTH, fast=True))

    def same_scores(self, terms: list[str]):
        """BM25Okapi.get_scores(terms), computed only where the terms occur: the same numbers."""
        import numpy

        model, postings = self.model, self._inverted()
        scores = numpy.zeros(model.corpus_size)
        for term in terms:
            if term not in postings:
                continue
            ids, freq = postings[term]
            length = self._lengths[ids]
            scores[ids] += (model.idf.get(term) or 0) * (
                freq * (model.k1 + 1) / (freq + model.k1 * (1 - model.b + model.b * length / model.avgdl))
            )
        return scores

    def _inverted(self) -> dict:
        """term -> (passage positions, term counts), built from the model's own counts on first use."""
        if self._postings is None:
            import numpy

            ids: dict[str, array] = {}
            counts: dict[str, array] = {}
            for position, frequencies in enumerate(self.model.doc_freqs):
                for term, count in frequencies.items():
                    ids.setdefault(term, array("q")).append(position)
                    counts.setdefault(term, array("q")).append(count)
            self._postings = {
                term: (numpy.frombuffer(ids[term], "int64"), numpy.frombuffer(counts[term], "int64"))
                for term in ids
            }
            self._lengths = numpy.array(self.model.doc_len)
        return self._postings

    def check_same_scores(self, queries: Sequence[str]) -> float:
        """The largest difference between `same_scores` and rank-bm25's own, over some queries."""
        import numpy

        largest = 0.0
        for query in queries:
            terms = tokens(query)
            if terms:
                difference = numpy.abs(self.same_scores(terms) - self.model.get_scores(terms))
                largest = max(largest, float(numpy.max(difference)))
        return largest


class Fts5Engine:
    """SQLite FTS5 ranking by its bm25() over the passages' terms, in a database file."""

    name = "sqlite-fts5"
    _TOKENIZE = "unicode61 remove_diacritics 0 tokenchars '''.,'"

    def __init__(self, passages: Passages, path: Path) -> None:
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute(
            "CREATE VIRTUAL TABLE passages USING fts5(terms, episode UNINDEXED, text UNINDEXED, "
            f'tokenize="{self._TOKENIZE}")'
        )
        rows = ((" ".join(tokens(text)), e, text) for e, text in zip(passages.episode_ids, passages.texts))
        with self.db:
            self.db.executemany("INSERT INTO passages(terms, episode, text) VALUES (?, ?, ?)", rows)
            self.db.execute("INSERT INTO passages(passages) VALUES ('optimize')")

    def _match(self, query: str) -> str | None:
        terms = dict.fromkeys(tokens(query))
        return " OR ".join(f'"{term}"' for term in terms) or None

    def search(self, query: str) -> list[str]:
        """The texts of the passages a chat would show."""
        return self._best(query, "text", SHOWN)

    def ranked_episodes(self, query: str) -> list[str]:
        """Episodes in the order their best passage ranks."""
        return self._best(query, "episode", PASSAGE_DEPTH)

    def _best(self, query: str, column: str, depth: int) -> list[str]:
        """A column of the best-ranked passages that have any of the query's terms."""
        match = self._match(query)
        if match is None:
            return []
        sql = f"SELECT {column} FROM passages WHERE passages MATCH ? ORDER BY bm25(passages) LIMIT ?"
        return [row[0] for row in self.db.execute(sql, (match, depth))]

    def close(self) -> None:
        """Close the database."""
        self.db.close()
