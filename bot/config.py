"""Settings from a TOML file plus environment overrides.

Precedence (highest first): ``DISCORD_TOKEN`` / ``DATABASE_URL`` environment variables, the TOML
file, then the defaults below. Every key is documented in ``config.example.toml``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_CONFIG_PATH = Path("config.toml")


class ConfigError(Exception):
    """A configuration problem, phrased as one line that names the offending key."""


class DiscordSettings(BaseModel):
    """The ``[discord]`` section."""

    model_config = ConfigDict(extra="forbid")

    token: str = Field(default="", repr=False)  # never printed, never logged
    sync_guild_ids: list[int] = Field(default_factory=list)
    api_base: str = ""
    gateway_url: str = ""
    # Discord allows 50 requests/s per bot token; Roadie paces itself under this budget (counted
    # as Discord receives them, bot.ratelimit), shared by the ``processes`` on the same token.
    requests_per_second: float = Field(default=50.0, gt=0, le=50)
    processes: int = Field(default=1, ge=1)
    # discord.py waits this long after the last GUILD_CREATE before on_ready (its default 2 s):
    # nothing in Roadie waits for on_ready, but a short wait makes "ready" mean ready sooner.
    guild_ready_timeout: float = Field(default=0.2, ge=0)

    @field_validator("api_base", "gateway_url")
    @classmethod
    def _strip_slash(cls, v: str) -> str:
        return v.strip()


class DatabaseSettings(BaseModel):
    """The ``[database]`` section."""

    model_config = ConfigDict(extra="forbid")

    url: str = "sqlite+aiosqlite:///data/roadie.db"


class SchedulerSettings(BaseModel):
    """The ``[scheduler]`` section: the safety sweep's interval and the claim lead (seconds)."""

    model_config = ConfigDict(extra="forbid")

    sweep_seconds: float = Field(default=30.0, gt=0)
    # claim (render and group) nudges this many seconds before they are due, holding the messages
    # until then: a storm of thousands is ready to go at its second instead of being claimed then
    lead_seconds: float = Field(default=2.0, ge=0, le=10)


class Settings(BaseModel):
    """All of Roadie's settings."""

    model_config = ConfigDict(extra="forbid")

    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _level(cls, v: str) -> str:
        if v.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return v.upper()


def _key_of(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ())]
    if len(loc) >= 2:
        return f"[{loc[0]}] {'.'.join(loc[1:])}"
    return ".".join(loc) or "?"


def load_settings(
    path: Path | None = None, *, environ: dict[str, str] | None = None, require_token: bool = True
) -> Settings:
    """Load settings from ``path`` (default ``./config.toml``) and the environment.

    A missing default file is fine (everything can come from the environment); a missing file
    that was asked for explicitly is an error.

    Raises:
        ConfigError: one line naming the key at fault: unreadable/malformed TOML, unknown key,
            wrong type, or (when ``require_token``) no token in ``[discord] token`` or
            ``DISCORD_TOKEN``.
    """
    env = os.environ if environ is None else environ
    explicit = path is not None
    path = path or DEFAULT_CONFIG_PATH
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: malformed TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config file: {exc.strerror}") from None
    elif explicit:
        raise ConfigError(f"{path}: config file not found (copy config.example.toml)")

    if env.get("DISCORD_TOKEN"):
        data.setdefault("discord", {})
        if isinstance(data["discord"], dict):
            data["discord"]["token"] = env["DISCORD_TOKEN"]
    if env.get("DATABASE_URL"):
        data.setdefault("database", {})
        if isinstance(data["database"], dict):
            data["database"]["url"] = env["DATABASE_URL"]

    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err.get("msg", "invalid value")
        if err.get("type") == "extra_forbidden":
            msg = "unknown key"
        raise ConfigError(f"{path}: {_key_of(err)}: {msg}") from None

    if require_token and not settings.discord.token.strip():
        raise ConfigError(f"[discord] token is empty: set DISCORD_TOKEN or token in {path}")
    return settings
