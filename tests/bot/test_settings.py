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
])
def test_each_mistake_names_the_setting_and_what_is_wrong(env, message):
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert message in str(raised.value)
    assert len(str(raised.value).splitlines()) == 1


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
