"""SQLite storage: migrations, WAL, saving and replacing episodes in one transaction."""

import sqlite3
from datetime import date

import pytest

from bot.storage import MIGRATIONS, EpisodeRecord, Storage, StorageError
from search.models import Episode, Segment


def _record(episode_id="e1", text="Hello there.", fingerprint="fp1", title="First"):
    episode = Episode(episode_id, "Cast", title, date(2024, 2, 3), ("https://x.example/1",), 60.0,
                      (Segment(text, 1.5, "Ann"), Segment("More words here.", 4.0, "Bob")))
    return EpisodeRecord(episode, "/tmp/e1.txt", "text", fingerprint)


async def test_a_new_database_is_migrated_to_the_latest_schema_in_wal_mode(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    await storage.close()
    raw = sqlite3.connect(tmp_path / "db.sqlite")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert storage.created


async def test_reopening_does_not_migrate_again(tmp_path):
    await (await Storage.open(tmp_path / "db.sqlite")).close()
    storage = await Storage.open(tmp_path / "db.sqlite")
    assert not storage.created
    await storage.close()


async def test_a_database_from_a_newer_version_is_refused(tmp_path):
    raw = sqlite3.connect(tmp_path / "db.sqlite")
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 5}")
    raw.close()
    with pytest.raises(StorageError, match="newer podquote"):
        await Storage.open(tmp_path / "db.sqlite")


async def test_an_episode_round_trips_with_its_segments(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    await storage.save_episode(_record())
    episode, fingerprint = await storage.load_episode("e1")
    assert fingerprint == "fp1"
    assert episode.title == "First" and episode.published == date(2024, 2, 3)
    assert episode.segments == (Segment("Hello there.", 1.5, "Ann"), Segment("More words here.", 4.0, "Bob"))
    assert (await storage.counts()) == {"episodes": 1, "segments": 2, "words": 5}
    await storage.close()


async def test_saving_again_replaces_the_episode_and_its_segments(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    await storage.save_episode(_record())
    await storage.save_episode(_record(text="Changed text.", fingerprint="fp2", title="Second"))
    episode, fingerprint = await storage.load_episode("e1")
    assert (fingerprint, episode.title, episode.segments[0].text) == ("fp2", "Second", "Changed text.")
    assert (await storage.counts())["segments"] == 2
    await storage.close()


async def test_a_failed_save_leaves_the_previous_version_whole(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    await storage.save_episode(_record())
    broken = Episode("e1", "Cast", None, segments=(Segment("Fine."),))  # title is NOT NULL: fails mid-way
    try:
        with pytest.raises(sqlite3.IntegrityError):
            await storage.save_episode(EpisodeRecord(broken, "x", "text", "fp2"))
        episode, fingerprint = await storage.load_episode("e1")
        assert (fingerprint, episode.title, len(episode.segments)) == ("fp1", "First", 2)
    finally:
        await storage.close()


async def test_indexing_marks(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    await storage.save_episode(_record())
    assert await storage.unindexed_ids() == ["e1"]
    await storage.mark_indexed({"e1": "fp1"})
    assert await storage.unindexed_ids() == []
    await storage.forget_index()
    assert await storage.unindexed_ids() == ["e1"]
    await storage.close()


async def test_episodes_are_listed_newest_first_undated_last(tmp_path):
    storage = await Storage.open(tmp_path / "db.sqlite")
    for episode_id, day in [("old", date(2020, 1, 1)), ("none", None), ("new", date(2025, 1, 1))]:
        episode = Episode(episode_id, "Cast", episode_id, day, (), None, (Segment("Words."),))
        await storage.save_episode(EpisodeRecord(episode, "x", "text", episode_id))
    assert [e.id for e in await storage.episodes(10)] == ["new", "old", "none"]
    assert [e.id for e in await storage.episodes(1, offset=1)] == ["old"]
    await storage.close()


async def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    (tmp_path / "db.sqlite").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StorageError, match="cannot use the database"):
        await Storage.open(tmp_path / "db.sqlite")
