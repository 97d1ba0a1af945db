"""What the parts of one run share: the options, the folders, and corpora and engines built once."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from bench import corpora
from bench.engines import Bm25Engine, Fts5Engine, Passages
from bench.ingestion import ingest
from bench.machine import meminfo, rss_bytes
from bench.queries import latency_queries
from bench.stats import Stopwatch
from bench.variants import Source
from search.analyzer import term_of
from search.index import QuoteIndex
from search.models import Episode

log = logging.getLogger(__name__)

# rank-bm25 keeps a dict of term counts per passage: about 1.2 KB each on the Changelog. Before
# building it on more passages, the memory it will take is projected from what it took last time
# (or from this, if it wasn't built yet in this run).
BM25_BYTES_PER_PASSAGE_GUESS = 1_500
# A small build's memory is mostly fixed costs (numpy, say): it tells nothing about a large one.
LEARN_FROM_PASSAGES = 10_000
# A word in fewer than this share of the passages is uncommon: the kind a person remembers.
UNCOMMON_SHARE = 0.01


@dataclass(frozen=True)
class Options:
    """How big and how long a run is."""

    rounds: int = 5
    quality_per_variant: int = 200
    scale_passages: int = 1_000_000
    bm25_budget_gb: float = 8.0
    seed: int = 20260218
    quick: bool = False

    @classmethod
    def quick_run(cls) -> Options:
        """Fewer rounds and queries, and rank-bm25 kept to the Changelog's size (about 10 minutes)."""
        return cls(rounds=2, quality_per_variant=40, bm25_budget_gb=1.0, quick=True)


class Context:
    """Shared state of a run; the expensive pieces are built on first use and kept."""

    def __init__(self, options: Options, work: Path = corpora.WORK, shared: Path | None = None) -> None:
        self.options = options
        self.work = work
        self.shared = shared if shared is not None else corpora.shared_dir()
        self.bm25_bytes_per_passage = BM25_BYTES_PER_PASSAGE_GUESS

    @cached_property
    def changelog_folder(self) -> Path | None:
        """The unpacked Changelog transcripts, or None when ../shared is absent."""
        if self.shared is None:
            return None
        return corpora.unpack_changelog(self.shared, self.work)

    def missing_changelog(self) -> str:
        """Why Changelog parts are skipped."""
        return "skipped: the Changelog corpus is not there (../shared/corpora/changelog is absent)"

    @cached_property
    def changelog_episodes(self) -> list[Episode]:
        """The Changelog's episodes, parsed."""
        return corpora.load_episodes(self.changelog_folder)

    @cached_property
    def changelog_passages(self) -> Passages:
        """The Changelog's passages, as the index cuts them."""
        return Passages.of(corpora.passages_of(self.changelog_episodes))

    @cached_property
    def changelog_ingest(self) -> dict[str, float]:
        """Ingest the Changelog into bench/.work/changelog/data; what it took."""
        log.info("ingesting the Changelog corpus")
        return ingest(self.changelog_folder, self.changelog_data)

    @property
    def changelog_data(self) -> Path:
        """The data directory the Changelog is ingested into."""
        return self.work / "changelog" / "data"

    @cached_property
    def changelog_index(self) -> QuoteIndex:
        """The Changelog's index (ingested first if this run hasn't yet)."""
        self.changelog_ingest
        return QuoteIndex.open(self.changelog_data)

    @cached_property
    def changelog_bm25(self) -> dict:
        """rank-bm25 over the Changelog's passages, with what building it took (or why it wasn't)."""
        return self.build_bm25(self.changelog_passages)

    def build_bm25(self, passages: Passages) -> dict:
        """rank-bm25 over passages, unless the memory it would take is past the budget."""
        refusal = self.bm25_refusal(len(passages))
        if refusal:
            return {"skipped": refusal}
        gc.collect()
        before = rss_bytes()
        with Stopwatch() as watch:
            engine = Bm25Engine(passages)
        gc.collect()
        # The resident growth also counts the tokens' freed lists the allocator keeps, but it is
        # smaller when memory freed earlier in the run is reused: both figures are kept.
        grown, held = max(rss_bytes() - before, 0), engine.memory_bytes()
        if len(passages) >= LEARN_FROM_PASSAGES:
            self.bm25_bytes_per_passage = max(held, grown) / len(passages)
        return {"engine": engine, "build_s": watch.seconds, "memory_bytes": held, "rss_growth_bytes": grown}

    def bm25_refusal(self, passages: int) -> str | None:
        """Why rank-bm25 won't be built on this many passages (memory), or None."""
        projected = passages * self.bm25_bytes_per_passage
        budget = min(self.options.bm25_budget_gb * 2**30, meminfo("MemAvailable") * 0.5)
        if projected <= budget:
            return None
        return (
            f"not run: {passages:,} passages would need about {projected / 2**30:.1f} GB of RAM "
            f"(about {self.bm25_bytes_per_passage / 1000:.1f} KB a passage), past the "
            f"{budget / 2**30:.1f} GB budget of this run (--bm25-budget-gb, and half the free memory)"
        )

    @cached_property
    def seed_index(self) -> QuoteIndex:
        """The seed corpus in an index in memory."""
        index = QuoteIndex.in_memory()
        index.replace_episodes(corpora.load_episodes(corpora.seed_folder()))
        return index

    @cached_property
    def changelog_fts5(self) -> dict:
        """SQLite FTS5 over the Changelog's passages, with what building it took."""
        return build_fts5(self.changelog_passages, self.work / "changelog" / "fts5.db")

    @cached_property
    def changelog_queries(self) -> list[str]:
        """The latency query set, drawn from the Changelog (also used on the scaled corpus)."""
        is_uncommon = uncommon_in(self.changelog_index)
        return latency_queries(sources(self.changelog_passages), is_uncommon, self.options.seed)

    def drop_changelog_bm25(self) -> None:
        """Free rank-bm25's memory once no part needs it."""
        self.__dict__.pop("changelog_bm25", None)
        gc.collect()


def build_fts5(passages: Passages, path: Path) -> dict:
    """SQLite FTS5 over passages in a database file; what building it took."""
    with Stopwatch() as watch:
        engine = Fts5Engine(passages, path)
    return {"engine": engine, "build_s": watch.seconds, "size_bytes": path.stat().st_size}


def sources(passages: Passages) -> list[Source]:
    """Passages as sources of known-item and latency queries."""
    return [Source(e, t) for e, t in zip(passages.episode_ids, passages.texts)]


def uncommon_in(index: QuoteIndex, share: float = UNCOMMON_SHARE) -> Callable[[str], bool]:
    """Whether a word is uncommon in an index: searchable, and in fewer than `share` of passages."""
    searcher = index.searcher()
    below = searcher.num_docs * share

    @lru_cache(maxsize=None)
    def is_uncommon(word: str) -> bool:
        term = term_of(word)
        return term is not None and searcher.doc_freq("text", term) < below

    return is_uncommon
