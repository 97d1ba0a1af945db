"""What `podquote run` will start, in words for the operator (`podquote check-config`)."""

from __future__ import annotations

from bot.config import Secret, Settings


def describe(settings: Settings) -> list[str]:
    """One line per part: on or off, and how; tokens masked."""
    lines = [
        f"data directory: {settings.data_dir.resolve()} (writable)",
        f"seeds for an empty library: {settings.seeds_dir or 'none'}",
        _telegram(settings),
        _discord(settings),
        _feeds(settings),
        f"admins: {len(settings.admins)} account(s)" if settings.admins else "admins: none (admin commands refused)",
        _http(settings),
        f"logs: {settings.log_format}, level {settings.log_level}",
    ]
    return lines + [f"will start: {', '.join(will_start(settings))}"]


def will_start(settings: Settings) -> list[str]:
    """The services `podquote run` starts with these settings (the same rules as adapters/run.py)."""
    chats = [name for name, token in (("telegram", settings.telegram_token), ("discord", settings.discord_token)) if token]
    parts = [*chats, *(["feed watcher"] if chats or settings.feeds else []), *(["notice dispatcher"] if chats else [])]
    if not parts:
        return ["console mode (no chat token configured)"]
    return parts + (["http endpoint"] if settings.http_port is not None else [])


def _telegram(settings: Settings) -> str:
    if settings.telegram_token is None:
        return "telegram: off (set TELEGRAM_TOKEN)"
    mode = f"webhook at {settings.telegram_webhook_url}, listening on {settings.telegram_webhook_listen}:" \
        f"{settings.telegram_webhook_port}" if settings.telegram_webhook_url else "long polling"
    return f"telegram: on, token {_mask(settings.telegram_token)}, {mode}, API {settings.telegram_api_url}"


def _discord(settings: Settings) -> str:
    if settings.discord_token is None:
        return "discord: off (set DISCORD_TOKEN)"
    sync = f"commands synced to server {settings.discord_guild_id}" if settings.discord_guild_id else "global commands"
    return f"discord: on, token {_mask(settings.discord_token)}, {sync}, API {settings.discord_api_url}"


def _feeds(settings: Settings) -> str:
    if not settings.feeds:
        return "feeds from settings: none (podquote feed add URL adds one)"
    return f"feeds from settings: {len(settings.feeds)}, polled every {settings.poll_minutes:g} min: " + " ".join(settings.feeds)


def _http(settings: Settings) -> str:
    if settings.http_port is None:
        return "http endpoint: off (set PODQUOTE_HTTP_PORT)"
    return f"http endpoint: http://{settings.http_host}:{settings.http_port}/healthz and /metrics"


def _mask(secret: Secret) -> str:
    return secret.masked()
