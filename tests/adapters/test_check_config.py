"""`podquote check-config`: what will start, tokens masked; each mistake on a line of its own, exit 2."""

import os
import subprocess
import sys

from tests.conftest import ROOT

TELEGRAM = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
DISCORD = "MTA1NTU1NTU1NTU1NTU1NTU1NQ.Gabcde.abcdefghijklmnopqrstuvwxyz0123"


def _check(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PODQUOTE_", "TELEGRAM_", "DISCORD_"))}
    environment.update({"PODQUOTE_DATA_DIR": str(tmp_path / "data"), **env})
    return subprocess.run([sys.executable, "-m", "adapters.cli", "check-config"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


def test_it_says_what_will_start_with_tokens_masked(tmp_path):
    done = _check(tmp_path, TELEGRAM_TOKEN=TELEGRAM, DISCORD_TOKEN=DISCORD, PODQUOTE_HTTP_PORT="8080",
                  PODQUOTE_FEEDS="https://feeds.example/show.xml")
    assert done.returncode == 0, done.stderr
    assert TELEGRAM not in done.stdout and DISCORD not in done.stdout
    assert f"token …{TELEGRAM[-4:]}" in done.stdout and f"token …{DISCORD[-4:]}" in done.stdout
    assert "will start: telegram, discord, feed watcher, notice dispatcher, http endpoint" in done.stdout


def test_with_no_tokens_it_is_console_mode(tmp_path):
    done = _check(tmp_path)
    assert done.returncode == 0
    assert "will start: console mode" in done.stdout


def test_each_mistake_is_one_line_naming_the_setting(tmp_path):
    done = _check(tmp_path, TELEGRAM_TOKEN="oops", PODQUOTE_FEEDS="not-a-url", PODQUOTE_POLMINUTES="3")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 3, done.stderr
    assert lines[0].startswith("podquote: PODQUOTE_POLMINUTES: unknown setting; did you mean PODQUOTE_POLL_MINUTES?")
    assert any(line.startswith("podquote: TELEGRAM_TOKEN: does not look like a token") for line in lines)
    assert any(line.startswith("podquote: PODQUOTE_FEEDS: must be an http") for line in lines)
    assert "Traceback" not in done.stderr and "oops" not in done.stderr


def test_an_unwritable_data_directory_is_named(tmp_path):
    (tmp_path / "file").write_text("")
    done = _check(tmp_path, PODQUOTE_DATA_DIR=str(tmp_path / "file" / "data"))
    assert done.returncode == 2
    assert "PODQUOTE_DATA_DIR:" in done.stderr and "not writable" in done.stderr
