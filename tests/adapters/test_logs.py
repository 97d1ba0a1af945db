"""Log configuration: key=value text or JSON lines, quiet libraries, secrets never printed."""

import io
import json
import logging

import pytest

from adapters.logs import configure_logging
from bot.config import Secret

TOKEN = "123456:AAHsecret-token-value"


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_json_lines_carry_the_event_and_its_fields():
    out = io.StringIO()
    configure_logging(log_format="json", stream=out)
    logging.getLogger("bot.library").info("ingest failed file=%s reason=%s", "/x/a.txt", "binary")
    entry = json.loads(out.getvalue())
    assert entry["event"] == "ingest failed"
    assert (entry["file"], entry["reason"], entry["level"], entry["logger"]) == ("/x/a.txt", "binary", "info", "bot.library")


def test_a_token_never_reaches_the_log_even_in_a_traceback():
    out = io.StringIO()
    configure_logging(secrets=[Secret(TOKEN), None], stream=out)
    log = logging.getLogger("telegram.ext")
    log.warning("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"failed url=/bot{TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("bot").exception("send failed")
    text = out.getvalue()
    assert TOKEN not in text
    assert text.count("***") >= 2 and "send failed" in text


def test_third_party_loggers_are_quiet_at_info():
    out = io.StringIO()
    configure_logging(stream=out)
    logging.getLogger("httpx").info("HTTP Request: POST https://example/getUpdates")
    logging.getLogger("bot.watcher").info("feed polled feed=x")
    assert "getUpdates" not in out.getvalue() and "feed polled" in out.getvalue()


def test_secret_reprs_are_masked():
    secret = Secret(TOKEN)
    assert TOKEN not in repr(secret) and TOKEN not in str(secret) and TOKEN not in f"{secret}"
    assert secret.masked().endswith(TOKEN[-4:]) and TOKEN[:10] not in secret.masked()


def test_values_with_spaces_are_quoted_so_that_the_fields_survive():
    out = io.StringIO()
    configure_logging(log_format="json", stream=out)
    log = logging.getLogger("adapters.run")
    log.info("service started name=%s", "feed watcher")
    log.warning('feed poll failed feed=%s failures=%d error=%s', "https://x.example/f", 2, 'HTTP 500 "busy"')
    log.info("plain %s text, not a field", "two words")
    started, failed, plain = [json.loads(line) for line in out.getvalue().splitlines()]
    assert (started["event"], started["name"]) == ("service started", "feed watcher")
    assert (failed["feed"], failed["failures"], failed["error"]) == ("https://x.example/f", "2", 'HTTP 500 "busy"')
    assert plain["event"] == "plain two words text, not a field"


def test_a_librarys_traceback_is_one_line_and_ours_stays_whole():
    out = io.StringIO()
    configure_logging(stream=out)
    for name in ("telegram.ext.Updater", "bot.watcher"):
        try:
            raise ConnectionError("Bad Gateway")
        except ConnectionError:
            logging.getLogger(name).exception("polling failed")
    library, ours = out.getvalue().split("\n", 1)
    assert library.endswith("telegram.ext.Updater: polling failed error=ConnectionError: Bad Gateway")
    assert "Traceback (most recent call last)" in ours and "ConnectionError: Bad Gateway" in ours


def test_a_token_in_a_traceback_is_redacted_in_json_too():
    out = io.StringIO()
    configure_logging(log_format="json", secrets=[Secret(TOKEN)], stream=out)
    try:
        raise RuntimeError(f"failed url=/bot{TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("bot").exception("send failed")
    assert TOKEN not in out.getvalue() and "***" in json.loads(out.getvalue())["error"]
