"""results.json -> RESULTS.md: the machine and command, the targets, a table per corpus, quality."""

from __future__ import annotations

import json

from bench.quality import SCORE_CHECKS
from bench.targets import MB, check
from bench.variants import VARIANTS

ENGINES = ("podquote", "rank-bm25", "sqlite-fts5")
CORPORA = {
    "seed": "Seed corpus (The Duran, 2 episodes)",
    "changelog": "Changelog corpus",
    "scale": "Scaled corpus (1,000,000+ passages)",
}
QUALITY_ROWS = (*VARIANTS, "exact, 8+ words")
# A chat answer must come within this (Discord acknowledges an interaction within 3 s).
USABLE_P99_S = 3.0
# Below this many passages, fixed costs hide how rank-bm25's time grows.
ESTIMATE_FROM_PASSAGES = 10_000


def render(results: dict) -> str:
    """The whole report."""
    parts = results.get("parts", {})
    lines = [*_header(results), *_targets(results)]
    for name, title in CORPORA.items():
        if name in parts:
            lines += _corpus(title, parts[name])
    if "quality" in parts:
        lines += _quality(parts["quality"])
    for name, part in parts.items():
        if name not in CORPORA and name != "quality":
            lines += [f"## {name}", "", "```json", json.dumps(part, indent=1), "```", ""]
    return "\n".join(lines) + "\n"


def _header(results: dict) -> list[str]:
    machine = results["machine"]
    options = results["options"]
    return [
        "# Benchmark results",
        "",
        f"- Command: `{results['command']}` (what `make bench` runs), on {machine['date']}, "
        f"commit {machine['commit']}.",
        f"- Machine: {machine['cpu']}, {machine['nproc']} cores, {machine['ram_gb']} GB RAM; Python "
        f"{machine['python']}, tantivy {machine['tantivy']}, rank-bm25 {machine['rank_bm25']}, "
        f"SQLite {machine['sqlite']}.",
        f"- Latency: single-threaded, after a warm-up pass, the median of {options['rounds']} timed "
        "passes over the query set (rank-bm25: one pass). Other engineers' work shares the machine, "
        "so compare the other engines through their multiples of podquote's figures, measured in "
        "the same run.",
        "- Raw figures: `bench/results.json`. How each figure is measured: the end of this file.",
        "",
    ]


def _targets(results: dict) -> list[str]:
    lines = ["## Targets", "", "| target | limit | measured | met |", "| --- | --- | --- | --- |"]
    for target in check(results):
        figure = "not measured" if target.figure is None else f"{_signed(target)} {target.unit}".strip()
        met = {True: "yes", False: "**no**", None: "–"}[target.met]
        lines.append(f"| {target.name} | {target.limit} | {figure} | {met} |")
    return [*lines, ""]


def _corpus(title: str, part: dict) -> list[str]:
    if "skipped" in part:
        return [f"## {title}", "", part["skipped"], ""]
    ours = part["podquote"]
    built = part.get("ingest") or part.get("build")
    lines = [
        f"## {title}",
        "",
        f"{built['episodes']:,} episodes, {built['words']:,} words, {ours['passages']:,} passages; "
        f"{ours['latency']['queries']} queries.",
        "",
        "| | podquote | rank-bm25 | SQLite FTS5 |",
        "| --- | --- | --- | --- |",
    ]
    rows = (
        ("build (s)", _build_seconds),
        ("size on disk (MB)", _size),
        ("memory (MB)", _memory),
        ("p50 (ms)", lambda e: _latency(e, "p50_ms")),
        ("p95 (ms)", lambda e: _latency(e, "p95_ms")),
        ("p99 (ms)", lambda e: _latency(e, "p99_ms")),
        ("queries a second", lambda e: _latency(e, "qps")),
        ("p50 × podquote's", lambda e: _times(e, "p50_ms")),
        ("p99 × podquote's", lambda e: _times(e, "p99_ms")),
    )
    engines = {**part, "podquote": {**ours, "build_s": built["seconds"]}}
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(engines.get(e, {})) for e in ENGINES) + " |")
    return lines + ["", *_podquote_only(built, ours), *_skips(part), *_bm25_usable(part, ours), ""]


def _podquote_only(built: dict, ours: dict) -> list[str]:
    added, cold, memory = ours["add_one_episode"], ours["cold_start"], ours["serving_memory"]
    return [
        f"- Ingestion / index build: {built['seconds']:.1f} s, {built['episodes_per_s']:,.1f} episodes "
        f"and {built['words_per_s']:,.0f} words a second.",
        f"- Adding one episode ({added['passages_each']:,.0f} passages) to the full index: "
        f"{added['median_s'] * 1000:.0f} ms median, {added['max_s'] * 1000:.0f} ms max of {added['runs']}.",
        f"- Cold start, `podquote quote --json` from process start to its answer: {cold['median_s']:.2f} s "
        f"median of {cold['runs']} (file cache warm).",
        f"- Resident memory (peak) of a fresh `podquote quote --batch` answering the query set: "
        f"{memory['peak_rss_bytes'] / MB:.0f} MB.",
    ]


def _skips(part: dict) -> list[str]:
    skipped = [engine for engine in ENGINES if "skipped" in part.get(engine, {})]
    return [f"- {engine}: {part[engine]['skipped']}" for engine in skipped]


def _build_seconds(engine: dict) -> str:
    return _number(engine["build_s"]) if "build_s" in engine else "–"


def _bm25_usable(part: dict, ours: dict) -> list[str]:
    """Where rank-bm25 stops being usable: its p99 grows with the passages it scores, all of them."""
    bm25 = part.get("rank-bm25", {})
    if "latency" not in bm25 or ours["passages"] < ESTIMATE_FROM_PASSAGES:
        return []
    p99_s = bm25["latency"]["p99_ms"] / 1000
    limit = ours["passages"] * USABLE_P99_S / p99_s
    verdict = "usable" if p99_s <= USABLE_P99_S else "**not usable**"
    return [
        f"- rank-bm25 here: p99 {p99_s:.2f} s, {verdict} for a chat (an answer within {USABLE_P99_S:.0f} s, "
        f"Discord's limit to acknowledge); scoring every passage, its time grows with their number: "
        f"it reaches {USABLE_P99_S:.0f} s at about {limit:,.0f} passages.",
    ]


def _size(engine: dict) -> str:
    size = engine.get("index_bytes") or engine.get("size_bytes")
    return _number(size / MB) if size else "– (in RAM)" if "memory_bytes" in engine else "–"


def _memory(engine: dict) -> str:
    if "memory_bytes" in engine:
        return _number(engine["memory_bytes"] / MB)
    if "serving_memory" in engine:
        return f"{engine['serving_memory']['peak_rss_bytes'] / MB:.0f} (process peak)"
    return "–"


def _latency(engine: dict, key: str) -> str:
    return _number(engine["latency"][key]) if "latency" in engine else "–"


def _times(engine: dict, key: str) -> str:
    if "times_podquote" in engine:
        return f"{_number(engine['times_podquote'][key])}×"
    return "1×" if "latency" in engine else "–"


def _quality(part: dict) -> list[str]:
    seeds = _seed_variants(part.get("seed_variants", {}))
    if "skipped" in part:
        return ["## Search quality", "", part["skipped"], "", *seeds]
    splits = part.get("splits", {"held-out": part})
    lines = ["## Search quality (known item, Changelog)", ""]
    for split in ("held-out", "dev"):
        if split in splits:
            lines += _quality_table(splits[split])
    lines += [f"- {engine}: {why}" for engine, why in part.get("engines_not_run", {}).items()]
    if "rank_bm25_score_difference" in part:
        lines.append(
            "- rank-bm25 ranked with its own figures over an inverted index (`Bm25Engine.same_scores`); "
            f"largest difference from its `get_scores` on {SCORE_CHECKS} of the queries: "
            f"{part['rank_bm25_score_difference']:g}."
        )
    return [*lines, "", *seeds, *_method()]


def _quality_table(part: dict) -> list[str]:
    """One split's table: a row per kind of query, hit@1 / hit@5 / MRR@10 per engine."""
    engines = [e for e in ENGINES if e in part["variants"]]
    split = part.get("split", "held-out")
    use = "reported; never tuned on" if split == "held-out" else "tuned on"
    lines = [
        f"### {split} ({use}): {part['items']:,} queries, seed {part['seed']}",
        "",
        "hit@1 / hit@5 / MRR@10 of an episode containing the exact span, among the first ten distinct "
        "episodes.",
        "",
        "| variant | n | " + " | ".join(engines) + " |",
        "| --- | --- | " + " | ".join("---" for _ in engines) + " |",
    ]
    for row in QUALITY_ROWS:
        cells = [_scores(part["variants"][e].get(row)) for e in engines]
        count = part["variants"]["podquote"].get(row, {}).get("n", 0)
        lines.append(f"| {row} | {count} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _seed_variants(rows: dict) -> list[str]:
    """Where searching a name reaches each of its spellings in the seeds."""
    if not rows:
        return []
    lines = [
        "### The seeds' spellings of names",
        "",
        "`/quote NAME` over the seed corpus (up to 60 quotes): the rank of the first quote holding each",
        "spelling the transcripts use, and whether every quote with the exact name came first.",
        "",
        "| name | spelling | first quote holding it | exact matches, all first |",
        "| --- | --- | --- | --- |",
    ]
    for spelling, row in rows.items():
        rank = row["rank"] if row["rank"] is not None else "not found"
        first = "yes" if row["exact_first"] else "no"
        lines.append(f"| {row['name']} | {spelling} | {rank} | {row['exact']}, {first} |")
    return [*lines, ""]


def _scores(found: dict | None) -> str:
    if not found or not found.get("n"):
        return "–"
    return f"{found['hit@1']:.3f} / {found['hit@5']:.3f} / {found['mrr@10']:.3f}"


def _signed(target) -> str:
    """A figure; a margin (a limit of ≥ 0) with its sign."""
    if target.limit == "≥ 0":
        return f"{target.figure:+.3f}"
    return _number(target.figure)


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _method() -> list[str]:
    return [
        "## How it is measured",
        "",
        "- Latency: `QuoteIndex.search(query, limit=3)`, what `Library.search` runs for `/quote` (parse,",
        "  tantivy search, reading the stored passages, choosing, cutting and marking the quotes), one",
        "  query at a time on one thread. rank-bm25: `get_scores` and the best 3 passages. FTS5:",
        "  `MATCH` the query's terms OR-ed, `ORDER BY bm25() LIMIT 3`. Both over the same passages and",
        "  the terms podquote's analyzer makes (`term_of` over `words`). `cpu_*` figures in the JSON are",
        "  the thread's CPU time, which other work on the machine disturbs less.",
        "- Query set: 100 queries drawn (seeded) from the corpus: 40 topics (an uncommon word, or two),",
        "  30 short exact quotes, 25 longer quotes with a word replaced, a name misspelt or a word",
        "  dropped, 5 quoted phrases. The scaled corpus is asked the Changelog's queries.",
        "- Ingestion: `Library.ingest` of the folder (as `podquote ingest`: parsing, SQLite, the index).",
        "  Scaled corpus: the Changelog, then copies with new episode ids and a share of the rarer words",
        "  respelt in each copy (so the vocabulary keeps growing), through `QuoteIndex.replace_episodes`",
        "  in the library's batches of 100 episodes.",
        "- Adding an episode: `QuoteIndex.replace_episodes` of one new median-length episode (a respelt",
        "  copy), committed and visible to searches; five of them, one after the other.",
        "- Cold start: a fresh `podquote quote --json WORDS` process, from its start to its answer on",
        "  stdout; the index files are in the page cache (warm), as on a running server.",
        "- Memory: the peak resident set of a fresh `podquote quote --batch` process that opened the",
        "  library and answered the whole query set (`bench/peak_rss.py`); it includes the index pages",
        "  it mapped (`file_bytes` in the JSON) and its own heap (`anon_bytes`). rank-bm25: what its",
        "  model holds (a dict of term counts per passage, their lengths, the idf table), object by",
        "  object with `sys.getsizeof`; the JSON's `rss_growth_bytes` is how much this process grew",
        "  building it (more, with the allocator's overhead; less, when it reuses memory freed before).",
        "- Quality: known-item queries from random passages (seeded): spans with at least two uncommon",
        "  words (in under 1% of passages), exact (4-6, 7-10, 11-15, 5 and 10 words) or from spans of 8-12",
        "  words with one word dropped, replaced by a common synonym or a misheard word, two neighbouring",
        "  words swapped, a capitalised name respelt the way speech recognition does, or one word misspelt",
        "  (any kind below). `name-in-5`: a name in 5 words, misspelt by any kind; `typo:KIND`: an uncommon",
        "  word in 5 words misspelt by one kind (bench/typos.py); `split` / `joined`: a word written as",
        "  two words that exist, two words written as one. An episode is right if it contains the exact",
        "  span; ranks count distinct episodes. dev and held-out draw from two halves of the episodes",
        "  (by a hash of the id) with two seeds; both search the whole index (bench/README.md).",
        "",
    ]
