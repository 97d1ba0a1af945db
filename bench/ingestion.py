"""Ingesting a corpus the way `podquote ingest` does (through the Library), timed."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from bench.stats import Stopwatch
from bot.config import Settings
from bot.library import DATABASE_NAME, Library


def ingest(folder: Path, data_dir: Path) -> dict[str, float]:
    """Ingest every transcript under `folder` into a new data directory; throughput and sizes."""
    shutil.rmtree(data_dir, ignore_errors=True)
    return asyncio.run(_ingest(folder, data_dir))


async def _ingest(folder: Path, data_dir: Path) -> dict[str, float]:
    library = await Library.open(Settings(data_dir=data_dir, seeds_dir=None))
    try:
        with Stopwatch() as watch:
            report = await library.ingest([folder])
        stats = await library.stats()
    finally:
        await library.close()
    return {
        "seconds": watch.seconds,
        "episodes": stats["episodes"],
        "words": stats["words"],
        "passages": stats["passages"],
        "failed": len(report.failed),
        "episodes_per_s": stats["episodes"] / watch.seconds,
        "words_per_s": stats["words"] / watch.seconds,
        "index_bytes": stats["index_bytes"],
        "database_bytes": (data_dir / DATABASE_NAME).stat().st_size,
    }
