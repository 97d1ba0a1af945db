"""The composition root: build everything from the settings and start what is configured."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Protocol

from adapters.console import run_console
from adapters.discord_bot.service import DiscordService
from adapters.telegram_bot.service import TelegramService
from bot.commands import Commands
from bot.config import Settings
from bot.library import Library

log = logging.getLogger(__name__)


class Service(Protocol):
    """Something `podquote run` starts and stops: a chat adapter, the feed watcher, the dispatcher."""

    name: str

    async def start(self) -> None:
        """Start working; return once started (the work goes on in the background)."""

    async def stop(self) -> None:
        """Stop taking new work, finish or hand back what is in flight, and release resources."""


def build_services(settings: Settings, commands: Commands, library: Library) -> list[Service]:
    """The services the settings ask for (empty: console mode)."""
    services: list[Service] = []
    if settings.telegram_token is not None:
        services.append(TelegramService(settings, commands, library))
    if settings.discord_token is not None:
        services.append(DiscordService(settings, commands))
    return services


async def run(settings: Settings) -> int:
    """Run the bot until it is stopped; with no chat token, console mode over the library."""
    library = await Library.open(settings)
    try:
        commands = Commands(library)
        services = build_services(settings, commands, library)
        if not services:
            await run_console(commands)
        else:
            await run_until_stopped(services)
    finally:
        await library.close()
    return 0


async def run_until_stopped(services: list[Service]) -> None:
    """Start every service, wait for SIGINT or SIGTERM, then stop them all."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    started: list[Service] = []
    try:
        for service in services:
            await service.start()
            started.append(service)
            log.info("service started name=%s", service.name)
        await stop.wait()
    finally:
        for service in reversed(started):
            await service.stop()
            log.info("service stopped name=%s", service.name)
