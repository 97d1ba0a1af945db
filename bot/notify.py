"""The outbound port to a chat: one `send_notice`, and the neutral outcomes platforms' errors become."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from search.errors import PodquoteError


@dataclass(frozen=True, slots=True)
class EpisodeNotice:
    """A new episode, as every platform announces it."""

    episode_id: str
    podcast: str
    title: str
    published: date | None
    url: str | None
    searchable: bool
    example_query: str | None = None
    # A short plain-text description from the feed (at most a few hundred characters).
    description: str | None = None


class DeliveryError(PodquoteError):
    """A notice could not be delivered; the subclass says what to do about it."""


class RetryLater(DeliveryError):
    """A passing failure (flood wait, 429, 5xx, timeout): try again after `after` seconds. A rate
    limit (`rate_limited`) holds back the platform's other sends too; one chat's 5xx or timeout doesn't."""

    def __init__(self, reason: str, after: float = 30.0, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.after = after
        self.rate_limited = rate_limited


class RecipientGone(DeliveryError):
    """The chat can't be reached any more (blocked, kicked, deleted): stop sending, end its subscriptions."""


class RecipientBroken(RecipientGone):
    """The bot may not post there any more (a channel's permissions): stop sending, but keep the
    subscriptions, marked broken with the reason, so the chat's managers see why and can mend it."""


class DeliveryFailed(DeliveryError):
    """Anything else: the delivery failed, with this reason kept."""


class Notifier(Protocol):
    """Sends new-episode notices on one platform, translating its errors into DeliveryErrors."""

    platform: str

    async def send_notice(self, chat_id: str, notice: EpisodeNotice) -> None:
        """Deliver one notice to one chat or channel; raise a DeliveryError subclass on failure."""
        ...
