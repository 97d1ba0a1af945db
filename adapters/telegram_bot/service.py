"""The Telegram service that `podquote run` starts: the Application, its command menu, polling or webhook."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable
from urllib.parse import quote, urlsplit

from typing import Any

from telegram import BotCommand
from telegram.error import InvalidToken, TelegramError
from telegram.ext import AIORateLimiter, Application, Defaults
from telegram.request import HTTPXRequest

from adapters.telegram_bot.app import TelegramHandlers
from adapters.telegram_bot.flood import FloodControl
from adapters.telegram_bot.notifier import TelegramNotifier
from bot.commands import DESCRIPTIONS, Commands
from bot.config import ConfigError, Secret, Settings
from bot.library import Library
from search.errors import PodquoteError

log = logging.getLogger(__name__)

# How many updates are handled at once: one busy group waiting out its send limit mustn't hold up others.
CONCURRENT_UPDATES = 16
# Sends hit by a flood wait are retried this many times, each after the wait Telegram asked for.
SEND_RETRIES = 3
POLL_TIMEOUT = 30
# SIGTERM ends the process within 5 s, whatever the Bot API does; python-telegram-bot's own waits don't
# watch for a stop (its polling sleeps through a back-off of up to 30 s, or a flood wait as long as
# Telegram asks; the rate limiter sleeps through flood waits of replies in flight), so each step of
# stopping has a budget, past which it is cancelled.
POLLING_STOPS_WITHIN = 0.5
LAST_POLL_WITHIN = 0.5  # the getUpdates that confirms the updates taken, sent once polling has stopped
REPLIES_FINISH_WITHIN = 1.0


class TelegramUnreachable(PodquoteError, ConnectionError):
    """The Bot API could not be reached at start-up."""


class TelegramService:
    """The Telegram adapter as a Service: start() connects and begins taking updates, stop() winds down."""

    name = "telegram"

    def __init__(
        self, settings: Settings, commands: Commands, library: Library,
        flood: FloodControl | None = None, poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        if settings.telegram_token is None:
            raise ConfigError("TELEGRAM_TOKEN: needed for the Telegram adapter")
        self.settings = settings
        self.token = settings.telegram_token
        self.poll_timeout = poll_timeout
        self._redactor = TokenRedactor(self.token)
        self._redactor.install()  # before the bot is built: it logs its URLs, token included, at DEBUG
        self._polls = WatchedPolls()
        self.application = build_application(settings, self.token, self._polls)
        self.handlers = TelegramHandlers(commands, library.storage, flood or FloodControl(), settings.is_admin)
        self.handlers.install(self.application)
        self.notifier = TelegramNotifier(self.application.bot, library.storage)

    def __repr__(self) -> str:
        # python-telegram-bot's own reprs of the Bot and the Application show the token: never ours.
        return f"TelegramService(token={self.token.masked()})"

    async def start(self) -> None:
        """Connect, register the command menu, then poll for updates (or listen for the webhook's)."""
        try:
            await self.application.initialize()
        except InvalidToken:
            raise ConfigError(f"TELEGRAM_TOKEN: Telegram rejected the token {self.token.masked()}") from None
        except TelegramError as error:
            # The API URL is named without the token (python-telegram-bot appends it).
            url = self.settings.telegram_api_url
            raise TelegramUnreachable(f"Telegram: cannot reach {url}: {error.message}") from None
        await self.application.bot.set_my_commands(command_menu())
        if self.settings.telegram_webhook_url:
            await self._listen()
        else:
            await self.application.updater.start_polling(timeout=self.poll_timeout, error_callback=_polling_failed)
        await self.application.start()
        log.info("telegram bot started username=%s", self.application.bot.username)

    async def _listen(self) -> None:
        """Webhook mode: Telegram posts updates to our URL; each must carry the secret token."""
        url = self.settings.telegram_webhook_url or ""
        secret = self.settings.telegram_webhook_secret or Secret(secrets.token_urlsafe(32))
        await self.application.updater.start_webhook(
            listen=self.settings.telegram_webhook_listen,
            port=self.settings.telegram_webhook_port,
            url_path=urlsplit(url).path.strip("/"),
            webhook_url=url,
            secret_token=secret.reveal(),
        )

    def health(self) -> tuple[bool, str]:
        """Whether updates are coming in: the last poll's outcome (a webhook's posts can't be watched)."""
        if self.settings.telegram_webhook_url:
            return True, "listening for webhook posts"
        if not self.application.updater or not self.application.updater.running:
            return False, "not polling for updates"
        if self._polls.failure:
            return False, f"cannot get updates: {self._polls.failure}"
        return True, "polling"

    async def stop(self) -> None:
        """Stop taking updates, let the handlers in flight finish, and close the connections; in about
        two seconds at most, even with the Bot API unreachable."""
        if self.application.updater and self.application.updater.running:
            self._polls.hurry(LAST_POLL_WITHIN)
            await _within(POLLING_STOPS_WITHIN, self.application.updater.stop(), "polling")
        if self.application.running:
            await _within(REPLIES_FINISH_WITHIN, self.application.stop(), "replies in flight")
        await self.application.shutdown()
        self._redactor.remove()


async def _within(seconds: float, step: Awaitable[None], what: str) -> None:
    """One step of stopping, cancelled if it takes longer than `seconds`. Cancelling the updater's stop
    cancels its polling task's back-off sleep, which python-telegram-bot then takes as stopped."""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        log.warning("telegram stop: %s cut short after %.1f s", what, seconds)
        task.cancel()
        await asyncio.wait({task})
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]


def _polling_failed(error: TelegramError) -> None:
    """One line for a failed poll (python-telegram-bot's own is a traceback); it retries by itself."""
    log.warning("telegram polling failed error=%s: %s", type(error).__name__, error.message)


_TIMEOUTS = ("read_timeout", "write_timeout", "connect_timeout", "pool_timeout")


class WatchedPolls(HTTPXRequest):
    """The getUpdates connection, remembering whether the last poll failed (for /healthz).

    A poll counts as good only once its answer has been read as the Bot API's (`post` returned): a 200
    whose body is a proxy's HTML page is as failed as a refused connection."""

    def __init__(self) -> None:
        super().__init__(connection_pool_size=1)  # what python-telegram-bot uses for getUpdates
        self.failure: str | None = None
        self._status: int | None = None
        self._hurry: float | None = None

    def hurry(self, seconds: float) -> None:
        """From now on, give up on any request after `seconds` (at stop: the Bot API may never answer)."""
        self._hurry = seconds

    async def post(self, *args: Any, **kwargs: Any) -> Any:
        """One poll, its outcome remembered: failed unless the answer was read as the Bot API's."""
        self._status = None
        try:
            result = await super().post(*args, **kwargs)
        except Exception as error:
            self.failure = _poll_failure(self._status, error)
            raise
        self.failure = None
        return result

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        """The HTTP exchange; its status is kept to say what went wrong."""
        if self._hurry is not None:
            kwargs.update(dict.fromkeys(_TIMEOUTS, self._hurry))
        status, payload = await super().do_request(*args, **kwargs)
        self._status = status
        return status, payload


def _poll_failure(status: int | None, error: Exception) -> str:
    """What went wrong with a poll, in words that never hold the token (an error's text might)."""
    if status is None:
        return type(error).__name__  # no answer at all: NetworkError, TimedOut
    if status >= 400:
        return f"HTTP {status}"
    return f"HTTP {status} with an answer that is not the Bot API's"


def build_application(settings: Settings, token: Secret, polls: HTTPXRequest) -> Application:
    """The python-telegram-bot Application: our API URLs, rate-limited sends, concurrent updates."""
    return (
        Application.builder()
        .get_updates_request(polls)
        .token(token.reveal())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .rate_limiter(AIORateLimiter(max_retries=SEND_RETRIES))
        .concurrent_updates(CONCURRENT_UPDATES)
        # A reply to a command deleted meanwhile is still sent, just not as a reply.
        .defaults(Defaults(allow_sending_without_reply=True))
        .build()
    )


def command_menu() -> list[BotCommand]:
    """The commands Telegram lists in its menu, from the command layer's own descriptions."""
    return [BotCommand(name, text) for name, text in DESCRIPTIONS.items()]


class TokenRedactor(logging.Filter):
    """Blanks the token out of log records: the request URLs that httpx and the Bot log hold the token."""

    # A logger's filters see only the records logged on that very logger, so each is named.
    LOGGERS = ("httpx", "telegram.Bot", "telegram.ext.ExtBot")

    def __init__(self, token: Secret) -> None:
        super().__init__()
        self._token = token

    def install(self) -> None:
        """Start redacting the loggers that log URLs."""
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)

    def remove(self) -> None:
        """Stop redacting."""
        for name in self.LOGGERS:
            logging.getLogger(name).removeFilter(self)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record with the token replaced; never drop it."""
        secret = self._token.reveal()
        message = record.getMessage()
        # File downloads log their URL percent-encoded: the token's ':' shows as %3A there.
        for shown in {secret, quote(secret, safe="")}:
            message = message.replace(shown, "<token>")
        # Always the finished text: the Bot logs a getFile result it then changes, adding the token's URL
        # to it, which a handler formatting the record later (a queue's, pytest's) would show.
        record.msg, record.args = message, None
        return True
