"""Page buttons' callback data: compact, versioned, and backed by queries that outlive a restart."""

import pytest

from adapters.telegram_bot.render import MAX_EPISODE_OFFSET, MAX_OFFSET
from adapters.telegram_bot.paging import Page, SavedQueries, parse_page, query_key
from bot.library import Library


def test_page_data_round_trips_and_fits_telegrams_64_bytes():
    page = Page("q1", MAX_OFFSET, -1_001_234_567_890, query_key("storm shadow " * 50))
    assert parse_page(page.data()) == page
    assert len(page.data().encode()) <= 64
    assert parse_page(Page("e1", 10, 42).data()) == Page("e1", 10, 42)


@pytest.mark.parametrize(
    "data",
    ["", None, "q1", "q2:0:1:abc", "e1:x:1", "q1:0:1", "e1:0:1:key", "q1:0:1:bad key!", "q1:1234567:1:abc",
     f"q1:{MAX_OFFSET + 1}:1:abc", f"e1:{MAX_EPISODE_OFFSET + 1}:1"],
)
def test_data_of_other_shapes_or_versions_is_not_a_page(data):
    assert parse_page(data) is None


def test_episode_pages_go_deeper_than_quote_pages():
    assert parse_page(f"e1:{MAX_OFFSET + 10}:1") == Page("e1", MAX_OFFSET + 10, 1)
    assert parse_page(f"e1:{MAX_EPISODE_OFFSET}:1") == Page("e1", MAX_EPISODE_OFFSET, 1)


def test_the_same_query_always_gets_the_same_key():
    assert query_key("storm shadow") == query_key("storm shadow") != query_key("storm shadows")


async def test_saved_queries_survive_reopening_the_database(settings):
    library = await Library.open(settings)
    key = await SavedQueries(library.storage).save('"kabuki theater" after:2024-01-01')
    assert await SavedQueries(library.storage).save('"kabuki theater" after:2024-01-01') == key
    await library.close()
    reopened = await Library.open(settings)
    try:
        assert await SavedQueries(reopened.storage).load(key) == '"kabuki theater" after:2024-01-01'
        assert await SavedQueries(reopened.storage).load("unknownkey00") is None
    finally:
        await reopened.close()
