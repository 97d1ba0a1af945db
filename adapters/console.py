"""Console mode: bot commands from stdin, one per line, replies as plain text on stdout."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from adapters.common import day, mark, timestamp
from bot.commands import Commands, parse_command
from bot.models import ChatRef, EpisodeInfo, EpisodesReply, Quote, QuoteReply, Reply, TextReply

# Whoever types at the console runs the bot: the operators' commands are theirs.
CONSOLE_CHAT = ChatRef("console", "console", "console", is_operator=True)


def render(reply: Reply) -> str:
    """A reply as plain text, matched words in **bold** markers."""
    if isinstance(reply, QuoteReply):
        return render_quotes(reply)
    if isinstance(reply, EpisodesReply):
        return render_episodes(reply)
    return reply.text


def render_quotes(reply: QuoteReply, more: str = "/next") -> str:
    """Numbered quotes, each with its episode line and link; then, if there are more, how to see them."""
    if not reply.quotes:
        return reply.message or "Nothing matched."
    blocks = [render_quote(reply.offset + i, q) for i, q in enumerate(reply.quotes, start=1)]
    if reply.message:
        blocks.insert(0, reply.message)
    if reply.has_more:
        blocks.append(f"({reply.total} quotes in all: {more} shows more)")
    return "\n\n".join(blocks)


def render_quote(number: int, quote: Quote) -> str:
    """One quote as three lines: the words, where they are from, the link."""
    source = [quote.episode_title, quote.podcast, day(quote.published), _at(quote)]
    lines = [f"{number}. “{mark(quote.text, quote.highlights, '**', '**')}”"]
    lines.append("   — " + " · ".join(part for part in source if part))
    if quote.url:
        lines.append(f"   {quote.url}")
    return "\n".join(lines)


def _at(quote: Quote) -> str | None:
    moment = timestamp(quote.start_seconds)
    who = quote.speaker
    if moment and who:
        return f"{who} at {moment}"
    return who or (f"at {moment}" if moment else None)


def render_episodes(reply: EpisodesReply) -> str:
    """A numbered list of episodes with dates and links."""
    if not reply.episodes:
        return "There are no episodes yet."
    lines = [f"{reply.title} ({reply.total}):"]
    lines += [_episode_line(reply.offset + i, e) for i, e in enumerate(reply.episodes, start=1)]
    if reply.has_more:
        lines.append(f"(more: /episodes {reply.offset // max(len(reply.episodes), 1) + 2})")
    return "\n".join(lines)


def _episode_line(number: int, episode: EpisodeInfo) -> str:
    parts = [episode.title, episode.podcast, day(episode.published), episode.url]
    return f"{number}. " + " · ".join(p for p in parts if p)


class Conversation:
    """The console's one conversation: the command layer's answers, and /next for the last /quote's next page."""

    def __init__(self, commands: Commands) -> None:
        self.commands = commands
        self.last: QuoteReply | None = None

    async def answer(self, line: str) -> str:
        """The reply to a line typed at the console, as text."""
        command = parse_command(line)
        if command is not None and command.name == "next":
            reply = await self._next()
        else:
            reply = await self.commands.handle(line, CONSOLE_CHAT)
        if reply is None:
            return "Commands start with /, for example /quote some words. Send /help for more."
        if command is not None and command.name in ("quote", "next") and isinstance(reply, QuoteReply):
            self.last = reply if reply.quotes else None  # /next never pages an earlier query
        return render(reply)

    async def _next(self) -> Reply:
        last = self.last
        if last is None:
            return TextReply("Send /quote and some words first; /next then shows more quotes for them.")
        if not last.has_more:
            return TextReply(f"No more quotes: all {last.total} for “{last.query}” were shown.")
        return await self.commands.quote(last.query, offset=last.offset + len(last.quotes))


async def run_console(commands: Commands, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Answer commands read from stdin until it ends; how many were answered."""
    conversation = Conversation(commands)
    interactive = stdin.isatty()
    if interactive:
        print("podquote console: type /help, /quote some words, or Ctrl-D to leave.", file=stdout)
    answered = 0
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            return answered
        if line.strip():
            print(await conversation.answer(line), file=stdout, flush=True)
            print(file=stdout)
            answered += 1

