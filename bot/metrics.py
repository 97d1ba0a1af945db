"""Counters and latency histograms, rendered in the Prometheus text format. No globals: one Metrics per process."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
Labels = tuple[tuple[str, str], ...]


@dataclass
class Counter:
    """A count that only goes up, per label set."""

    name: str
    help: str
    values: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add to the count of these labels."""
        self.values[_labels(labels)] += amount

    def render(self) -> list[str]:
        """Prometheus text lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} counter"]
        return lines + [f"{self.name}{_format(k)} {_number(v)}" for k, v in sorted(self.values.items())]


@dataclass
class Histogram:
    """How long things took, in cumulative buckets, per label set."""

    name: str
    help: str
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: dict[Labels, list[int]] = field(default_factory=dict)
    sums: dict[Labels, float] = field(default_factory=lambda: defaultdict(float))

    def observe(self, seconds: float, **labels: str) -> None:
        """Record one duration."""
        key = _labels(labels)
        counts = self.counts.setdefault(key, [0] * (len(self.buckets) + 1))
        counts[bisect_left(self.buckets, seconds)] += 1
        self.sums[key] += seconds

    def render(self) -> list[str]:
        """Prometheus text lines."""
        lines = [f"# HELP {self.name} {self.help}", f"# TYPE {self.name} histogram"]
        for key, counts in sorted(self.counts.items()):
            running = 0
            for bound, count in zip((*map(str, self.buckets), "+Inf"), counts):
                running += count
                lines.append(f"{self.name}_bucket{_format(key + (('le', bound),))} {running}")
            lines.append(f"{self.name}_sum{_format(key)} {self.sums[key]:.6f}")
            lines.append(f"{self.name}_count{_format(key)} {running}")
        return lines


class Metrics:
    """Everything podquote counts: quotes, inline queries, deliveries, feed polls."""

    def __init__(self) -> None:
        self.quotes = Counter("podquote_quotes_total", "Quote searches answered.")
        self.quote_seconds = Histogram("podquote_quote_seconds", "Time to answer a quote search.")
        self.inline_queries = Counter("podquote_inline_queries_total", "Inline queries answered.")
        self.deliveries = Counter("podquote_deliveries_total", "Notice deliveries by outcome.")
        self.feed_polls = Counter("podquote_feed_polls_total", "Feed polls by outcome.")
        self.feed_errors = Counter("podquote_feed_errors_total", "Feed polls that failed.")

    def render(self) -> str:
        """The whole registry in the Prometheus text exposition format."""
        parts = (self.quotes, self.quote_seconds, self.inline_queries, self.deliveries,
                 self.feed_polls, self.feed_errors)
        return "\n".join(line for part in parts for line in part.render()) + "\n"


def _labels(labels: dict[str, str]) -> Labels:
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


def _format(labels: Labels) -> str:
    if not labels:
        return ""
    escaped = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in labels)
    return "{" + ",".join(escaped) + "}"


def _number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)
