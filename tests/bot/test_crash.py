"""A real dispatcher process killed with SIGKILL in the middle of a fan-out, then restarted: every
subscriber gets the notice once, and only a message in flight at the kill can go out twice."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from bot.notify import EpisodeNotice
from bot.outbox import Outbox
from bot.storage import Storage
from tests.conftest import ROOT

SUBSCRIBERS = 300


def _prepare(db: Path) -> None:
    async def enqueue() -> None:
        storage = await Storage.open(db)
        await storage.db.executemany(
            "INSERT INTO subscriptions (platform, chat_id, feed, created_at) VALUES ('telegram', ?, '*', 'now')",
            ((str(n),) for n in range(SUBSCRIBERS)),
        )
        await storage.db.commit()
        notice = EpisodeNotice("ep1", "Airship Hour", "Zeppelins", date(2027, 1, 15), None, False)
        await Outbox(storage).enqueue(notice, ["https://airships.example/feed.xml"], ["telegram"], time.time())
        await storage.close()

    asyncio.run(enqueue())


def _child(db: Path, record: Path, *options: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.bot.fanout_child", str(db), str(record), *options]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _lines(record: Path) -> list[str]:
    return record.read_text().splitlines() if record.exists() else []


def _kill_when(child: subprocess.Popen, record: Path, sends: int) -> None:
    """SIGKILL the child as soon as it has recorded `sends` sends (it must not finish first)."""
    deadline = time.monotonic() + 60
    while len(_lines(record)) < sends:
        assert child.poll() is None, child.stderr.read().decode()
        assert time.monotonic() < deadline, "the child never got that far"
        time.sleep(0.002)
    child.send_signal(signal.SIGKILL)
    child.wait()


def _statuses(db: Path) -> dict[str, list[str]]:
    rows = sqlite3.connect(db).execute("SELECT status, chat_id FROM deliveries").fetchall()
    found: dict[str, list[str]] = {}
    for status, chat in rows:
        found.setdefault(status, []).append(chat)
    return found


def _finish(db: Path, record: Path) -> None:
    done = _child(db, record).wait(timeout=120)
    assert done == 0
    assert _statuses(db).keys() == {"sent"}


def test_a_kill_between_the_send_and_its_mark_duplicates_exactly_that_one_message(tmp_path):
    db, record = tmp_path / "podquote.db", tmp_path / "sent.txt"
    _prepare(db)
    _kill_when(_child(db, record, "--hang-after", "120"), record, 120)
    at_kill = _statuses(db)
    assert (len(at_kill["sent"]), len(at_kill["sending"]), len(at_kill["pending"])) == (119, 1, SUBSCRIBERS - 120)
    in_flight = _lines(record)[-1].split()[0]
    assert at_kill["sending"] == [in_flight]
    _finish(db, record)
    counts = Counter(line.split()[0] for line in _lines(record))
    assert set(counts) == {str(n) for n in range(SUBSCRIBERS)}
    assert {chat: n for chat, n in counts.items() if n > 1} == {in_flight: 2}


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_kill_at_any_moment_of_a_fan_out_loses_nothing_and_repeats_only_what_was_in_flight(tmp_path, concurrency):
    db, record = tmp_path / "podquote.db", tmp_path / "sent.txt"
    _prepare(db)
    child = _child(db, record, "--delay", "0.001", "--concurrency", str(concurrency))
    _kill_when(child, record, 120)
    in_flight = set(_statuses(db).get("sending", []))
    assert len(in_flight) <= concurrency
    _finish(db, record)
    counts = Counter(line.split()[0] for line in _lines(record))
    assert set(counts) == {str(n) for n in range(SUBSCRIBERS)}
    repeated = {chat for chat, n in counts.items() if n > 1}
    assert repeated <= in_flight and max(counts.values()) <= 2
