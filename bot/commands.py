"""The command layer: the one place a command's words are parsed and its reply decided, on every platform."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.library import Library
from bot.metrics import Metrics
from bot.models import ChatRef, EpisodesReply, QuoteReply, Reply, TextReply
from bot.storage import ALL_FEEDS
from search.analyzer import term_of

QUOTES_PER_PAGE = 3
EPISODES_PER_PAGE = 10
LATEST_COUNT = 5
RANDOM_POOL = 20

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,32})(?:@(?P<to>\w+))?(?:\s+(?P<args>.*))?$", re.DOTALL)
ALIASES = {"q": "quote", "start": "help"}
# What each public command does, for /help and for the platforms' command menus.
DESCRIPTIONS = {
    "quote": "Find quotes: /quote words you remember",
    "random": "A random quote, or one among matches: /random some words",
    "latest": "The newest episodes",
    "episodes": "All episodes, page by page",
    "help": "What this bot does and how to ask",
    "subscribe": "Get a message here when a new episode comes out",
    "unsubscribe": "Stop the new-episode messages",
    "subscriptions": "What this chat is subscribed to",
}
NOT_ALLOWED = "Only this chat's administrators can change its subscriptions."


@dataclass(frozen=True, slots=True)
class Command:
    """A command as typed: its name (aliases resolved), its arguments, and the bot it names, if any."""

    name: str
    args: str = ""
    addressee: str | None = None


def parse_command(text: str) -> Command | None:
    """`/quote@somebot storm shadow` -> Command('quote', 'storm shadow', 'somebot'); None if not a command."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    name = match["name"].lower()
    return Command(ALIASES.get(name, name), (match["args"] or "").strip(), match["to"])


class Commands:
    """Answers the bot's commands with platform-neutral replies."""

    def __init__(self, library: Library, rng: random.Random | None = None, metrics: Metrics | None = None) -> None:
        self.library = library
        self.rng = rng or random.Random()
        self.metrics = metrics or Metrics()
        self._handlers: dict[str, Callable[[str], Awaitable[Reply]]] = {
            "quote": self.quote,
            "random": self.random,
            "latest": self.latest,
            "episodes": self.episodes,
            "help": self.help,
        }
        self._chat_handlers: dict[str, Callable[[str, ChatRef], Awaitable[Reply]]] = {
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "subscriptions": self.subscriptions,
        }

    async def handle(self, text: str, chat: ChatRef | None = None) -> Reply | None:
        """The reply to a line a person typed; None when it isn't a command at all."""
        command = parse_command(text)
        if command is None:
            return None
        if command.name in self._chat_handlers and chat is not None:
            return await self._chat_handlers[command.name](command.args, chat)
        handler = self._handlers.get(command.name)
        if handler is None:
            return TextReply(f"I don't know /{command.name}. Send /help to see what I can do.")
        return await handler(command.args)

    async def subscribe(self, args: str, chat: ChatRef) -> TextReply:
        """Subscribe the chat to new-episode notices (of every feed; or of the feed named)."""
        if not chat.can_manage:
            return TextReply(NOT_ALLOWED)
        feed = args.strip() or ALL_FEEDS
        added = await self.library.storage.subscribe(chat.platform, chat.chat_id, feed)
        if not added:
            return TextReply("This chat is already subscribed. /unsubscribe stops the notices.")
        return TextReply("Subscribed: this chat will get a message when a new episode comes out.")

    async def unsubscribe(self, args: str, chat: ChatRef) -> TextReply:
        """Stop the chat's notices (of every feed; or of the feed named)."""
        if not chat.can_manage:
            return TextReply(NOT_ALLOWED)
        removed = await self.library.storage.unsubscribe(chat.platform, chat.chat_id, args.strip() or None)
        if not removed:
            return TextReply("This chat wasn't subscribed.")
        return TextReply("Unsubscribed: no more new-episode messages here.")

    async def subscriptions(self, args: str, chat: ChatRef) -> TextReply:
        """What this chat is subscribed to."""
        found = await self.library.storage.subscriptions(chat.platform, chat.chat_id)
        if not found:
            return TextReply("This chat has no subscriptions. /subscribe to hear of new episodes.")
        lines = ["This chat gets new-episode messages for:"]
        for sub in found:
            name = "every podcast of this bot" if sub.feed == ALL_FEEDS else sub.feed
            broken = f" (not delivered: {sub.broken_reason})" if sub.status == "broken" else ""
            lines.append(f"- {name}{broken}")
        return TextReply("\n".join(lines))

    async def quote(self, args: str, offset: int = 0) -> QuoteReply:
        """The best quotes for the words, a page at a time."""
        started = time.perf_counter()
        result = await asyncio.to_thread(self.library.search, args, QUOTES_PER_PAGE, max(0, offset))
        self.metrics.quotes.inc()
        self.metrics.quote_seconds.observe(time.perf_counter() - started)
        return result

    async def random(self, args: str = "") -> Reply:
        """A random quote; with words, a random one among the quotes that match them."""
        if args.strip():
            result = await asyncio.to_thread(self.library.search, args, RANDOM_POOL, 0)
            if not result.quotes:
                return result
            pick = self.rng.choice(result.quotes)
            return QuoteReply(args, (pick,), 1)
        quote = await self.library.random_quote(self.rng)
        if quote is None:
            return TextReply("There are no episodes yet.")
        return QuoteReply("", (quote,), 1)

    async def latest(self, args: str = "") -> EpisodesReply:
        """The newest episodes."""
        episodes = await self.library.episodes(LATEST_COUNT)
        return EpisodesReply("Latest episodes", tuple(episodes), len(episodes))

    async def episodes(self, args: str = "", offset: int | None = None) -> EpisodesReply:
        """Every episode, newest first, a page at a time (`/episodes 2` is the second page)."""
        if offset is None:
            page = int(args) if args.strip().isdigit() else 1
            offset = (max(page, 1) - 1) * EPISODES_PER_PAGE
        total = await self.library.storage.count_episodes()
        episodes = await self.library.episodes(EPISODES_PER_PAGE, offset)
        more = offset + len(episodes) < total
        return EpisodesReply("Episodes", tuple(episodes), total, offset, more)

    async def help(self, args: str = "") -> TextReply:
        """What the bot does, with an example search that works on this library."""
        example = await self.example_query()
        lines = [
            "I find what was said in the podcast's episodes.",
            f"Send /quote and a few words you remember, for example: /quote {example}",
            'Put an exact phrase in double quotes: /quote "just like this". Narrow a search with'
            " after:2024-01-31, before:2024-12-31 or episode:word (a word of the title).",
            "",
            *(f"/{name} - {text}" for name, text in DESCRIPTIONS.items()),
        ]
        return TextReply("\n".join(lines))

    async def example_query(self) -> str:
        """Two telling words from the newest episode's title, which a search will surely find."""
        newest = await self.library.episodes(1)
        if not newest:
            return "words you remember"
        words = [w for w in re.findall(r"[A-Za-z]{4,}", newest[0].title) if term_of(w)]
        return " ".join(sorted(words, key=len, reverse=True)[:2]).lower() or "words you remember"
