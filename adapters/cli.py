"""The `podquote` command line: run the bot, search, list, ingest and reindex."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

from adapters.console import render_episodes, render_quotes
from bot.config import Settings
from bot.ingest import Metadata, episode_id_for, parse_day
from bot.library import Library
from bot.models import EpisodesReply, QuoteReply
from search.errors import PodquoteError
from search.models import Hit, SearchResult

log = logging.getLogger("podquote")
PROGRESS_MIN_FILES = 20


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `podquote` console script."""
    args = _parser().parse_args(argv)
    level = logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        return asyncio.run(args.action(args, settings))
    except PodquoteError as error:
        print(f"podquote: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="podquote", description="Find what was said in a podcast.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    sub.add_parser("run", help="run the bot (console mode without chat tokens)").set_defaults(action=_run)
    quote = sub.add_parser("quote", help="print the best quotes for some words")
    quote.add_argument("words", nargs="*", help="what to look for")
    quote.add_argument("--json", action="store_true", help="print JSON")
    quote.add_argument("--limit", type=int, default=3, help="how many quotes (default 3)")
    quote.add_argument("--offset", type=int, default=0, help="skip this many quotes")
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
    return parser


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


async def _quote(args: argparse.Namespace, settings: Settings) -> int:
    async with _library(settings) as library:
        if args.batch:
            return _quote_batch(library, args.batch, args.limit, sys.stdout)
        result = library.search(" ".join(args.words), limit=max(1, args.limit), offset=max(0, args.offset))
        if args.json:
            print(json.dumps(result_json(result), ensure_ascii=False))
        else:
            print(render_quotes(QuoteReply.from_result(result)))
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
    flags = Metadata(
        id=_episode_id(args.episode), podcast=args.podcast, title=args.title,
        published=args.date, urls=tuple(args.url),
    )
    async with _library(settings) as library:
        report = await library.ingest(args.paths, flags, _progress_bar(sys.stderr))
    for path, reason in report.failed:
        print(f"podquote: {path}: {reason}", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 0 if report.ok else 1


def _episode_id(guid: str | None) -> str | None:
    return episode_id_for(guid) if guid else None


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


if __name__ == "__main__":
    sys.exit(main())
