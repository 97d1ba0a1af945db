"""Serving as an operator sees it: fresh `podquote` processes (cold start, memory), and adding an episode."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.corpora import ROOT, Respeller
from bench.stats import Stopwatch
from search.index import QuoteIndex
from search.models import Episode

COLD_STARTS = 5
ADDED_EPISODES = 5
# Respelt copies used as "new" episodes get copy numbers far from the scaled corpus's.
NEW_EPISODE_COPY = 1000


def podquote_command() -> list[str]:
    """The `podquote` command of this environment (the console script, or the module it runs)."""
    script = Path(sys.executable).parent / "podquote"
    return [str(script)] if script.exists() else [sys.executable, "-m", "adapters.cli"]


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "PODQUOTE_DATA_DIR": str(data_dir), "PODQUOTE_SEEDS": ""}


def cold_start(data_dir: Path, query: str, times: int = COLD_STARTS) -> dict[str, float]:
    """Seconds from starting `podquote quote --json` to its answer on stdout, over fresh processes."""
    seconds = []
    for _ in range(times):
        started = time.perf_counter()
        process = subprocess.Popen(
            [*podquote_command(), "quote", "--json", query], stdout=subprocess.PIPE, env=_env(data_dir)
        )
        answer = process.stdout.readline()
        seconds.append(time.perf_counter() - started)
        process.communicate()
        if process.returncode or not json.loads(answer)["quotes"]:
            raise RuntimeError(f"podquote quote failed on {data_dir}: {answer[:200]!r}")
    return {"median_s": statistics.median(seconds), "max_s": max(seconds), "runs": times}


def serving_memory(data_dir: Path, queries: Sequence[str], work: Path) -> dict[str, float]:
    """Peak resident memory of a fresh `podquote quote --batch` that opened the index and answered all."""
    batch = work / "serving-queries.txt"
    batch.write_text("\n".join(q.replace("\n", " ") for q in queries) + "\n", encoding="utf-8")
    command = [*podquote_command(), "quote", "--batch", str(batch)]
    with Stopwatch() as watch:
        done = subprocess.run(
            [sys.executable, "-m", "bench.peak_rss", *command], capture_output=True, text=True,
            env=_env(data_dir), check=True, cwd=ROOT,
        )
    measured = json.loads(done.stdout)
    if measured.pop("status"):
        raise RuntimeError(f"podquote quote --batch failed on {data_dir}")
    return {**measured, "seconds": watch.seconds, "queries": len(queries)}


def add_one_episode(index: QuoteIndex, episodes: Sequence[Episode], times: int = ADDED_EPISODES) -> dict:
    """Seconds to add one new episode (of typical length) to a full index, each committed alone.

    The new episodes are respelt copies of the corpus's median-length ones; they are removed again
    afterwards, so the index is left as it was.
    """
    typical = sorted(episodes, key=lambda e: sum(len(s.text) for s in e.segments))
    middle = len(typical) // 2
    seconds, added, new_ids = [], [], []
    for offset, episode in enumerate(typical[middle : middle + times]):
        new = Respeller(frozenset(), NEW_EPISODE_COPY + offset).episode(episode)
        with Stopwatch() as watch:
            added.append(index.replace_episodes([new]))
        seconds.append(watch.seconds)
        new_ids.append(new.id)
    index.remove_episodes(new_ids)
    return {
        "median_s": statistics.median(seconds), "max_s": max(seconds), "runs": len(seconds),
        "passages_each": statistics.median(added),
    }
