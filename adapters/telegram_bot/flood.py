"""Flood control per person: a short burst, then one request every few seconds; one notice, not a flood."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass

# Past this many people remembered, those whose allowance has refilled are forgotten.
PRUNE_AT = 10_000


class Verdict(enum.Enum):
    """What to do with one request."""

    ALLOW = "allow"
    WARN = "warn"  # refuse, and say so: the first refusal since the person was last allowed
    DROP = "drop"  # refuse silently: they have been told already


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class FloodControl:
    """A token bucket per person: `burst` requests at once, then one every `every` seconds."""

    def __init__(
        self, burst: int = 5, every: float = 3.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.every = every
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def check(self, who: str) -> Verdict:
        """Take one request's allowance from this person, if they have any left."""
        now = self.clock()
        bucket = self._refilled(who, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return Verdict.ALLOW
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _refilled(self, who: str, now: float) -> _Bucket:
        bucket = self._buckets.get(who)
        if bucket is None:
            if len(self._buckets) >= PRUNE_AT:
                self._prune(now)
            bucket = self._buckets[who] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) / self.every)
        bucket.at = now
        return bucket

    def _prune(self, now: float) -> None:
        """Forget everyone whose allowance is full again: they are as good as new."""
        full = [who for who, b in self._buckets.items() if b.tokens + (now - b.at) / self.every >= self.burst]
        for who in full:
            del self._buckets[who]
