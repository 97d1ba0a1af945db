"""The command layer: the one place a command's words are parsed and its reply decided, on every platform."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

from bot.feedstore import Feed, FeedHealth, FeedStore
from bot.ingest import Metadata, record_from_bytes
from bot.library import Library
from bot.metrics import Metrics
from bot.models import ChatRef, EpisodeInfo, EpisodesReply, QuoteReply, Reply, TextReply
from bot.outbox import Outbox
from bot.pool import ParseAbandoned, ParsePool
from bot.storage import ALL_FEEDS
from search.analyzer import term_of
from search.errors import SearchIndexError, TranscriptError
from search.quotes import FIRST_PAGE

# A page is as long as the first, varied one, so that the second starts where variety ends.
QUOTES_PER_PAGE = FIRST_PAGE
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
# The operators' commands (PODQUOTE_ADMINS): kept apart so that no public command menu lists them.
ADMIN_DESCRIPTIONS = {
    "stats": "The library, subscriptions, deliveries and feeds in numbers",
    "feeds": "Each watched feed and how its polling goes",
    "reindex": "Rebuild the search index from the database",
    "ingest": "Add or replace an episode from a transcript file",
}
OPERATORS_ONLY = "Sorry, that is only for the people who run this bot."
# What an operator may send as a transcript file: Telegram's getFile hands bots files up to 20 MB.
UPLOAD_MAX_BYTES = 20_000_000
FEEDS_LISTED = 10


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

    def __init__(
        self, library: Library, rng: random.Random | None = None, metrics: Metrics | None = None,
        parser: ParsePool | None = None,
    ) -> None:
        self.library = library
        self.rng = rng or random.Random()
        self.metrics = metrics or Metrics()
        # Uploads are parsed in the parse pool's worker (`podquote run`), where a slow one can't stall the
        # chats; without a pool (the console, which has no chats to stall), in a thread.
        self._parse: Callable[..., Awaitable[Any]] = parser.run if parser else asyncio.to_thread
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
            "stats": self.stats,
            "feeds": self.feeds,
            "reindex": self.reindex,
            "ingest": self.ingest,
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
        name = args.strip()
        feed = await FeedStore(self.library.storage).get(name) if name else None
        if name and feed is None:
            return await self._unknown_feed()
        # Stored by the address the feed was added by: where it lives now may change again.
        added = await self.library.storage.subscribe(chat.platform, chat.chat_id, feed.url if feed else ALL_FEEDS)
        if not added:
            return TextReply("This chat is already subscribed. /unsubscribe stops the notices.")
        of = f" of {feed.title or feed.url}" if feed else ""
        return TextReply(f"Subscribed: this chat will get a message when a new episode{of} comes out.")

    async def _unknown_feed(self) -> TextReply:
        """Refuse a feed the bot doesn't watch, listing those it does (no public command shows them)."""
        feeds = [health.feed for health in await FeedStore(self.library.storage).health()]
        if not feeds:
            return TextReply(
                "That isn't one of this bot's feeds (it watches no feeds)."
                " Send /subscribe alone to hear of every new episode."
            )
        lines = [
            "That isn't one of this bot's feeds. Send /subscribe alone for all of them, or /subscribe and one of:"
        ]
        lines += [f"- {feed.title}: {feed.url}" if feed.title else f"- {feed.url}" for feed in feeds[:FEEDS_LISTED]]
        if len(feeds) > FEEDS_LISTED:
            lines.append(f"…and {len(feeds) - FEEDS_LISTED} more.")
        return TextReply("\n".join(lines))

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

    async def episodes(self, args: str = "", offset: int | None = None) -> EpisodesReply | TextReply:
        """Every episode, newest first, a page at a time (`/episodes 2` is the second page)."""
        if offset is None:
            page = int(args) if args.strip().isdigit() else 1
            offset = (max(page, 1) - 1) * EPISODES_PER_PAGE
        total = await self.library.storage.count_episodes()
        if offset >= total > 0:
            return _past_the_end(offset, total)
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

    # The operators' commands: each refuses anyone the adapter didn't find in PODQUOTE_ADMINS.

    async def stats(self, args: str, chat: ChatRef) -> TextReply:
        """The library, subscriptions, deliveries and feeds in numbers, for an operator."""
        if not chat.is_operator:
            return TextReply(OPERATORS_ONLY)
        storage = self.library.storage
        library = await self.library.stats()
        subscriptions = await storage.subscription_counts()
        deliveries = await Outbox(storage).counts()
        feeds = await FeedStore(storage).health()
        lines = [
            f"Library: {_count(library['episodes'], 'episode')}, {library['words']:,} words,"
            f" {library['passages']:,} passages searchable",
            f"Subscriptions: {subscriptions.get('active', 0)} active, {subscriptions.get('broken', 0)} broken",
            _deliveries_line(deliveries),
            _feeds_line(feeds),
            *(describe_feed(n, h) for n, h in enumerate(feeds, start=1) if h.feed.errors or h.feed.paused),
        ]
        return TextReply("\n".join(lines))

    async def feeds(self, args: str, chat: ChatRef) -> TextReply:
        """Each watched feed and how its polling goes, for an operator."""
        if not chat.is_operator:
            return TextReply(OPERATORS_ONLY)
        feeds = await FeedStore(self.library.storage).health()
        if not feeds:
            return TextReply("No feeds are watched. Add one on the server: podquote feed add URL (or PODQUOTE_FEEDS).")
        lines = [_feeds_line(feeds), *(describe_feed(n, h) for n, h in enumerate(feeds[:FEEDS_LISTED], start=1))]
        if len(feeds) > FEEDS_LISTED:
            lines.append(f"…and {len(feeds) - FEEDS_LISTED} more (podquote feed list shows every one).")
        return TextReply("\n".join(lines))

    async def reindex(self, args: str, chat: ChatRef) -> TextReply:
        """Rebuild the search index from the database, for an operator; the counts after."""
        if not chat.is_operator:
            return TextReply(OPERATORS_ONLY)
        episodes = await self.library.reindex()
        passages = (await self.library.stats())["passages"]
        return TextReply(f"Reindexed {_count(episodes, 'episode')}: {passages:,} passages searchable.")

    async def ingest(self, args: str, chat: ChatRef) -> TextReply:
        """/ingest as words: the transcript comes as a file, so say how to send one."""
        if not chat.is_operator:
            return TextReply(OPERATORS_ONLY)
        return TextReply(
            "Send me the transcript file itself (WebVTT, SRT, JSON, HTML, Markdown or text, up to"
            f" {UPLOAD_MAX_BYTES // 1_000_000} MB): I'll add it as an episode, or replace the episode"
            " that came from a file of the same name."
        )

    def upload_refusal(self, filename: str, size: int | None, chat: ChatRef) -> TextReply | None:
        """Why a file sent to the bot won't be taken, decided before it is downloaded; None: take it."""
        if not chat.is_operator:
            return TextReply(OPERATORS_ONLY)
        if size is not None and size > UPLOAD_MAX_BYTES:
            limit = UPLOAD_MAX_BYTES // 1_000_000
            return TextReply(f"{upload_name(filename)}: too large ({size / 1e6:.1f} MB); the limit is {limit} MB.")
        return None

    async def ingest_upload(self, filename: str, data: bytes, chat: ChatRef) -> TextReply:
        """Add or replace an episode from a transcript file an operator sent; the reply says which, or why not."""
        refused = self.upload_refusal(filename, len(data), chat)
        if refused is not None:
            return refused
        name = upload_name(filename)
        earlier = await self.library.storage.episodes_from_file(name, upload_source(name))
        if len(earlier) > 1:
            return TextReply(
                f"{name}: {len(earlier)} episodes came from files of this name, so I can't tell which one to"
                " replace. Rename the file to add it as a new episode."
            )
        # A file of a name seen before replaces that episode, keeping its title, date and links.
        metadata = _metadata_of(earlier[0]) if earlier else Metadata()
        try:
            record = await self._parse(record_from_bytes, data, name, upload_source(name), metadata)
        except (TranscriptError, ParseAbandoned) as error:
            return TextReply(f"{name}: not added: {error}.")
        try:
            outcome, episode_id = await self.library.ingest_record(record)
        except SearchIndexError as error:  # stored: sent again, or at the next write, it is indexed
            return TextReply(f"{name}: stored, but not searchable yet: {error}. Send it again in a minute.")
        return TextReply(await self._ingested(name, episode_id, outcome))

    async def _ingested(self, name: str, episode_id: str, outcome: str) -> str:
        """What an upload did, in a line: the episode (the one that already had this very transcript,
        if any), how many words are searchable now."""
        episode = await self.library.storage.episode_info(episode_id)
        if episode is None:  # removed meanwhile by another ingest: nothing more to say about it
            return f"{name}: {outcome}."
        if outcome == "unchanged":
            return f"{name}: unchanged; the library already has exactly this transcript of “{episode.title}”."
        done = "Added" if outcome == "added" else "Replaced the transcript of"
        source = f"{episode.podcast}, {episode.published.isoformat()}" if episode.published else episode.podcast
        return f"{done} “{episode.title}” ({source}): {episode.words:,} words searchable now."


def upload_name(filename: str) -> str:
    """A sent file's name, without any folders a client put in front of it."""
    name = PurePosixPath(filename.replace("\\", "/")).name.strip()[:120]
    return name if name.strip(".") else "transcript"


def upload_source(name: str) -> str:
    """What an uploaded file is stored as coming from: the same name again replaces its episode."""
    return f"upload:{name}"


def _metadata_of(episode: EpisodeInfo) -> Metadata:
    return Metadata(episode.id, episode.podcast, episode.title, episode.published, episode.urls)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _past_the_end(offset: int, total: int) -> TextReply:
    """A page of episodes past the last one: how far the list goes (an empty page would read as no episodes)."""
    pages = -(-total // EPISODES_PER_PAGE)
    page = offset // EPISODES_PER_PAGE + 1
    fill = "fills" if total == 1 else "fill"
    return TextReply(f"There is no page {page}: the {_count(total, 'episode')} {fill} {_count(pages, 'page')}.")


def _deliveries_line(counts: dict[str, int]) -> str:
    """Pending (those in flight included) and failed first; the rest when there are any."""
    pending = counts.get("pending", 0) + counts.get("sending", 0)
    parts = [f"{pending} pending", f"{counts.get('failed', 0)} failed"]
    parts += [f"{counts[status]} {status}" for status in ("sent", "gone", "expired") if counts.get(status)]
    return "New-episode deliveries: " + ", ".join(parts)


def _feeds_line(feeds: list[FeedHealth]) -> str:
    """How many feeds, how many in trouble, and when one was last polled."""
    failing = sum(1 for h in feeds if h.feed.failing)
    paused = sum(1 for h in feeds if h.feed.paused)
    polls = [h.feed.last_poll_at for h in feeds if h.feed.last_poll_at]
    last = f", last poll {_utc(max(polls))}" if polls else ""
    return f"Feeds: {len(feeds)} watched, {failing} failing, {paused} paused{last}"


def describe_feed(number: int, health: FeedHealth) -> str:
    """Two lines about a feed: what it is, then how its polling goes (as `podquote feed list` shows it)."""
    feed = health.feed
    title = f"{feed.title} · " if feed.title else ""
    moved = f" (now at {feed.fetch_url})" if feed.fetch_url != feed.url else ""
    config = " [PODQUOTE_FEEDS]" if feed.from_config else ""
    polled = f"last poll {_utc(feed.last_poll_at)}" if feed.last_poll_at else "not polled yet"
    items = f"{_count(health.items, 'episode')}, {health.waiting} waiting for a transcript"
    health_line = f"{_feed_state(feed)} · {polled} · next {_utc(feed.next_poll_at)} · {items}"
    return f"{number}. {title}{feed.url}{moved}{config}\n   {health_line}"


def _feed_state(feed: Feed) -> str:
    if feed.paused:
        return f"PAUSED after {feed.errors} failures (last: {feed.last_error}); `podquote feed add` resumes it"
    problems = [f"{feed.errors} in a row; last: {feed.last_error}"] if feed.errors else []
    if feed.refused:
        problems.append(f"a transcript link refused: {feed.refused}")
    return f"failing ({'; '.join(problems)})" if problems else "ok"


def _utc(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
