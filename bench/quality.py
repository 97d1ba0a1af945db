"""Part `quality`: the known-item evaluation on the Changelog, podquote beside rank-bm25.

Queries are spans of real passages (exact, or with one thing wrong); a search finds its item when an
episode containing the exact span ranks among the first ten distinct episodes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence

from bench.context import Context, sources, uncommon_in
from bench.engines import PodquoteEngine
from bench.metrics import first_right, scores
from bench.variants import VARIANTS, KnownItem, known_items, normal
from search.analyzer import term_of, words
from search.models import Episode

log = logging.getLogger(__name__)

EXACT_LONG = "exact, 8+ words"
MISSES_KEPT = 25
# Queries on which rank-bm25's fast scoring is checked against its own get_scores.
SCORE_CHECKS = 20


class EpisodeTexts:
    """Whether an episode contains a span of words (its text normalised once, on first use)."""

    def __init__(self, episodes: Sequence[Episode]) -> None:
        self._episodes = {e.id: e for e in episodes}
        self._normal: dict[str, str] = {}

    def contains(self, episode_id: str, span: str) -> bool:
        """Whether the episode's words include the span's, in order."""
        text = self._normal.get(episode_id)
        if text is None:
            episode = self._episodes.get(episode_id)
            words = normal(" ".join(s.text for s in episode.segments)) if episode else ""
            text = self._normal[episode_id] = f" {words} "
        return f" {span} " in text


# Queries are drawn from two halves of the episodes with two seeds: `dev` is for tuning, `held-out`
# (the other half, another seed) is reported and never tuned on. Every query searches the whole index.
SPLITS = ("dev", "held-out")


def half_of(episode_id: str) -> str:
    """The split an episode's queries belong to, fixed by a hash of its id (stable across runs)."""
    return SPLITS[hashlib.sha256(episode_id.encode()).digest()[0] % 2]


def split_items(ctx: Context, split: str) -> list[KnownItem]:
    """The known-item queries of one split: its episodes' passages, its seed."""
    index = ctx.changelog_index
    pool = [s for s in sources(ctx.changelog_passages) if half_of(s.episode_id) == split]
    seed = ctx.options.seed + SPLITS.index(split)
    is_uncommon, is_known = uncommon_in(index), known_in(index)
    count = ctx.options.quality_per_variant
    return [
        item for variant in VARIANTS
        for item in known_items(pool, variant, count, is_uncommon, seed, is_known=is_known)
    ]


def known_in(index) -> Callable[[str], bool]:
    """Whether a word's term is in the index."""
    searcher = index.searcher()
    return lambda word: (term := term_of(word)) is not None and searcher.doc_freq("text", term) > 0


# The seeds' transcripts spell these names many ways (found by reading them): searching the name
# should reach every spelling, below the exact ones.
SEED_VARIANTS = {
    "Witkoff": (
        "Whitkoff", "Wittkov", "Witgolf", "Wittgolf", "Wittgov", "Wyckoff", "Wickhoff", "Wickcoff", "Whitgoth",
    ),
    "Budanov": ("Budanav", "Budana"),
    "Umerov": ("Umarov", "Umeirov"),
    "Starmer": ("stommer", "Kierstommer", "Kyrstommer"),
}
SEED_DEPTH = 60


def run(ctx: Context) -> dict:
    """hit@1, hit@5 and MRR@10 per variant and engine, for each split; the seeds' name spellings."""
    seeds = seed_variants(ctx.seed_index)
    if ctx.changelog_folder is None:
        return {"skipped": ctx.missing_changelog(), "seed_variants": seeds}
    result = {split: run_split(ctx, split) for split in SPLITS}
    return {**result["held-out"], "splits": result, "seed_variants": seeds}


def seed_variants(index) -> dict[str, dict]:
    """Per spelling in the seeds: where the first quote holding it ranks when the name is searched
    (None: not among the first SEED_DEPTH), and whether every exact match came before it."""
    rows = {}
    for name, spellings in SEED_VARIANTS.items():
        quotes = index.search(name, limit=SEED_DEPTH, per_episode=SEED_DEPTH).quotes
        exact = [i for i, q in enumerate(quotes) if _has_word(q.text, name)]
        for spelling in spellings:
            rank = next((i for i, q in enumerate(quotes, 1) if _has_word(q.text, spelling)), None)
            first = exact == list(range(len(exact)))
            rows[spelling] = {"name": name, "rank": rank, "exact": len(exact), "exact_first": first}
    return rows


def _has_word(text: str, word: str) -> bool:
    return word.lower() in {m[0].lower() for m in words(text)}


def run_split(ctx: Context, split: str) -> dict:
    """The evaluation on one split's queries."""
    items = split_items(ctx, split)
    texts = EpisodeTexts(ctx.changelog_episodes)
    engines = [PodquoteEngine(ctx.changelog_index)]
    seed = ctx.options.seed + SPLITS.index(split)
    result = {"items": len(items), "seed": seed, "split": split, "engines_not_run": {}}
    bm25 = ctx.changelog_bm25
    if "engine" in bm25:
        engines.append(bm25["engine"])
        checked = [item.query for item in items[:: max(1, len(items) // SCORE_CHECKS)]]
        result["rank_bm25_score_difference"] = bm25["engine"].check_same_scores(checked)
    else:
        result["engines_not_run"]["rank-bm25"] = bm25["skipped"]
    ranks = {engine.name: _ranks(engine, items, texts) for engine in engines}
    _keep_misses(ctx, items, ranks["podquote"], split)
    return {**result, "variants": {name: _by_variant(items, found) for name, found in ranks.items()}}


def _ranks(engine, items: Sequence[KnownItem], texts: EpisodeTexts) -> list[int | None]:
    log.info("quality: %d queries on %s", len(items), engine.name)
    return [
        first_right(engine.ranked_episodes(item.query), lambda e, span=item.span: texts.contains(e, span))
        for item in items
    ]


def _by_variant(items: Sequence[KnownItem], ranks: Sequence[int | None]) -> dict[str, dict]:
    """Scores per variant, plus exact spans of 8 words or more taken together (a target)."""
    table = {v: scores([r for item, r in zip(items, ranks) if item.variant == v]) for v in VARIANTS}
    long_exact = [r for item, r in zip(items, ranks) if item.variant.startswith("exact") and item.words >= 8]
    table[EXACT_LONG] = scores(long_exact)
    return table


def _keep_misses(ctx: Context, items: Sequence[KnownItem], ranks: Sequence[int | None], split: str) -> None:
    """podquote's misses, for looking into; under bench/.work only (they quote the corpus)."""
    misses = [
        {"variant": item.variant, "query": item.query, "episode": item.episode_id, "rank": rank}
        for item, rank in zip(items, ranks) if rank != 1
    ]
    by_variant: dict[str, list] = {}
    for miss in misses:
        by_variant.setdefault(miss["variant"], []).append(miss)
    kept = {v: found[:MISSES_KEPT] for v, found in by_variant.items()}
    (ctx.work / f"quality-misses-{split}.json").write_text(json.dumps(kept, indent=1, ensure_ascii=False))
