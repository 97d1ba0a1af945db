"""The Discord bot as a service of `podquote run`: log in, keep the gateway connection in the background, close."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from adapters.discord_bot.app import DiscordBot
from adapters.discord_bot.notifier import DiscordNotifier
from adapters.discord_bot.respond import DEFER_AFTER
from bot.commands import Commands
from bot.config import ConfigError, Secret, Settings
from search.errors import PodquoteError

log = logging.getLogger(__name__)

READY_TIMEOUT = 30.0
# Logging in is a few REST calls: a Discord (or a proxy) that takes longer isn't answering.
LOGIN_TIMEOUT = 30.0
# Longer rate-limit waits are not slept through: the notifier hands them back as RetryLater.
MAX_RATELIMIT_WAIT = 30.0


def use_endpoints(api_url: str, gateway_url: str | None = None) -> None:
    """Point discord.py at a REST API base (and a gateway), e.g. a stand-in in tests.

    discord.py has no per-client setting for these: the REST base is the class attribute
    `Route.BASE` (which its own `_set_api_version` rewrites in the same way), and a non-sharded
    client connects to `DiscordWebSocket.DEFAULT_GATEWAY`. Both are process-wide, which suits
    podquote's one Discord client per process.
    """
    discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class DiscordUnreachable(PodquoteError, ConnectionError):
    """Discord's REST API or gateway could not be reached at start-up."""


class DiscordService:
    """Logs the bot in, connects to the gateway as a background task of this event loop, and closes it."""

    name = "discord"

    def __init__(
        self,
        settings: Settings,
        commands: Commands,
        defer_after: float = DEFER_AFTER,
        ready_timeout: float = READY_TIMEOUT,
        login_timeout: float = LOGIN_TIMEOUT,
        **client_options: Any,
    ) -> None:
        if settings.discord_token is None:
            raise ConfigError("DISCORD_TOKEN: needed for the Discord adapter")
        self.token: Secret = settings.discord_token
        self.settings = settings
        self.ready_timeout = ready_timeout
        self.login_timeout = login_timeout
        client_options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        self.client = DiscordBot(commands, settings.discord_guild_id, defer_after, settings.is_admin, **client_options)
        self.notifier = DiscordNotifier(self.client)
        self._gateway: asyncio.Task[None] | None = None
        self._connected = False
        self.client.add_listener(self._on_connected, "on_connect")
        self.client.add_listener(self._on_connected, "on_resumed")
        self.client.add_listener(self._on_disconnected, "on_disconnect")

    async def _on_connected(self) -> None:
        self._connected = True

    async def _on_disconnected(self) -> None:
        self._connected = False

    def health(self) -> tuple[bool, str]:
        """Connected to the gateway, or why not (discord.py reconnects by itself meanwhile)."""
        if self._gateway is not None and self._gateway.done():
            return False, "the gateway connection ended (see the log)"
        if not self._connected:
            return False, "disconnected from the gateway, reconnecting"
        return True, "connected"

    async def start(self) -> None:
        """Log in (registering the commands if they changed), connect, and wait until Discord says ready."""
        api = self.settings.discord_api_url
        use_endpoints(api)
        try:
            gateway_url = await asyncio.wait_for(self._login_and_ask_gateway(), self.login_timeout)
        except (aiohttp.ClientError, OSError, discord.HTTPException, asyncio.TimeoutError) as error:
            await self.client.close()
            silent = isinstance(error, asyncio.TimeoutError)
            why = f"no answer within {self.login_timeout:g} s" if silent else type(error).__name__
            raise DiscordUnreachable(f"Discord: cannot reach {api}: {why}") from None
        use_endpoints(api, gateway_url)
        gateway = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        gateway.add_done_callback(_report_end)
        self._gateway = gateway
        await self._until_ready(gateway)

    async def _login_and_ask_gateway(self) -> str:
        await self._login()
        return self.settings.discord_gateway_url or await self._gateway_url()

    async def _login(self) -> None:
        try:
            await self.client.login(self.token.reveal())
        except discord.LoginFailure:
            await self.client.close()
            raise ConfigError(f"DISCORD_TOKEN: Discord refused the token {self.token.masked()}") from None

    async def _gateway_url(self) -> str:
        """Where Discord says to connect (GET /gateway/bot), as it recommends asking rather than assuming."""
        _shards, url, _limits = await self.client.http.get_bot_gateway()
        return url

    async def _until_ready(self, gateway: asyncio.Task[None]) -> None:
        ready = asyncio.ensure_future(self.client.wait_until_ready())
        done, _ = await asyncio.wait({ready, gateway}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        if ready in done:
            log.info("discord ready user=%s", self.client.user)
            return
        ready.cancel()
        if gateway in done:
            raise DiscordUnreachable("Discord: the gateway connection ended at start-up (see the log above)")
        log.warning("discord not ready after %.0fs; still connecting in the background", self.ready_timeout)

    async def stop(self) -> None:
        """Close the gateway connection and the HTTP session."""
        await self.client.close()
        if self._gateway is not None:
            _, pending = await asyncio.wait({self._gateway}, timeout=10)
            for task in pending:
                task.cancel()


def _report_end(task: asyncio.Task[None]) -> None:
    """A gateway connection that ends on its own is never silent (a malformed event ends it, for one)."""
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log.error("discord gateway connection ended: %s", type(error).__name__, exc_info=error)
