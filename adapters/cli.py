"""The `podquote` command line: run the bot, search, list, ingest and reindex."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

from adapters.console import render_episodes, render_quotes
from bot.clock import SystemClock
from adapters.logs import configure_logging
from adapters.startup import describe
from bot.config import Settings, check_data_dir
from bot.commands import describe_feed
from bot.feedstore import Feed, FeedStore
from bot.ingest import Metadata, episode_id_for, parse_day
from bot.library import Library
from bot.models import EpisodesReply
from bot.outbox import Outbox
from search.errors import PodquoteError
from search.models import Hit, SearchResult

if TYPE_CHECKING:
    from bot.watcher import PollReport

log = logging.getLogger("podquote")
PROGRESS_MIN_FILES = 20


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `podquote` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        _configure_logs(args, settings)
        return asyncio.run(args.action(args, settings))
    except PodquoteError as error:
        for line in str(error).splitlines():  # a settings mistake per line, each naming its setting
            print(f"podquote: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except OSError as error:  # the machine refused (a full disk, a folder not ours): say so, no traceback
        print(f"podquote: {error}", file=sys.stderr)
        return 2


def _reader_gone() -> int:
    """Whoever read our output left (`podquote quote storm | head -1`): end quietly, as a tool killed by
    SIGPIPE does. Standard output now goes nowhere, so flushing it at exit can't fail again
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def _configure_logs(args: argparse.Namespace, settings: Settings) -> None:
    """The bot logs its events; console mode and one-off commands only warnings, unless asked (-v)."""
    console = not (settings.telegram_token or settings.discord_token)
    quiet = (args.action is not _run or console) and not args.verbose
    level = logging.WARNING if quiet else getattr(logging, settings.log_level.upper())
    secrets = (settings.telegram_token, settings.discord_token, settings.telegram_webhook_secret)
    configure_logging(level, args.log_format or settings.log_format, secrets)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="podquote", description="Find what was said in a podcast.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    parser.add_argument("--log-format", choices=("text", "json"), help="key=value lines or JSON lines")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot (console mode without chat tokens)").set_defaults(action=_run)
    sub.add_parser("check-config", help="validate the settings; say what will start").set_defaults(action=_check_config)
    quote = sub.add_parser("quote", help="print the best quotes for some words")
    quote.add_argument("words", nargs="*", help="what to look for")
    quote.add_argument("--json", action="store_true", help="print JSON")
    quote.add_argument("--limit", type=int, default=3, help="how many quotes (default 3)")
    quote.add_argument("--offset", type=int, default=0, help="skip this many quotes (the chat's page 2 is --offset 3)")
    quote.add_argument("--batch", type=Path, help="one query per line; one JSON object per line out")
    quote.set_defaults(action=_quote)
    episodes = sub.add_parser("episodes", help="list episodes, newest first")
    episodes.add_argument("--limit", type=int, default=50)
    episodes.set_defaults(action=_episodes)
    sub.add_parser("stats", help="episodes, passages, words, index size").set_defaults(action=_stats)
    ingest = sub.add_parser("ingest", help="add or replace episodes from transcript files or folders")
    ingest.add_argument("paths", nargs="+", type=Path)
    ingest.add_argument("--podcast", help="the podcast's name")
    ingest.add_argument("--title", help="the episode's title (one file only)")
    ingest.add_argument("--date", type=_date_arg, help="the air date, YYYY-MM-DD")
    ingest.add_argument("--url", action="append", default=[], help="the episode's link (repeatable)")
    ingest.add_argument("--episode", help="the episode's guid or URL, to attach this transcript to it")
    ingest.set_defaults(action=_ingest)
    sub.add_parser("reindex", help="rebuild the search index from the database").set_defaults(action=_reindex)
    _feed_parser(sub)
    return parser


def _feed_parser(sub: argparse._SubParsersAction) -> None:
    feed = sub.add_parser("feed", help="the podcast feeds watched for new episodes: add, list, remove")
    actions = feed.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", help="watch a feed (or resume a paused one); its backlog is not announced")
    add.add_argument("url")
    add.set_defaults(action=_feed_add)
    actions.add_parser("list", help="the feeds and their health").set_defaults(action=_feed_list)
    remove = actions.add_parser("remove", help="stop watching a feed (its episodes stay)")
    remove.add_argument("url")
    remove.set_defaults(action=_feed_remove)


def _date_arg(text: str):
    try:
        return parse_day(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


@asynccontextmanager
async def _library(settings: Settings) -> AsyncIterator[Library]:
    library = await Library.open(settings)
    try:
        yield library
    finally:
        await library.close()


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.run import run

    return await run(settings)


async def _check_config(args: argparse.Namespace, settings: Settings) -> int:
    check_data_dir(settings.data_dir)
    for line in describe(settings):
        print(line)
    return 0


async def _quote(args: argparse.Namespace, settings: Settings) -> int:
    async with _library(settings) as library:
        if args.batch:
            return _quote_batch(library, args.batch, args.limit, sys.stdout)
        result = library.search(" ".join(args.words), limit=max(1, args.limit), offset=max(0, args.offset))
        if args.json:
            print(json.dumps(result_json(result), ensure_ascii=False))
        else:
            print(render_quotes(result, more=f"--offset {result.offset + len(result.quotes)}"))
    return 0


def _quote_batch(library: Library, batch: Path, limit: int, out: TextIO) -> int:
    try:
        queries = batch.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        print(f"podquote: cannot read {batch}: {error}", file=sys.stderr)
        return 2
    for query in queries:
        out.write(json.dumps(result_json(library.search(query, limit=max(1, limit))), ensure_ascii=False) + "\n")
    return 0


def result_json(result: SearchResult) -> dict:
    """A search result as the documented JSON object."""
    return {
        "query": result.query,
        "total": result.total,
        "offset": result.offset,
        "has_more": result.has_more,
        "message": result.message,
        "quotes": [quote_json(q) for q in result.quotes],
    }


def quote_json(quote: Hit) -> dict:
    """One quote as JSON."""
    return {
        "podcast": quote.podcast,
        "episode_id": quote.episode_id,
        "episode_title": quote.episode_title,
        "published": quote.published.isoformat() if quote.published else None,
        "url": quote.url,
        "start_seconds": quote.start_seconds,
        "speaker": quote.speaker,
        "text": quote.text,
        "highlights": [list(span) for span in quote.highlights],
        "score": quote.score,
    }


async def _episodes(args: argparse.Namespace, settings: Settings) -> int:
    async with _library(settings) as library:
        episodes = await library.episodes(max(1, args.limit))
        total = await library.storage.count_episodes()
        print(render_episodes(EpisodesReply("Episodes", tuple(episodes), total)))
    return 0


async def _stats(args: argparse.Namespace, settings: Settings) -> int:
    async with _library(settings) as library:
        stats = await library.stats()
    for name, value in stats.items():
        print(f"{name}: {value}")
    return 0


async def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    if (args.title or args.episode) and (len(args.paths) > 1 or args.paths[0].is_dir()):
        print("podquote: --title and --episode name one episode: give a single file", file=sys.stderr)
        return 2
    flags = Metadata(podcast=args.podcast, title=args.title, published=args.date, urls=tuple(args.url))
    async with _library(settings) as library:
        if args.episode:
            flags = await _episode_flags(library, args.episode, flags)
            if flags is None:
                return 2
        report = await library.ingest(args.paths, flags, _progress_bar(sys.stderr))
    for path, reason in report.failed:
        print(f"podquote: {path}: {reason}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 0 if report.ok else 1


async def _episode_flags(library: Library, guid_or_url: str, flags: Metadata) -> Metadata | None:
    """The flags, over the metadata of the feed episode with this guid or URL (None: it is ambiguous).
    With no such episode, the transcript becomes a new episode with an id made from the guid."""
    found = await FeedStore(library.storage).find_episodes(guid_or_url)
    if len(found) > 1:
        print(f"podquote: {guid_or_url} names {len(found)} episodes; give the episode's guid", file=sys.stderr)
        return None
    loaded = await library.storage.load_episode(found[0]) if found else None
    if loaded is None:
        return flags.over(Metadata(id=episode_id_for(guid_or_url)))
    episode = loaded[0]
    print(f"attaching the transcript to: {episode.title}", file=sys.stderr)
    return flags.over(Metadata(episode.id, episode.podcast, episode.title, episode.published, episode.urls))


def _progress_bar(stream: TextIO) -> Callable[[int, int], None] | None:
    """A one-line progress bar on a terminal, for big batches."""
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        filled = done * 30 // total
        stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} files")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


async def _reindex(args: argparse.Namespace, settings: Settings) -> int:
    async with _library(settings) as library:
        count = await library.reindex()
        stats = await library.stats()
    print(f"reindexed {count} episodes, {stats['passages']} passages", file=sys.stderr)
    return 0


# Feeds


async def _feed_add(args: argparse.Namespace, settings: Settings) -> int:
    if urlsplit(args.url).scheme not in ("http", "https") or not urlsplit(args.url).hostname:
        print(f"podquote: not a web address: {args.url}", file=sys.stderr)
        return 2
    async with _library(settings) as library:
        feeds = FeedStore(library.storage)
        feed, created = await feeds.add(args.url, time.time())
        if not created:
            print(f"{args.url}: already watched; it will be polled again now", file=sys.stderr)
            return 0
        print(_first_poll_line(await _first_poll(settings, library, feeds, feed)))
    return 0


async def _first_poll(settings: Settings, library: Library, feeds: FeedStore, feed: Feed) -> PollReport:
    """Read a new feed once, so the operator sees at once whether it works; its backlog is only recorded."""
    # Imported here, as `run` is: HTTP clients cost every `podquote quote` a tenth of a second to import.
    from bot.fetch import open_fetcher
    from bot.pool import ParsePool
    from bot.watcher import Watcher, WatchPolicy

    sessions, fetcher = open_fetcher(settings)
    parser = ParsePool(settings.parse_timeout, SystemClock())
    try:
        async with sessions:
            watcher = Watcher(library, feeds, Outbox(library.storage), fetcher, parser, SystemClock(),
                              WatchPolicy.from_settings(settings))
            return await watcher.poll(feed)
    finally:
        parser.close()


def _first_poll_line(report: PollReport) -> str:
    if not report.ok:
        return f"added {report.feed}, but reading it failed: {report.error}; it will be retried"
    return f"added {report.feed}: {_count(report.new, 'episode')} recorded (not announced); new ones will be"


async def _feed_list(args: argparse.Namespace, settings: Settings) -> int:
    async with _library(settings) as library:
        feeds = FeedStore(library.storage)
        await feeds.ensure(settings.feeds, time.time())
        health = await feeds.health()
    if not health:
        print("No feeds. Add one with: podquote feed add URL (or set PODQUOTE_FEEDS)")
    for number, entry in enumerate(health, start=1):
        print(describe_feed(number, entry))
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


async def _feed_remove(args: argparse.Namespace, settings: Settings) -> int:
    async with _library(settings) as library:
        removed = await FeedStore(library.storage).remove(args.url)
    if not removed:
        print(f"podquote: no feed {args.url} (see podquote feed list)", file=sys.stderr)
        return 1
    note = " It is in PODQUOTE_FEEDS, so it comes back at the next start." if args.url in settings.feeds else ""
    print(f"removed {args.url}; its episodes stay in the library.{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
