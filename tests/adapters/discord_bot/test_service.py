"""Starting, registering commands, staying connected, answering in time, and failing loudly but politely."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import pytest

from adapters.discord_bot.respond import APOLOGY
from adapters.discord_bot.service import DiscordService, DiscordUnreachable
from adapters.run import build_services
from bot.commands import ADMIN_DESCRIPTIONS
from bot.config import ConfigError, Secret, Settings
from bot.outbox import DispatcherService
from bot.watcher import WatcherService
from tests.adapters.discord_bot.conftest import make_service, started
from tests.adapters.discord_bot.fake_discord import APPLICATION_ID, EPHEMERAL, GUILD_ID, TOKEN, FakeDiscord

PUBLIC_COMMANDS = {"quote", "random", "latest", "episodes", "help", "subscribe", "unsubscribe", "subscriptions"}
COMMAND_NAMES = PUBLIC_COMMANDS | set(ADMIN_DESCRIPTIONS)
GLOBAL_SYNC = rf"/applications/{APPLICATION_ID}/commands"


async def test_start_identifies_without_privileged_intents_and_keeps_the_heartbeat(service, fake):
    identify = await fake.frame(2)
    assert identify["d"]["intents"] == 1  # guilds only: no members, presences or message content
    assert identify["d"]["token"] == TOKEN
    await fake.frame(1)  # the first heartbeat, which the fake ACKs
    await fake.until(lambda: service.client.latency != float("inf") or None, "the heartbeat's ACK")
    assert service.client.is_ready() and service.client.user.id == APPLICATION_ID
    assert [c.path for c in fake.calls[:4]] == ["/users/@me", "/oauth2/applications/@me", GLOBAL_SYNC, "/gateway/bot"]
    assert fake.calls[0].headers["Authorization"] == f"Bot {TOKEN}"


async def test_every_command_is_registered_with_manage_server_on_subscriptions(service, fake):
    sync = await fake.call("PUT", GLOBAL_SYNC)
    commands = {c["name"]: c for c in sync.json}
    assert set(commands) == COMMAND_NAMES
    for name in ("subscribe", "unsubscribe", "subscriptions"):
        assert str(commands[name]["default_member_permissions"]) == str(1 << 5)
        assert commands[name]["contexts"] == [0]  # in servers only
    assert commands["quote"]["default_member_permissions"] is None
    episode = next(o for o in commands["quote"]["options"] if o["name"] == "episode")
    assert episode["autocomplete"] is True
    channel = next(o for o in commands["subscribe"]["options"] if o["name"] == "channel")
    assert channel["type"] == 7 and channel["channel_types"] == [0, 5]


async def test_commands_are_synced_again_only_when_they_changed(service, fake, discord_settings, commands):
    await service.stop()
    async with started(discord_settings, commands):
        pass
    assert len([c for c in fake.calls if c.method == "PUT"]) == 1


async def test_commands_are_synced_again_when_they_changed(service, fake, discord_settings, commands):
    await service.stop()
    key = f"discord.commands.{APPLICATION_ID}.global"
    synced = await commands.library.storage.get_state(key)
    await commands.library.storage.set_state(key, "the digest of an older set of commands")
    before = len(fake.calls)
    async with started(discord_settings, commands):
        resync = await fake.call("PUT", GLOBAL_SYNC, after=before)
        assert {c["name"] for c in resync.json} == COMMAND_NAMES
    assert await commands.library.storage.get_state(key) == synced
    async with started(discord_settings, commands):  # and now unchanged again
        pass
    assert len([c for c in fake.calls if c.method == "PUT"]) == 2


async def test_commands_refused_by_discord_are_logged_and_the_bot_starts_with_those_registered_before(
    service, fake, discord_settings, commands, caplog
):
    await service.stop()
    await commands.library.storage.set_state(f"discord.commands.{APPLICATION_ID}.global", "an older set")
    invalid = {"0": {"description": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be 1-100 long."}]}}}
    fake.fail("PUT", GLOBAL_SYNC, 400, {"message": "Invalid Form Body", "code": 50035, "errors": invalid})
    async with started(discord_settings, commands) as running:
        assert running.client.is_ready()
        answer = (await fake.answer_to(await fake.slash("latest"))).json
        assert answer["data"]["embeds"][0]["title"] == "Latest episodes (2)"
    [line] = [r.getMessage() for r in caplog.records if "cannot register the commands" in r.getMessage()]
    assert "status=400 code=50035" in line and "Must be 1-100 long." in line and "\n" not in line
    async with started(discord_settings, commands):  # the refused set was not remembered: tried again
        pass
    assert len([c for c in fake.calls if c.method == "PUT"]) == 3


async def test_with_a_guild_id_commands_are_synced_to_that_guild_only(fake, discord_settings, commands):
    settings = dataclasses.replace(discord_settings, discord_guild_id=GUILD_ID)
    async with started(settings, commands) as running:
        sync = await fake.call("PUT", rf"/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands")
        assert {c["name"] for c in sync.json} == COMMAND_NAMES
        assert not [c for c in fake.calls if c.path == GLOBAL_SYNC]
        answer = (await fake.answer_to(await fake.slash("latest"))).json
        assert answer["data"]["embeds"][0]["title"] == "Latest episodes (2)"


async def test_a_configured_gateway_url_is_used_as_given(fake, settings, commands):
    env = {"PODQUOTE_DATA_DIR": str(settings.data_dir), "DISCORD_TOKEN": TOKEN,
           "DISCORD_API_URL": fake.api_url, "DISCORD_GATEWAY_URL": fake.gateway_url}  # ws://127.0.0.1:…
    async with started(Settings.from_env(env), commands) as running:
        assert not [c for c in fake.calls if c.path == "/gateway/bot"]
        assert running.client.is_ready()


async def test_a_refused_token_is_a_clear_configuration_error(fake, discord_settings, commands):
    fake.fail("GET", "/users/@me", 401, {"message": "401: Unauthorized", "code": 0})
    running = make_service(discord_settings, commands)
    with pytest.raises(ConfigError, match="DISCORD_TOKEN: Discord refused the token …CRET$") as error:
        await running.start()
    assert TOKEN not in str(error.value)


async def test_an_unreachable_discord_is_a_clear_error(fake, discord_settings, commands):
    await fake.close()  # nothing listens on its port any more
    with pytest.raises(DiscordUnreachable, match=r"Discord: cannot reach http://127\.0\.0\.1:\d+/api/v10"):
        await make_service(discord_settings, commands).start()


async def test_a_discord_that_never_answers_is_a_clear_error_in_good_time(discord_settings, commands):
    async def accept_and_say_nothing(reader, writer):
        await reader.read()

    silent = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    settings = dataclasses.replace(discord_settings, discord_api_url=f"http://127.0.0.1:{port}/api/v10")
    async with silent:
        with pytest.raises(DiscordUnreachable, match=r"cannot reach http://127\.0\.0\.1:\d+/api/v10: no answer within 0\.2 s"):
            await make_service(settings, commands, login_timeout=0.2).start()


async def test_health_says_when_the_gateway_connection_is_lost(fake, discord_settings, commands):
    async with started(discord_settings, commands) as running:
        assert running.health() == (True, "connected")
        await fake.close()
        for _ in range(1000):  # discord.py notices the closed connection within moments; 10 s at most
            if not running.health()[0]:
                break
            await asyncio.sleep(0.01)
        assert running.health() == (False, "disconnected from the gateway, reconnecting")


async def test_slow_answers_are_deferred_then_edited_in(fake, discord_settings, commands):
    async with started(discord_settings, commands, defer_after=0.0) as running:
        sent = await fake.slash("quote", {"query": "russia"})
        deferred = await fake.answer_to(sent)
        assert deferred.json["type"] == 5 and not deferred.json.get("data", {}).get("flags")
        edit = await fake.call("PATCH", rf"{sent.webhook_path}/messages/@original")
        assert len(edit.json["embeds"]) == 3 and edit.json["allowed_mentions"] == {"parse": []}


async def test_a_slow_answer_for_the_asker_alone_replaces_a_public_deferral(fake, discord_settings, commands):
    async with started(discord_settings, commands, defer_after=0.0) as running:
        sent = await fake.slash("quote", {"query": "zzqx"})
        assert (await fake.answer_to(sent)).json["type"] == 5
        await fake.call("DELETE", rf"{sent.webhook_path}/messages/@original")
        follow_up = await fake.call("POST", sent.webhook_path)
        assert follow_up.json["flags"] & EPHEMERAL and follow_up.json["content"].startswith("Nothing matched")


async def test_an_expired_interaction_is_logged_and_the_bot_carries_on(service, fake, caplog):
    caplog.set_level(logging.WARNING)
    fake.fail("POST", r"/interactions/\d+/[^/]+/callback", 404, {"message": "Unknown interaction", "code": 10062})
    expired = await fake.slash("latest")
    await fake.answer_to(expired)
    await fake.until(lambda: "10062" in caplog.text or None, "the expiry logged")
    assert "interaction expired before it was answered (10062) what=/latest" in caplog.text
    answer = (await fake.answer_to(await fake.slash("latest"))).json
    assert answer["data"]["embeds"][0]["title"] == "Latest episodes (2)"
    assert [c.path for c in fake.calls].count(expired.callback_path) == 1, "no apology to an expired interaction"


async def test_an_answer_discord_refuses_is_replaced_by_a_private_apology(service, fake, caplog):
    fake.fail("POST", r"/interactions/\d+/[^/]+/callback", 400, {"message": "Invalid Form Body", "code": 50035})
    sent = await fake.slash("latest")
    refused = await fake.answer_to(sent)
    apology = await fake.answer_to(sent, after=fake.calls.index(refused) + 1)
    assert apology.json["type"] == 4 and apology.json["data"]["content"] == APOLOGY
    assert apology.json["data"]["flags"] & EPHEMERAL
    assert "Discord refused an answer what=/latest status=400 code=50035" in caplog.text


async def test_a_refused_refusal_is_replaced_by_a_private_apology(service, fake):
    fake.fail("POST", r"/interactions/\d+/[^/]+/callback", 400, {"message": "Invalid Form Body", "code": 50035})
    sent = await fake.slash("subscribe")  # refused at once (no Manage Server): answer_now
    refused = await fake.answer_to(sent)
    apology = await fake.answer_to(sent, after=fake.calls.index(refused) + 1)
    assert apology.json["data"]["content"] == APOLOGY and apology.json["data"]["flags"] & EPHEMERAL


async def test_a_failed_edit_after_a_deferral_is_followed_by_a_private_apology(
    fake, discord_settings, commands, webhook_retries_at_once
):
    async with started(discord_settings, commands, defer_after=0.0):
        # discord.py tries a 5xx five times before it gives up.
        fake.fail("PATCH", r"/webhooks/\d+/[^/]+/messages/@original", 500, {"message": "Internal", "code": 0}, times=5)
        sent = await fake.slash("latest")
        assert (await fake.answer_to(sent)).json["type"] == 5
        follow_up = await fake.call("POST", sent.webhook_path)
        assert follow_up.json["content"] == APOLOGY and follow_up.json["flags"] & EPHEMERAL
        assert len([c for c in fake.calls if c.method == "PATCH"]) == 5


async def test_an_answer_whose_message_is_gone_is_logged(fake, discord_settings, commands, caplog):
    async with started(discord_settings, commands, defer_after=0.0) as running:
        fake.fail("PATCH", r"/webhooks/\d+/[^/]+/messages/@original", 404, {"message": "Unknown Message", "code": 10008})
        await fake.answer_to(await fake.slash("latest"))
        await fake.until(lambda: "10008" in caplog.text or None, "the loss logged")
        assert "the message to answer or edit is gone (10008) what=/latest" in caplog.text


async def test_a_failing_command_says_sorry_privately(service, fake, commands, monkeypatch, caplog):
    async def broken(args: str = ""):
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(commands, "latest", broken)
    answer = (await fake.answer_to(await fake.slash("latest"))).json
    assert answer["data"]["content"] == APOLOGY and answer["data"]["flags"] & EPHEMERAL
    assert "the database is on fire" in caplog.text  # in the log, with its stack trace; never in the chat


async def test_a_command_this_version_no_longer_has_is_refused_with_a_reason(service, fake):
    fake.commands[None]["oldcommand"] = {"id": "1", "name": "oldcommand", "options": []}  # left over at Discord
    answer = (await fake.answer_to(await fake.slash("oldcommand"))).json
    assert answer["data"]["flags"] & EPHEMERAL and "oldcommand" in answer["data"]["content"]


async def test_a_malformed_event_that_ends_the_connection_is_logged(service, fake, caplog):
    broken = {"id": "1", "type": 2, "application_id": str(APPLICATION_ID), "data": {}}  # no token, no version
    await fake.dispatch("INTERACTION_CREATE", broken)
    await fake.until(lambda: "gateway connection ended" in caplog.text or None, "the end logged")
    assert "KeyError" in caplog.text


async def test_the_token_never_appears_in_the_logs(fake, discord_settings, commands, caplog):
    caplog.set_level(logging.DEBUG)
    async with started(discord_settings, commands) as running:
        sent = await fake.slash("quote", {"query": "russia"}, )
        await fake.answer_to(sent)
        await fake.ask_to_reconnect()
        await fake.frame(6, connection=1)
        await fake.answer_to(await fake.slash("help"))
    assert "quote" in caplog.text and "RESUME" in caplog.text.upper()
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(running.settings) and TOKEN not in repr(running.__dict__)


def test_podquote_run_starts_discord_when_a_token_is_configured(settings, commands, library, parse_pool):
    assert build_services(settings, commands, library, parse_pool) == []
    with_token = dataclasses.replace(settings, discord_token=Secret(TOKEN))
    services = build_services(with_token, commands, library, parse_pool)
    assert [type(s) for s in services] == [DiscordService, WatcherService, DispatcherService]
    assert services[0].name == "discord"


async def test_fake_discord_waits_fail_with_what_was_seen(fake: FakeDiscord):
    with pytest.raises(AssertionError, match="timed out waiting for GET /nothing"):
        await fake.until(lambda: None, "GET /nothing", timeout=0.01)
