"""RESULTS.md's quality section: a table per split, each kind with podquote beside rank-bm25, and the seeds' names."""

from bench.report import _quality


def _split(name: str, hit: float) -> dict:
    row = {"n": 200, "hit@1": hit, "hit@5": 1.0, "mrr@10": 0.9}
    return {
        "items": 400, "seed": 7, "split": name,
        "variants": {"podquote": {"typo:c-k": row, "name-in-5": row}, "rank-bm25": {"typo:c-k": {**row, "hit@1": 0.25}}},
    }


def test_each_split_has_its_table_with_both_engines_and_the_seed_spellings():
    part = {
        **_split("held-out", 0.5), "engines_not_run": {},
        "splits": {"held-out": _split("held-out", 0.5), "dev": _split("dev", 0.75)},
        "seed_variants": {"Wittkov": {"name": "Witkoff", "rank": 4, "exact": 2, "exact_first": True},
                          "stommer": {"name": "Starmer", "rank": None, "exact": 1, "exact_first": True}},
    }
    text = "\n".join(_quality(part))
    held_out, dev = text.index("### held-out"), text.index("### dev")
    assert held_out < dev
    assert "| typo:c-k | 200 | 0.500 / 1.000 / 0.900 | 0.250 / 1.000 / 0.900 |" in text[held_out:dev]
    assert "| typo:c-k | 200 | 0.750 / 1.000 / 0.900 | 0.250 / 1.000 / 0.900 |" in text[dev:]
    assert "| name-in-5 | 200 | 0.500 / 1.000 / 0.900 | – |" in text
    assert "| Witkoff | Wittkov | 4 | 2, yes |" in text and "| Starmer | stommer | not found | 1, yes |" in text
