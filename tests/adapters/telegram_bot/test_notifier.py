"""The Telegram Notifier against the fake Bot API: a notice goes out, and each failure becomes its outcome."""

from __future__ import annotations

import dataclasses
import html
from datetime import date

import pytest
from telegram import Bot

from adapters.telegram_bot.notifier import TelegramNotifier
from adapters.telegram_bot.render import DESCRIPTION_SHOWN, MESSAGE_LIMIT, telegram_length
from adapters.telegram_bot.service import TokenRedactor
from bot.config import Secret
from bot.notify import DeliveryFailed, EpisodeNotice, RecipientGone, RetryLater
from tests.adapters.telegram_bot.fake_bot_api import TOKEN, bad_request, blocked, flood_wait, migrated
from tests.adapters.telegram_bot.test_app import assert_balanced

NOTICE = EpisodeNotice(
    episode_id="ep-42", podcast="The <Show>", title="Storms & shadows", published=date(2025, 3, 4),
    url="https://example.com/ep42?a=1&b=2", searchable=True, example_query="storm shadow",
)
OLD, NEW = "-2001", "-1009998887"


@pytest.fixture
async def notifier(api, library):
    redactor = TokenRedactor(Secret(TOKEN))
    redactor.install()
    bot = Bot(TOKEN, base_url=api.base_url)
    await bot.initialize()
    yield TelegramNotifier(bot, library.storage)
    await bot.shutdown()
    redactor.remove()


async def test_a_notice_is_sent_as_html_with_its_link_and_a_search_to_try(notifier, api):
    await notifier.send_notice("1001", NOTICE)
    sent = api.calls_of("sendMessage")[0]
    assert sent["chat_id"] == "1001" and sent["parse_mode"] == "HTML"
    assert sent["text"] == (
        "New episode of <b>The &lt;Show&gt;</b>: "
        '<a href="https://example.com/ep42?a=1&amp;b=2">Storms &amp; shadows</a> · 4 Mar 2025'
        "\nFind what was said in it: /quote storm shadow"
    )
    assert sent["link_preview_options"] == {"is_disabled": True}


async def test_blocked_means_the_recipient_is_gone(notifier, api):
    api.fail("sendMessage", blocked())
    with pytest.raises(RecipientGone, match="blocked"):
        await notifier.send_notice("1001", NOTICE)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_wait_means_retry_after_the_time_telegram_gave(notifier, api):
    api.fail("sendMessage", flood_wait(7))
    with pytest.raises(RetryLater) as raised:
        await notifier.send_notice("1001", NOTICE)
    assert raised.value.after == 7.0 and raised.value.rate_limited


async def test_a_migrated_group_is_followed_to_its_new_id_with_its_subscription(notifier, api, library):
    await library.storage.subscribe("telegram", OLD)
    api.fail("sendMessage", migrated(int(NEW)), when=lambda params: params["chat_id"] == OLD)
    await notifier.send_notice(OLD, NOTICE)
    assert [c["chat_id"] for c in api.calls_of("sendMessage")] == [OLD, NEW]
    assert [s.chat_id for s in await library.storage.subscriptions("telegram")] == [NEW]


async def test_a_migrated_group_that_then_fails_still_keeps_the_move(notifier, api, library):
    await library.storage.subscribe("telegram", OLD)
    api.fail("sendMessage", migrated(int(NEW)), when=lambda params: params["chat_id"] == OLD)
    api.fail("sendMessage", blocked(), when=lambda params: params["chat_id"] == NEW)
    with pytest.raises(RecipientGone):
        await notifier.send_notice(OLD, NOTICE)
    assert [s.chat_id for s in await library.storage.subscriptions("telegram")] == [NEW]


@pytest.mark.parametrize(
    "error, outcome",
    [
        (bad_request("chat not found"), RecipientGone),
        (bad_request("message text is empty"), DeliveryFailed),
        ((502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}), RetryLater),
    ],
)
async def test_other_failures(notifier, api, error, outcome):
    api.fail("sendMessage", error)
    with pytest.raises(outcome) as raised:
        await notifier.send_notice("1001", NOTICE)
    assert TOKEN not in str(raised.value) and "telegram:" in str(raised.value)


async def test_a_notice_for_an_episode_without_transcript_says_it_isnt_searchable_yet(notifier, api):
    quiet = EpisodeNotice("ep-1", "Show", "Title", None, None, searchable=False)
    await notifier.send_notice("1001", quiet)
    text = api.calls_of("sendMessage")[0]["text"]
    assert text == "New episode of <b>Show</b>: Title\nIts transcript isn't searchable yet."


async def test_a_notice_shows_the_episodes_description_escaped_and_kept_short(notifier, api):
    about = "Zeppelins & <airships>: what they carried, and why. " * 20  # 1,040 characters
    await notifier.send_notice("1001", dataclasses.replace(NOTICE, description=about, searchable=False))
    lines = api.calls_of("sendMessage")[0]["text"].split("\n")
    assert lines[1].startswith("Zeppelins &amp; &lt;airships&gt;: what they carried") and lines[1].endswith("…")
    assert len(html.unescape(lines[1])) <= DESCRIPTION_SHOWN
    assert lines[2:] == ["Its transcript isn't searchable yet."]


async def test_a_notice_of_huge_hostile_fields_still_fits_one_message(notifier, api):
    huge = "&<" * 2500
    url = "https://example.com/?" + "a=1&" * 120
    notice = EpisodeNotice("ep-9", huge, huge, None, url, True, example_query=huge, description=huge)
    await notifier.send_notice("1001", notice)
    text = api.calls_of("sendMessage")[0]["text"]
    assert telegram_length(text) <= MESSAGE_LIMIT and text.startswith("New episode of <b>&amp;&lt;")
    assert_balanced(text)
