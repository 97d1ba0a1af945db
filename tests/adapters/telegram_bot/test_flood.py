"""Flood control, pure: a burst, then one request every few seconds, and one notice per refusal spell."""

from adapters.telegram_bot.flood import FloodControl, Verdict
from tests.adapters.telegram_bot.conftest import FakeClock


def test_a_burst_then_one_warning_then_silence():
    flood = FloodControl(burst=3, every=2.0, clock=FakeClock())
    verdicts = [flood.check("ann") for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN, Verdict.DROP, Verdict.DROP]


def test_the_allowance_refills_one_request_per_interval():
    clock = FakeClock()
    flood = FloodControl(burst=2, every=3.0, clock=clock)
    assert [flood.check("ann") for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]
    clock.advance(2.9)
    assert flood.check("ann") is Verdict.DROP
    clock.advance(0.1)
    assert flood.check("ann") is Verdict.ALLOW
    assert flood.check("ann") is Verdict.WARN, "after being allowed again, a new spell gets its own notice"


def test_people_are_counted_separately():
    flood = FloodControl(burst=1, every=5.0, clock=FakeClock())
    assert flood.check("ann") is Verdict.ALLOW
    assert flood.check("ann") is Verdict.WARN
    assert flood.check("ben") is Verdict.ALLOW


def test_a_long_pause_refills_no_more_than_the_burst():
    clock = FakeClock()
    flood = FloodControl(burst=2, every=1.0, clock=clock)
    clock.advance(1000)
    assert [flood.check("ann") for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]


def test_people_whose_allowance_refilled_are_forgotten_when_many_are_remembered(monkeypatch):
    import adapters.telegram_bot.flood as module

    monkeypatch.setattr(module, "PRUNE_AT", 3)
    clock = FakeClock()
    flood = FloodControl(burst=1, every=1.0, clock=clock)
    for who in ("a", "b", "c"):
        flood.check(who)
    clock.advance(1.0)
    flood.check("d")
    assert set(flood._buckets) == {"d"}
