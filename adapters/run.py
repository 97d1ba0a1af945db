"""The composition root: build everything from the settings and start what is configured."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Mapping
from typing import Protocol

from adapters.console import run_console
from adapters.discord_bot.service import DiscordService
from adapters.http_endpoint import HttpEndpoint
from adapters.telegram_bot.service import TelegramService
from bot.commands import Commands
from bot.clock import SystemClock
from bot.config import Settings, check_data_dir
from bot.library import Library
from bot.metrics import Metrics
from bot.notify import Notifier
from bot.outbox import DispatcherService
from bot.pool import ParsePool
from bot.watcher import WatcherService
from search.errors import PodquoteError

log = logging.getLogger(__name__)

# How long a service whose start was interrupted may take to give back what it took.
_RELEASE_WITHIN = 3.0


class _StopDuringStart(Exception):
    """A stop was asked for while a service was starting."""


class Service(Protocol):
    """Something `podquote run` starts and stops: a chat adapter, the feed watcher, the dispatcher."""

    name: str

    async def start(self) -> None:
        """Start working; return once started (the work goes on in the background)."""

    async def stop(self) -> None:
        """Stop taking new work, finish or hand back what is in flight, and release resources."""

    # Optional: `def health(self) -> tuple[bool, str]`, the service's state while it runs (a chat's
    # connection lost, feeds paused), which /healthz shows instead of "running".


def build_services(
    settings: Settings, commands: Commands, library: Library, parser: ParsePool, metrics: Metrics | None = None,
    notifiers: dict[str, Notifier] | None = None,
) -> list[Service]:
    """The services the settings ask for (empty: console mode), chat adapters first.

    `notifiers` is filled with the chat adapters' Notifiers, by platform, for the dispatcher.
    """
    chats = chat_services(settings, commands, library)
    notifiers = {} if notifiers is None else notifiers
    notifiers.update((chat.notifier.platform, chat.notifier) for chat in chats)
    return [*chats, *notice_services(settings, library, parser, notifiers, metrics)]


def chat_services(settings: Settings, commands: Commands, library: Library) -> list:
    """The chat adapters that have a token configured."""
    chats: list = []
    if settings.telegram_token is not None:
        chats.append(TelegramService(settings, commands, library))
    if settings.discord_token is not None:
        chats.append(DiscordService(settings, commands))
    return chats


def notice_services(
    settings: Settings, library: Library, parser: ParsePool, notifiers: Mapping[str, Notifier],
    metrics: Metrics | None = None,
) -> list[Service]:
    """The feed watcher, when there are feeds configured or chats to tell, and the notice dispatcher,
    when there are chats to tell (the watcher enqueues notices only for the platforms it has)."""
    services: list[Service] = []
    dispatcher = DispatcherService(settings, notifiers, metrics=metrics) if notifiers else None
    if settings.feeds or notifiers:
        wake = dispatcher.wake if dispatcher else None
        services.append(WatcherService(settings, library, parser, notifiers.keys(), wake, metrics=metrics))
    if dispatcher:
        services.append(dispatcher)
    return services


async def run(settings: Settings) -> int:
    """Run the bot until SIGTERM or SIGINT; with no chat token, console mode over the library."""
    check_data_dir(settings.data_dir)
    library = await Library.open(settings)
    # Feeds and transcripts are read in its worker process (started at the first parse), where a slow
    # one can't stall the chats; closed last, so that a parse in progress at a stop is killed.
    parser = ParsePool(settings.parse_timeout, SystemClock())
    try:
        metrics = Metrics()
        commands = Commands(library, metrics=metrics, parser=parser)
        notifiers: dict[str, Notifier] = {}
        services = build_services(settings, commands, library, parser, metrics, notifiers)
        if not services:
            return await _console(commands)
        supervisor = Supervisor(services, strict=settings.strict_startup, notifiers=notifiers)
        if settings.http_port is not None:  # first, so /healthz shows start-up as it happens
            endpoint = HttpEndpoint(settings.http_host, settings.http_port, metrics, supervisor.health)
            supervisor.services.insert(0, endpoint)
            supervisor.states[endpoint.name] = (False, "not started")
        return await supervisor.run_until_stopped()
    finally:
        parser.close()
        await library.close()


async def _console(commands: Commands) -> int:
    """Console mode; a run with no token and no commands (a deployment missing its token) fails, saying why."""
    if await run_console(commands) or sys.stdin.isatty():
        return 0
    log.error("nothing to do: no chat token is configured (TELEGRAM_TOKEN or DISCORD_TOKEN), and console mode"
              " got no commands on stdin")
    return 1


class Supervisor:
    """Starts the services, keeps their states for /healthz, and stops them all on a signal."""

    def __init__(
        self, services: list[Service], strict: bool = False, notifiers: dict[str, Notifier] | None = None
    ) -> None:
        self.services = services
        self.strict = strict
        self._notifiers = {} if notifiers is None else notifiers
        self.states: dict[str, tuple[bool, str]] = {s.name: (False, "not started") for s in services}
        self._running: list[Service] = []
        self._stop = asyncio.Event()

    def health(self) -> dict[str, tuple[bool, str]]:
        """Each service's state: (healthy, what it is doing or why it is down), as it is now."""
        states = dict(self.states)
        for service in self._running:
            live = getattr(service, "health", None)
            if live is not None:
                states[service.name] = live()
        return states

    def stop(self) -> None:
        """Ask everything to stop (what SIGTERM and SIGINT do)."""
        self._stop.set()

    async def run_until_stopped(self) -> int:
        """Start what can start, wait for a signal, stop what started; non-zero if nothing could run."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop)
        try:
            for service in self.services:
                if self._stop.is_set():
                    break
                if await self._start(service):
                    self._running.append(service)
                elif self.strict:
                    return 1
            if not self._running:
                return 1
            await self._stop.wait()
            return 0
        finally:
            await self._stop_all()

    async def _start(self, service: Service) -> bool:
        """Start one service; whether it started (a failure is logged and kept for /healthz)."""
        try:
            await self._unless_stopped(service.start())
        except _StopDuringStart:
            log.warning("start-up interrupted by a stop name=%s", service.name)
            self.states[service.name] = (False, "start-up interrupted")
            await self._release(service)
            return False
        except Exception as error:  # one adapter's failure (a wrong token) must not take the others down
            reason = str(error) if isinstance(error, PodquoteError) else f"{type(error).__name__}: {error}"
            log.error("service failed to start name=%s reason=%s", service.name, reason,
                      exc_info=not isinstance(error, PodquoteError))
            self.states[service.name] = (False, f"failed to start: {reason}")
            self._forget_notifier(service)
            return False
        self.states[service.name] = (True, "running")
        log.info("service started name=%s", service.name)
        return True

    async def _unless_stopped(self, starting: Awaitable[None]) -> None:
        """Wait for a start, unless a stop comes first (a chat platform that doesn't answer must not
        keep SIGTERM waiting): then the start is cancelled."""
        start = asyncio.ensure_future(starting)
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({start, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if not start.done():
            start.cancel()
            await asyncio.wait({start})
            raise _StopDuringStart
        start.result()

    async def _release(self, service: Service) -> None:
        """Let a service whose start was cut short give back what it took; its errors are expected."""
        try:
            await asyncio.wait_for(service.stop(), _RELEASE_WITHIN)
        except Exception as error:
            log.debug("releasing a half-started service name=%s error=%s", service.name, type(error).__name__)

    def _forget_notifier(self, service: Service) -> None:
        """A chat adapter that didn't start can't deliver: its notices wait, pending, for a later start."""
        notifier = getattr(service, "notifier", None)
        if notifier is not None and self._notifiers.get(notifier.platform) is notifier:
            del self._notifiers[notifier.platform]
            log.warning("notices wait until the adapter starts platform=%s", notifier.platform)

    async def _stop_all(self) -> None:
        """Stop the running services, the last started first."""
        stopping, self._running = list(reversed(self._running)), []
        for service in stopping:
            try:
                await service.stop()
            except Exception:  # stopping the others matters more than this one's error
                log.exception("service failed to stop cleanly name=%s", service.name)
            self.states[service.name] = (False, "stopped")
            log.info("service stopped name=%s", service.name)
