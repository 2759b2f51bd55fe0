"""``python -m bot [--config PATH] [sync]``: run Roadie, or force a command sync and exit.

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

from bot.config import ConfigError, Settings, load_settings
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
    engine = create_engine(settings.database.url)
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
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
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
