"""Fixtures: the fake Discord, and the real bot started against it over a freshly seeded library."""

from __future__ import annotations

import dataclasses
import random

import pytest

from adapters.discord_bot.service import DiscordService
from bot.commands import Commands
from bot.config import Secret, Settings
from tests.adapters.discord_bot.fake_discord import TOKEN, FakeDiscord


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


@pytest.fixture
def commands(library) -> Commands:
    """The command layer over the seeded library, with a fixed random seed."""
    return Commands(library, random.Random(7))


def make_service(settings: Settings, commands: Commands, **options) -> DiscordService:
    """The Discord service as `podquote run` builds it, with the waits that suit tests."""
    # No GUILD_CREATE ever comes without the guilds intent: don't wait the default 2 s for one.
    options.setdefault("guild_ready_timeout", 0.01)
    return DiscordService(settings, commands, **options)


@pytest.fixture
async def service(discord_settings: Settings, commands: Commands, fake: FakeDiscord):
    """The bot, logged in and connected to the fake."""
    running = make_service(discord_settings, commands)
    await running.start()
    yield running
    await running.stop()
