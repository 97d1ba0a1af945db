"""Logging is configured here, in the entry point only: one line per event, key=value or JSON, no secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.config import Secret

# Libraries that log every request (or every lock taken) at INFO or DEBUG: their chatter drowns the
# bot's own events.
NOISY_LOGGERS = ("httpx", "httpcore", "telegram", "discord", "aiohttp.access", "apscheduler", "asyncio", "aiosqlite",
                 "filelock", "charset_normalizer")
# Our own loggers: their messages are `event key=%s ...`, and their tracebacks (bugs) are kept whole.
OWN_LOGGERS = ("bot", "adapters", "search", "bench", "__main__")
# A field: key=value, the value bare or in double quotes (JSON-escaped inside).
_FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
# A %-placeholder of a log message (and %%, which takes no argument).
_PLACEHOLDER = re.compile(r"%(?:%|[-#0 +]*\d*(?:\.\d+)?[a-zA-Z])")


def _own(record: logging.LogRecord) -> bool:
    return record.name.split(".")[0] in OWN_LOGGERS


class QuoteFieldValues(logging.Filter):
    """A field's value with a space in it (`name=feed watcher`) is quoted, so that the line still
    reads as key=value pairs, for people and for --log-format json."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _own(record) and isinstance(record.args, tuple) and record.args:
            record.args = tuple(_quoted_args(str(record.msg), record.args))
        return True


def _quoted_args(message: str, args: tuple[object, ...]) -> Iterable[object]:
    placeholders = [m for m in _PLACEHOLDER.finditer(message) if m.group() != "%%"]
    for placeholder, arg in zip(placeholders, args):
        is_value = message[placeholder.start() - 1 : placeholder.start()] == "=" and placeholder.group()[-1] in "sr"
        text = str(arg) if is_value else ""
        yield json.dumps(text, ensure_ascii=False) if is_value and (not text or re.search(r'[\s"]', text)) else arg
    yield from args[len(placeholders):]


class OneLineForLibraries(logging.Filter):
    """A library's error with a traceback becomes one line ending in the exception (python-telegram-bot
    logs every failed network call with its whole stack); our own tracebacks are bugs and stay whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not _own(record):
            error = record.exc_info[1]
            record.msg, record.args = f"{record.getMessage()} error={type(error).__name__}: {error}", None
            record.exc_info = record.exc_text = None
        return True


class RedactSecrets(logging.Filter):
    """Replaces any configured secret that reaches a log record with ***, whatever logged it."""

    def __init__(self, secrets: Iterable[Secret | None]) -> None:
        super().__init__()
        self._values = [s.reveal() for s in secrets if s is not None and s.reveal()]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._values:
            message = record.getMessage()
            for value in self._values:
                message = message.replace(value, "***")
            record.msg, record.args = message, None
            if record.exc_info and record.exc_text is None:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                for value in self._values:
                    record.exc_text = record.exc_text.replace(value, "***")
        return True


class JsonLines(logging.Formatter):
    """One JSON object per event: time, level, logger, event, and the message's key=value fields."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": _FIELD.sub("", message).strip(),
            **{key: _unquoted(value) for key, value in _FIELD.findall(message)},
        }
        if record.exc_info:  # the text RedactSecrets made, with any secret already taken out
            entry["error"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _unquoted(value: str) -> str:
    if value.startswith('"'):
        try:
            return json.loads(value)
        except ValueError:
            return value.strip('"')
    return value


def configure_logging(
    level: int = logging.INFO,
    log_format: str = "text",
    secrets: Iterable[Secret | None] = (),
    stream: TextIO = sys.stderr,
) -> None:
    """Send the whole process's logs to `stream`, as text lines or JSON lines, secrets redacted."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(QuoteFieldValues())
    handler.addFilter(OneLineForLibraries())
    handler.addFilter(RedactSecrets(secrets))
    if log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
