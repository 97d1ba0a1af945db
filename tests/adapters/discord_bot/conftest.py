"""Fixtures: the fake Discord, and the real bot started against it over a freshly seeded library."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord.webhook.async_
import pytest

from adapters.discord_bot.service import DiscordService
from bot.commands import Commands
from bot.config import DEFAULT_SEEDS, Secret, Settings
from bot.library import Library
from tests.adapters.discord_bot.fake_discord import TOKEN, FakeDiscord


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog):
    """Every Discord test logs at DEBUG (discord.py's payloads and requests too), and no record may hold the token."""
    caplog.set_level(logging.DEBUG)
    yield
    records = [r for when in ("setup", "call", "teardown") for r in caplog.get_records(when)]
    assert TOKEN not in "\n".join(caplog.handler.format(r) for r in records)


@pytest.fixture(scope="session")
def seeded_data(tmp_path_factory: pytest.TempPathFactory):
    """A data directory seeded once, for every test here to copy (seeding takes a while; copying doesn't)."""
    folder = tmp_path_factory.mktemp("seeded") / "data"

    async def seed() -> None:
        await (await Library.open(Settings(data_dir=folder, seeds_dir=DEFAULT_SEEDS))).close()

    asyncio.run(seed())
    return folder


@pytest.fixture
def settings(tmp_path, seeded_data) -> Settings:
    """Like the shared fixture, a freshly seeded data directory of the test's own (a copy)."""
    data_dir = tmp_path / "data"
    shutil.copytree(seeded_data, data_dir)
    return Settings(data_dir=data_dir, seeds_dir=DEFAULT_SEEDS)


@pytest.fixture
async def fake():
    """Discord's stand-in, listening on 127.0.0.1."""
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def discord_settings(settings: Settings, fake: FakeDiscord) -> Settings:
    """Settings with a Discord token, pointed at the fake (the gateway URL comes from GET /gateway/bot)."""
    return dataclasses.replace(settings, discord_token=Secret(TOKEN), discord_api_url=fake.api_url)


class _NoWaiting:
    """asyncio as discord.py's webhook adapter sees it, but with waits that end at once."""

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    @staticmethod
    async def sleep(delay: float, result: Any = None) -> Any:
        return await asyncio.sleep(0, result)


@pytest.fixture
def webhook_retries_at_once(monkeypatch):
    """discord.py retries an interaction answer that got a 5xx after waiting 1, 3, 5… s: here, at once."""
    monkeypatch.setattr(discord.webhook.async_, "asyncio", _NoWaiting())


@pytest.fixture
def commands(library) -> Commands:
    """The command layer over the seeded library, with a fixed random seed."""
    return Commands(library, random.Random(7))


def make_service(settings: Settings, commands: Commands, **options) -> DiscordService:
    """The Discord service as `podquote run` builds it, with the waits that suit tests."""
    # No GUILD_CREATE ever comes without the guilds intent: don't wait the default 2 s for one.
    options.setdefault("guild_ready_timeout", 0.01)
    return DiscordService(settings, commands, **options)


@asynccontextmanager
async def started(settings: Settings, commands: Commands, **options) -> AsyncIterator[DiscordService]:
    """The bot, logged in and connected, until the block ends."""
    running = make_service(settings, commands, **options)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def service(discord_settings: Settings, commands: Commands, fake: FakeDiscord):
    """The bot, logged in and connected to the fake."""
    async with started(discord_settings, commands) as running:
        yield running
