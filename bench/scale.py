"""Part `scale`: a corpus of a million passages or more, built from the Changelog's, served and timed.

The Changelog as it is, then copies of it under new episode ids with a share of the rarer words
respelt in each copy (see bench.corpora.Respeller), until there are enough passages. It goes in
through the same `QuoteIndex.replace_episodes` the library uses, in the library's batch size.
"""

from __future__ import annotations

import logging
import math
import shutil
from collections import Counter
from collections.abc import Sequence

from bench import corpora
from bench.context import Context, build_fts5
from bench.engines import Passages
from bench.speed import other_side, podquote_side
from bench.stats import Stopwatch
from bot.library import INDEX_BATCH
from search.index import QuoteIndex
from search.models import Episode

log = logging.getLogger(__name__)


def run(ctx: Context) -> dict:
    """Build the scaled index, then measure serving it, beside FTS5 (and rank-bm25 if it fits)."""
    if ctx.changelog_folder is None:
        return {"skipped": ctx.missing_changelog()}
    episodes = _scaled(ctx.changelog_episodes, ctx.changelog_passages, ctx.options.scale_passages)
    data_dir = ctx.work / "scaled" / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    index = QuoteIndex.open(data_dir)
    result = {"build": _build(index, episodes)}
    result["podquote"] = podquote_side(ctx, index, data_dir, ctx.changelog_episodes, ctx.changelog_queries)
    ours = result["podquote"]["latency"]
    passages = Passages.of(corpora.passages_of(episodes))
    fts5 = build_fts5(passages, ctx.work / "scaled" / "fts5.db")
    result["sqlite-fts5"] = other_side(fts5, ctx.changelog_queries, ours, ctx.options.rounds)
    fts5["engine"].close()
    ctx.drop_changelog_bm25()
    result["rank-bm25"] = other_side(ctx.build_bm25(passages), ctx.changelog_queries, ours, rounds=1)
    return result


def _scaled(episodes: Sequence[Episode], passages: Passages, target: int) -> list[Episode]:
    """Episodes (the corpus, then respelt copies) until they hold at least `target` passages."""
    per_episode = Counter(passages.episode_ids)
    copies = math.ceil(target / max(len(passages), 1))
    chosen, total = [], 0
    for episode in corpora.scaled_episodes(episodes, copies):
        if total >= target:
            break
        chosen.append(episode)
        total += per_episode[episode.id.partition("-copy")[0]]
    log.info("scaled corpus: %d episodes, about %d passages", len(chosen), total)
    return chosen


def _build(index: QuoteIndex, episodes: Sequence[Episode]) -> dict:
    """Index the episodes batch by batch; time, throughput and size."""
    batches = [episodes[i : i + INDEX_BATCH] for i in range(0, len(episodes), INDEX_BATCH)]
    with Stopwatch() as watch:
        passages = sum(index.replace_episodes(batch) for batch in batches)
    words = corpora.word_count(episodes)
    return {
        "episodes": len(episodes),
        "passages": passages,
        "words": words,
        "seconds": watch.seconds,
        "episodes_per_s": len(episodes) / watch.seconds,
        "words_per_s": words / watch.seconds,
        "passages_per_s": passages / watch.seconds,
        "index_bytes": index.size_bytes(),
    }
