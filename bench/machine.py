"""What the benchmarks ran on, and how much memory this process holds."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

_MEMINFO = Path("/proc/meminfo")
_CPUINFO = Path("/proc/cpuinfo")


def describe() -> dict[str, object]:
    """The machine, the software and the time of a run."""
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "nproc": os.cpu_count(),
        "ram_gb": round(meminfo("MemTotal") / 2**30, 1),
        "python": platform.python_version(),
        "tantivy": _version("tantivy"),
        "rank_bm25": _version("rank-bm25"),
        "sqlite": sqlite3.sqlite_version,
        "commit": _commit(),
    }


def meminfo(key: str) -> int:
    """A /proc/meminfo figure in bytes (MemTotal, MemAvailable)."""
    for line in _MEMINFO.read_text().splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0]) * 1024
    return 0


def rss_bytes() -> int:
    """This process's resident memory now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu_model() -> str:
    try:
        for line in _CPUINFO.read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10,
            cwd=Path(__file__).parent,
        )
        return done.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def python() -> str:
    """The interpreter running the benchmarks (children run the same one)."""
    return sys.executable
