"""The composition root: build everything from the settings and start what is configured."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping
from typing import Protocol

from adapters.console import run_console
from adapters.discord_bot.service import DiscordService
from adapters.telegram_bot.service import TelegramService
from bot.commands import Commands
from bot.config import Settings
from bot.library import Library
from bot.notify import Notifier
from bot.outbox import DispatcherService
from bot.watcher import WatcherService

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
    chats = chat_services(settings, commands, library)
    # The chat adapters' Notifiers, by platform ("telegram", "discord"), for new-episode notices.
    notifiers: dict[str, Notifier] = {chat.notifier.platform: chat.notifier for chat in chats}
    return [*chats, *notice_services(settings, library, notifiers)]


def chat_services(settings: Settings, commands: Commands, library: Library) -> list:
    """The chat adapters that have a token configured."""
    chats: list = []
    if settings.telegram_token is not None:
        chats.append(TelegramService(settings, commands, library))
    if settings.discord_token is not None:
        chats.append(DiscordService(settings, commands))
    return chats


def notice_services(settings: Settings, library: Library, notifiers: Mapping[str, Notifier]) -> list[Service]:
    """The feed watcher, when there are feeds configured or chats to tell, and the notice dispatcher,
    when there are chats to tell (the watcher enqueues notices only for the platforms it has)."""
    services: list[Service] = []
    dispatcher = DispatcherService(settings, notifiers) if notifiers else None
    if settings.feeds or notifiers:
        wake = dispatcher.wake if dispatcher else None
        services.append(WatcherService(settings, library, notifiers.keys(), wake))
    if dispatcher:
        services.append(dispatcher)
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
