"""Parsing outside input (feeds, transcripts) in a worker process, within a time limit.

A parse in a thread still stalls every chat: the regular-expression engine holds the interpreter lock
while it runs. In a worker process it can't, and one that runs past its limit (feedparser's loose
parser spends seconds per megabyte of tag soup) is killed, not left running, and reported.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from bot.clock import Clock
from search.errors import PodquoteError

T = TypeVar("T")


class ParseAbandoned(PodquoteError, TimeoutError):
    """A parse was given up: it ran past its time limit (and was killed), or its worker process died."""


def spawn_executor() -> ProcessPoolExecutor:
    """One worker, started by spawn: forking a process that runs threads (SQLite's, tantivy's) is unsafe."""
    return ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


class ParsePool:
    """Runs parse functions (module-level, with picklable arguments and results) one at a time in a
    worker process; built once by the composition root and closed on stop."""

    def __init__(
        self, time_limit: float, clock: Clock, new_executor: Callable[[], ProcessPoolExecutor] = spawn_executor
    ) -> None:
        self.time_limit = time_limit
        self._clock = clock
        self._new_executor = new_executor
        self._executor = new_executor()
        self._closed = False
        # One parse at a time, so that a time limit counts only that parse's own work, and killing the
        # worker of a parse past it costs no other parse.
        self._turn = asyncio.Lock()

    async def run(self, function: Callable[..., T], *args: object) -> T:
        """function(*args) in the worker; its own errors are raised here; ParseAbandoned when it is given up."""
        async with self._turn:
            future = asyncio.get_running_loop().run_in_executor(self._executor, function, *args)
            finished = asyncio.Event()
            future.add_done_callback(lambda _: finished.set())
            await self._clock.wait(finished, self.time_limit)
            if not future.done():
                future.cancel()
                self._restart()
                raise ParseAbandoned(f"reading it took longer than {self.time_limit:g} s")
            if future.cancelled():  # by close()
                raise ParseAbandoned("stopped: the bot is shutting down")
            try:
                return future.result()
            except BrokenProcessPool:
                self._restart()
                raise ParseAbandoned("the process reading it died") from None

    def close(self) -> None:
        """Stop the worker, whatever it is doing."""
        self._closed = True
        self._stop_worker()

    def _restart(self) -> None:
        """A fresh worker for the next parse (unless the pool was closed meanwhile)."""
        self._stop_worker()
        if not self._closed:
            self._executor = self._new_executor()

    def _stop_worker(self) -> None:
        _kill_workers(self._executor)
        self._executor.shutdown(wait=True, cancel_futures=True)


def _kill_workers(executor: ProcessPoolExecutor) -> None:
    """Kill the executor's worker processes (Python 3.14 has ProcessPoolExecutor.kill_workers; before,
    its process table is the only way to them)."""
    kill = getattr(executor, "kill_workers", None)
    if kill is not None:
        kill()
        return
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.kill()
