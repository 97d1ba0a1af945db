"""The issue's targets, checked against a run's results: the figure, the limit, met or not."""

from __future__ import annotations

import operator
from dataclasses import dataclass

from bench.variants import VARIANTS

MB = 2**20
_OURS = ("podquote", "latency")
_QUALITY = ("quality", "variants", "podquote")

# (what, limit as written, where the figure is in results["parts"], unit, scale, comparison, bound)
_LIMITS = (
    ("Changelog: /quote p50", "≤ 2 ms", ("changelog", *_OURS, "p50_ms"), "ms", 1, operator.le, 2),
    ("Changelog: /quote p99", "≤ 10 ms", ("changelog", *_OURS, "p99_ms"), "ms", 1, operator.le, 10),
    (
        "Changelog: rank-bm25 p50 / podquote p50", "≥ 100×",
        ("changelog", "rank-bm25", "times_podquote", "p50_ms"), "×", 1, operator.ge, 100,
    ),
    ("1M passages: /quote p99", "≤ 20 ms", ("scale", *_OURS, "p99_ms"), "ms", 1, operator.le, 20),
    (
        "1M passages: resident memory serving", "≤ 300 MB",
        ("scale", "podquote", "serving_memory", "peak_rss_bytes"), "MB", 1 / MB, operator.le, 300,
    ),
    (
        "1M passages: add one episode (median)", "≤ 100 ms",
        ("scale", "podquote", "add_one_episode", "median_s"), "ms", 1000, operator.le, 100,
    ),
    (
        "1M passages: cold start to first answer", "≤ 1.5 s",
        ("scale", "podquote", "cold_start", "median_s"), "s", 1, operator.le, 1.5,
    ),
    (
        "Quality: hit@1, exact spans of 8+ words", "≥ 0.95",
        (*_QUALITY, "exact, 8+ words", "hit@1"), "", 1, operator.ge, 0.95,
    ),
    (
        "Quality: hit@1, one word wrong (replaced)", "≥ 0.85",
        (*_QUALITY, "replaced", "hit@1"), "", 1, operator.ge, 0.85,
    ),
    (
        "Quality: hit@1, a misspelt name", "≥ 0.80",
        (*_QUALITY, "misspelt-name", "hit@1"), "", 1, operator.ge, 0.80,
    ),
    # Issue 10, on the held-out split (what the top-level quality figures are).
    (
        "Held-out hit@1: a misspelt name in 5 words", "≥ 0.80",
        (*_QUALITY, "name-in-5", "hit@1"), "", 1, operator.ge, 0.80,
    ),
    (
        "Held-out hit@1: 5 exact words", "≥ 0.90",
        (*_QUALITY, "exact-5", "hit@1"), "", 1, operator.ge, 0.90,
    ),
    (
        "Held-out hit@1: one word misspelt", "≥ 0.97",
        (*_QUALITY, "one-word-misspelt", "hit@1"), "", 1, operator.ge, 0.97,
    ),
    (
        "Held-out hit@1: 10 exact words", "≥ 0.99",
        (*_QUALITY, "exact-10", "hit@1"), "", 1, operator.ge, 0.99,
    ),
)


@dataclass(frozen=True, slots=True)
class Target:
    """One target: what it asks, the figure measured (None when not measured), and whether it is met."""

    name: str
    limit: str
    figure: float | None
    unit: str
    met: bool | None


def _get(node: object, path: tuple[str, ...]) -> float | None:
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, int | float) else None


def check(results: dict) -> list[Target]:
    """Every target of the issue, in its order."""
    parts = results.get("parts", {})
    targets = []
    for name, limit, path, unit, scale, compare, bound in _LIMITS:
        figure = _get(parts, path)
        figure = None if figure is None else figure * scale
        targets.append(Target(name, limit, figure, unit, None if figure is None else compare(figure, bound)))
    return targets + [_mrr_margin(parts, variant) for variant in VARIANTS]


def _mrr_margin(parts: dict, variant: str) -> Target:
    """podquote's MRR@10 minus rank-bm25's on one variant: no worse means at least zero."""
    mine = _get(parts, (*_QUALITY, variant, "mrr@10"))
    theirs = _get(parts, ("quality", "variants", "rank-bm25", variant, "mrr@10"))
    margin = None if mine is None or theirs is None else mine - theirs
    met = None if margin is None else margin >= 0
    return Target(f"Quality: MRR@10 podquote − rank-bm25, {variant}", "≥ 0", margin, "", met)
