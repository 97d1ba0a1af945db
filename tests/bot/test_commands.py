"""The command layer, the same on every platform: parse the words, decide the reply."""

import random

import pytest

from bot.commands import EPISODES_PER_PAGE, Commands, parse_command
from bot.models import EpisodesReply, QuoteReply, TextReply
from tests.conftest import DECEMBER_2025, SEPTEMBER_2024


@pytest.fixture
def commands(library):
    return Commands(library, random.Random(7))


@pytest.mark.parametrize(
    "text, name, args, addressee",
    [
        ("/quote storm shadow", "quote", "storm shadow", None),
        ("/q storm", "quote", "storm", None),
        ("/QUOTE@PodQuoteBot  storm  ", "quote", "storm", "PodQuoteBot"),
        ("/start", "help", "", None),
        ("/random", "random", "", None),
        ("/quote\nstorm shadow", "quote", "storm shadow", None),
    ],
)
def test_parse_command(text, name, args, addressee):
    command = parse_command(text)
    assert (command.name, command.args, command.addressee) == (name, args, addressee)


@pytest.mark.parametrize("text", ["storm shadow", "", "/", "/ quote", "hello /quote"])
def test_text_that_is_not_a_command(text):
    assert parse_command(text) is None


async def test_quote_answers_with_the_best_quotes(commands):
    reply = await commands.handle("/quote storm shadow")
    assert isinstance(reply, QuoteReply)
    assert reply.quotes[0].episode_id == SEPTEMBER_2024
    assert len(reply.quotes) == 3 and reply.total > 3


async def test_quote_pages_follow_on(commands):
    first = await commands.quote("missiles")
    second = await commands.quote("missiles", offset=3)
    assert second.offset == 3
    assert not {(q.episode_id, q.text) for q in first.quotes} & {(q.episode_id, q.text) for q in second.quotes}


async def test_quote_without_words_explains(commands):
    reply = await commands.handle("/quote")
    assert reply.quotes == () and "words" in reply.message


async def test_random_without_words_is_a_quote_from_the_library(commands):
    reply = await commands.handle("/random")
    assert len(reply.quotes) == 1
    assert reply.quotes[0].episode_id in {DECEMBER_2025, SEPTEMBER_2024}
    assert len(reply.quotes[0].text) > 40


async def test_random_with_words_picks_among_matches(commands):
    reply = await commands.handle("/random Witkoff")
    assert len(reply.quotes) == 1 and reply.quotes[0].episode_id == DECEMBER_2025
    assert reply.quotes[0].highlights


async def test_random_with_words_that_match_nothing_says_so(commands):
    reply = await commands.handle("/random zzqx")
    assert reply.quotes == () and "Nothing matched" in reply.message


async def test_latest_lists_newest_first(commands):
    reply = await commands.handle("/latest")
    assert isinstance(reply, EpisodesReply)
    assert [e.id for e in reply.episodes] == [DECEMBER_2025, SEPTEMBER_2024]


async def test_episodes_page_beyond_the_end_is_empty(commands):
    reply = await commands.handle("/episodes 2")
    assert reply.offset == EPISODES_PER_PAGE and reply.episodes == () and not reply.has_more


async def test_help_gives_an_example_that_finds_something(commands, library):
    reply = await commands.handle("/help")
    assert isinstance(reply, TextReply)
    example = await commands.example_query()
    assert f"/quote {example}" in reply.text
    assert library.search(example).quotes


async def test_unknown_commands_point_to_help(commands):
    reply = await commands.handle("/frobnicate")
    assert isinstance(reply, TextReply) and "/help" in reply.text


async def test_plain_text_is_not_a_command(commands):
    assert await commands.handle("just chatting") is None
