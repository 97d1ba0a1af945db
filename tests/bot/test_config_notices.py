"""The feed and notice settings: defaults, the environment, and a clear message for each mistake."""

import pytest

from bot.config import ConfigError, Settings
from bot.ratelimit import PlatformLimits, Rate


def test_the_defaults_poll_every_ten_minutes_within_the_platforms_documented_limits():
    settings = Settings.from_env({})
    assert (settings.feeds, settings.poll_minutes, settings.send_concurrency) == ((), 10.0, 1)
    assert settings.delivery_limits() == {
        "telegram": PlatformLimits(Rate(30, 1), Rate(1, 1), Rate(20, 60)),
        "discord": PlatformLimits(Rate(50, 1), Rate(5, 5), None),
    }


def test_feed_settings_come_from_the_environment():
    settings = Settings.from_env({
        "PODQUOTE_FEEDS": "https://a.example/feed https://b.example/rss https://a.example/feed",
        "PODQUOTE_POLL_MINUTES": "2.5", "PODQUOTE_TRANSCRIPT_WAIT_DAYS": "3", "PODQUOTE_FETCH_MAX_MB": "5",
        "PODQUOTE_TELEGRAM_LIMITS": "20/s 1/2s 10/min", "PODQUOTE_DISCORD_LIMITS": "40/s -",
        "PODQUOTE_DELIVERY_ATTEMPTS": "8", "PODQUOTE_SEND_CONCURRENCY": "4",
    })
    assert settings.feeds == ("https://a.example/feed", "https://b.example/rss")
    assert (settings.poll_minutes, settings.transcript_wait_days, settings.fetch_max_mb) == (2.5, 3.0, 5.0)
    assert settings.telegram_limits == PlatformLimits(Rate(20, 1), Rate(1, 2), Rate(10, 60))
    assert settings.discord_limits == PlatformLimits(Rate(40, 1), None, None)
    assert (settings.delivery_attempts, settings.send_concurrency) == (8, 4)


@pytest.mark.parametrize("name, value, message", [
    ("PODQUOTE_POLL_MINUTES", "often", "PODQUOTE_POLL_MINUTES: must be a number"),
    ("PODQUOTE_POLL_MINUTES", "0", "PODQUOTE_POLL_MINUTES: must be a number more than 0"),
    ("PODQUOTE_SEND_CONCURRENCY", "0", "PODQUOTE_SEND_CONCURRENCY: must be 1 or more"),
    ("PODQUOTE_DELIVERY_ATTEMPTS", "2.5", "PODQUOTE_DELIVERY_ATTEMPTS: must be a whole number"),
    ("PODQUOTE_TELEGRAM_LIMITS", "fast", "PODQUOTE_TELEGRAM_LIMITS: not a rate like 30/s"),
])
def test_a_bad_value_is_named_with_what_is_wrong(name, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({name: value})
