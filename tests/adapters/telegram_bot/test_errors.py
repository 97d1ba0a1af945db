"""Errors at the edge: each of Telegram's failures becomes the right outcome, never a crash or silence."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest
import telegram.ext._aioratelimiter as aioratelimiter

from adapters.telegram_bot.app import APOLOGY
from tests.adapters.telegram_bot.fake_bot_api import bad_request, blocked, flood_wait, migrated
from tests.adapters.telegram_bot.test_app import button
from tests.adapters.telegram_bot.updates import GROUP, PRIVATE, pressed, said

SUPERGROUP_ID = -1009998887


async def test_blocked_by_the_person_removes_the_chats_subscriptions(chat, api, library, caplog):
    await chat.reply_to(said("/subscribe"))
    api.fail("sendMessage", blocked())
    calls = await chat.send(said("/quote storm shadow"))
    assert [c.method for c in calls] == ["sendMessage"]  # no apology to someone who blocked us
    assert await library.storage.subscriptions("telegram", str(PRIVATE["id"])) == []
    assert "telegram chat gone" in caplog.text


# PTB itself warns, while building the RetryAfter, that retry_after will become a timedelta.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_wait_is_waited_out_as_told_then_the_send_is_retried(chat, api, monkeypatch):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.sleep(0)

    # The rate limiter's one sleep is recorded instead of slept: the test proves the wait without waiting.
    monkeypatch.setattr(aioratelimiter, "asyncio", SimpleNamespace(sleep=sleep, Event=asyncio.Event))
    api.fail("sendMessage", flood_wait(7))
    calls = await chat.send(said("/quote storm shadow"))
    sent = [c for c in calls if c.method == "sendMessage"]
    assert len(sent) == 2 and sent[0]["text"] == sent[1]["text"]
    assert waits and 7 <= waits[0] < 8


async def test_group_upgraded_to_supergroup_takes_its_subscription_and_the_reply_along(chat, api, library):
    await library.storage.subscribe("telegram", str(GROUP["id"]))
    api.fail("sendMessage", migrated(SUPERGROUP_ID), when=lambda params: params["chat_id"] == str(GROUP["id"]))
    calls = await chat.send(said("/help", GROUP))
    moved = await library.storage.subscriptions("telegram")
    assert [s.chat_id for s in moved] == [str(SUPERGROUP_ID)]
    sent = [c for c in calls if c.method == "sendMessage"]
    assert [c["chat_id"] for c in sent] == [str(GROUP["id"]), str(SUPERGROUP_ID)]
    assert "I find what was said" in sent[1]["text"] and sent[1]["parse_mode"] == "HTML"


async def test_any_other_error_is_logged_and_the_person_gets_an_apology(chat, api, caplog):
    api.fail("sendMessage", bad_request("can't parse entities: unsupported start tag"))
    calls = await chat.send(said("/quote storm shadow"))
    assert [c.method for c in calls] == ["sendMessage", "sendMessage"]
    assert calls[1]["text"] == APOLOGY
    failures = [r for r in caplog.records if r.getMessage().startswith("telegram update failed")]
    assert failures and failures[0].levelno == logging.ERROR and failures[0].exc_info


async def test_a_failed_page_edit_is_apologised_for_on_the_button(chat, api, library, tmp_path):
    await library.ingest([_many_quotes(tmp_path)])
    first = await chat.reply_to(said("/quote lighthouse"))
    api.fail("editMessageText", bad_request("message to edit not found"))
    calls = await chat.send(pressed(button(first, "▶"), api.message_of(first)))
    assert [(c.method, c.get("text")) for c in calls][-1] == ("answerCallbackQuery", APOLOGY)


async def test_a_failed_admin_check_is_apologised_for(chat, api, library):
    api.fail("getChatMember", bad_request("user not found"))
    calls = await chat.send(said("/subscribe", GROUP))
    assert [c.method for c in calls] == ["getChatMember", "sendMessage"]
    assert calls[1]["text"] == APOLOGY
    assert await library.storage.subscriptions("telegram") == []


def _many_quotes(tmp_path):
    path = tmp_path / "lighthouse.txt"
    path.write_text(
        "".join(f"Host: The lighthouse keeper number {i} walked to the lighthouse again.\n" for i in range(60)),
        encoding="utf-8",
    )
    return path
