"""The operators' side on Discord: /ingest with an attached transcript, /stats, /feeds and /reindex."""

from __future__ import annotations

import dataclasses
import re

import pytest

from bot.commands import ADMIN_DESCRIPTIONS, OPERATORS_ONLY
from tests.adapters.discord_bot.fake_discord import (
    ADMIN_PERMISSIONS,
    ALICE,
    APPLICATION_ID,
    BOB,
    EPHEMERAL,
    TOKEN,
    FakeDiscord,
    Sent,
)
from tests.uploads import PNG, ZEPPELIN

ADMINISTRATOR = 1 << 3


@pytest.fixture
def discord_settings(discord_settings):
    """Alice runs the bot (PODQUOTE_ADMINS=discord:<her id>); Bob is anyone else, even a server admin."""
    return dataclasses.replace(discord_settings, admins=frozenset({f"discord:{ALICE['id']}"}))


async def ingest(fake: FakeDiscord, data: bytes, name: str = "zeppelin.vtt", **how) -> Sent:
    """Run /ingest with a file attached."""
    value, resolved = fake.attach(data, name, how.pop("size", None))
    return await fake.slash("ingest", {"file": value}, resolved=resolved, **how)


async def deferred_answer(fake: FakeDiscord, sent: Sent) -> str:
    """The answer to an interaction deferred for the asker alone, as edited in afterwards."""
    deferred = (await fake.answer_to(sent)).json
    assert deferred["type"] == 5 and deferred["data"]["flags"] & EPHEMERAL
    edit = await fake.call("PATCH", rf"{re.escape(sent.webhook_path)}/messages/@original")
    return edit.json["content"]


async def quick_answer(fake: FakeDiscord, sent: Sent) -> str:
    """An answer given at once, for the asker alone."""
    answer = (await fake.answer_to(sent)).json
    assert answer["type"] == 4 and answer["data"]["flags"] & EPHEMERAL
    return answer["data"]["content"]


async def test_the_operators_commands_are_for_server_administrators_and_never_offered_in_dms(service, fake):
    sync = await fake.call("PUT", rf"/applications/{APPLICATION_ID}/commands")
    commands = {c["name"]: c for c in sync.json}
    for name in ADMIN_DESCRIPTIONS:
        assert str(commands[name]["default_member_permissions"]) == str(ADMINISTRATOR)
        assert commands[name]["contexts"] == [0]  # servers only: DMs have no permissions to hide behind
    assert commands["quote"]["default_member_permissions"] is None
    assert [(o["name"], o["type"], o["required"]) for o in commands["ingest"]["options"]] == [("file", 11, True)]


async def test_an_attached_transcript_is_fetched_and_becomes_searchable(service, fake, library):
    sent = await ingest(fake, ZEPPELIN)
    assert await deferred_answer(fake, sent) == "Added “zeppelin” (Unknown podcast): 15 words searchable now."
    assert len(fake.downloads) == 1 and "Authorization" not in fake.downloads[0]  # the CDN never sees the token
    assert await library.storage.count_episodes() == 3
    found = await fake.answer_to(await fake.slash("quote", {"query": "zeppelin harbour"}))
    assert "**zeppelin**" in found.json["data"]["embeds"][0]["description"]


async def test_the_same_file_again_is_unchanged(service, fake, library):
    await deferred_answer(fake, await ingest(fake, ZEPPELIN))
    again = await deferred_answer(fake, await ingest(fake, ZEPPELIN))
    assert again.startswith("zeppelin.vtt: unchanged;")
    assert await library.storage.count_episodes() == 3


@pytest.mark.parametrize(
    "data, name, reason",
    [(PNG, "cover.png", "cover.png: not added: binary file"), (b"", "empty.txt", "empty.txt: not added: empty file.")],
)
async def test_a_file_that_is_no_transcript_gets_its_reason_and_nothing_is_stored(
    service, fake, library, data, name, reason
):
    answer = await deferred_answer(fake, await ingest(fake, data, name))
    assert answer.startswith(reason)
    assert await library.storage.count_episodes() == 2


async def test_a_file_over_the_limit_is_refused_before_it_is_fetched(service, fake, library):
    answer = await quick_answer(fake, await ingest(fake, ZEPPELIN, "huge.vtt", size=25_000_000))
    assert answer == "huge.vtt: too large (25.0 MB); the limit is 20 MB."
    assert fake.downloads == [] and await library.storage.count_episodes() == 2


async def test_anyone_else_is_refused_even_a_server_administrator_and_nothing_is_fetched(service, fake, library):
    server_admin = ADMIN_PERMISSIONS | ADMINISTRATOR
    answer = await quick_answer(fake, await ingest(fake, ZEPPELIN, who=BOB, permissions=server_admin))
    assert answer == OPERATORS_ONLY
    assert fake.downloads == [] and await library.storage.count_episodes() == 2
    for name in ("stats", "feeds", "reindex"):
        assert await quick_answer(fake, await fake.slash(name, who=BOB)) == OPERATORS_ONLY


async def test_stats_and_feeds_answer_an_operator_at_once_and_reindex_after_deferring(service, fake, library):
    stats = await quick_answer(fake, await fake.slash("stats"))
    assert stats.startswith("Library: 2 episodes, ") and "New-episode deliveries: 0 pending, 0 failed" in stats
    assert (await quick_answer(fake, await fake.slash("feeds"))).startswith("No feeds are watched.")
    passages = (await library.stats())["passages"]
    reindexed = await deferred_answer(fake, await fake.slash("reindex"))
    assert reindexed == f"Reindexed 2 episodes: {passages:,} passages searchable."
    assert TOKEN not in str([c.json for c in fake.calls])
