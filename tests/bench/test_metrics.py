"""Known-item metrics and latency statistics of the benchmark harness."""

import pytest

from bench.metrics import first_right, scores
from bench.stats import median_of, percentile, ratios, summarize


def test_the_rank_counts_distinct_episodes_only():
    ranked = ["a", "a", "b", "c", "b", "d"]
    assert first_right(ranked, lambda e: e == "c") == 3
    assert first_right(ranked, lambda e: e in {"d", "b"}) == 2
    assert first_right(ranked, lambda e: e == "z") is None


def test_a_right_episode_past_the_tenth_is_a_miss():
    ranked = [f"e{i}" for i in range(1, 13)]
    assert first_right(ranked, lambda e: e == "e10") == 10
    assert first_right(ranked, lambda e: e == "e11") is None


def test_hit_at_k_and_mrr():
    found = scores([1, 2, None, 5, 6])
    assert found["n"] == 5
    assert found["hit@1"] == pytest.approx(0.2)
    assert found["hit@5"] == pytest.approx(0.6)
    assert found["mrr@10"] == pytest.approx((1 + 1 / 2 + 1 / 5 + 1 / 6) / 5)


def test_percentiles_interpolate_between_ranks():
    values = list(range(1, 101))
    assert percentile(values, 0.5) == pytest.approx(50.5)
    assert percentile(values, 0.99) == pytest.approx(99.01)
    assert percentile([7.0], 0.95) == 7.0


def test_a_round_summary_and_the_median_of_rounds():
    first = summarize([1.0, 2.0, 3.0, 4.0])
    assert first["qps"] == pytest.approx(400.0)
    assert first["p50_ms"] == pytest.approx(2.5)
    middle = median_of([{"p50_ms": 3.0}, {"p50_ms": 1.0}, {"p50_ms": 2.0}])
    assert middle == {"p50_ms": 2.0}
    theirs = {"p50_ms": 300.0, "p95_ms": 10.0, "p99_ms": 8.0}
    ours = {"p50_ms": 3.0, "p95_ms": 5.0, "p99_ms": 4.0}
    assert ratios(theirs, ours) == {"p50_ms": 100.0, "p95_ms": 2.0, "p99_ms": 2.0}
