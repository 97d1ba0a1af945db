"""The Telegram service: start-up (menu, polling or webhook), the token out of sight, the composition root."""

from __future__ import annotations

import dataclasses
import json

import aiohttp
import pytest

from adapters.run import build_services
from adapters.telegram_bot.service import TelegramService, TelegramUnreachable
from bot.commands import DESCRIPTIONS, Commands
from bot.config import ConfigError, Secret
from tests.adapters.telegram_bot.conftest import Chat
from tests.adapters.telegram_bot.fake_bot_api import TOKEN, not_json
from tests.adapters.telegram_bot.updates import said

SECRET = "webhook-secret-123"


async def test_start_up_registers_the_command_menu_and_polls(chat, api):
    menu = api.calls_of("setMyCommands")[0]["commands"]
    assert [(c["command"], c["description"]) for c in menu] == list(DESCRIPTIONS.items())
    assert api.calls_of("deleteWebhook")  # long polling: any old webhook is removed
    await api.wait_for(lambda: api.polls > 0)


async def test_health_says_when_updates_cannot_be_fetched_and_when_they_can_again(chat, api, service, caplog):
    await api.wait_for(lambda: api.polls > 0)
    assert service.health() == (True, "polling")
    polls = api.polls
    api.fail("getUpdates", (502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}))
    api.release_polls()
    await api.wait_for(lambda: service.health()[0] is False)
    assert service.health() == (False, "cannot get updates: HTTP 502")
    assert "telegram polling failed error=NetworkError: Bad Gateway" in caplog.text and "Traceback" not in caplog.text
    await api.wait_for(lambda: api.polls > polls + 1)
    await api.wait_for(lambda: service.health()[0])
    assert service.health() == (True, "polling")


async def test_polls_answered_with_a_page_that_is_not_json_count_as_failed(chat, api, service, caplog):
    await api.wait_for(lambda: api.polls > 0)
    api.fail("getUpdates", not_json())  # a 200, yet nothing the Bot API would say
    api.release_polls()
    await api.wait_for(lambda: service.health()[0] is False)
    assert service.health() == (False, "cannot get updates: HTTP 200 with an answer that is not the Bot API's")
    await api.wait_for(lambda: service.health()[0])  # a poll the Bot API answered clears it
    assert service.health() == (True, "polling")


async def test_the_composition_root_starts_telegram_only_with_a_token(telegram_settings, library, parse_pool):
    commands = Commands(library)
    services = build_services(telegram_settings, commands, library, parse_pool)
    assert [s.name for s in services] == ["telegram", "feed watcher", "notice dispatcher"]
    assert isinstance(services[0], TelegramService)
    assert build_services(dataclasses.replace(telegram_settings, telegram_token=None), commands, library, parse_pool) == []


async def test_a_rejected_token_is_a_clear_config_error_without_the_token(telegram_settings, library, caplog):
    wrong = "999999:WRONG-token-value"
    settings = dataclasses.replace(telegram_settings, telegram_token=Secret(wrong))
    service = TelegramService(settings, Commands(library), library)
    with pytest.raises(ConfigError, match="TELEGRAM_TOKEN: Telegram rejected the token") as raised:
        await service.start()
    assert wrong not in str(raised.value) and wrong not in caplog.text and wrong not in repr(service)
    assert "…alue" in str(raised.value)  # which token it was, by its last characters


async def test_an_unreachable_api_is_a_clear_error(telegram_settings, library, unused_tcp_port):
    nowhere = f"http://127.0.0.1:{unused_tcp_port}/bot"
    settings = dataclasses.replace(telegram_settings, telegram_api_url=nowhere)
    service = TelegramService(settings, Commands(library), library)
    with pytest.raises(TelegramUnreachable, match=f"cannot reach {nowhere}") as raised:
        await service.start()
    assert TOKEN not in str(raised.value)


async def test_the_token_is_redacted_from_the_http_clients_request_logs(chat, caplog):
    await chat.reply_to(said("/help"))
    requests = [r.getMessage() for r in caplog.records if r.name == "httpx"]
    assert any("/bot<token>/sendMessage" in line for line in requests)


@pytest.fixture
async def webhook(telegram_settings, library, api, unused_tcp_port):
    settings = dataclasses.replace(
        telegram_settings,
        telegram_webhook_url="https://bot.example/hooks/telegram",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=unused_tcp_port,
        telegram_webhook_secret=Secret(SECRET),
    )
    service = TelegramService(settings, Commands(library), library)
    driver = Chat(api, service)
    await service.start()
    yield f"http://127.0.0.1:{unused_tcp_port}/hooks/telegram", driver
    await service.stop()


async def post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=json.dumps(update), headers=headers) as response:
            return response.status


async def test_webhook_mode_registers_the_url_with_its_secret_and_answers_posted_updates(webhook, api):
    url, driver = webhook
    registered = api.calls_of("setWebhook")[0]
    assert registered["url"] == "https://bot.example/hooks/telegram"
    assert registered["secret_token"] == SECRET
    assert api.polls == 0
    assert await post(url, {"update_id": 1, **said("/help")}, SECRET) == 200
    sent = await api.wait_for_call("sendMessage")
    assert "I find what was said" in sent["text"]


@pytest.mark.parametrize("secret", [None, "a-wrong-secret"])
async def test_webhook_posts_without_the_secret_are_rejected(webhook, api, secret):
    url, driver = webhook
    assert await post(url, {"update_id": 1, **said("/help")}, secret) == 403
    assert await post(url, {"update_id": 2, **said("/latest")}, SECRET) == 200
    await api.wait_for(lambda: 2 in driver.handled)
    assert driver.handled == {2}
    assert len(api.calls_of("sendMessage")) == 1


async def test_webhook_mode_without_a_secret_makes_one_up(telegram_settings, library, api, unused_tcp_port):
    settings = dataclasses.replace(
        telegram_settings, telegram_webhook_url="https://bot.example/tg",
        telegram_webhook_listen="127.0.0.1", telegram_webhook_port=unused_tcp_port,
    )
    service = TelegramService(settings, Commands(library), library)
    await service.start()
    try:
        assert len(api.calls_of("setWebhook")[0]["secret_token"]) >= 32
    finally:
        await service.stop()
