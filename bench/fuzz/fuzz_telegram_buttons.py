"""Telegram page buttons' callback data, which a tampered client can set to anything: it parses to a
page or to None, never fails, and a page's data is exactly what was pressed (a press is matched against
its message's buttons by their data, so two spellings of one page must not exist)."""

from __future__ import annotations

from hypothesis import strategies as st

from adapters.telegram_bot.paging import Page, parse_page

TARGET_NAME = "telegram-buttons"
MAX_SIZE = 128  # Telegram allows 64 bytes; a client that sends more is tampered with too


def inputs() -> st.SearchStrategy[bytes]:
    """Data close to real buttons': the kinds, odd numbers, signs, spaces and extra fields."""
    kind = st.sampled_from(["q2", "e1", "q1", "Q2", "q2 ", ""])
    number = st.one_of(st.integers(-(10**25), 10**25).map(str), st.sampled_from(["", "+1", "01", "١", " 1", "1\n"]))
    fields = st.lists(number, min_size=0, max_size=4)
    return st.builds(lambda k, f: ":".join([k, *f]).encode(), kind, fields)


def check(data: bytes) -> None:
    """Parse the data as a button press; a page must spell its data back unchanged."""
    text = data.decode("utf-8", errors="replace")
    page = parse_page(text)
    if page is not None:
        assert isinstance(page, Page) and page.data() == text, (text, page)
