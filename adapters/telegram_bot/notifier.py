"""The Notifier for Telegram: sends a new-episode notice and turns Telegram's errors into neutral outcomes."""

from __future__ import annotations

import datetime as dt
import logging
import warnings

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from adapters.telegram_bot.render import SEND_OPTIONS, notice_html
from bot.notify import DeliveryError, DeliveryFailed, EpisodeNotice, RecipientGone, RetryLater
from bot.storage import Storage

log = logging.getLogger(__name__)

PLATFORM = "telegram"
# Bad requests that mean the chat itself is gone, not that the message was wrong.
GONE = ("chat not found", "user is deactivated", "group chat was deleted", "not enough rights to send")


class TelegramNotifier:
    """Sends EpisodeNotices to Telegram chats; a chat that became a supergroup is followed to its new id."""

    platform = PLATFORM

    def __init__(self, bot: Bot, storage: Storage) -> None:
        self.bot = bot
        self.storage = storage

    async def send_notice(self, chat_id: str, notice: EpisodeNotice) -> None:
        """Deliver one notice; raise RetryLater, RecipientGone or DeliveryFailed when it can't be."""
        try:
            await self._send(chat_id, notice)
        except ChatMigrated as moved:
            await self._follow(chat_id, str(moved.new_chat_id), notice)
        except TelegramError as error:
            raise translate(error) from error

    async def _follow(self, old_id: str, new_id: str, notice: EpisodeNotice) -> None:
        """Move the chat's subscriptions to its new id, then deliver there."""
        await self.storage.move_chat(PLATFORM, old_id, new_id)
        log.info("telegram chat migrated old=%s new=%s", old_id, new_id)
        try:
            await self._send(new_id, notice)
        except TelegramError as error:
            raise translate(error) from error

    async def _send(self, chat_id: str, notice: EpisodeNotice) -> None:
        await self.bot.send_message(chat_id, notice_html(notice), **SEND_OPTIONS)


def translate(error: TelegramError) -> DeliveryError:
    """A Telegram error as what the dispatcher should do about it."""
    if isinstance(error, Forbidden):
        return RecipientGone(f"telegram: {error.message}")
    if isinstance(error, RetryAfter):
        return RetryLater(f"telegram: {error.message}", retry_seconds(error), rate_limited=True)
    if isinstance(error, BadRequest):
        if any(reason in error.message.lower() for reason in GONE):
            return RecipientGone(f"telegram: {error.message}")
        return DeliveryFailed(f"telegram: {error.message}")
    if isinstance(error, NetworkError):  # timeouts, 5xx, connection trouble: all passing
        return RetryLater(f"telegram: {error.message}")
    return DeliveryFailed(f"telegram: {error.message}")


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait, in seconds (an int or a timedelta, by PTB's setting)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that the int form will become a timedelta
        after = error.retry_after
    return after.total_seconds() if isinstance(after, dt.timedelta) else float(after)
