"""The real python-telegram-bot Application against a fake Bot API; tests read like a chat."""

from __future__ import annotations

import dataclasses
import logging
import random

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from adapters.telegram_bot.flood import FloodControl
from adapters.telegram_bot.service import TelegramService
from bot.commands import Commands
from bot.config import Secret
from tests.adapters.telegram_bot.fake_bot_api import TOKEN, Call, FakeBotApi

# After every handler (and the error handler) has run for an update, this group marks it done.
DONE_GROUP = 1000


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Chat:
    """Drives the bot: queue an update, wait until it has been handled, see what the bot sent."""

    def __init__(self, api: FakeBotApi, service: TelegramService) -> None:
        self.api = api
        self.service = service
        self.handled: set[int] = set()
        service.application.add_handler(TypeHandler(Update, self._done), group=DONE_GROUP)

    async def _done(self, update: Update, context: object) -> None:
        self.handled.add(update.update_id)
        self.api.poke()

    async def send(self, update: dict) -> list[Call]:
        """Queue an update; once the bot has handled it, the calls it made meanwhile (getUpdates aside)."""
        before = len(self.api.calls)
        update_id = self.api.queue(update)
        await self.api.wait_for(lambda: update_id in self.handled)
        return self.api.calls[before:]

    async def reply_to(self, update: dict) -> Call:
        """The one message the bot sent in answer to an update."""
        sent = [call for call in await self.send(update) if call.method == "sendMessage"]
        assert len(sent) == 1, sent
        return sent[0]


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog):
    """Every Telegram test logs at DEBUG, and no record may hold the token."""
    caplog.set_level(logging.DEBUG)
    yield
    records = [r for when in ("setup", "call", "teardown") for r in caplog.get_records(when)]
    logged = "\n".join(caplog.handler.format(r) for r in records)
    assert TOKEN.split(":")[1] not in logged


@pytest.fixture
async def api():
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def telegram_settings(settings, api):
    return dataclasses.replace(
        settings, telegram_token=Secret(TOKEN), telegram_api_url=api.base_url, telegram_file_url=api.file_url
    )


@pytest.fixture
def service(telegram_settings, library, clock) -> TelegramService:
    commands = Commands(library, random.Random(7))
    return TelegramService(telegram_settings, commands, library, FloodControl(clock=clock), poll_timeout=10)


@pytest.fixture
async def chat(api, service):
    """The bot, started and polling the fake API; stopped (polls released) afterwards."""
    driver = Chat(api, service)
    await service.start()
    yield driver
    api.release_polls()
    await service.stop()
