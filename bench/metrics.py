"""Known-item metrics: where the first right episode ranks, and hit@k / MRR@k over many queries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

DEPTH = 10


def distinct(ids: Iterable[str]) -> list[str]:
    """The ids in order of first appearance (a ranking of passages -> a ranking of episodes)."""
    return list(dict.fromkeys(ids))


def first_right(ranked: Sequence[str], is_right: Callable[[str], bool], depth: int = DEPTH) -> int | None:
    """The 1-based rank of the first right episode among the first `depth` distinct ones, if any."""
    for rank, episode_id in enumerate(distinct(ranked)[:depth], start=1):
        if is_right(episode_id):
            return rank
    return None


def scores(ranks: Sequence[int | None], depth: int = DEPTH) -> dict[str, float]:
    """hit@1, hit@5 and MRR@depth of a list of first-right ranks (None: not in the first `depth`)."""
    if not ranks:
        return {"n": 0, "hit@1": 0.0, "hit@5": 0.0, f"mrr@{depth}": 0.0}
    found = [r for r in ranks if r is not None and r <= depth]
    return {
        "n": len(ranks),
        "hit@1": sum(1 for r in found if r == 1) / len(ranks),
        "hit@5": sum(1 for r in found if r <= 5) / len(ranks),
        f"mrr@{depth}": sum(1 / r for r in found) / len(ranks),
    }
