"""Parts `seed` and `changelog`: ingest a corpus, then time /quote against rank-bm25 and SQLite FTS5."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bench import corpora
from bench.context import Context, build_fts5, sources, uncommon_in
from bench.engines import Passages, PodquoteEngine
from bench.ingestion import ingest
from bench.queries import latency_queries
from bench.serving import add_one_episode, cold_start, serving_memory
from bench.stats import latency, ratios
from search.index import QuoteIndex
from search.models import Episode


def run_seed(ctx: Context) -> dict:
    """The embedded seed corpus (two episodes)."""
    data_dir = ctx.work / "seed" / "data"
    built = ingest(corpora.seed_folder(), data_dir)
    index = QuoteIndex.open(data_dir)
    episodes = corpora.load_episodes(corpora.seed_folder())
    passages = Passages.of(corpora.passages_of(episodes))
    queries = latency_queries(sources(passages), uncommon_in(index), ctx.options.seed)
    result = {"ingest": built, "podquote": podquote_side(ctx, index, data_dir, episodes, queries)}
    ours = result["podquote"]["latency"]
    fts5 = build_fts5(passages, ctx.work / "seed" / "fts5.db")
    result["sqlite-fts5"] = other_side(fts5, queries, ours, ctx.options.rounds)
    result["rank-bm25"] = other_side(ctx.build_bm25(passages), queries, ours, ctx.options.rounds)
    return result


def run_changelog(ctx: Context) -> dict:
    """The Changelog's back catalog: about 2,000 episodes and 460,000 passages."""
    if ctx.changelog_folder is None:
        return {"skipped": ctx.missing_changelog()}
    result = {"ingest": ctx.changelog_ingest}
    queries = ctx.changelog_queries
    result["podquote"] = podquote_side(
        ctx, ctx.changelog_index, ctx.changelog_data, ctx.changelog_episodes, queries
    )
    ours = result["podquote"]["latency"]
    result["sqlite-fts5"] = other_side(ctx.changelog_fts5, queries, ours, ctx.options.rounds)
    result["rank-bm25"] = other_side(ctx.changelog_bm25, queries, ours, rounds=1)
    return result


def podquote_side(
    ctx: Context, index: QuoteIndex, data_dir: Path, episodes: Sequence[Episode], queries: Sequence[str]
) -> dict:
    """podquote's latency in this process, and a fresh process's cold start and memory."""
    return {
        "passages": index.passage_count(),
        "index_bytes": index.size_bytes(),
        "latency": latency(PodquoteEngine(index).search, queries, ctx.options.rounds),
        "add_one_episode": add_one_episode(index, episodes),
        "cold_start": cold_start(data_dir, queries[0]),
        "serving_memory": serving_memory(data_dir, queries, ctx.work),
    }


def other_side(built: dict, queries: Sequence[str], ours: dict, rounds: int) -> dict:
    """Another engine's build and latency, and its latency as a multiple of podquote's."""
    if "skipped" in built:
        return {"skipped": built["skipped"]}
    measured = latency(built["engine"].search, queries, rounds, warm_up=None if rounds > 1 else 3)
    figures = {key: value for key, value in built.items() if key != "engine"}
    return {**figures, "latency": measured, "times_podquote": ratios(measured, ours)}
