"""Fixtures for the feed watcher and the dispatcher: a feed server, a fake clock, an unseeded library."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.library import Library
from tests.bot.doubles import FakeClock, FeedServer


@pytest.fixture
async def feed_server():
    """An HTTP server on 127.0.0.1 that serves what the test sets."""
    server = FeedServer()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when told."""
    return FakeClock()


@pytest.fixture
async def bare_library(tmp_path):
    """A library on a fresh data directory, without the seed episodes."""
    library = await Library.open(Settings(data_dir=tmp_path / "data", seeds_dir=None))
    yield library
    await library.close()
