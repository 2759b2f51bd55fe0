"""Settings from a TOML file plus environment overrides.

Precedence (highest first): ``DISCORD_TOKEN`` / ``DATABASE_URL`` environment variables, the TOML
file, then the defaults below. Every key is documented in ``config.example.toml``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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
    # Discord allows 50 requests/s per bot token (more only if Discord raised it for your bot);
    # Roadie paces itself under this budget (counted as Discord receives them, bot.ratelimit),
    # shared by the processes on the same token: a sharded process takes its shards' share
    # ([sharding]), an unsharded one 1/``processes`` of it. One limiter per process, not two.
    requests_per_second: float = Field(default=50.0, gt=0)
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
    pool_size: int = Field(default=5, ge=1)  # PostgreSQL connections per process (SQLite: always 1)
    max_overflow: int = Field(default=5, ge=0)


class SchedulerSettings(BaseModel):
    """The ``[scheduler]`` section: the safety sweep's interval and the claim lead (seconds)."""

    model_config = ConfigDict(extra="forbid")

    sweep_seconds: float = Field(default=30.0, gt=0)
    # claim (render and group) nudges this many seconds before they are due, holding the messages
    # until then: a storm of thousands is ready to go at its second instead of being claimed then
    lead_seconds: float = Field(default=2.0, ge=0, le=10)


def parse_shard_ids(value: str) -> list[int]:
    """``"0-1"`` -> [0, 1]; ``"0,2,5-6"`` -> [0, 2, 5, 6]. Raises ``ValueError`` with the reason."""
    ids: set[int] = set()
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        if not lo.isdigit() or (sep and not hi.isdigit()):
            raise ValueError(f"shard ids are numbers or ranges like 0-1, not {value!r}")
        a, b = int(lo), int(hi) if sep else int(lo)
        if b < a:
            raise ValueError(f"shard range {part!r} runs backwards")
        ids.update(range(a, b + 1))
    if not ids:
        raise ValueError("no shard ids given")
    return sorted(ids)


class ShardingSettings(BaseModel):
    """The ``[sharding]`` section: which Discord shards this process runs.

    ``shard_count`` 1 (the default) is one unsharded process. ``"auto"`` asks Discord
    (``GET /gateway/bot``) how many shards it recommends. ``shard_ids`` empty means all of them;
    several processes each take a range (``"0-1"`` and ``"2-3"`` of 4). A guild is on shard
    ``(guild_id >> 22) % shard_count`` (Discord API docs, "Sharding").
    """

    model_config = ConfigDict(extra="forbid")

    shard_count: int | str = 1
    shard_ids: list[int] = Field(default_factory=list)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _ids(cls, v: Any) -> Any:
        return parse_shard_ids(v) if isinstance(v, str) else v

    @field_validator("shard_count")
    @classmethod
    def _count(cls, v: int | str) -> int | str:
        if isinstance(v, str):
            if v.strip().lower() == "auto":
                return "auto"
            if not v.strip().isdigit():
                raise ValueError('must be a number of shards or "auto"')
            v = int(v)
        if v < 1:
            raise ValueError("must be at least 1")
        return v

    @model_validator(mode="after")
    def _ids_in_range(self) -> ShardingSettings:
        if any(i < 0 for i in self.shard_ids):
            raise ValueError("shard ids are 0 or more")
        if isinstance(self.shard_count, int) and any(i >= self.shard_count for i in self.shard_ids):
            raise ValueError(f"shard ids must be below shard_count ({self.shard_count})")
        return self

    @property
    def sharded(self) -> bool:
        """True unless this is the one unsharded process (shard_count 1)."""
        return self.shard_count != 1


class Settings(BaseModel):
    """All of Roadie's settings."""

    model_config = ConfigDict(extra="forbid")

    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    scheduler: SchedulerSettings = Field(default_factory=SchedulerSettings)
    sharding: ShardingSettings = Field(default_factory=ShardingSettings)
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
