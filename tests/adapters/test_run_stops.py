"""SIGTERM ends `podquote run` whatever the Bot API does: python-telegram-bot's own waits (its polling
back-off, a flood wait Telegram asked for, the rate limiter's retries of a reply) are cut short."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.adapters.telegram_bot.conftest import api  # noqa: F401 (fixture)
from tests.adapters.telegram_bot.fake_bot_api import FakeBotApi, flood_wait
from tests.adapters.telegram_bot.updates import said
from tests.adapters.test_run_end_to_end import assert_clean, environment, podquote_run

HOUR = 3600
# Only a guard against a hang: how long a stop takes is measured, not asserted (see the session's note).
GUARD = 30.0


async def poll_told_to_wait(api: FakeBotApi) -> None:
    """Telegram answers a poll with "retry after an hour": the polling task sleeps that long."""
    api.fail("getUpdates", flood_wait(HOUR))
    api.release_polls()  # the pending long poll returns, so the next one meets the flood wait
    await api.wait_for(lambda: api.failures[-1].times == 0)


async def reply_told_to_wait(api: FakeBotApi) -> None:
    """Telegram answers a reply with "retry after an hour": the rate limiter sleeps that long, in a handler."""
    api.fail("sendMessage", flood_wait(HOUR))
    api.queue(said("/help"))
    await api.wait_for_call("sendMessage")


async def refuse(port: int) -> asyncio.Server | None:
    """Nothing listens on the port any more: connections are refused."""
    return None


async def never_answer(port: int) -> asyncio.Server:
    """Something on the port accepts connections and never says a word."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the bot hangs up

    return await asyncio.start_server(hold, "127.0.0.1", port)


@pytest.mark.parametrize("wait", [poll_told_to_wait, reply_told_to_wait])
@pytest.mark.parametrize("then", [refuse, never_answer])
async def test_sigterm_ends_the_run_though_telegram_asked_for_an_hour_and_then_went_away(
    api: FakeBotApi, tmp_path: Path, wait, then
):
    env = environment(tmp_path / "data", api, None)
    async with podquote_run(env, tmp_path) as bot:
        await bot.health(lambda status, states: states["telegram"]["state"] == "polling")
        await wait(api)
        await api.close()
        silent = await then(api.port)
        try:
            bot.process.send_signal(signal.SIGTERM)
            assert await bot.exit_code(GUARD) == 0, bot.stderr()
        finally:
            if silent:
                silent.close()
    assert "service stopped name=telegram" in bot.stderr()
    assert_clean(bot.stderr())
