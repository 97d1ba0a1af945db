"""Console mode in process: whoever types at the console runs the bot."""

import io

from adapters.console import run_console
from bot.commands import Commands


async def test_the_console_is_the_operators_own_and_answers_their_commands(library):
    out = io.StringIO()
    await run_console(Commands(library), io.StringIO("/stats\n/feeds\n"), out)
    assert out.getvalue().startswith("Library: 2 episodes, ")
    assert "No feeds are watched." in out.getvalue()
