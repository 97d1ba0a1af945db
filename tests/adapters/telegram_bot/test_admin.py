"""The operators' side on Telegram: transcript files sent to the bot, /stats, /feeds and /reindex."""

from __future__ import annotations

import dataclasses

import pytest

from bot.commands import ADMIN_DESCRIPTIONS, OPERATORS_ONLY
from tests.adapters.telegram_bot.fake_bot_api import TOKEN
from tests.adapters.telegram_bot.updates import ANN, BEN, BEN_PRIVATE, GROUP, said, sent_file
from tests.uploads import PNG, ZEPPELIN


@pytest.fixture
def telegram_settings(telegram_settings):
    """Ann runs the bot (PODQUOTE_ADMINS=telegram:1001); Ben is anyone else."""
    return dataclasses.replace(telegram_settings, admins=frozenset({f"telegram:{ANN['id']}"}))


async def send_file(driver, api, data: bytes, name: str = "zeppelin.vtt", **where) -> list:
    """Send the bot a file as Telegram delivers one: its id, name and size; the bytes by getFile."""
    file_id = api.add_file(data)
    return await driver.send(sent_file(file_id, name, len(data), **where))


def replies(calls) -> list[str]:
    return [c["text"] for c in calls if c.method == "sendMessage"]


# Files


async def test_an_operators_transcript_file_is_downloaded_and_becomes_searchable(chat, api, library, caplog):
    calls = await send_file(chat, api, ZEPPELIN)
    assert [c.method for c in calls] == ["sendChatAction", "getFile", "sendMessage"]
    assert api.downloads == ["file-1"]
    assert replies(calls) == ["Added “zeppelin” (Unknown podcast): 15 words searchable now."]
    assert await library.storage.count_episodes() == 3
    found = await chat.reply_to(said("/quote zeppelin harbour"))
    assert "The <b>zeppelin</b> floated over the <b>harbour</b>" in found["text"]
    # The file URL holds the token as the API URL does: the request log shows it redacted.
    assert any("/file/bot<token>/documents/file-1" in r.getMessage() for r in caplog.records if r.name == "httpx")


async def test_the_same_file_again_is_unchanged_and_a_changed_one_replaces_its_episode(chat, api, library):
    await send_file(chat, api, ZEPPELIN)
    again = replies(await send_file(chat, api, ZEPPELIN))
    assert again == ["zeppelin.vtt: unchanged; the library already has exactly this transcript of “zeppelin”."]
    changed = ZEPPELIN.replace(b"harbour", b"lighthouse")
    assert replies(await send_file(chat, api, changed))[0].startswith("Replaced the transcript of “zeppelin”")
    assert await library.storage.count_episodes() == 3
    assert "<b>lighthouse</b>" in (await chat.reply_to(said("/quote lighthouse")))["text"]
    assert "Nothing matched" in (await chat.reply_to(said("/quote harbour")))["text"]


@pytest.mark.parametrize(
    "data, name, reason",
    [(PNG, "cover.png", "cover.png: not added: binary file"), (b"", "empty.txt", "empty.txt: not added: empty file.")],
)
async def test_a_file_that_is_no_transcript_gets_its_reason_and_nothing_is_stored(
    chat, api, library, data, name, reason
):
    calls = await send_file(chat, api, data, name)
    assert replies(calls)[0].startswith(reason)
    assert await library.storage.count_episodes() == 2


async def test_a_file_over_the_limit_is_refused_before_it_is_fetched(chat, api, library):
    calls = await chat.send(sent_file(api.add_file(ZEPPELIN), "huge.vtt", 25_000_000))
    assert replies(calls) == ["huge.vtt: too large (25.0 MB); the limit is 20 MB."]
    assert not api.calls_of("getFile") and not api.downloads


async def test_anyone_elses_file_is_politely_refused_and_never_fetched(chat, api, library):
    calls = await send_file(chat, api, ZEPPELIN, chat=BEN_PRIVATE, user=BEN)
    assert replies(calls) == [OPERATORS_ONLY]
    assert not api.calls_of("getFile") and not api.downloads
    assert await library.storage.count_episodes() == 2


@pytest.mark.parametrize("who", [ANN, BEN])
async def test_files_shared_in_a_group_are_left_alone(chat, api, library, who):
    assert await send_file(chat, api, ZEPPELIN, chat=GROUP, user=who) == []
    assert not api.downloads and await library.storage.count_episodes() == 2


# Commands


async def test_stats_feeds_and_reindex_answer_an_operator(chat, library):
    stats = (await chat.reply_to(said("/stats")))["text"]
    assert stats.startswith("Library: 2 episodes, ")
    assert "Subscriptions: 0 active, 0 broken" in stats and "New-episode deliveries: 0 pending, 0 failed" in stats
    feeds = (await chat.reply_to(said("/feeds")))["text"]
    assert feeds.startswith("No feeds are watched.")
    passages = (await library.stats())["passages"]
    reindexed = (await chat.reply_to(said("/reindex")))["text"]
    assert reindexed == f"Reindexed 2 episodes: {passages:,} passages searchable."


@pytest.mark.parametrize("text", ["/stats", "/feeds", "/reindex", "/ingest"])
async def test_the_operators_commands_are_refused_to_anyone_else_in_private(chat, text):
    assert (await chat.reply_to(said(text, BEN_PRIVATE, BEN)))["text"] == OPERATORS_ONLY


async def test_in_a_group_the_operators_commands_answer_only_an_operator(chat):
    assert await chat.send(said("/stats", GROUP, BEN)) == []
    assert (await chat.reply_to(said("/stats", GROUP, ANN)))["text"].startswith("Library: ")


async def test_a_group_speaking_as_itself_is_no_operator_even_through_an_operators_account(chat):
    assert await chat.send(said("/stats", GROUP, ANN, sender_chat=GROUP)) == []


async def test_the_public_menu_never_lists_the_operators_commands(chat, api):
    menu = {c["command"] for c in api.calls_of("setMyCommands")[0]["commands"]}
    assert "quote" in menu and not menu & set(ADMIN_DESCRIPTIONS)
    assert TOKEN not in str(api.calls_of("setMyCommands")[0].params)
