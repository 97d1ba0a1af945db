"""Replies as Telegram sees them: HTML within 4096 characters, page buttons, inline-query results."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import MessageLimit, ParseMode

from adapters.common import day, mark, shorten, timestamp
from bot.commands import EPISODES_PER_PAGE, QUOTES_PER_PAGE
from bot.models import EpisodeInfo, EpisodesReply, Quote, QuoteReply, Reply, TextReply
from bot.notify import EpisodeNotice

log = logging.getLogger(__name__)

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Every message goes out as HTML, without link previews (a quote's link would bury the quote).
SEND_OPTIONS = {"parse_mode": ParseMode.HTML, "link_preview_options": NO_PREVIEW}
MESSAGE_LIMIT = MessageLimit.MAX_TEXT_LENGTH
# Per-quote character budgets, tried in turn until the whole message fits in one Telegram message.
BUDGETS = (1000, 700, 480, 320, 200, 120, 60)
# Longer links are left out rather than let one URL crowd the quotes out of the message.
MAX_URL = 512
NOTHING = "Nothing matched. Check the spelling, or try fewer or different words."
TOO_LONG = "These quotes are too long to show in a Telegram message."
EPISODES_TOO_LONG = "These episode titles are too long to show in a Telegram message."
INLINE_TITLE = 90
# Pages stop here (a hundred pages of quotes): a deeper search would cost more than anyone reads.
MAX_OFFSET = 300
# Episode pages go as deep as the list does (has_more comes from the episode count, and a page costs one
# cheap query); this bound only turns away forged button data.
MAX_EPISODE_OFFSET = 100_000
EPISODE_TITLE = 200
# A notice shows this much of the feed's description of the episode: a taste, not the show notes.
DESCRIPTION_SHOWN = 300
NOTICE_TOO_LONG = "A new episode is out: /latest shows it."

PageData = Callable[[int], str]
"""The callback data of the button that shows the page starting at an offset."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready to send: its HTML and, when there are more pages, its buttons."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def escape(text: str) -> str:
    """Text made safe for Telegram HTML."""
    return html.escape(text, quote=False)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def render(reply: Reply, page_data: PageData | None = None) -> Rendered:
    """Any reply of the command layer as a Telegram message."""
    if isinstance(reply, QuoteReply):
        return render_quotes(reply, page_data)
    if isinstance(reply, EpisodesReply):
        return render_episodes(reply, page_data)
    return render_text(reply)


def render_text(reply: TextReply) -> Rendered:
    """A plain reply, escaped (Telegram makes its /commands tappable by itself)."""
    return Rendered(fit(lambda budget: escape(shorten(reply.text, budget * 4))))


def render_quotes(reply: QuoteReply, page_data: PageData | None = None) -> Rendered:
    """A page of quotes in blockquotes, matched words in bold, and ◀ ▶ when there is more."""
    if not reply.quotes:
        return Rendered(escape(shorten(reply.message or NOTHING, 1000)))
    text = fit(lambda budget: _quotes_html(reply, budget))
    keyboard = pager(reply.offset, len(reply.quotes), QUOTES_PER_PAGE, reply.has_more, page_data)
    return Rendered(text, keyboard)


def _quotes_html(reply: QuoteReply, budget: int) -> str:
    blocks = [quote_html(quote, budget) for quote in reply.quotes]
    if reply.message:
        blocks.insert(0, f"<i>{escape(shorten(reply.message, budget))}</i>")
    if reply.has_more or reply.offset:
        first, last = reply.offset + 1, reply.offset + len(reply.quotes)
        blocks.append(f"<i>Quotes {first}–{last} of {reply.total}</i>")
    return "\n\n".join(blocks)


def quote_html(quote: Quote, budget: int = BUDGETS[0]) -> str:
    """One quote: the words in a blockquote with the matches bold, then where and when it was said."""
    text, highlights = clip(quote.text, quote.highlights, budget)
    words = mark(text, highlights, "<b>", "</b>", escape)
    return f"<blockquote>{words}</blockquote>\n— {_source(quote, budget)}"


def clip(text: str, highlights: Sequence[tuple[int, int]], limit: int) -> tuple[str, list[tuple[int, int]]]:
    """Text shortened to `limit` characters, with the highlights that still fall inside it."""
    short = shorten(text, limit)
    kept = len(short) if short == text else len(short) - 1  # the '…' is not the text's own
    return short, [(begin, min(end, kept)) for begin, end in highlights if begin < kept]


def _source(quote: Quote, budget: int) -> str:
    title = link(shorten(quote.episode_title, min(budget, EPISODE_TITLE)), quote.url, budget)
    speaker = escape(shorten(quote.speaker, budget)) if quote.speaker else None
    podcast = escape(shorten(quote.podcast, budget))
    return joined(title, podcast, day(quote.published), speaker, timestamp(quote.start_seconds))


def joined(*parts: str | None) -> str:
    """The parts that are there, separated by middle dots."""
    return " · ".join(part for part in parts if part)


def link(text: str, url: str | None, budget: int = MAX_URL) -> str:
    """Escaped text, linked when there is a URL of sensible length (so a quote deep-links its moment).

    The escaped URL counts against the piece's budget like any text: a link too long for it is left
    out, so a page of long links gives up its links before its words.
    """
    if not url or len(url) > MAX_URL or not url.startswith(("http://", "https://")):
        return escape(text)
    href = html.escape(url, quote=True)
    if len(href) > budget:
        return escape(text)
    return f'<a href="{href}">{escape(text)}</a>'


def fit(build: Callable[[int], str], too_long: str = TOO_LONG) -> str:
    """The first rendering, from the most generous budget down, that fits in one message; else `too_long`."""
    for budget in BUDGETS:
        text = build(budget)
        if telegram_length(text) <= MESSAGE_LIMIT:
            return text
    log.warning("message too long even at the smallest budget length=%d", telegram_length(text))
    return too_long


def pager(
    offset: int, shown: int, per_page: int, has_more: bool, page_data: PageData | None, deepest: int = MAX_OFFSET
) -> InlineKeyboardMarkup | None:
    """◀ ▶ to the pages before and after this one (none starting past `deepest`); None when there are
    none, or no one may page."""
    if page_data is None:
        return None
    buttons = []
    if offset > 0:
        buttons.append(InlineKeyboardButton("◀", callback_data=page_data(max(0, offset - per_page))))
    if has_more and offset + shown <= deepest:
        buttons.append(InlineKeyboardButton("▶", callback_data=page_data(offset + shown)))
    return InlineKeyboardMarkup([buttons]) if buttons else None


def render_episodes(reply: EpisodesReply, page_data: PageData | None = None) -> Rendered:
    """A numbered list of episodes with their links and dates, and ◀ ▶ when there are more."""
    if not reply.episodes:
        return Rendered("There are no episodes yet.")
    text = fit(lambda budget: _episodes_html(reply, budget), EPISODES_TOO_LONG)
    keyboard = pager(
        reply.offset, len(reply.episodes), EPISODES_PER_PAGE, reply.has_more, page_data, MAX_EPISODE_OFFSET
    )
    return Rendered(text, keyboard)


def _episodes_html(reply: EpisodesReply, budget: int) -> str:
    lines = [f"<b>{escape(reply.title)}</b> ({reply.total})"]
    numbered = enumerate(reply.episodes, start=reply.offset + 1)
    lines += [f"{number}. {episode_html(episode, budget)}" for number, episode in numbered]
    return "\n".join(lines)


def episode_html(episode: EpisodeInfo, budget: int = EPISODE_TITLE) -> str:
    """An episode's linked title, podcast and date."""
    title = link(shorten(episode.title, min(budget, EPISODE_TITLE)), episode.url, budget)
    return joined(title, escape(shorten(episode.podcast, budget)), day(episode.published))


def notice_html(notice: EpisodeNotice) -> str:
    """A new-episode notice: the episode, a few words about it, and a search to try once it is searchable."""
    return fit(lambda budget: _notice_html(notice, budget), NOTICE_TOO_LONG)


def _notice_html(notice: EpisodeNotice, budget: int) -> str:
    when = day(notice.published)
    title = link(shorten(notice.title, min(budget, EPISODE_TITLE)), notice.url, budget)
    podcast = escape(shorten(notice.podcast, min(budget, EPISODE_TITLE)))
    lines = [f"New episode of <b>{podcast}</b>: {title}" + (f" · {when}" if when else "")]
    if notice.description:
        lines.append(escape(shorten(notice.description, min(budget, DESCRIPTION_SHOWN))))
    lines.append(_search_hint(notice))
    return "\n".join(lines)


def _search_hint(notice: EpisodeNotice) -> str:
    """A search to try; or, while the transcript is still to come, that it is."""
    if not notice.searchable:
        return "Its transcript isn't searchable yet."
    example = escape(shorten(notice.example_query, 100)) if notice.example_query else "a few words"
    return f"Find what was said in it: /quote {example}"


# Inline mode: results people pick from while typing `@bot words` in any chat.


def inline_quotes(reply: QuoteReply) -> list[InlineQueryResultArticle]:
    """One article a quote: the quote as title, the episode as description, the quote as the message."""
    return [
        InlineQueryResultArticle(
            id=str(number),
            title=shorten(quote.text, INLINE_TITLE),
            description=joined(quote.episode_title, day(quote.published), timestamp(quote.start_seconds)),
            input_message_content=_content(fit(lambda budget, q=quote: quote_html(q, budget))),
        )
        for number, quote in enumerate(reply.quotes, start=reply.offset)
    ]


def inline_episodes(reply: EpisodesReply) -> list[InlineQueryResultArticle]:
    """One article an episode: for an empty inline query, the newest episodes."""
    return [
        InlineQueryResultArticle(
            id=f"episode-{number}",
            title=shorten(episode.title, INLINE_TITLE),
            description=joined(episode.podcast, day(episode.published)),
            input_message_content=_content(
                fit(lambda budget, e=episode: episode_html(e, budget), EPISODES_TOO_LONG)
            ),
        )
        for number, episode in enumerate(reply.episodes)
    ]


def _content(text: str) -> InputTextMessageContent:
    return InputTextMessageContent(text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
