"""What the command layer answers with; each adapter renders these natively."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from search.models import Hit as Quote
# Quotes for a query, one page of them: the search result is itself what adapters render.
from search.models import SearchResult as QuoteReply

__all__ = ["Quote", "QuoteReply", "EpisodeInfo", "EpisodesReply", "TextReply", "Reply", "ChatRef"]


@dataclass(frozen=True, slots=True)
class ChatRef:
    """Where a command came from: the platform, the chat (or channel) and the person."""

    platform: str
    chat_id: str
    user_id: str | None = None
    # Whether this person may change the chat's settings (subscriptions): the adapter decides,
    # from the platform's own notion (Telegram chat administrators, Discord Manage Server).
    can_manage: bool = False
    # Whether this person is one of the bot's operators (PODQUOTE_ADMINS), for the admin commands:
    # the adapter decides, from the platform's user id.
    is_operator: bool = False


@dataclass(frozen=True, slots=True)
class EpisodeInfo:
    """An episode as listed: no transcript text."""

    id: str
    podcast: str
    title: str
    published: date | None
    urls: tuple[str, ...]
    duration: float | None
    words: int

    @property
    def url(self) -> str | None:
        """The episode's main link, if it has one."""
        return self.urls[0] if self.urls else None


@dataclass(frozen=True, slots=True)
class EpisodesReply:
    """A page of episodes, newest first."""

    title: str
    episodes: tuple[EpisodeInfo, ...]
    total: int
    offset: int = 0
    has_more: bool = False


@dataclass(frozen=True, slots=True)
class TextReply:
    """A plain message: help, advice, a refusal."""

    text: str


Reply = QuoteReply | EpisodesReply | TextReply
