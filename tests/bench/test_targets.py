"""The issue's targets read off a run's results: met, missed, or not measured."""

from bench.targets import check


def test_targets_are_met_missed_or_not_measured():
    results = {
        "parts": {
            "changelog": {"podquote": {"latency": {"p50_ms": 1.5, "p99_ms": 12.0}}},
            "scale": {"podquote": {"serving_memory": {"peak_rss_bytes": 200 * 2**20}}},
            "quality": {
                "variants": {
                    "podquote": {"swapped": {"mrr@10": 0.9}}, "rank-bm25": {"swapped": {"mrr@10": 0.95}},
                }
            },
        }
    }
    found = {t.name: t for t in check(results)}
    assert found["Changelog: /quote p50"].met is True
    assert found["Changelog: /quote p99"].met is False
    memory = found["1M passages: resident memory serving"]
    assert memory.figure == 200 and memory.met
    assert found["1M passages: /quote p99"].met is None and found["1M passages: /quote p99"].figure is None
    margin = found["Quality: MRR@10 podquote − rank-bm25, swapped"]
    assert round(margin.figure, 3) == -0.05 and margin.met is False


def test_issue_10_targets_read_the_held_out_figures():
    held_out = {"name-in-5": {"hit@1": 0.85}, "exact-10": {"hit@1": 0.98}}
    results = {"parts": {"quality": {"variants": {"podquote": held_out}, "splits": {"dev": {}}}}}
    found = {t.name: t for t in check(results)}
    assert found["Held-out hit@1: a misspelt name in 5 words"].met is True
    assert found["Held-out hit@1: 10 exact words"].met is False
    assert found["Held-out hit@1: one word misspelt"].met is None
