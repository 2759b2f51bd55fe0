"""``python -m bot [--config PATH] [--shards 0-1 --shard-count 4|auto] [sync]``: run Roadie, or
force a command sync and exit. ``--shards``/``--shard-count`` override ``[sharding]`` in the config.

Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 2 for configuration problems (one line on
stderr, no traceback), 1 for anything unexpected.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

import discord
import yarl
from pydantic import ValidationError

from bot.config import ConfigError, Settings, ShardingSettings, load_settings
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.logs import setup_logging

log = logging.getLogger("roadie")


def apply_endpoints(settings: Settings) -> None:
    """Point discord.py at ``api_base`` / ``gateway_url`` when set (REST proxies, the test double)."""
    if settings.discord.api_base:
        discord.http.Route.BASE = settings.discord.api_base.rstrip("/")
    if settings.discord.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord.gateway_url)


async def run(settings: Settings, *, sync_only: bool = False) -> int:
    """Migrate, connect and run until stopped. Returns the process exit code."""
    from bot.roadie import Roadie  # imports discord.ext and the cogs lazily

    apply_endpoints(settings)
    await upgrade(settings.database.url)
    engine = create_engine(
        settings.database.url, pool_size=settings.database.pool_size, max_overflow=settings.database.max_overflow
    )
    sessionmaker = create_sessionmaker(engine)
    try:
        async with Roadie(settings, engine, sessionmaker, sync_only=sync_only) as bot:
            loop = asyncio.get_running_loop()
            stopping: list[asyncio.Task[None]] = []
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(
                    sig,
                    lambda s=sig: (
                        log.info("received %s; shutting down", s.name),
                        stopping.append(loop.create_task(bot.close())),
                    ),
                )
            if sync_only:
                await bot.login(settings.discord.token)  # setup_hook forces the sync
                if bot.sync_error is not None:
                    return 1
                log.info("commands synced")
                return 0
            await bot.start(settings.discord.token)
            if stopping:
                await asyncio.gather(*stopping)
    except discord.LoginFailure:
        print("roadie: Discord refused the token: check [discord] token or DISCORD_TOKEN", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    log.info("stopped")
    return 0


def with_sharding(settings: Settings, shards: str | None, shard_count: str | None) -> Settings:
    """``settings`` with ``--shards``/``--shard-count`` applied. Raises ConfigError naming the flag."""
    if shards is None and shard_count is None:
        return settings
    data = settings.sharding.model_dump()
    if shards is not None:
        data["shard_ids"] = shards
    if shard_count is not None:
        data["shard_count"] = shard_count
    try:
        sharding = ShardingSettings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        flag = {"shard_ids": "--shards", "shard_count": "--shard-count"}.get(str((err.get("loc") or ("",))[0]), "")
        msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
        raise ConfigError(f"{flag or '--shards/--shard-count'}: {msg}") from None
    return settings.model_copy(update={"sharding": sharding})


def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run Roadie, the band's road manager bot.")
    parser.add_argument("--config", type=Path, default=None, help="TOML config file (default ./config.toml)")
    parser.add_argument(
        "action",
        nargs="?",
        choices=["run", "sync"],
        default="run",
        help="run the bot (default) or force a slash-command sync and exit",
    )
    parser.add_argument("--shards", default=None, help="shard ids this process runs, e.g. 0-1 or 0,2 (default: all)")
    parser.add_argument(
        "--shard-count", default=None, help='total number of shards across all processes, or "auto" (ask Discord)'
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
        settings = with_sharding(settings, args.shards, args.shard_count)
    except ConfigError as exc:
        print(f"roadie: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.discord.token)
    try:
        return asyncio.run(run(settings, sync_only=args.action == "sync"))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
