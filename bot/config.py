"""One typed Settings object, read from the environment and validated at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

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
    discord_token: Secret | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from environment variables (PODQUOTE_DATA_DIR, PODQUOTE_SEEDS, tokens)."""
        env = os.environ if env is None else env
        seeds = env.get("PODQUOTE_SEEDS")
        return cls(
            data_dir=Path(env.get("PODQUOTE_DATA_DIR") or "data"),
            seeds_dir=DEFAULT_SEEDS if seeds is None else (Path(seeds) if seeds.strip() else None),
            telegram_token=read_secret(env, "TELEGRAM_TOKEN"),
            discord_token=read_secret(env, "DISCORD_TOKEN"),
        )


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
