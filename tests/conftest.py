"""Shared fixtures: real SQLite files and real tantivy indexes in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.config import DEFAULT_SEEDS, Settings
from bot.library import Library
from bot.pool import ParsePool

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "tests" / "fixtures"
DECEMBER_2025 = "seed-2522e9545a44e52d"
SEPTEMBER_2024 = "seed-e6d2948ca99f10f8"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings over an empty data directory, seeded from the embedded seeds."""
    return Settings(data_dir=tmp_path / "data", seeds_dir=DEFAULT_SEEDS)


@pytest.fixture
async def library(settings: Settings):
    """A library opened on a fresh data directory (so it is seeded)."""
    lib = await Library.open(settings)
    yield lib
    await lib.close()


@pytest.fixture
def parse_pool():
    """A parse pool on the real clock, as `podquote run` builds it (its worker starts at the first parse)."""
    pool = ParsePool(60.0, SystemClock())
    yield pool
    pool.close()
