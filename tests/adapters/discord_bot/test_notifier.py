"""New-episode notices to channels, and Discord's errors as the Notifier port's outcomes."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from bot.clock import SystemClock
from bot.notify import DeliveryFailed, EpisodeNotice, RecipientBroken, RetryLater
from bot.outbox import Dispatcher, Outbox
from tests.adapters.discord_bot.fake_discord import OTHER_CHANNEL_ID, SYSTEM_CHANNEL_ID, TOKEN

NOTICE = EpisodeNotice(
    episode_id="ep-1", podcast="The **Show**", title="Airships @everyone", published=date(2025, 3, 2),
    url="https://example.com/ep1", searchable=True, example_query="airship lisbon",
)
CHANNEL = str(OTHER_CHANNEL_ID)
MESSAGES = rf"/channels/{OTHER_CHANNEL_ID}/messages"
# Discord's answers, as it words them.
MISSING_PERMISSIONS = {"message": "Missing Permissions", "code": 50013}
UNKNOWN_CHANNEL = {"message": "Unknown Channel", "code": 10003}
VIA = {"Via": "1.1 google"}


@pytest.fixture
async def subscribed(library):
    await library.storage.subscribe("discord", CHANNEL)


async def test_a_notice_is_an_embed_in_the_channel(service, fake):
    await service.notifier.send_notice(CHANNEL, NOTICE)
    post = await fake.call("POST", MESSAGES)
    embed = post.json["embeds"][0]
    assert embed["title"] == "New episode: Airships @\u200beveryone"
    assert embed["url"] == "https://example.com/ep1"
    assert embed["description"] == "Search what was said: `/quote airship lisbon`"
    assert embed["footer"]["text"] == "The **Show** · 2 Mar 2025"
    assert post.json["allowed_mentions"] == {"parse": []}
    assert service.notifier.platform == "discord"


async def test_a_notice_of_an_episode_not_yet_searchable_says_so(service, fake):
    await service.notifier.send_notice(CHANNEL, EpisodeNotice("ep-2", "Show", "Later", None, None, searchable=False))
    embed = (await fake.call("POST", MESSAGES)).json["embeds"][0]
    assert embed["description"] == "Its transcript isn't searchable yet." and "url" not in embed


async def deliver(service, library, settings) -> dict[str, int]:
    """Send NOTICE to the subscribers through the real outbox and dispatcher; the deliveries' statuses."""
    outbox = Outbox(library.storage)
    clock = SystemClock()
    await outbox.enqueue(NOTICE, [], ["discord"], clock.now())
    dispatcher = Dispatcher(outbox, {"discord": service.notifier}, settings.delivery_limits(), clock)
    await dispatcher.dispatch_due()
    return await outbox.counts()


async def test_no_permission_marks_the_subscription_broken_and_tells_the_server(
    service, fake, library, subscribed, discord_settings, caplog
):
    fake.fail("POST", MESSAGES, 403, MISSING_PERMISSIONS)
    assert await deliver(service, library, discord_settings) == {"gone": 1}
    [sub] = await library.storage.subscriptions("discord")
    assert (sub.status, sub.broken_reason) == ("broken", "no permission (50013)")
    told = await fake.call("POST", rf"/channels/{SYSTEM_CHANNEL_ID}/messages")
    assert f"<#{CHANNEL}>" in told.json["content"] and "/subscribe" in told.json["content"]
    assert told.json["allowed_mentions"] == {"parse": []}
    assert f"subscription broken chat=discord:{CHANNEL}" in caplog.text


async def test_a_deleted_channel_marks_the_subscription_broken(service, fake, library, subscribed, discord_settings):
    fake.fail("POST", MESSAGES, 404, UNKNOWN_CHANNEL)
    fake.fail("GET", rf"/channels/{OTHER_CHANNEL_ID}", 404, UNKNOWN_CHANNEL)
    assert await deliver(service, library, discord_settings) == {"gone": 1}
    [sub] = await library.storage.subscriptions("discord")
    assert sub.status == "broken" and sub.broken_reason == "channel not found (10003)"
    assert not [c for c in fake.calls if c.path == f"/channels/{SYSTEM_CHANNEL_ID}/messages"]


async def test_a_short_rate_limit_is_waited_out_by_discord_py(service, fake):
    fake.fail("POST", MESSAGES, 429, {"message": "You are being rate limited.", "retry_after": 0, "global": False}, VIA)
    await service.notifier.send_notice(CHANNEL, NOTICE)
    assert len([c for c in fake.calls if c.path == MESSAGES]) == 2


async def test_a_long_rate_limit_is_retry_later_at_the_time_discord_gave(service, fake):
    body = {"message": "You are being rate limited.", "retry_after": 120.5, "global": False}
    fake.fail("POST", MESSAGES, 429, body, VIA)
    with pytest.raises(RetryLater) as raised:
        await service.notifier.send_notice(CHANNEL, NOTICE)
    assert raised.value.after == 120.5 and raised.value.rate_limited


async def test_a_rate_limit_from_cloudflare_is_retry_later(service, fake):
    fake.fail("POST", MESSAGES, 429, {"message": "banned"}, {"Retry-After": "600"})
    with pytest.raises(RetryLater) as raised:
        await service.notifier.send_notice(CHANNEL, NOTICE)
    assert raised.value.after == 600


async def test_an_outage_is_retry_later(service, fake):
    fake.fail("POST", MESSAGES, 503, {"message": "Service Unavailable", "code": 0})
    with pytest.raises(RetryLater) as raised:
        await service.notifier.send_notice(CHANNEL, NOTICE)
    assert not raised.value.rate_limited  # the channel's trouble: the others go on


async def test_anything_else_is_a_failure_with_the_reason_kept(service, fake, library, subscribed):
    fake.fail("POST", MESSAGES, 400, {"message": "Invalid Form Body", "code": 50035})
    with pytest.raises(DeliveryFailed, match="400.*50035.*Invalid Form Body"):
        await service.notifier.send_notice(CHANNEL, NOTICE)
    assert (await library.storage.subscriptions("discord"))[0].status == "active"


async def test_the_token_is_not_in_delivery_errors_or_logs(service, fake, subscribed, caplog):
    caplog.set_level(logging.DEBUG)
    fake.fail("POST", MESSAGES, 403, MISSING_PERMISSIONS)
    with pytest.raises(RecipientBroken) as raised:
        await service.notifier.send_notice(CHANNEL, NOTICE)
    assert TOKEN not in repr(raised.value) and TOKEN not in str(raised.value.__cause__)
    assert TOKEN not in caplog.text
