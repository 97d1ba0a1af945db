"""Logging is configured here, in the entry point only: one line per event, key=value or JSON, no secrets."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.config import Secret

# Libraries that log every request at INFO: their chatter drowns the bot's own events.
NOISY_LOGGERS = ("httpx", "httpcore", "telegram", "discord", "aiohttp.access", "apscheduler", "asyncio", "aiosqlite")
_FIELD = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")


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
            **{key: value.strip('"') for key, value in _FIELD.findall(message)},
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(
    level: int = logging.INFO,
    log_format: str = "text",
    secrets: Iterable[Secret | None] = (),
    stream: TextIO = sys.stderr,
) -> None:
    """Send the whole process's logs to `stream`, as text lines or JSON lines, secrets redacted."""
    handler = logging.StreamHandler(stream)
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
