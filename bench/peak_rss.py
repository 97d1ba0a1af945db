"""`python -m bench.peak_rss COMMAND...`: run a command, print its peak resident memory as JSON.

A small process of its own starts the command, because the kernel counts a child's memory from
before its exec too: started straight from the benchmark (which holds whole corpora), the child
would report the benchmark's size. Anonymous and file-backed (the memory-mapped index) memory are
sampled while it runs, since only their sum's peak is kept by the kernel.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SAMPLE_EVERY = 0.005


def main(command: list[str]) -> int:
    """Run the command to its end; print {"peak_rss_bytes", "anon_bytes", "file_bytes", "status"}."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    anon = file = 0
    while process.poll() is None:
        sample = _rss(process.pid)
        anon, file = max(anon, sample.get("RssAnon", 0)), max(file, sample.get("RssFile", 0))
        time.sleep(SAMPLE_EVERY)
    # ru_maxrss is in kilobytes on Linux: the peak of the one child this process waited for.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    found = {"peak_rss_bytes": peak, "anon_bytes": anon, "file_bytes": file, "status": process.returncode}
    print(json.dumps(found))
    return 0


def _rss(pid: int) -> dict[str, int]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    found = {}
    for line in lines:
        name, _, value = line.partition(":")
        if name in ("RssAnon", "RssFile"):
            found[name] = int(value.split()[0]) * 1024
    return found


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
