"""One typed Settings from a TOML file and the environment; one clear line per mistake."""

import os
from pathlib import Path

import pytest

from bot.config import OPTIONS, ConfigError, Settings, check_data_dir, load_settings
from tests.conftest import ROOT

TELEGRAM = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
DISCORD = "MTA1NTU1NTU1NTU1NTU1NTU1NQ.Gabcde.abcdefghijklmnopqrstuvwxyz0123"


def test_a_toml_file_is_read_and_the_environment_wins(tmp_path):
    config = tmp_path / "podquote.toml"
    config.write_text(f'data_dir = "/srv/pq"\nfeeds = ["https://a.example/feed"]\npoll_minutes = 5\n'
                      f'telegram_token = "{TELEGRAM}"\nstrict_startup = true\n')
    settings = load_settings({"PODQUOTE_CONFIG": str(config), "PODQUOTE_POLL_MINUTES": "2"})
    assert settings.data_dir == Path("/srv/pq") and settings.feeds == ("https://a.example/feed",)
    assert settings.poll_minutes == 2.0 and settings.strict_startup is True
    assert settings.telegram_token.reveal() == TELEGRAM


def test_tokens_can_come_from_files(tmp_path):
    (tmp_path / "discord").write_text(DISCORD + "\n")
    settings = load_settings({"DISCORD_TOKEN_FILE": str(tmp_path / "discord")})
    assert settings.discord_token.reveal() == DISCORD


@pytest.mark.parametrize("env, message", [
    ({"TELEGRAM_TOKEN": "not a token"}, "TELEGRAM_TOKEN: does not look like a token"),
    ({"DISCORD_TOKEN": "abc.def"}, "DISCORD_TOKEN: does not look like a token"),
    ({"PODQUOTE_FEEDS": "https://ok.example/feed ftp://old.example/feed"}, "PODQUOTE_FEEDS: must be an http"),
    ({"PODQUOTE_DATADIR": "/srv"}, "PODQUOTE_DATADIR: unknown setting; did you mean PODQUOTE_DATA_DIR?"),
    ({"TELEGRAM_TOKN": TELEGRAM}, "TELEGRAM_TOKN: unknown setting; did you mean TELEGRAM_TOKEN?"),
    ({"PODQUOTE_HTTP_PORT": "99999"}, "PODQUOTE_HTTP_PORT: must be a port number"),
    ({"PODQUOTE_LOG_FORMAT": "xml"}, "PODQUOTE_LOG_FORMAT: must be one of text, json"),
    ({"TELEGRAM_TOKEN_FILE": "/nonexistent/token"}, "TELEGRAM_TOKEN_FILE: cannot read /nonexistent/token"),
    ({"DISCORD_GATEWAY_URL": "gateway.discord.gg"}, "DISCORD_GATEWAY_URL: must be a wss:// or ws:// URL"),
    ({"DISCORD_API_URL": "wss://discord.com/api/v10"}, "DISCORD_API_URL: must be an http"),
    ({"PODQOUTE_FEEDS": "https://a.example/f"}, "PODQOUTE_FEEDS: unknown setting; did you mean PODQUOTE_FEEDS?"),
    ({"TELEGARM_TOKEN": TELEGRAM}, "TELEGARM_TOKEN: unknown setting; did you mean TELEGRAM_TOKEN?"),
    ({"PODQUOTE_ADMINS": "telegram:42 discrod:5"}, "PODQUOTE_ADMINS: must be accounts like telegram:123456"),
    ({"PODQUOTE_POLL_MINUTES": "inf"}, "PODQUOTE_POLL_MINUTES: must be a number more than 0"),
    ({"PODQUOTE_FETCH_MAX_MB": "1e400"}, "PODQUOTE_FETCH_MAX_MB: must be a number more than 0"),
    ({"PODQUOTE_TRANSCRIPT_WAIT_DAYS": "100000"}, "PODQUOTE_TRANSCRIPT_WAIT_DAYS: must be at most 366"),
    ({"TELEGRAM_WEBHOOK_URL": "http://bot.example/tg"}, "TELEGRAM_WEBHOOK_URL: must be an https:// URL"),
    ({"TELEGRAM_WEBHOOK_URL": "https://bot.example/tg", "PODQUOTE_HTTP_PORT": "8443"},
     "PODQUOTE_HTTP_PORT: 8443 is also TELEGRAM_WEBHOOK_PORT"),
    ({"TELEGRAM_TOKEN": TELEGRAM, "TELEGRAM_TOKEN_FILE": "/run/secrets/telegram"},
     "TELEGRAM_TOKEN: set both it and TELEGRAM_TOKEN_FILE; keep one"),
])
def test_each_mistake_names_the_setting_and_what_is_wrong(env, message):
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert message in str(raised.value)
    assert len(str(raised.value).splitlines()) == 1


@pytest.mark.parametrize("url", ["wss://gateway.discord.gg", "ws://127.0.0.1:8765/gateway", "https://gateway.example"])
def test_the_discord_gateway_url_is_a_websocket_url(url):
    assert load_settings({"DISCORD_GATEWAY_URL": url}).discord_gateway_url == url


def test_every_mistake_is_reported_at_once_and_no_token_is_echoed():
    with pytest.raises(ConfigError) as raised:
        load_settings({"TELEGRAM_TOKEN": "12345:short", "PODQUOTE_POLL_MINUTES": "0", "PODQUOTE_SEDS": "x"})
    lines = str(raised.value).splitlines()
    assert len(lines) == 3
    assert "short" not in str(raised.value)


def test_unknown_keys_in_the_toml_file_are_named_with_a_suggestion(tmp_path):
    config = tmp_path / "podquote.toml"
    config.write_text('poll_minute = 3\n')
    with pytest.raises(ConfigError, match="poll_minute: unknown setting; did you mean poll_minutes"):
        load_settings({"PODQUOTE_CONFIG": str(config)})


def test_a_bad_value_in_the_toml_file_is_named_by_its_key_there(tmp_path):
    config = tmp_path / "podquote.toml"
    config.write_text('http_port = "abc"\n')
    with pytest.raises(ConfigError, match=rf"^{config}: http_port: must be a whole number, not 'abc'$"):
        load_settings({"PODQUOTE_CONFIG": str(config)})


def test_variables_unlike_any_setting_are_left_alone():
    assert load_settings({"PATH": "/usr/bin", "HOME": "/root", "TELEGRAF_HOST": "x"}) == Settings()


def test_an_empty_seeds_setting_turns_seeding_off_and_unset_keeps_the_embedded_seeds():
    assert load_settings({"PODQUOTE_SEEDS": ""}).seeds_dir is None
    assert load_settings({}).seeds_dir == ROOT / "seeds"


def test_a_seeds_setting_that_names_no_readable_folder_is_a_mistake(tmp_path):
    (tmp_path / "a-file").write_text("")
    for wrong in ("/nonexistent", str(tmp_path / "a-file")):
        with pytest.raises(ConfigError, match=f"^PODQUOTE_SEEDS: {wrong} is not a folder podquote can read"):
            load_settings({"PODQUOTE_SEEDS": wrong})
    assert load_settings({"PODQUOTE_SEEDS": str(tmp_path)}).seeds_dir == tmp_path


def test_an_unwritable_data_directory_is_named(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: use a path under a file instead
            locked = tmp_path / "a-file" / "data"
            (tmp_path / "a-file").write_text("")
        with pytest.raises(ConfigError, match="PODQUOTE_DATA_DIR: .* is not writable"):
            check_data_dir(locked)
    finally:
        (tmp_path / "locked").chmod(0o700)
    check_data_dir(tmp_path / "fine" / "data")
    assert (tmp_path / "fine" / "data").is_dir()


def test_the_env_example_lists_every_setting():
    example = (ROOT / "deploy" / ".env.example").read_text()
    for option in OPTIONS:
        assert f"\n# {option.name}=" in example or f"\n{option.name}=" in example, option.name
    assert "PODQUOTE_CONFIG" in example


def test_settings_reprs_never_show_tokens():
    settings = load_settings({"TELEGRAM_TOKEN": TELEGRAM, "DISCORD_TOKEN": DISCORD})
    assert TELEGRAM not in repr(settings) and DISCORD not in repr(settings)
    assert isinstance(settings, Settings)
