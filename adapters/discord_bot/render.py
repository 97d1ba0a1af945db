"""Replies as Discord messages: embeds and buttons, every transcript or user text escaped, within Discord's limits."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import discord
from discord.utils import escape_markdown, escape_mentions

from adapters.common import day, mark, shorten, timestamp
from adapters.discord_bot.buttons import QuoteButton
from bot.commands import QUOTES_PER_PAGE
from bot.models import EpisodeInfo, EpisodesReply, Quote, QuoteReply, Reply, TextReply
from bot.notify import EpisodeNotice

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
EMBEDS_TOTAL_MAX = 6000
EMBEDS_PER_MESSAGE = 10
URL_MAX = 2048
# What this adapter allows itself, so that a page of quote embeds stays within EMBEDS_TOTAL_MAX.
OWN_FOOTER_MAX = 200
QUERY_SHOWN = 200
# A new-episode notice tells what the episode is about in a few lines, not the feed's whole show notes.
NOTICE_ABOUT_MAX = 300
COLOUR = discord.Colour(0x5865F2)
NO_MENTIONS = discord.AllowedMentions.none()


@dataclass(frozen=True)
class Answer:
    """A Discord message to send or to put in place of another: text, embeds, buttons, who sees it."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()
    view: discord.ui.View | None = None
    ephemeral: bool = False
    # An aside answers a button with a new message for the clicker alone, leaving the clicked one as it is.
    aside: bool = False


# A bracket that no backslash escapes (an escaped backslash before it doesn't count).
_BRACKET = re.compile(r"(?<!\\)((?:\\\\)*)([\[\]])")


def escaped(text: str) -> str:
    """Discord markdown escaped, and every bracket too: escape_markdown only defuses a masked link
    [text](url) it sees whole, and a bold mark inside one (a matched word) would hide it; and an
    episode's title inside a link of ours must not end its text early."""
    return _BRACKET.sub(r"\1\\\2", escape_markdown(text))


def safe(text: str) -> str:
    """Text shown as it is: Discord markdown escaped and mentions defused."""
    return escape_mentions(escaped(text))


def fit(raw: str, limit: int, show: Callable[[str], str] = safe) -> str:
    """show(raw), with raw cut at a word boundary until the result has at most `limit` characters."""
    size = limit
    while True:
        shown = show(shorten(raw, max(size, 1)))
        if len(shown) <= limit or size <= 1:
            return shown[:limit]
        size -= len(shown) - limit


def link(url: str | None) -> str | None:
    """The URL if Discord accepts it as a link (an odd one would make Discord refuse the whole message)."""
    if url and url.startswith(("https://", "http://")) and len(url) <= URL_MAX and " " not in url:
        return url
    return None


def render(reply: Reply, search_id: int | None = None, private: bool = False) -> Answer:
    """Any reply of the command layer as a Discord message."""
    if isinstance(reply, QuoteReply):
        return quotes(reply, search_id, private)
    if isinstance(reply, EpisodesReply):
        return episodes(reply)
    return text(reply)


def text(reply: TextReply) -> Answer:
    """Help, confirmations and refusals: plain text that only the asker sees."""
    return Answer(content=fit(reply.text, CONTENT_MAX), ephemeral=True)


def refusal(words: str) -> Answer:
    """A short message only the asker sees: why a button or command can't do what was asked."""
    return Answer(content=words, ephemeral=True, aside=True)


def quotes(reply: QuoteReply, search_id: int | None = None, private: bool = False) -> Answer:
    """A page of quotes as embeds, with ◀ ▶ (and Post buttons when private); nothing found: advice."""
    if not reply.quotes:
        return refusal(fit(reply.message or "Nothing matched. Try other words.", CONTENT_MAX))
    budget = _description_budget(len(reply.quotes))
    embeds = tuple(quote_embed(q, reply.offset + i, budget) for i, q in enumerate(reply.quotes, start=1))
    view = _quote_buttons(reply, search_id, private) if search_id is not None else None
    return Answer(_quotes_heading(reply), embeds, view, ephemeral=private)


def quote_embed(quote: Quote, number: int, description_max: int = DESCRIPTION_MAX) -> discord.Embed:
    """One quote: the episode as the linked title, the words with the matched ones in bold, where and when."""
    embed = discord.Embed(
        title=fit(quote.episode_title, TITLE_MAX),
        url=link(quote.url),
        description=fit(quote.text, description_max, lambda cut: _marked(cut, quote.highlights)),
        colour=COLOUR,
    )
    return embed.set_footer(text=_footer(quote, number))


def _marked(text: str, highlights: Sequence[tuple[int, int]]) -> str:
    """A (possibly cut) quote in quotation marks, the matched words in bold, everything else escaped."""
    kept = [(begin, min(end, len(text))) for begin, end in highlights if begin < len(text)]
    # Mentions are defused in the whole, so that a mark between "@" and "everyone" can't hide one.
    return f"“{escape_mentions(mark(text, kept, '**', '**', escaped))}”"


def _footer(quote: Quote, number: int) -> str:
    """#1 · The Podcast · 13 Sep 2024 · Speaker at 12:34 (footers show text as it is: no escaping)."""
    moment = timestamp(quote.start_seconds)
    said = " at ".join(part for part in (quote.speaker, moment) if part)
    parts = [f"#{number}", quote.podcast, day(quote.published), said]
    return shorten(" · ".join(part for part in parts if part), OWN_FOOTER_MAX)


def _description_budget(count: int) -> int:
    """How long each of `count` quotes may be so that the message keeps to Discord's 6000 in all."""
    return min(DESCRIPTION_MAX, (EMBEDS_TOTAL_MAX - count * (TITLE_MAX + OWN_FOOTER_MAX)) // max(count, 1))


def _quotes_heading(reply: QuoteReply) -> str | None:
    """What was asked and which quotes these are, with the command layer's note, if any."""
    lines = [safe(reply.message)] if reply.message else []
    if reply.query.strip():
        first, last = reply.offset + 1, reply.offset + len(reply.quotes)
        which = f"quotes {first}–{last}" if last > first else f"quote {first}"
        lines.append(f"“{fit(reply.query, QUERY_SHOWN)}” · {which} of {reply.total}")
    return "\n".join(lines) or None


def _quote_buttons(reply: QuoteReply, search_id: int, private: bool) -> discord.ui.View | None:
    """◀ ▶ when there are other pages; with `private`, a Post button for each quote."""
    view = discord.ui.View(timeout=None)
    if reply.offset > 0 or reply.has_more:
        previous = max(reply.offset - QUOTES_PER_PAGE, 0)
        view.add_item(QuoteButton.page(search_id, previous, "◀", disabled=reply.offset == 0))
        view.add_item(QuoteButton.page(search_id, reply.offset + QUOTES_PER_PAGE, "▶", disabled=not reply.has_more))
    if private:
        for index in range(reply.offset, reply.offset + len(reply.quotes)):
            view.add_item(QuoteButton.post(search_id, index))
    return view if view.children else None


def numbered(embeds: Sequence[discord.Embed], number: int) -> discord.Embed | None:
    """The quote embed numbered `number` among these (its footer starts "#number"), if there is one."""
    return next((e for e in embeds if (e.footer.text or "").split(" · ")[0] == f"#{number}"), None)


def shared(embed: discord.Embed, by: str) -> Answer:
    """A quote someone chose to post in the channel (the embed they were shown), saying who did."""
    return Answer(f"Shared by {fit(by, 100)}", (embed,))


def episodes(reply: EpisodesReply) -> Answer:
    """A numbered list of episodes, each linked, with its date."""
    if not reply.episodes:
        return refusal("There are no episodes yet." if reply.offset == 0 else "There is no such page.")
    lines = [_episode_line(reply.offset + i, e) for i, e in enumerate(reply.episodes, start=1)]
    description = _lines_within(lines, DESCRIPTION_MAX)
    embed = discord.Embed(title=f"{reply.title} ({reply.total})", description=description, colour=COLOUR)
    if reply.has_more:
        page = reply.offset // max(len(reply.episodes), 1) + 2
        embed.set_footer(text=f"More: /episodes page:{page}")
    return Answer(embeds=(embed,))


def _episode_line(number: int, episode: EpisodeInfo) -> str:
    """1. [Title](link) · 13 Sep 2024 (a title's brackets escaped, so it can't break out of its link)."""
    title = fit(episode.title, TITLE_MAX, safe)
    url = link(episode.url)
    shown = f"[{title}]({url.replace(')', '%29')})" if url else title
    when = day(episode.published)
    return f"{number}. {shown}" + (f" · {when}" if when else "")


def _lines_within(lines: list[str], limit: int) -> str:
    """As many whole lines as fit in `limit` characters, with '…' when some are left out."""
    kept: list[str] = []
    for line in lines:
        if sum(len(k) + 1 for k in kept) + len(line) > limit - 2:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)


def notice(item: EpisodeNotice) -> discord.Embed:
    """A new episode, as announced in a subscribed channel: what it is about, and whether it can be searched yet."""
    embed = discord.Embed(
        title=fit(f"New episode: {item.title}", TITLE_MAX),
        url=link(item.url),
        description="\n\n".join(part for part in (_about(item), _notice_text(item)) if part),
        colour=COLOUR,
    )
    footer = " · ".join(part for part in (item.podcast, day(item.published)) if part)
    return embed.set_footer(text=shorten(footer, OWN_FOOTER_MAX))


def _about(item: EpisodeNotice) -> str:
    """The feed's description of the episode, short and on one line (a line of its own could start a
    Discord heading or list), escaped like any text from outside."""
    words = " ".join((item.description or "").split())
    return fit(words, NOTICE_ABOUT_MAX) if words else ""


def _notice_text(item: EpisodeNotice) -> str:
    if not item.searchable:
        return "Its transcript isn't searchable yet."
    if item.example_query:
        return f"Search what was said: `/quote {fit(item.example_query, QUERY_SHOWN, _code_safe)}`"
    return "Search what was said with /quote."


def _code_safe(text: str) -> str:
    """Text inside `inline code`, where only a backtick could break out."""
    return text.replace("`", "'")
