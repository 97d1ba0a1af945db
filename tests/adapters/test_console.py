"""Console mode in process: whoever types at the console runs the bot."""

import io

from adapters.console import Conversation, run_console
from bot.commands import Commands


async def test_the_console_is_the_operators_own_and_answers_their_commands(library):
    out = io.StringIO()
    await run_console(Commands(library), io.StringIO("/stats\n/feeds\n"), out)
    assert out.getvalue().startswith("Library: 2 episodes, ")
    assert "No feeds are watched." in out.getvalue()


async def test_next_shows_the_last_quotes_next_page_until_there_are_no_more(library):
    commands = Commands(library)
    conversation = Conversation(commands)
    first = await commands.quote("storm shadow")
    assert (await conversation.answer("/next")).startswith("Send /quote and some words first")
    answers = [await conversation.answer("/quote storm shadow")]
    while "shows more)" in answers[-1]:
        answers.append(await conversation.answer("/next"))
    assert answers[0].endswith(f"({first.total} quotes in all: /next shows more)")
    assert [int(a.split(".")[0]) for a in answers] == list(range(1, first.total + 1, 3))
    fourth = (await commands.quote("storm shadow", offset=3)).quotes[0]
    assert answers[1].startswith("4. ") and fourth.text[:30] in answers[1].replace("**", "")
    assert await conversation.answer("/next") == f"No more quotes: all {first.total} for “storm shadow” were shown."


async def test_next_is_read_from_the_console_like_any_command(library):
    out = io.StringIO()
    await run_console(Commands(library), io.StringIO("/quote storm shadow\n/next\n"), out)
    assert "\n4. “" in out.getvalue()


async def test_next_after_a_quote_that_found_nothing_does_not_page_the_one_before(library):
    conversation = Conversation(Commands(library))
    await conversation.answer("/quote storm shadow")
    assert (await conversation.answer("/quote zzqx")).startswith("Nothing matched")
    assert (await conversation.answer("/next")).startswith("Send /quote and some words first")
