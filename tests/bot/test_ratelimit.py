"""Rate limits: parsing them, and token buckets driven by times passed in."""

import pytest

from bot.ratelimit import Limiter, PlatformLimits, Rate, TokenBucket, parse_limits, parse_rate


@pytest.mark.parametrize("text, rate", [
    ("30/s", Rate(30, 1)), ("20/min", Rate(20, 60)), ("5/5s", Rate(5, 5)), ("1 / 2 seconds", Rate(1, 2)),
    ("100/h", Rate(100, 3600)),
])
def test_rates_are_read_as_people_write_them(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "30", "0/s", "x/s", "30/fortnight", "5/0s"])
def test_a_bad_rate_says_what_a_good_one_looks_like(text):
    with pytest.raises(ValueError, match="like 30/s"):
        parse_rate(text)


def test_limits_are_overall_per_chat_per_group_with_a_dash_for_none():
    assert parse_limits("30/s 1/s 20/min") == PlatformLimits(Rate(30, 1), Rate(1, 1), Rate(20, 60))
    assert parse_limits("50/s -") == PlatformLimits(Rate(50, 1), None, None)
    assert str(parse_limits("30/s 1/s 20/min")) == "30/s 1/s 20/60s"


def _sends_in(limiter_or_bucket, seconds: float, **kw) -> list[float]:
    """When messages go out if one is sent whenever allowed (waiting exactly as long as told)."""
    times, now = [], 0.0
    while now < seconds:
        if isinstance(limiter_or_bucket, TokenBucket):
            wait = limiter_or_bucket.wait_time(now)
            if wait == 0:
                limiter_or_bucket.take(now)
        else:
            wait = limiter_or_bucket.reserve(now=now, **kw).wait
        if wait <= 0:
            times.append(now)
        now += max(wait, 0.0)
    return times


def test_a_bucket_of_one_paces_messages_evenly_at_the_rate():
    times = _sends_in(TokenBucket(Rate(30, 1), now=0.0), seconds=10)
    assert len(times) == 300
    assert min(b - a for a, b in zip(times, times[1:])) == pytest.approx(1 / 30)


def test_no_window_of_a_second_holds_more_than_the_limit():
    times = _sends_in(TokenBucket(Rate(30, 1), now=0.0), seconds=5)
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 30


def test_a_chat_gets_one_a_second_and_a_group_twenty_a_minute_while_the_platform_allows_thirty():
    limiter = Limiter({"telegram": PlatformLimits(Rate(30, 1), Rate(1, 1), Rate(20, 60))})
    private = _sends_in(limiter, 60, platform="telegram", chat_id="42", group=False)
    limiter = Limiter({"telegram": PlatformLimits(Rate(30, 1), Rate(1, 1), Rate(20, 60))})
    group = _sends_in(limiter, 60, platform="telegram", chat_id="-100", group=True)
    assert len(private) == 60 and len(group) == 20


def test_a_chat_that_must_wait_waits_alone_and_the_platform_wait_is_for_everybody():
    limiter = Limiter({"telegram": PlatformLimits(Rate(2, 1), Rate(1, 10))})
    assert limiter.reserve("telegram", "a", False, now=0.0).go
    busy_chat = limiter.reserve("telegram", "a", False, now=0.0)
    assert (busy_chat.go, busy_chat.chat_only, busy_chat.wait) == (False, True, pytest.approx(10))
    busy_platform = limiter.reserve("telegram", "b", False, now=0.0)
    assert (busy_platform.go, busy_platform.chat_only, busy_platform.wait) == (False, False, pytest.approx(0.5))
    assert limiter.reserve("telegram", "b", False, now=0.5).go


def test_a_pause_stops_the_whole_platform_until_the_time_given():
    limiter = Limiter({"telegram": PlatformLimits(Rate(30, 1))})
    limiter.pause("telegram", until=100.0)
    assert limiter.reserve("telegram", "a", False, now=50.0).wait == pytest.approx(50.0)
    assert not limiter.reserve("telegram", "a", False, now=99.99).go
    assert limiter.reserve("telegram", "a", False, now=100.1).go


def test_a_platform_without_limits_is_never_held_back_unless_it_asked_for_a_pause():
    limiter = Limiter({})
    assert all(limiter.reserve("console", str(n), False, now=0.0).go for n in range(1000))
    limiter.pause("console", until=10.0)
    assert not limiter.reserve("console", "x", False, now=5.0).go
