"""Latency statistics: percentiles of one round, and the median over repeated rounds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values lie, interpolated linearly between ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    at = share * (len(ordered) - 1)
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def summarize(latencies_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99, the mean and queries a second of one round of timed queries."""
    total = sum(latencies_ms)
    return {
        "p50_ms": percentile(latencies_ms, 0.50),
        "p95_ms": percentile(latencies_ms, 0.95),
        "p99_ms": percentile(latencies_ms, 0.99),
        "mean_ms": total / len(latencies_ms),
        "qps": 1000 * len(latencies_ms) / total if total else float("inf"),
    }


def median_of(rounds: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Each figure's median over repeated rounds (the noise of a shared machine cancels out)."""
    rounds = list(rounds)
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def time_queries(search: Callable[[str], object], queries: Sequence[str]) -> tuple[list[float], list[float]]:
    """Milliseconds each query took, one after the other on this thread: wall clock, and CPU time.

    CPU time leaves out the waits for a core that other work on a shared machine causes.
    """
    wall, cpu = [], []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        search(query)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def _round(search: Callable[[str], object], queries: Sequence[str]) -> dict[str, float]:
    wall, cpu = time_queries(search, queries)
    on_cpu = summarize(cpu)
    return {**summarize(wall), **{f"cpu_{key}": on_cpu[key] for key in ("p50_ms", "p95_ms", "p99_ms")}}


def latency(
    search: Callable[[str], object], queries: Sequence[str], rounds: int, warm_up: int | None = None
) -> dict[str, float]:
    """Warm up (on all queries, or the first `warm_up`), then time `rounds` passes; the median figures."""
    time_queries(search, queries[:warm_up])
    result = median_of(_round(search, queries) for _ in range(rounds))
    return {**result, "rounds": rounds, "queries": len(queries)}


def ratios(theirs: Mapping[str, float], ours: Mapping[str, float]) -> dict[str, float]:
    """How many times slower another engine is than podquote, percentile by percentile."""
    return {key: theirs[key] / ours[key] for key in ("p50_ms", "p95_ms", "p99_ms") if ours.get(key)}


class Stopwatch:
    """Seconds since it was made, for timing a step: `with Stopwatch() as watch: ...; watch.seconds`."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
