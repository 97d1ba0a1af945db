"""The parse pool: work runs in a worker process; one past its time limit is killed and reported, one
whose worker dies is reported, and the pool goes on working after either."""

import asyncio
import os
import time

import pytest

from bot.commands import Commands
from bot.feeds import FeedError, parse_feed
from bot.models import ChatRef
from bot.pool import ParseAbandoned, ParsePool
from tests.bot.doubles import LimitClock, WorkerGate
from tests.bot.test_watcher import VTT


@pytest.fixture
def limit_clock():
    return LimitClock()


@pytest.fixture
def pool(limit_clock):
    pool = ParsePool(60.0, limit_clock)
    yield pool
    pool.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_work_runs_in_another_process_and_its_errors_come_back_as_they_were(pool):
    assert await pool.run(os.getpid) != os.getpid()
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        await pool.run(parse_feed, b"<html><body>a page</body></html>", "https://x.example/feed")


async def test_work_past_its_time_limit_is_killed_and_reported_and_the_pool_works_on(pool, limit_clock):
    worker = await pool.run(os.getpid)
    stuck = pool.run(time.sleep, 3600)
    limit_clock.expire()
    with pytest.raises(ParseAbandoned, match="took longer than 60 s"):
        await stuck
    assert not _alive(worker)
    assert await pool.run(os.getpid) not in (worker, os.getpid())


async def test_a_worker_that_dies_is_reported_and_replaced(pool):
    with pytest.raises(ParseAbandoned, match="died"):
        await pool.run(os._exit, 1)
    assert await pool.run(len, b"abc") == 3


async def test_closing_the_pool_kills_its_worker_even_mid_parse(pool):
    worker = await pool.run(os.getpid)
    stuck = asyncio.create_task(pool.run(time.sleep, 3600))
    await asyncio.sleep(0)  # the parse is handed to the worker
    pool.close()
    assert not _alive(worker)
    with pytest.raises(ParseAbandoned):
        await stuck


async def test_an_upload_is_parsed_in_the_pool_and_one_past_the_limit_is_refused_with_a_reason(
    bare_library, limit_clock
):
    gate = WorkerGate()
    pool = ParsePool(60.0, limit_clock, gate.executor)
    commands = Commands(bare_library, parser=pool)
    operator = ChatRef("telegram", "1001", "1001", is_operator=True)
    try:
        upload = asyncio.create_task(commands.ingest_upload("zeppelin.vtt", VTT.encode(), operator))
        await gate.reached()  # the upload is in the pool's hands
        limit_clock.expire()
        assert (await upload).text == "zeppelin.vtt: not added: reading it took longer than 60 s."
        gate.open()
        added = await commands.ingest_upload("zeppelin.vtt", VTT.encode(), operator)
    finally:
        pool.close()
    assert added.text.startswith("Added “zeppelin”")
    assert (await commands.quote("zeppelin harbour")).quotes
