"""New-episode notices to Discord channels, Discord's errors translated into the Notifier port's outcomes."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import discord

from adapters.discord_bot import render
from bot.notify import DeliveryFailed, EpisodeNotice, RecipientBroken, RetryLater

log = logging.getLogger(__name__)

PLATFORM = "discord"
# When Discord says to retry but not when (5xx, a dropped connection), or when its header can't be read.
DEFAULT_RETRY = 30.0


class DiscordNotifier:
    """Posts notices to channels; a channel the bot can't see or write to any more is reported broken."""

    platform = PLATFORM

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def send_notice(self, chat_id: str, notice: EpisodeNotice) -> None:
        """Post the notice in the channel `chat_id`; raise RetryLater, RecipientGone or DeliveryFailed."""
        channel = self.client.get_partial_messageable(int(chat_id))
        try:
            await channel.send(embed=render.notice(notice), allowed_mentions=render.NO_MENTIONS)
        except (discord.Forbidden, discord.NotFound) as error:
            await self._tell_server(chat_id, _reason(error))
            raise RecipientBroken(_reason(error)) from error
        except discord.RateLimited as error:
            raise RetryLater("Discord rate limit", error.retry_after, rate_limited=True) from error
        except discord.HTTPException as error:
            raise _retry_or_fail(error) from error
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise RetryLater(f"cannot reach Discord: {type(error).__name__}", DEFAULT_RETRY) from error

    async def _tell_server(self, chat_id: str, reason: str) -> None:
        """Say so in the server's system channel, when the bot can still find the server and write there."""
        try:
            system_channel = await self._system_channel_of(int(chat_id))
            if system_channel is None or system_channel == int(chat_id):
                return
            text = (
                f"I can't post new-episode messages in <#{chat_id}> any more ({reason}). Let me send messages"
                " and embeds there and run /subscribe again, or /unsubscribe to stop them."
            )
            await self.client.get_partial_messageable(system_channel).send(text, allowed_mentions=render.NO_MENTIONS)
        except (discord.HTTPException, aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError) as error:
            log.info("could not tell the server about channel=%s: %s", chat_id, type(error).__name__)

    async def _system_channel_of(self, channel_id: int) -> int | None:
        """The system channel of the server a channel is in (asked of the REST API: a cache may not have it)."""
        channel = await self.client.http.get_channel(channel_id)
        guild_id = channel.get("guild_id")
        if guild_id is None:
            return None
        found = (await self.client.http.get_guild(int(guild_id))).get("system_channel_id")
        return int(found) if found else None


def _reason(error: discord.HTTPException) -> str:
    """What happened, in words for a person: 'no permission (50013)' or 'channel not found (10003)'."""
    what = "no permission" if isinstance(error, discord.Forbidden) else "channel not found"
    return f"{what} ({error.code})" if error.code else what


def _retry_or_fail(error: discord.HTTPException) -> Exception:
    """A 429 that discord.py didn't retry (no Via header: Cloudflare's) or a 5xx: later; others: failed."""
    if error.status == 429 or error.status >= 500:
        return RetryLater(f"Discord answered {error.status}", _retry_after(error), rate_limited=error.status == 429)
    return DeliveryFailed(f"Discord answered {error.status} (code {error.code}): {error.text[:200]}")


def _retry_after(error: discord.HTTPException) -> float:
    header = error.response.headers.get("Retry-After") if error.response is not None else None
    try:
        return max(float(header), 1.0) if header else DEFAULT_RETRY
    except ValueError:
        return DEFAULT_RETRY
