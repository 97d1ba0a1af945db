"""Storage for chat buttons: saved searches, and finding episodes by words of their titles."""

import sqlite3

import pytest

from bot.storage import MIGRATIONS, Storage
from tests.bot.test_storage import _record


@pytest.fixture
async def storage(tmp_path):
    opened = await Storage.open(tmp_path / "db.sqlite")
    yield opened
    await opened.close()


async def test_a_search_is_saved_once_per_person_and_query(storage):
    first = await storage.save_search("discord", "42", "storm shadow")
    assert await storage.save_search("discord", "42", "storm shadow") == first
    assert await storage.save_search("discord", "43", "storm shadow") != first
    assert await storage.save_search("telegram", "42", "storm shadow") != first
    saved = await storage.saved_search(first)
    assert (saved.platform, saved.user_id, saved.query) == ("discord", "42", "storm shadow")
    assert await storage.saved_search(first + 1000) is None


async def test_saved_searches_outlive_the_connection(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    search_id = await storage.save_search("discord", "42", "missiles")
    await storage.close()
    reopened = await Storage.open(tmp_path / "db.sqlite")
    assert (await reopened.saved_search(search_id)).query == "missiles"
    await reopened.close()


async def test_the_saved_searches_migration_applies_to_an_older_database(tmp_path):
    raw = sqlite3.connect(tmp_path / "db.sqlite")
    for number, script in enumerate(MIGRATIONS[:-1]):
        raw.executescript(f"BEGIN; {script}; PRAGMA user_version = {number + 1}; COMMIT;")
    raw.close()
    storage = await Storage.open(tmp_path / "db.sqlite")
    assert await storage.save_search("discord", "1", "q") >= 1
    await storage.close()


async def test_episodes_are_found_by_every_word_of_their_title(storage):
    await storage.save_episode(_record("e1", title="Storm Shadow over Crimea", fingerprint="a"))
    await storage.save_episode(_record("e2", title="100% sure_thing", fingerprint="b"))
    assert [e.id for e in await storage.find_episodes("storm crimea", 5)] == ["e1"]
    assert [e.id for e in await storage.find_episodes("SHADOW", 5)] == ["e1"]
    assert await storage.find_episodes("storm nowhere", 5) == []
    assert [e.id for e in await storage.find_episodes("0%", 5)] == ["e2"]
    assert await storage.find_episodes("_", 5) != [] and await storage.find_episodes("e_1", 5) == []
    assert len(await storage.find_episodes("", 1)) == 1
