"""The command layer, the same on every platform: parse the words, decide the reply."""

import random

import pytest

from bot.commands import EPISODES_PER_PAGE, Commands, parse_command
from bot.models import ChatRef, EpisodesReply, QuoteReply, TextReply
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


ADMIN = ChatRef("telegram", "-100", "42", can_manage=True)
MEMBER = ChatRef("telegram", "-100", "43", can_manage=False)


async def test_subscribing_is_stored_and_listed(commands, library):
    assert "Subscribed" in (await commands.handle("/subscribe", ADMIN)).text
    assert "already" in (await commands.handle("/subscribe", ADMIN)).text
    listing = (await commands.handle("/subscriptions", MEMBER)).text
    assert "every podcast" in listing
    subs = await library.storage.subscribers("any-feed")
    assert [(s.platform, s.chat_id) for s in subs] == [("telegram", "-100")]


async def test_only_those_who_may_manage_the_chat_change_subscriptions(commands, library):
    assert "administrators" in (await commands.handle("/subscribe", MEMBER)).text
    assert await library.storage.subscriptions("telegram") == []
    await commands.handle("/subscribe", ADMIN)
    assert "administrators" in (await commands.handle("/unsubscribe", MEMBER)).text
    assert "Unsubscribed" in (await commands.handle("/unsubscribe", ADMIN)).text
    assert "wasn't subscribed" in (await commands.handle("/unsubscribe", ADMIN)).text


async def test_a_broken_subscription_is_shown_and_subscribing_again_repairs_it(commands, library):
    await commands.handle("/subscribe", ADMIN)
    await library.storage.mark_broken("telegram", "-100", "bot was kicked")
    assert await library.storage.subscribers("*") == []
    assert "bot was kicked" in (await commands.handle("/subscriptions", ADMIN)).text
    assert "Subscribed" in (await commands.handle("/subscribe", ADMIN)).text
    assert len(await library.storage.subscribers("*")) == 1


async def test_a_chat_that_changes_id_keeps_its_subscriptions(commands, library):
    await commands.handle("/subscribe", ADMIN)
    await library.storage.move_chat("telegram", "-100", "-100999")
    assert [s.chat_id for s in await library.storage.subscriptions("telegram")] == ["-100999"]
