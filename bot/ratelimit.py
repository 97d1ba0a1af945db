"""Platform rate limits as token buckets: pure, the time is passed in, so they are tested without waiting."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*(?:\.\d+)?)\s*(s|sec|second|m|min|minute|h|hour)s?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
# Buckets of idle chats are forgotten past this many: a full bucket is the same as a new one.
_MAX_CHAT_BUCKETS = 50_000
_MIN_WAIT = 1e-5


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `count` messages per `seconds`."""

    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Messages a second, on average."""
        return self.count / self.seconds

    def __str__(self) -> str:
        seconds = f"{self.seconds:g}" if self.seconds != 1 else ""
        return f"{self.count}/{seconds}s"


def parse_rate(text: str) -> Rate:
    """'30/s', '20/min', '5/5s' -> Rate; ValueError with the reason otherwise."""
    match = _RATE.match(text)
    if not match or int(match[1]) < 1:
        raise ValueError(f"not a rate like 30/s, 20/min or 5/5s: {text!r}")
    seconds = float(match[2] or 1) * _UNIT_SECONDS[match[3].lower()]
    if seconds <= 0:
        raise ValueError(f"not a rate like 30/s, 20/min or 5/5s: {text!r}")
    return Rate(int(match[1]), seconds)


@dataclass(frozen=True, slots=True)
class PlatformLimits:
    """One platform's limits: for all its messages, for each chat, and for each group chat."""

    overall: Rate | None = None
    per_chat: Rate | None = None
    per_group: Rate | None = None

    def __str__(self) -> str:
        return " ".join(str(rate) if rate else "-" for rate in (self.overall, self.per_chat, self.per_group))


def parse_limits(text: str) -> PlatformLimits:
    """'30/s 1/s 20/min' (overall, per chat, per group; '-' for none) -> PlatformLimits."""
    parts = text.split()
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"expected up to three rates (overall, per chat, per group), got {text!r}")
    rates = [None if part == "-" else parse_rate(part) for part in parts]
    return PlatformLimits(*rates)


class TokenBucket:
    """Tokens refill at the rate up to `capacity`; a message takes one. Capacity 1 paces evenly."""

    def __init__(self, rate: Rate, now: float, capacity: float = 1.0) -> None:
        self.rate = rate
        self.capacity = capacity
        self._tokens = capacity
        self._at = now
        self._blocked_until = now

    def wait_time(self, now: float) -> float:
        """Seconds until a token is there (0: now)."""
        self._refill(now)
        if now < self._blocked_until:
            return self._blocked_until - now
        if self._tokens >= 1:
            return 0.0
        # Epoch seconds carry about 0.2 µs of precision: a shorter wait might never pass. Late, never early.
        return max((1 - self._tokens) / self.rate.per_second, _MIN_WAIT)

    def take(self, now: float) -> None:
        """Use a token (after wait_time said 0)."""
        self._refill(now)
        self._tokens -= 1

    def block_until(self, until: float) -> None:
        """Hand out nothing before `until` (the platform said to wait), then start from empty."""
        self._blocked_until = max(self._blocked_until, until)
        self._tokens = min(self._tokens, 0.0)
        self._at = max(self._at, until)

    def is_full(self, now: float) -> bool:
        """Whether the bucket is as good as new (so it can be forgotten)."""
        self._refill(now)
        return self._tokens >= self.capacity and now >= self._blocked_until

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate.per_second)
            self._at = now


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a message may go now; if not, how long to wait and whether only its chat must wait."""

    wait: float = 0.0
    chat_only: bool = False

    @property
    def go(self) -> bool:
        """Whether the message may be sent now."""
        return self.wait <= 0


class Limiter:
    """The buckets of every platform, chat and group chat."""

    def __init__(self, limits: Mapping[str, PlatformLimits]) -> None:
        self._limits = dict(limits)
        self._platforms: dict[str, TokenBucket] = {}
        self._chats: dict[tuple[str, str, str], TokenBucket] = {}

    def reserve(self, platform: str, chat_id: str, group: bool, now: float) -> Verdict:
        """Take the tokens for one message if all its buckets have one; otherwise say how long to wait."""
        buckets = self._chat_buckets(platform, chat_id, group, now)
        chat_wait = max((b.wait_time(now) for b in buckets), default=0.0)
        if chat_wait > 0:
            return Verdict(chat_wait, chat_only=True)
        overall = self._platform_bucket(platform, now)
        if overall is not None:
            wait = overall.wait_time(now)
            if wait > 0:
                return Verdict(wait)
            overall.take(now)
        for bucket in buckets:
            bucket.take(now)
        return Verdict()

    def pause(self, platform: str, until: float) -> None:
        """The platform asked us to wait (a 429's retry time): send nothing on it before `until`."""
        bucket = self._platform_bucket(platform, until)
        if bucket is None:
            bucket = self._platforms[platform] = TokenBucket(Rate(1_000_000, 1), until)
        bucket.block_until(until)

    def _platform_bucket(self, platform: str, now: float) -> TokenBucket | None:
        if platform not in self._platforms:
            rate = self._limits.get(platform, PlatformLimits()).overall
            if rate is None:
                return None
            self._platforms[platform] = TokenBucket(rate, now)
        return self._platforms[platform]

    def _chat_buckets(self, platform: str, chat_id: str, group: bool, now: float) -> list[TokenBucket]:
        limits = self._limits.get(platform, PlatformLimits())
        wanted = [("chat", limits.per_chat), ("group", limits.per_group if group else None)]
        buckets = []
        for kind, rate in wanted:
            if rate is not None:
                buckets.append(self._chat_bucket((platform, chat_id, kind), rate, now))
        return buckets

    def _chat_bucket(self, key: tuple[str, str, str], rate: Rate, now: float) -> TokenBucket:
        bucket = self._chats.get(key)
        if bucket is None:
            if len(self._chats) >= _MAX_CHAT_BUCKETS:
                self._forget_idle(now)
            bucket = self._chats[key] = TokenBucket(rate, now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        self._chats = {key: b for key, b in self._chats.items() if not b.is_full(now)}
