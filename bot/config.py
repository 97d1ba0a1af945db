"""One typed Settings object, read from the environment and validated at start-up."""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

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
    """Everything podquote can be told; OPTIONS below (and deploy/.env.example) describe each."""

    data_dir: Path = Path("data")
    seeds_dir: Path | None = DEFAULT_SEEDS
    # The operator's own accounts: "telegram:123", "discord:456" (or bare ids, for both).
    admins: frozenset[str] = frozenset()
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    log_format: str = "text"
    log_level: str = "info"
    # Stop everything when one chat adapter can't start, instead of running the rest.
    strict_startup: bool = False
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
    # Feeds to watch (besides those added with `podquote feed add`), and how politely.
    feeds: tuple[str, ...] = ()
    poll_minutes: float = 10.0
    transcript_wait_days: float = 14.0
    fetch_timeout: float = 30.0
    fetch_max_mb: float = 20.0
    # Private hosts (names, addresses, networks) that links found in feeds may lead to (bot/fetch.py).
    fetch_allow_hosts: tuple[str, ...] = ()
    feed_pause_after: int = 10
    parse_timeout: float = 60.0
    # New-episode notices: each platform's limits (overall, per chat, per group chat), how many tries
    # a notice gets, and how many are in flight at once (each may be sent twice after a kill -9).
    telegram_limits: PlatformLimits = PlatformLimits(Rate(30, 1), Rate(1, 1), Rate(20, 60))
    discord_limits: PlatformLimits = PlatformLimits(Rate(50, 1), Rate(5, 5), None)
    delivery_attempts: int = 5
    send_concurrency: int = 1

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from the environment, over the TOML file PODQUOTE_CONFIG names (if any)."""
        return load_settings(os.environ if env is None else env)

    def delivery_limits(self) -> dict[str, PlatformLimits]:
        """Each chat platform's rate limits, by its name."""
        return {"telegram": self.telegram_limits, "discord": self.discord_limits}

    def is_admin(self, platform: str, user_id: str) -> bool:
        """Whether a platform's user is one of the operator's own accounts."""
        return f"{platform}:{user_id}" in self.admins or user_id in self.admins


# Readers: text -> value, raising ValueError with what is wrong (the caller names the setting).


def _number(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"must be a number, not {text!r}") from None
    if not number > 0 or not math.isfinite(number):
        raise ValueError(f"must be a number more than 0, not {text!r}")
    return number


def _at_most(maximum: float) -> Callable[[str], float]:
    """A number more than 0 and at most `maximum` (an absurd one would overflow the dates made from it)."""
    def read(text: str) -> float:
        number = _number(text)
        if number > maximum:
            raise ValueError(f"must be at most {maximum:g}, not {text!r}")
        return number

    return read


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"must be a whole number, not {text!r}") from None


def _count(text: str) -> int:
    number = _whole(text)
    if number < 1:
        raise ValueError(f"must be 1 or more, not {number}")
    return number


def _port(text: str) -> int:
    number = _whole(text)
    if not 0 <= number <= 65535:
        raise ValueError(f"must be a port number from 0 to 65535, not {number}")
    return number


def _url_of(schemes: tuple[str, ...], wanted: str) -> Callable[[str], str]:
    """A reader of URLs with one of these schemes and a host; `wanted` says what in the error."""
    def read(text: str) -> str:
        parts = urlsplit(text)
        if parts.scheme not in schemes or not parts.hostname:
            raise ValueError(f"must be {wanted}, not {text!r}")
        return text

    return read


_url = _url_of(("http", "https"), "an http:// or https:// URL")
# Discord's gateway is a websocket (wss://gateway.discord.gg); aiohttp also opens one from http(s).
_gateway_url = _url_of(("wss", "ws", "https", "http"), "a wss:// or ws:// URL")


def _urls(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_url(url) for url in text.split()))


def _hosts(text: str) -> tuple[str, ...]:
    """Host names, IP addresses or networks (10.0.0.0/8), separated by spaces or commas."""
    hosts = text.replace(",", " ").split()
    wrong = [host for host in hosts if not (_is_network(host) or re.fullmatch(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?", host))]
    if wrong:
        raise ValueError(f"must be host names, addresses or networks, not {', '.join(map(repr, wrong))}")
    return tuple(dict.fromkeys(hosts))


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _admins(text: str) -> frozenset[str]:
    accounts = text.replace(",", " ").split()
    wrong = [a for a in accounts if not re.fullmatch(r"(?:(?:telegram|discord):)?\d+", a)]
    if wrong:
        raise ValueError(f"must be accounts like telegram:123456 or discord:123456, not {', '.join(map(repr, wrong))}")
    return frozenset(accounts)


def _choice(*allowed: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text.lower() not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}, not {text!r}")
        return text.lower()

    return read


def _flag(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"must be true or false, not {text!r}")


def _token(pattern: str, shape: str) -> Callable[[str], Secret]:
    def read(text: str) -> Secret:
        if not re.fullmatch(pattern, text):
            raise ValueError(f"does not look like a token ({shape}); check for a missing part or stray spaces")
        return Secret(text)

    return read


def _limits(text: str) -> PlatformLimits:
    return parse_limits(text)


def _seeds(text: str) -> Path | None:
    if not text.strip():
        return None
    # Checked now: a missing folder would otherwise leave the library empty with one easily missed warning.
    path = Path(text)
    if not (path.is_dir() and os.access(path, os.R_OK | os.X_OK)):
        raise ValueError(f"{text} is not a folder podquote can read (leave it empty to turn seeding off)")
    return path


@dataclass(frozen=True)
class Option:
    """One setting: its variable's name, the Settings field, how to read it, and a line about it."""

    name: str
    field: str
    read: Callable[[str], object]
    help: str
    secret: bool = False
    # Whether an empty value means something (PODQUOTE_SEEDS= turns seeding off) or "the default".
    empty_counts: bool = False


OPTIONS: tuple[Option, ...] = (
    Option("PODQUOTE_DATA_DIR", "data_dir", Path, "folder for the database and the search index"),
    Option("PODQUOTE_SEEDS", "seeds_dir", _seeds,
           "transcripts to ingest while the library has no episodes; empty: none", empty_counts=True),
    Option("PODQUOTE_ADMINS", "admins", _admins,
           "the operator's accounts for admin commands: telegram:ID discord:ID (space-separated)"),
    Option("PODQUOTE_HTTP_HOST", "http_host", str, "address of the /healthz and /metrics endpoint"),
    Option("PODQUOTE_HTTP_PORT", "http_port", _port, "port of the /healthz and /metrics endpoint; unset: off"),
    Option("PODQUOTE_LOG_FORMAT", "log_format", _choice("text", "json"), "text (key=value lines) or json"),
    Option("PODQUOTE_LOG_LEVEL", "log_level", _choice("debug", "info", "warning", "error"), "how much to log"),
    Option("PODQUOTE_STRICT_STARTUP", "strict_startup", _flag,
           "true: stop when a chat adapter can't start, instead of running the others"),
    Option("TELEGRAM_TOKEN", "telegram_token", _token(r"\d+:[\w-]{8,}", "digits:letters, from @BotFather"),
           "the Telegram bot's token (or TELEGRAM_TOKEN_FILE: a file holding it)", secret=True),
    Option("TELEGRAM_API_URL", "telegram_api_url", _url, "Bot API base URL (a self-hosted Bot API server)"),
    Option("TELEGRAM_FILE_URL", "telegram_file_url", _url, "Bot API file download base URL"),
    Option("TELEGRAM_WEBHOOK_URL", "telegram_webhook_url", _url, "public HTTPS URL for webhook mode; unset: long polling"),
    Option("TELEGRAM_WEBHOOK_LISTEN", "telegram_webhook_listen", str, "address the webhook server listens on"),
    Option("TELEGRAM_WEBHOOK_PORT", "telegram_webhook_port", _port, "port the webhook server listens on"),
    Option("TELEGRAM_WEBHOOK_SECRET", "telegram_webhook_secret", Secret,
           "secret token Telegram sends with each webhook call; unset: a random one", secret=True),
    Option("DISCORD_TOKEN", "discord_token", _token(r"[\w-]{6,}\.[\w-]{4,}\.[\w-]{10,}", "three parts joined by dots"),
           "the Discord bot's token (or DISCORD_TOKEN_FILE: a file holding it)", secret=True),
    Option("DISCORD_API_URL", "discord_api_url", _url, "Discord REST API base URL"),
    Option("DISCORD_GATEWAY_URL", "discord_gateway_url", _gateway_url, "Discord gateway URL; unset: the one Discord gives"),
    Option("DISCORD_GUILD_ID", "discord_guild_id", _whole, "sync slash commands to this server only (development)"),
    Option("PODQUOTE_FEEDS", "feeds", _urls, "podcast feeds to watch for new episodes (space-separated URLs)"),
    Option("PODQUOTE_POLL_MINUTES", "poll_minutes", _at_most(7 * 24 * 60), "minutes between polls of a feed"),
    Option("PODQUOTE_TRANSCRIPT_WAIT_DAYS", "transcript_wait_days", _at_most(366),
           "days to keep looking for a new episode's transcript"),
    Option("PODQUOTE_FETCH_TIMEOUT", "fetch_timeout", _at_most(3600), "seconds before a feed or transcript fetch gives up"),
    Option("PODQUOTE_FETCH_MAX_MB", "fetch_max_mb", _at_most(1000), "largest feed or transcript fetched, in MB"),
    Option("PODQUOTE_FETCH_ALLOW_HOSTS", "fetch_allow_hosts", _hosts,
           "private hosts links in feeds may lead to: names, addresses or networks (space-separated)"),
    Option("PODQUOTE_FEED_PAUSE_AFTER", "feed_pause_after", _count, "failed polls in a row before a feed is paused"),
    Option("PODQUOTE_PARSE_TIMEOUT", "parse_timeout", _at_most(3600),
           "seconds a feed or transcript may take to read before it is given up as broken"),
    Option("PODQUOTE_TELEGRAM_LIMITS", "telegram_limits", _limits,
           "Telegram notice rates: overall, per chat, per group ('-' for none)"),
    Option("PODQUOTE_DISCORD_LIMITS", "discord_limits", _limits, "Discord notice rates: overall, per channel"),
    Option("PODQUOTE_DELIVERY_ATTEMPTS", "delivery_attempts", _count, "tries before a notice is marked failed"),
    Option("PODQUOTE_SEND_CONCURRENCY", "send_concurrency", _count, "notices in flight at once; 2 reaches a platform's full rate, but a kill -9 may then repeat 2"),
)
CONFIG_FILE = "PODQUOTE_CONFIG"
_BY_NAME = {option.name: option for option in OPTIONS}
_BY_FIELD = {option.field: option for option in OPTIONS}
_PREFIXES = ("PODQUOTE_", "TELEGRAM_", "DISCORD_")
_NOT_SETTINGS = {CONFIG_FILE} | {f"{o.name}_FILE" for o in OPTIONS if o.secret}
assert set(_BY_FIELD) == {f.name for f in fields(Settings)}, "every setting has an option"


def load_settings(env: Mapping[str, str]) -> Settings:
    """Settings from a TOML file (PODQUOTE_CONFIG) and the environment, the environment winning.

    Every mistake is found, each reported on a line of its own naming the setting.
    """
    errors: list[str] = []
    path = env.get(CONFIG_FILE)
    values = _toml_values(path, errors)
    from_file = set(values) - set(env)
    values.update((name, value) for name, value in env.items() if name in _BY_NAME)
    errors += [_unknown(name) for name in env if _looks_like_ours(name) and not _known(name)]
    errors += [f"{o.name}: set both it and {o.name}_FILE; keep one" for o in OPTIONS
               if o.secret and values.get(o.name) and env.get(f"{o.name}_FILE")]
    chosen: dict[str, object] = {}
    for option in OPTIONS:
        text = _text_of(option, values, env, errors)
        if text is None or (not text.strip() and not option.empty_counts):
            continue
        try:
            chosen[option.field] = option.read(text.strip())
        except ValueError as error:
            label = f"{path}: {option.field}" if option.name in from_file else option.name
            errors.append(f"{label}: {error}")
    errors += _clashes(chosen)
    if errors:
        raise ConfigError("\n".join(errors))
    return Settings(**chosen)


def _clashes(chosen: Mapping[str, object]) -> list[str]:
    """Settings that are fine alone but not together."""
    webhook = chosen.get("telegram_webhook_url")
    errors = []
    if isinstance(webhook, str) and not webhook.startswith("https://"):
        errors.append("TELEGRAM_WEBHOOK_URL: must be an https:// URL (Telegram posts updates only over HTTPS)")
    webhook_port = chosen.get("telegram_webhook_port", Settings.telegram_webhook_port)
    if webhook and chosen.get("http_port") == webhook_port:
        errors.append(f"PODQUOTE_HTTP_PORT: {webhook_port} is also TELEGRAM_WEBHOOK_PORT; give them different ports")
    return errors


def _known(name: str) -> bool:
    return name in _BY_NAME or name in _NOT_SETTINGS


def _looks_like_ours(name: str) -> bool:
    """One of our prefixes, or a name very like a setting's (PODQOUTE_FEEDS, TELEGARM_TOKEN)."""
    return name.startswith(_PREFIXES) or bool(
        difflib.get_close_matches(name, [*_BY_NAME, *_NOT_SETTINGS], n=1, cutoff=0.85)
    )


def _unknown(name: str) -> str:
    near = difflib.get_close_matches(name, [*_BY_NAME, *_NOT_SETTINGS], n=1, cutoff=0.75)
    hint = f"; did you mean {near[0]}?" if near else "; see deploy/.env.example for every setting"
    return f"{name}: unknown setting{hint}"


def _text_of(option: Option, values: Mapping[str, str], env: Mapping[str, str], errors: list[str]) -> str | None:
    """The option's text, from its variable or (for a token) from the file NAME_FILE names."""
    text = values.get(option.name)
    if text or not option.secret or not env.get(f"{option.name}_FILE"):
        return text
    path = env[f"{option.name}_FILE"]
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        errors.append(f"{option.name}_FILE: cannot read {path}: {error.strerror}")
        return None


def _toml_values(path: str | None, errors: list[str]) -> dict[str, str]:
    """A TOML file's settings, by variable name; keys are the Settings fields (data_dir = "...")."""
    if not path:
        return {}
    try:
        with open(path, "rb") as file:
            table = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        errors.append(f"{CONFIG_FILE}: cannot read {path}: {getattr(error, 'strerror', None) or error}")
        return {}
    values = {}
    for key, value in table.items():
        option = _BY_FIELD.get(key)
        if option is None:
            near = difflib.get_close_matches(key, list(_BY_FIELD), n=1, cutoff=0.75)
            errors.append(f"{path}: {key}: unknown setting" + (f"; did you mean {near[0]}?" if near else ""))
            continue
        values[option.name] = _as_text(value)
    return values


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)


def check_data_dir(path: Path) -> None:
    """Make sure the data directory exists and can be written; ConfigError naming it if not."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise ConfigError(f"PODQUOTE_DATA_DIR: {path} is not writable: {error.strerror}") from None
