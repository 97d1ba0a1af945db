"""Two real processes writing to one data directory at once (the bot's uploads while an operator runs
`podquote ingest`): they take turns at the index, and nothing is lost or left unsearchable."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

from bot.config import Settings
from bot.library import Library
from tests.bot.writer_child import word
from tests.conftest import ROOT

UPLOADS = 20


def _writer(data_dir: Path, name: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.bot.writer_child", str(data_dir), name, str(UPLOADS)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _start_together(data_dir: Path, writers: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + 120
    while not all((data_dir / f"ready-{name}").exists() for name in "ab"):
        assert all(w.poll() is None for w in writers), [w.stderr.read() for w in writers]
        assert time.monotonic() < deadline, "the writers never got ready"
        time.sleep(0.005)
    (data_dir / "go").touch()


def test_two_processes_uploading_at_once_lose_nothing_and_leave_nothing_unindexed(tmp_path):
    data_dir = tmp_path / "data"

    async def prepare() -> None:  # the bot's data directory, as it is before the two start
        await (await Library.open(Settings(data_dir=data_dir, seeds_dir=None))).close()

    asyncio.run(prepare())
    writers = [_writer(data_dir, "a"), _writer(data_dir, "b")]
    _start_together(data_dir, writers)
    outputs = [w.communicate(timeout=300) for w in writers]
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0, err
        assert out.splitlines() == ["added"] * UPLOADS

    async def check() -> None:
        library = await Library.open(Settings(data_dir=data_dir, seeds_dir=None))
        assert await library.storage.unindexed_ids() == []
        assert await library.storage.count_episodes() == 2 * UPLOADS
        for name in "ab":
            for number in range(UPLOADS):
                assert library.search(word(name, number)).quotes, word(name, number)
        await library.close()

    asyncio.run(check())
