"""The composition root: build everything from the settings and start what is configured."""

from __future__ import annotations

import logging

from adapters.console import run_console
from bot.commands import Commands
from bot.config import Settings
from bot.library import Library

log = logging.getLogger(__name__)


async def run(settings: Settings) -> int:
    """Run the bot until it is stopped; with no chat token, console mode over the library."""
    library = await Library.open(settings)
    try:
        commands = Commands(library)
        await run_console(commands)
    finally:
        await library.close()
    return 0
