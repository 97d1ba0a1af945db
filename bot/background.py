"""A long-running loop of the bot (the feed watcher, the dispatcher): kept going, and stopped cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.clock import Clock

log = logging.getLogger(__name__)

# After an unexpected error (the database busy for too long, a bug), the loop waits this long and goes on.
PAUSE_AFTER_CRASH = 30.0


async def keep_running(step: Callable[[], Awaitable[None]], clock: Clock, name: str) -> None:
    """Run `step` again and again; an error is logged and waited out, never the end of the loop."""
    while True:
        try:
            await step()
        except Exception:
            log.exception("%s: unexpected error; going on in %.0f s", name, PAUSE_AFTER_CRASH)
            await clock.sleep(PAUSE_AFTER_CRASH)


class Background:
    """One background task: started, and on stop cancelled and waited for."""

    def __init__(self) -> None:
        self._task: asyncio.Task | None = None

    def start(self, work: Awaitable[None], name: str) -> None:
        """Start the work in the background."""
        self._task = asyncio.ensure_future(work)
        self._task.set_name(name)

    async def stop(self) -> None:
        """Cancel the work and wait until it has stopped."""
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
