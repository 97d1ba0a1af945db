"""Page buttons' callback data: compact and versioned; a press is believed only on its own message."""

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message

from adapters.telegram_bot.paging import Page, parse_page, shown_on
from adapters.telegram_bot.render import MAX_EPISODE_OFFSET, MAX_OFFSET
from tests.adapters.telegram_bot.updates import bot_message


def test_page_data_round_trips_and_fits_telegrams_64_bytes():
    page = Page("q2", MAX_OFFSET, 2**63 - 1)  # the largest id SQLite gives a saved search
    assert parse_page(page.data()) == page
    assert len(page.data().encode()) <= 64
    assert parse_page(Page("e1", 10, -1_001_234_567_890).data()) == Page("e1", 10, -1_001_234_567_890)


@pytest.mark.parametrize(
    "data",
    ["", None, "q2", "q1:0:1:abcdefabcdef", "e1:x:1", "q2:0", "e1:0:1:key", "q2:0:-5", "q2:1234567:1",
     f"q2:{MAX_OFFSET + 1}:1", f"e1:{MAX_EPISODE_OFFSET + 1}:1", "q2:0:1\n",
     # Other spellings of a page, found by bench/fuzz/fuzz_telegram_buttons.py: Arabic-Indic digits, zeros.
     "e1:\u0661:\u0661", "q2:01:1", "q2:1:01", "e1:0:-0", "q2:0:0"],
)
def test_data_of_other_shapes_or_versions_is_not_a_page(data):
    assert parse_page(data) is None


def test_episode_pages_go_deeper_than_quote_pages():
    assert parse_page(f"e1:{MAX_OFFSET + 10}:1") == Page("e1", MAX_OFFSET + 10, 1)
    assert parse_page(f"e1:{MAX_EPISODE_OFFSET}:1") == Page("e1", MAX_EPISODE_OFFSET, 1)


def _message(*data: str) -> Message:
    buttons = [[InlineKeyboardButton(str(n), callback_data=d) for n, d in enumerate(data)]] if data else []
    keyboard = {"reply_markup": InlineKeyboardMarkup(buttons).to_dict()} if data else {}
    return Message.de_json(bot_message(5000) | keyboard, None)


def test_data_is_shown_on_a_message_only_when_one_of_its_buttons_carries_it():
    assert shown_on(_message("q2:0:7", "q2:6:7"), "q2:6:7")
    assert not shown_on(_message("q2:0:7", "q2:6:7"), "q2:3:7")
    assert not shown_on(_message(), "q2:3:7")
