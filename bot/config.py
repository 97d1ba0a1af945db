"""One typed Settings object, read from the environment and validated at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.ratelimit import PlatformLimits, Rate, parse_limits
from search.errors import PodquoteError

DEFAULT_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class ConfigError(PodquoteError, ValueError):
    """A setting is missing or wrong; the message names the setting and what is wrong with it."""


class Secret:
    """A token that never shows itself in logs, errors or reprs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the one call that needs it."""
        return self._value

    def masked(self) -> str:
        """A hint of which token this is, safe to print: its last 4 characters."""
        return "…" + self._value[-4:] if len(self._value) > 12 else "***"

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Settings:
    """Everything podquote can be told; see deploy/.env.example for each variable."""

    data_dir: Path = Path("data")
    seeds_dir: Path | None = DEFAULT_SEEDS
    telegram_token: Secret | None = None
    # Where the Telegram Bot API lives; tests point it at a stand-in server on 127.0.0.1.
    telegram_api_url: str = "https://api.telegram.org/bot"
    # Where files are fetched from; a self-hosted Bot API server serves them too.
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    telegram_webhook_secret: Secret | None = None
    discord_token: Secret | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_gateway_url: str | None = None
    discord_guild_id: int | None = None
    # The operator's own accounts: "telegram:123", "discord:456" (or bare ids, for both).
    admins: frozenset[str] = frozenset()
    # Feeds to watch (besides those added with `podquote feed add`), and how politely.
    feeds: tuple[str, ...] = ()
    poll_minutes: float = 10.0
    transcript_wait_days: float = 14.0
    fetch_timeout: float = 30.0
    fetch_max_mb: float = 20.0
    feed_pause_after: int = 10
    # New-episode notices: each platform's limits (overall, per chat, per group chat), how many tries
    # a notice gets, and how many are in flight at once (each may be sent twice after a kill -9).
    telegram_limits: PlatformLimits = PlatformLimits(Rate(30, 1), Rate(1, 1), Rate(20, 60))
    discord_limits: PlatformLimits = PlatformLimits(Rate(50, 1), Rate(5, 5), None)
    delivery_attempts: int = 5
    send_concurrency: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from environment variables (PODQUOTE_DATA_DIR, PODQUOTE_SEEDS, tokens)."""
        env = os.environ if env is None else env
        seeds = env.get("PODQUOTE_SEEDS")
        defaults = cls()
        return cls(
            data_dir=Path(env.get("PODQUOTE_DATA_DIR") or "data"),
            seeds_dir=DEFAULT_SEEDS if seeds is None else (Path(seeds) if seeds.strip() else None),
            telegram_token=read_secret(env, "TELEGRAM_TOKEN"),
            telegram_api_url=env.get("TELEGRAM_API_URL") or defaults.telegram_api_url,
            telegram_file_url=env.get("TELEGRAM_FILE_URL") or defaults.telegram_file_url,
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN") or defaults.telegram_webhook_listen,
            telegram_webhook_port=_integer(env, "TELEGRAM_WEBHOOK_PORT", defaults.telegram_webhook_port),
            telegram_webhook_secret=read_secret(env, "TELEGRAM_WEBHOOK_SECRET"),
            discord_token=read_secret(env, "DISCORD_TOKEN"),
            discord_api_url=env.get("DISCORD_API_URL") or defaults.discord_api_url,
            discord_gateway_url=env.get("DISCORD_GATEWAY_URL") or None,
            discord_guild_id=_integer(env, "DISCORD_GUILD_ID", None),
            admins=frozenset(env.get("PODQUOTE_ADMINS", "").replace(",", " ").split()),
            **_feed_settings(env, defaults),
        )

    def delivery_limits(self) -> dict[str, PlatformLimits]:
        """Each chat platform's rate limits, by its name."""
        return {"telegram": self.telegram_limits, "discord": self.discord_limits}

    def is_admin(self, platform: str, user_id: str) -> bool:
        """Whether a platform's user is one of the operator's own accounts."""
        return f"{platform}:{user_id}" in self.admins or user_id in self.admins


def _feed_settings(env: Mapping[str, str], defaults: Settings) -> dict[str, object]:
    """The feed watcher's and the dispatcher's settings (PODQUOTE_FEEDS, PODQUOTE_POLL_MINUTES, ...)."""
    return {
        "feeds": tuple(dict.fromkeys(env.get("PODQUOTE_FEEDS", "").split())),
        "poll_minutes": _positive(env, "PODQUOTE_POLL_MINUTES", defaults.poll_minutes),
        "transcript_wait_days": _positive(env, "PODQUOTE_TRANSCRIPT_WAIT_DAYS", defaults.transcript_wait_days),
        "fetch_timeout": _positive(env, "PODQUOTE_FETCH_TIMEOUT", defaults.fetch_timeout),
        "fetch_max_mb": _positive(env, "PODQUOTE_FETCH_MAX_MB", defaults.fetch_max_mb),
        "feed_pause_after": _count(env, "PODQUOTE_FEED_PAUSE_AFTER", defaults.feed_pause_after),
        "telegram_limits": _limits(env, "PODQUOTE_TELEGRAM_LIMITS", defaults.telegram_limits),
        "discord_limits": _limits(env, "PODQUOTE_DISCORD_LIMITS", defaults.discord_limits),
        "delivery_attempts": _count(env, "PODQUOTE_DELIVERY_ATTEMPTS", defaults.delivery_attempts),
        "send_concurrency": _count(env, "PODQUOTE_SEND_CONCURRENCY", defaults.send_concurrency),
    }


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}: must be a number, not {value!r}") from None
    if not number > 0:
        raise ConfigError(f"{name}: must be more than 0, not {value!r}")
    return number


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    number = _integer(env, name, default)
    if number is None or number < 1:
        raise ConfigError(f"{name}: must be 1 or more, not {number}")
    return number


def _limits(env: Mapping[str, str], name: str, default: PlatformLimits) -> PlatformLimits:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return parse_limits(value)
    except ValueError as error:
        raise ConfigError(f"{name}: {error}") from None


def _integer(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}: must be a whole number, not {value!r}") from None


def read_secret(env: Mapping[str, str], name: str) -> Secret | None:
    """A token from NAME, or from the file that NAME_FILE points to (Docker and systemd secrets)."""
    if env.get(name):
        return Secret(env[name].strip())
    path = env.get(f"{name}_FILE")
    if not path:
        return None
    try:
        return Secret(Path(path).read_text(encoding="utf-8").strip())
    except OSError as error:
        raise ConfigError(f"{name}_FILE: cannot read {path}: {error.strerror}") from None
