"""`python -m bench [--quick] [PART ...]`: run the benchmarks, write results.json and RESULTS.md."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from dataclasses import asdict, replace
from pathlib import Path

from bench.context import Context, Options
from bench.corpora import ROOT, WORK
from bench.machine import describe
from bench.report import render
from bench.stats import Stopwatch

log = logging.getLogger("bench")

# Each part is a module's `run(ctx) -> dict`, imported only when chosen. Another benchmark (the
# notification fan-out of issue #5, say) is one more module and one more line here.
PARTS = {
    "seed": "bench.speed:run_seed",
    "changelog": "bench.speed:run_changelog",
    "quality": "bench.quality:run",
    "scale": "bench.scale:run",
}
RESULTS_DIR = ROOT / "bench"


def main(argv: list[str] | None = None) -> int:
    """Run the chosen parts (all by default) and write their results."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    parts = args.parts or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        print(f"bench: no part named {', '.join(unknown)}; the parts are {', '.join(PARTS)}", file=sys.stderr)
        return 2
    out = args.out or (RESULTS_DIR if parts == list(PARTS) and not args.quick else WORK)
    ctx = Context(_options(args), work=WORK)
    results = {
        "command": " ".join(["python -m bench", *argv]),
        "machine": describe(),
        "options": asdict(ctx.options),
        "parts": {},
    }
    for name in parts:
        results["parts"][name] = _run_part(name, ctx)
        _write(results, out)
    log.info("results in %s", out)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("parts", nargs="*", metavar="PART", help=f"of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and queries, into bench/.work")
    parser.add_argument("--rounds", type=int, help="timed passes over the query set (median reported)")
    parser.add_argument("--quality", type=int, metavar="N", help="known-item queries per variant")
    parser.add_argument("--scale-passages", type=int, metavar="N", help="passages in the scaled corpus")
    parser.add_argument("--bm25-budget-gb", type=float, metavar="GB", help="RAM rank-bm25 may take")
    parser.add_argument("--out", type=Path, help="where results.json and RESULTS.md go")
    return parser


def _options(args: argparse.Namespace) -> Options:
    options = Options.quick_run() if args.quick else Options()
    overrides = {
        "rounds": args.rounds, "quality_per_variant": args.quality,
        "scale_passages": args.scale_passages, "bm25_budget_gb": args.bm25_budget_gb,
    }
    return replace(options, **{k: v for k, v in overrides.items() if v is not None})


def _run_part(name: str, ctx: Context) -> dict:
    module, _, function = PARTS[name].partition(":")
    log.info("part %s", name)
    with Stopwatch() as watch:
        result = getattr(importlib.import_module(module), function)(ctx)
    log.info("part %s done in %.0f s", name, watch.seconds)
    return {**result, "part_seconds": watch.seconds}


def _write(results: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "RESULTS.md").write_text(render(results))


if __name__ == "__main__":
    sys.exit(main())
