"""Rendering replies as Discord messages: escaping, and Discord's limits whatever the text."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.discord_bot import render
from adapters.discord_bot.app import search_text
from adapters.discord_bot.buttons import QuoteButton, is_current
from bot.models import EpisodeInfo, EpisodesReply, Quote, QuoteReply, TextReply
from bot.notify import EpisodeNotice


def quote(text: str, title: str = "An episode", highlights=((0, 4),), url: str | None = None) -> Quote:
    return Quote("ep", "Podcast", title, date(2024, 9, 13), url, 75.0, "Alex", text, tuple(highlights), 1.0)


def embed_total(answer: render.Answer) -> int:
    return sum(len(embed) for embed in answer.embeds)


def test_a_page_of_huge_quotes_keeps_within_every_limit():
    giant = "*_~`|> " * 2000  # every character but the spaces escapes to two
    quotes = tuple(quote(f"word {giant} {giant}", title="T" * 400, highlights=[(0, 4), (5, 9000)]) for _ in range(3))
    answer = render.quotes(QuoteReply("q" * 1000, quotes, 99, has_more=True), search_id=1)
    assert len(answer.embeds) == 3 <= render.EMBEDS_PER_MESSAGE
    assert all(len(e.description) <= render.DESCRIPTION_MAX and len(e.title) <= render.TITLE_MAX for e in answer.embeds)
    assert embed_total(answer) <= render.EMBEDS_TOTAL_MAX
    assert len(answer.content) <= render.CONTENT_MAX
    assert all(e.description.startswith("“**word \\*") and e.description.endswith("…**”") for e in answer.embeds)



def test_a_word_longer_than_the_limit_is_cut_hard():
    assert render.fit("x" * 9000, 100) == "x" * 99 + "…"


@pytest.mark.parametrize("raw", ["x" * 9000, "a " + "b" * 9000, "**" * 5000, "@everyone " * 900])
def test_fit_keeps_any_text_within_the_limit(raw):
    shown = render.fit(raw, 1000)
    assert 0 < len(shown) <= 1000 and "@everyone" not in shown


def test_escaping_shows_markdown_and_mentions_as_typed():
    assert render.safe("**bold** _it_ @everyone @here <@123456789012345678>") == (
        "\\*\\*bold\\*\\* \\_it\\_ @\u200beveryone @\u200bhere <@\u200b123456789012345678>"
    )


@pytest.mark.parametrize(
    "url, kept",
    [("https://ok.example/a?b=c", True), ("http://ok.example", True), ("ftp://x", False),
     ("javascript:alert(1)", False), ("https://a b", False), ("https://x/" + "y" * 3000, False), (None, False)],
)
def test_only_links_discord_accepts_are_used(url, kept):
    assert (render.link(url) is not None) is kept


def test_a_quote_without_a_valid_link_has_no_title_link():
    embed = render.quote_embed(quote("word", url="www.example.com"), 1)
    assert embed.url is None and embed.footer.text == "#1 · Podcast · 13 Sep 2024 · Alex at 1:15"


def test_episode_lists_escape_titles_inside_links_and_keep_within_the_limit():
    url = "https://x.example/a_(b)?" + "c" * 900
    weird = EpisodeInfo("e", "P", "[Live] **Q&A** " + "long " * 80, date(2024, 1, 2), (url,), None, 0)
    answer = render.episodes(EpisodesReply("Episodes", (weird,) * 10, 30, 0, has_more=True))
    description = answer.embeds[0].description
    assert len(description) <= render.DESCRIPTION_MAX and description.endswith("…")
    assert description.startswith("1. [\\[Live\\] \\*\\*Q&A\\*\\*")
    assert "(https://x.example/a_(b%29?ccc" in description
    assert answer.embeds[0].footer.text == "More: /episodes page:2"


def test_text_replies_are_private_and_escaped():
    answer = render.render(TextReply("Use **this** @everyone"))
    assert answer.ephemeral and answer.content == "Use \\*\\*this\\*\\* @\u200beveryone"


def test_buttons_follow_the_page():
    first = render.quotes(QuoteReply("q", (quote("a"),) * 3, 9, 0, has_more=True), search_id=7)
    assert [(b.custom_id, b.item.disabled) for b in first.view.children] == [("pq1:page:7:0", True), ("pq1:page:7:3", False)]
    last = render.quotes(QuoteReply("q", (quote("a"),), 9, 6, has_more=False), search_id=7, private=True)
    ids = [b.custom_id for b in last.view.children]
    assert ids == ["pq1:page:7:3", "pq1:page:7:9", "pq1:post:7:6"] and last.ephemeral
    alone = render.quotes(QuoteReply("q", (quote("a"),), 1), search_id=7)
    assert alone.view is None


def test_custom_ids_are_recognised_only_in_the_current_version():
    assert is_current(QuoteButton.page(12, 3, "▶").custom_id) and is_current(QuoteButton.post(12, 4).custom_id)
    for stale in ["pq0:page:12:3", "pq1:page:12", "pq1:page:x:3", "pq1:page:12:3:9", "pq1:post:1234567890123456789:1"]:
        assert not is_current(stale), stale


def test_slash_options_become_one_query_of_the_command_layer():
    assert search_text("storm shadow") == "storm shadow"
    composed = search_text(" storm ", episode='UK "missiles"', after="2024-09-01", before=" ")
    assert composed == 'storm episode:"UK  missiles" after:"2024-09-01"'


def test_a_notice_keeps_its_example_query_inside_the_code_span():
    embed = render.notice(EpisodeNotice("e", "P", "T", None, None, True, example_query="a`b"))
    assert embed.description == "Search what was said: `/quote a'b`"


def test_a_notice_shows_the_feeds_description_escaped_short_and_on_one_line():
    about = "**Big** news @everyone, [see](https://evil.example)\n\n# and more " + "words " * 100
    embed = render.notice(EpisodeNotice("e", "P", "T", None, None, True, "storm", description=about))
    shown, searchable = embed.description.split("\n\n")
    assert shown.startswith("\\*\\*Big\\*\\* news @\u200beveryone, \\[see\\](https://evil.example) # and more words")
    assert shown.endswith("…") and len(shown) <= render.NOTICE_ABOUT_MAX
    assert searchable == "Search what was said: `/quote storm`"
    not_yet = render.notice(EpisodeNotice("e", "P", "T", None, None, False, description="A talk."))
    assert not_yet.description == "A talk.\n\nIts transcript isn't searchable yet."
    blank = render.notice(EpisodeNotice("e", "P", "T", None, None, False, description=" \n "))
    assert blank.description == "Its transcript isn't searchable yet."


@pytest.mark.parametrize("text, highlights", [
    ("[zeppelin click here for the whole tale](https://evil.example/phish)", [(1, 9)]),
    ("[zeppelin](https://evil.example/phish)", []),
    ("\\[zeppelin](https://evil.example/phish)", [(2, 10)]),
])
def test_a_masked_link_in_a_transcript_stays_text_even_with_a_matched_word_inside(text, highlights):
    description = render.quote_embed(quote(text, highlights=highlights), 1).description
    unescaped = [i for i, c in enumerate(description) if c == "[" and _backslashes_before(description, i) % 2 == 0]
    assert not unescaped, description
    assert "evil.example/phish" in description  # shown, as text


def _backslashes_before(text: str, index: int) -> int:
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count
