"""The clock, injected: the watcher and the dispatcher ask it the time and wait on it, so tests don't sleep."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """Seconds since the epoch, and a way to wait for some of them to pass (or for an event)."""

    def now(self) -> float:
        """The current time, in seconds since the epoch."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait this long."""
        ...

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        """Wait until the event is set or this long has passed, whichever comes first."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> float:
        """The current time, in seconds since the epoch."""
        return time.time()

    async def sleep(self, seconds: float) -> None:
        """Wait this long."""
        await asyncio.sleep(max(0.0, seconds))

    async def wait(self, event: asyncio.Event, seconds: float) -> None:
        """Wait until the event is set or this long has passed, whichever comes first."""
        try:
            await asyncio.wait_for(event.wait(), max(0.0, seconds))
        except TimeoutError:
            pass
