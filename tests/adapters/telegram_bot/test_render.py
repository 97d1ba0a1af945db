"""Rendering for Telegram, pure: escaping, the 4096 limit, links to the moment, page buttons."""

from datetime import date

import pytest

from adapters.telegram_bot.render import (
    EPISODES_TOO_LONG, MAX_OFFSET, MESSAGE_LIMIT, TOO_LONG,
    clip, fit, inline_quotes, link, pager, quote_html, render, telegram_length,
)
from bot.models import EpisodeInfo, EpisodesReply, Quote, QuoteReply, TextReply
from tests.adapters.telegram_bot.test_app import assert_balanced


def hit(text: str, highlights=((0, 5),), title="Episode", url=None, start=None, speaker=None) -> Quote:
    return Quote("ep", "Show", title, date(2024, 9, 13), url, start, speaker, text, tuple(highlights), 1.0)


def test_a_quote_is_a_blockquote_with_bold_matches_and_its_source():
    url = "https://youtu.be/x?t=75"
    quote = hit("Storm shadows & more <b>", [(0, 5), (6, 13)], url=url, start=75, speaker="Alex")
    assert quote_html(quote) == (
        "<blockquote><b>Storm shadows</b> &amp; more &lt;b&gt;</blockquote>\n"
        '— <a href="https://youtu.be/x?t=75">Episode</a> · Show · 13 Sep 2024 · Alex · 1:15'
    )


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://x.example/" + "a" * 600, None])
def test_odd_or_overlong_links_are_left_out(url):
    assert link("Title & co", url) == "Title &amp; co"


def test_a_link_attribute_is_escaped():
    escaped = '<a href="https://x.example/?a=&quot;1&quot;&amp;b=&lt;2&gt;">T</a>'
    assert link("T", 'https://x.example/?a="1"&b=<2>') == escaped


def test_clipping_keeps_only_the_highlights_inside_the_shortened_text():
    text, spans = clip("alpha beta gamma delta", [(0, 5), (11, 16), (17, 22)], 14)
    assert text == "alpha beta…"
    assert spans == [(0, 5)]
    assert clip("x" * 50, [(0, 50)], 10) == ("x" * 9 + "…", [(0, 9)])


def test_three_quotes_of_huge_hostile_words_still_fit_one_message_with_whole_tags():
    huge = "&<" * 2500  # 5000 characters that each escape to 4 or 5
    reply = QuoteReply("q", tuple(hit(huge, [(0, 5000)], title=huge) for _ in range(3)), 3)
    text = render(reply).text
    assert telegram_length(text) <= MESSAGE_LIMIT
    assert text.count("<blockquote>") == 3 and "&amp;&lt;" in text
    assert_balanced(text)


def test_emoji_count_twice_towards_the_limit():
    assert telegram_length("🎙x") == 3


def test_fit_gives_up_with_a_short_message_rather_than_an_oversized_one():
    assert fit(lambda budget: "x" * 5000) == TOO_LONG


def test_pager_buttons_point_to_the_previous_and_next_pages():
    keyboard = pager(3, 3, 3, True, lambda offset: f"page {offset}")
    assert labels_and_data(keyboard) == [("◀", "page 0"), ("▶", "page 6")]
    assert pager(0, 3, 3, False, lambda offset: "x") is None
    assert pager(0, 3, 3, True, None) is None


def test_no_page_past_the_deepest_offered():
    assert labels_and_data(pager(MAX_OFFSET - 2, 3, 3, True, str)) == [("◀", str(MAX_OFFSET - 5))]


def test_the_last_short_page_goes_back_a_whole_page():
    keyboard = pager(9, 1, 3, False, lambda offset: str(offset))
    assert labels_and_data(keyboard) == [("◀", "6")]


def labels_and_data(keyboard) -> list[tuple[str, str]]:
    return [(b.text, b.callback_data) for b in keyboard.inline_keyboard[0]]


def test_text_replies_are_escaped():
    assert render(TextReply("Use /quote <words> & more")).text == "Use /quote &lt;words&gt; &amp; more"


def test_an_empty_episode_list_says_so():
    assert render(EpisodesReply("Episodes", (), 0)).text == "There are no episodes yet."


def test_episode_lines_are_numbered_from_the_page_offset():
    episode = EpisodeInfo("e", "Show & Co", "A <title>", date(2025, 12, 1), ("https://x.example/e",), None, 10)
    text = render(EpisodesReply("Episodes", (episode,), 11, offset=10)).text
    line = '11. <a href="https://x.example/e">A &lt;title&gt;</a> · Show &amp; Co · 1 Dec 2025'
    assert text == f"<b>Episodes</b> (11)\n{line}"


def episode(title: str, url: str | None = None, podcast: str = "Show") -> EpisodeInfo:
    return EpisodeInfo("e", podcast, title, date(2025, 12, 1), (url,) if url else (), None, 10)


def test_a_link_that_would_crowd_out_the_list_is_dropped_before_any_title_is_cut():
    long_link = "https://x.example/?" + "a=1&" * 120  # 499 characters, 979 escaped
    episodes = (episode("Short", "https://x.example/e"),) + (episode("Long", long_link),) * 9
    reply = EpisodesReply("Episodes", episodes, 10)
    text = render(reply).text
    assert telegram_length(text) <= MESSAGE_LIMIT
    assert text.splitlines()[1] == '1. <a href="https://x.example/e">Short</a> · Show · 1 Dec 2025'
    assert text.splitlines()[2:] == [f"{n}. Long · Show · 1 Dec 2025" for n in range(2, 11)]


def test_an_episode_list_that_cannot_fit_says_so_in_its_own_words():
    huge = "&" * 300  # escapes to five times its length, even cut to the smallest budget
    text = render(EpisodesReply("Episodes", (episode(huge, podcast=huge),) * 10, 10)).text
    assert text == EPISODES_TOO_LONG and "episode" in text


def test_inline_results_are_numbered_by_offset_and_carry_html_messages():
    reply = QuoteReply("storm", (hit("Storm ahead"), hit("Storm behind")), 9, offset=6, has_more=True)
    results = inline_quotes(reply)
    assert [r.id for r in results] == ["6", "7"]
    assert results[0].title == "Storm ahead"
    assert results[0].input_message_content.message_text.startswith("<blockquote><b>Storm</b> ahead")
