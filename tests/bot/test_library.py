"""The library: seeding, ingesting real files, re-ingest, replacement, failures, index sync."""

import asyncio
import logging
import shutil
import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest

from bot.config import Settings
from bot.ingest import Metadata, read_record
from bot.library import Library
from search.errors import SearchIndexError
from search.formats import srt
import search.index
from search.index import QuoteIndex
from tests.conftest import DECEMBER_2025, SEEDS, SEPTEMBER_2024

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ann>The zeppelin floated over the harbour at dawn.

00:01:05.500 --> 00:01:09.000
<v Bob>Nobody expected a zeppelin in this town.
"""


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


async def test_a_new_data_directory_is_seeded_with_the_manifest_metadata(library):
    episodes = await library.episodes(10)
    assert [(e.id, e.title, e.published) for e in episodes] == [
        (DECEMBER_2025, "Bizarre negotiations and intel back channels", date(2025, 12, 1)),
        (SEPTEMBER_2024, "UK missiles ready to strike Russia. Putin warns US/UK", date(2024, 9, 13)),
    ]
    assert all(e.podcast == "The Duran Podcast" and e.urls == () for e in episodes)


async def test_an_empty_seeds_setting_turns_seeding_off(tmp_path):
    library = await Library.open(Settings(data_dir=tmp_path / "data", seeds_dir=None))
    assert await library.episodes(10) == []
    await library.close()


async def test_a_seed_that_fails_is_a_warning_with_the_count(tmp_path, caplog):
    seeds = tmp_path / "seeds"
    _write(seeds, "good.vtt", VTT)
    _write(seeds, "empty.txt", "")
    with caplog.at_level(logging.INFO, logger="bot.library"):
        library = await Library.open(Settings(data_dir=tmp_path / "data", seeds_dir=seeds))
    await library.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("seeded") and "1 failed" in warnings[0]


async def test_an_empty_library_is_seeded_once_seeds_are_configured(tmp_path):
    """Seeding isn't tied to a new database: a first start without (working) seeds is not for good."""
    data_dir = tmp_path / "data"
    await (await Library.open(Settings(data_dir=data_dir, seeds_dir=None))).close()
    library = await Library.open(Settings(data_dir=data_dir, seeds_dir=SEEDS))
    assert [e.id for e in await library.episodes(10)] == [DECEMBER_2025, SEPTEMBER_2024]
    await library.close()


async def test_seeds_are_not_ingested_again_into_a_used_data_directory(settings, tmp_path):
    first = await Library.open(settings)
    await first.close()
    seeds = tmp_path / "more-seeds"
    shutil.copytree(SEEDS, seeds)
    _write(seeds, "extra.vtt", VTT)
    again = await Library.open(Settings(data_dir=settings.data_dir, seeds_dir=seeds))
    assert len(await again.episodes(10)) == 2
    await again.close()


async def test_ingesting_the_same_file_again_changes_nothing(library, tmp_path):
    path = _write(tmp_path / "in", "zeppelin.vtt", VTT)
    first = await library.ingest([path], Metadata(podcast="Airships", title="Zeppelins"))
    again = await library.ingest([path], Metadata(podcast="Airships", title="Zeppelins"))
    assert (first.added, again.added, again.replaced, again.unchanged) == (1, 0, 0, 1)
    assert (await library.stats())["episodes"] == 3
    assert len(library.search("zeppelin", limit=10).quotes) == 1


async def test_a_changed_file_replaces_its_episode(library, tmp_path):
    path = _write(tmp_path / "in", "zeppelin.vtt", VTT)
    await library.ingest([path])
    _write(tmp_path / "in", "zeppelin.vtt", VTT.replace("zeppelin", "blimp"))
    report = await library.ingest([path])
    assert report.replaced == 1
    assert library.search("zeppelin").quotes == ()
    assert library.search("blimp").quotes[0].episode_id == report.episode_ids[0]
    assert (await library.stats())["episodes"] == 3


async def test_the_same_transcript_from_another_path_is_the_episode_already_stored(library, tmp_path):
    """The audit's case: a copy of a seed file, ingested into a seeded library, is that seed episode."""
    copy = shutil.copy(SEEDS / "000_2522e9545a44e52d.txt", tmp_path / "elsewhere.txt")
    report = await library.ingest([Path(copy)])
    assert (report.added, report.replaced, report.unchanged, report.episode_ids) == (0, 0, 1, [DECEMBER_2025])
    assert [e.id for e in await library.episodes(10)] == [DECEMBER_2025, SEPTEMBER_2024]


async def test_a_copy_with_metadata_given_updates_the_stored_episode(library, tmp_path):
    first = _write(tmp_path / "a", "zeppelin.vtt", VTT)
    copy = _write(tmp_path / "b", "airships.vtt", VTT)
    added = await library.ingest([first], Metadata(title="Zeppelins"))
    again = await library.ingest([copy], Metadata(podcast="Airships"))
    assert (again.added, again.replaced, again.episode_ids) == (0, 1, added.episode_ids)
    quotes = library.search("zeppelin", limit=10).quotes
    assert [(q.episode_id, q.podcast, q.episode_title) for q in quotes] == [
        (added.episode_ids[0], "Airships", "Zeppelins")
    ]
    assert (await library.stats())["episodes"] == 3


async def test_a_copy_that_was_edited_is_another_episode(library, tmp_path):
    await library.ingest([_write(tmp_path / "a", "zeppelin.vtt", VTT)])
    report = await library.ingest([_write(tmp_path / "b", "zeppelin.vtt", VTT.replace("dawn", "dusk"))])
    assert report.added == 1
    assert (await library.stats())["episodes"] == 4


async def test_an_explicit_episode_id_is_never_merged_by_content(library, tmp_path):
    await library.ingest([_write(tmp_path / "a", "zeppelin.vtt", VTT)])
    report = await library.ingest([_write(tmp_path / "b", "zeppelin.vtt", VTT)], Metadata(id="guid-42"))
    assert (report.added, report.episode_ids) == (1, ["guid-42"])


async def test_episodes_stored_before_content_keys_are_recognised_after_an_upgrade(settings, tmp_path):
    library = await Library.open(settings)
    await library.close()
    database = sqlite3.connect(settings.data_dir / "podquote.db")
    database.execute("UPDATE episodes SET content_key = NULL")
    database.commit()
    database.close()
    reopened = await Library.open(settings)
    copy = shutil.copy(SEEDS / "003_e6d2948ca99f10f8.txt", tmp_path / "copy.txt")
    report = await reopened.ingest([Path(copy)])
    await reopened.close()
    assert (report.unchanged, report.episode_ids) == (1, [SEPTEMBER_2024])


async def test_timed_files_keep_start_times_and_speakers(library, tmp_path):
    path = _write(tmp_path / "in", "zeppelin.vtt", VTT)
    await library.ingest([path], Metadata(urls=("https://cdn.example/z.mp3",)))
    quote = library.search("nobody expected").quotes[0]
    assert (quote.start_seconds, quote.speaker) == (65.5, "Bob")
    assert quote.url == "https://cdn.example/z.mp3#t=65"


async def test_a_json_start_time_past_any_clock_still_quotes_with_a_plain_link(library, tmp_path):
    path = _write(tmp_path / "in", "far.json", '{"segments": [{"startTime": 1e400, "body": "The zeppelin landed."}]}')
    await library.ingest([path], Metadata(urls=("https://cdn.example/far.mp3",)))
    quote = library.search("zeppelin").quotes[0]
    assert (quote.start_seconds, quote.url) == (None, "https://cdn.example/far.mp3")


async def test_a_bad_file_is_reported_and_the_rest_of_the_batch_goes_in(library, tmp_path):
    folder = tmp_path / "batch"
    _write(folder, "good.vtt", VTT)
    _write(folder, "empty.txt", "")
    _write(folder, "image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    _write(folder, "latin1.txt", "Caf\xe9 cr\xe8me ".encode("latin-1") * 20)
    _write(folder, "truncated.json", '{"version": "1.0.0", "segments": [{"startTime": 1, "body": "hel')
    before = await library.stats()
    report = await library.ingest([folder])
    assert report.added == 1
    assert sorted(p.name for p, _ in report.failed) == ["empty.txt", "image.png", "latin1.txt", "truncated.json"]
    assert all(reason for _, reason in report.failed)
    after = await library.stats()
    assert after["episodes"] == before["episodes"] + 1
    assert "1 failed" not in report.summary() and "4 failed" in report.summary()


async def test_a_file_that_crashes_its_parser_fails_alone(library, tmp_path, monkeypatch):
    """The last resort for a parser bug nobody foresaw: that file fails, the batch goes on."""

    def crash(text):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(srt, "parse", crash)
    folder = tmp_path / "batch"
    _write(folder, "a.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello there.\n")
    _write(folder, "b.vtt", VTT)
    report = await library.ingest([folder])
    assert report.added == 1
    assert report.failed == [(folder / "a.srt", "could not be parsed (ZeroDivisionError)")]


async def test_a_manifest_beside_the_files_gives_their_metadata(library, tmp_path):
    folder = tmp_path / "show"
    _write(folder, "ep1.vtt", VTT)
    _write(folder, "manifest.toml", '["ep1.vtt"]\npodcast = "Airships"\ntitle = "Up high"\n'
           'published = 2021-06-01\nurls = ["https://youtu.be/xyz"]\n')
    await library.ingest([folder])
    quote = library.search("harbour").quotes[0]
    assert (quote.podcast, quote.episode_title, quote.published) == ("Airships", "Up high", date(2021, 6, 1))
    assert quote.url == "https://youtu.be/xyz?t=1"


async def test_a_csv_manifest_in_a_parent_folder_works_too(library, tmp_path):
    root = tmp_path / "corpus"
    _write(root / "show", "ep-7.vtt", VTT)
    _write(root, "episodes.csv", "path,show,title,url,first_seen\nshow/ep-7.vtt,Airships,Airships #7,"
           "https://example.com/7,2019-03-04\n")
    await library.ingest([root])
    quote = library.search("harbour").quotes[0]
    assert (quote.podcast, quote.episode_title, quote.url) == ("Airships", "Airships #7", "https://example.com/7")


async def test_the_index_catches_up_with_the_database_after_it_is_lost(settings):
    library = await Library.open(settings)
    await library.close()
    for folder in settings.data_dir.glob("index-v*"):
        shutil.rmtree(folder)
    reopened = await Library.open(settings)
    assert reopened.search("storm shadow").quotes[0].episode_id == SEPTEMBER_2024
    await reopened.close()


async def test_reindex_rebuilds_the_same_index(library):
    before = (await library.stats())["passages"]
    assert await library.reindex() == 2
    assert (await library.stats())["passages"] == before
    assert library.search("storm shadow").quotes[0].episode_id == SEPTEMBER_2024


async def test_writes_that_come_at_once_take_turns(library):
    """An upload, a feed's transcript and a reindex at the same moment: the index has one writer, the
    database connection one transaction at a time (without turns, these fail with LockBusy)."""

    async def upload(number: int) -> str:
        text = VTT.replace("zeppelin", f"zeppelin{number}").encode()
        return await library.ingest_bytes(text, f"z{number}.vtt", f"upload:z{number}.vtt", Metadata(title=f"Z{number}"))

    outcomes = await asyncio.gather(*(upload(n) for n in range(4)), library.reindex())
    assert outcomes[:4] == ["added"] * 4
    assert await library.storage.unindexed_ids() == []
    for number in range(4):
        assert library.search(f"zeppelin{number}").quotes


async def test_an_index_write_that_fails_leaves_the_episode_for_the_next_writer(library, tmp_path, monkeypatch):
    """A stored episode the index missed is never 'unchanged', and whoever writes next indexes it."""
    real = QuoteIndex.replace_episodes

    def disk_full(index, episodes):
        raise SearchIndexError("cannot write the search index: No space left on device (os error 28)")

    monkeypatch.setattr(QuoteIndex, "replace_episodes", disk_full)
    first = _write(tmp_path / "in", "zeppelin.vtt", VTT)
    with pytest.raises(SearchIndexError):
        await library.ingest_record(read_record(first))
    monkeypatch.setattr(QuoteIndex, "replace_episodes", real)
    other = _write(tmp_path / "in", "airship.vtt", VTT.replace("zeppelin", "airship"))
    assert (await library.ingest_record(read_record(other)))[0] == "added"
    assert library.search("zeppelin harbour").quotes  # the next writer indexed it
    assert await library.storage.unindexed_ids() == []


async def test_an_episode_stored_but_not_indexed_is_added_when_sent_again(library, tmp_path, monkeypatch):
    real = QuoteIndex.replace_episodes

    def disk_full(index, episodes):
        raise SearchIndexError("cannot write the search index: No space left on device (os error 28)")

    monkeypatch.setattr(QuoteIndex, "replace_episodes", disk_full)
    path = _write(tmp_path / "in", "zeppelin.vtt", VTT)
    with pytest.raises(SearchIndexError):
        await library.ingest_record(read_record(path))
    monkeypatch.setattr(QuoteIndex, "replace_episodes", real)
    assert (await library.ingest_record(read_record(path)))[0] == "added"
    assert library.search("zeppelin harbour").quotes


def _answer(result) -> tuple:
    return result.total, [(q.episode_id, q.text) for q in result.quotes]


async def test_every_search_during_a_reindex_gets_the_full_answer(library):
    """The new index is built beside the one in use, which answers until the switch."""
    expected = _answer(library.search("storm shadow"))
    answers: list[tuple] = []
    done = threading.Event()

    def search_until_done() -> None:
        while not done.is_set():
            answers.append(_answer(library.search("storm shadow")))

    searchers = [threading.Thread(target=search_until_done) for _ in range(2)]
    for thread in searchers:
        thread.start()
    try:
        assert await library.reindex() == 2
    finally:
        done.set()
        for thread in searchers:
            thread.join()
    assert len(answers) > 2 and all(answer == expected for answer in answers)
    assert _answer(library.search("storm shadow")) == expected


async def test_another_process_follows_a_reindex_and_the_old_folder_is_removed(library, settings):
    other = QuoteIndex.open(settings.data_dir)  # what another process on the data directory holds
    before = other.folder
    await library.reindex()
    assert other.search("storm shadow").quotes[0].episode_id == SEPTEMBER_2024
    assert other.folder == library.index.folder != before
    assert [p for p in settings.data_dir.glob("index-v*") if p.is_dir()] == [library.index.folder]


async def test_a_reindex_that_fails_keeps_the_index_in_use(library, settings, monkeypatch):
    before = library.index.folder

    def disk_full(index, episodes):
        raise SearchIndexError("cannot write the search index: No space left on device (os error 28)")

    monkeypatch.setattr(QuoteIndex, "replace_episodes", disk_full)
    with pytest.raises(SearchIndexError):
        await library.reindex()
    assert library.index.folder == before and library.search("storm shadow").quotes
    assert [p for p in settings.data_dir.glob("index-v*") if p.is_dir()] == [before]


async def test_a_new_schema_version_rebuilds_the_index_in_a_folder_of_its_own(settings, monkeypatch):
    await (await Library.open(settings)).close()
    (old,) = (p for p in settings.data_dir.glob("index-v*") if p.is_dir())
    monkeypatch.setattr(search.index, "SCHEMA_VERSION", search.index.SCHEMA_VERSION + 1)
    library = await Library.open(settings)
    try:
        assert library.index.folder.name.startswith(f"index-v{search.index.SCHEMA_VERSION}-")
        assert not old.exists()
        assert library.search("storm shadow").quotes[0].episode_id == SEPTEMBER_2024
    finally:
        await library.close()
