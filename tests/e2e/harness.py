"""Run the real Roadie bot (in-process or as a ``python -m bot`` process) against the Discord double."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.__main__ import apply_endpoints
from bot.config import DatabaseSettings, DiscordSettings, SchedulerSettings, Settings
from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.roadie import Roadie
from tests.double import DiscordDouble

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token.not-a-real-one"
GUILD, GUILD2 = 500000000000000001, 500000000000000002
GENERAL, READONLY, OTHER, G2_CHANNEL = 600000000000000001, 600000000000000002, 600000000000000003, 600000000000000004
ANA, BEN, CARA = 700000000000000001, 700000000000000002, 700000000000000003  # ANA has Manage Server


MANAGER_ROLE, ARTIST_ROLE = 800000000000000001, 800000000000000002
DANA, ELI = 700000000000000011, 700000000000000012  # DANA has the manager role, ELI the artist role


def make_double_with_roles() -> DiscordDouble:
    """:func:`make_double` plus a manager role (held by DANA) and an artist role (held by ELI)."""
    d = make_double()
    d.add_role(GUILD, MANAGER_ROLE, name="management")
    d.add_role(GUILD, ARTIST_ROLE, name="artists")
    d.add_member(GUILD, DANA, username="dana", roles=[MANAGER_ROLE])
    d.add_member(GUILD, ELI, username="eli", roles=[ARTIST_ROLE])
    return d


def make_double() -> DiscordDouble:
    """Two guilds: Band HQ (general, a read-only channel, another) and a second band's server."""
    d = DiscordDouble()
    d.add_guild(GUILD, name="Band HQ")
    d.add_channel(GUILD, GENERAL, name="general")
    d.add_channel(GUILD, READONLY, name="announcements", bot_can_send=False)
    d.add_channel(GUILD, OTHER, name="tour")
    d.add_member(GUILD, ANA, username="ana", manage_guild=True)
    d.add_member(GUILD, BEN, username="ben")
    d.add_guild(GUILD2, name="Other Band")
    d.add_channel(GUILD2, G2_CHANNEL, name="general")
    d.add_member(GUILD2, CARA, username="cara", manage_guild=True)
    return d


def settings_for(
    double: DiscordDouble, db_url: str, guilds: list[int] | None = None, *, sweep_seconds: float = 30
) -> Settings:
    """Settings pointing the bot at ``double`` and ``db_url`` (``sweep_seconds``: the safety-net sweep)."""
    return Settings(
        discord=DiscordSettings(
            token=TOKEN,
            sync_guild_ids=[GUILD, GUILD2] if guilds is None else guilds,
            api_base=double.api_base,
            gateway_url=double.gateway_url,
        ),
        database=DatabaseSettings(url=db_url),
        scheduler=SchedulerSettings(sweep_seconds=sweep_seconds),
    )


@asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[Roadie]:
    """Start Roadie in this process exactly as ``python -m bot`` does; stop it cleanly on exit."""
    apply_endpoints(settings)
    await upgrade(settings.database.url)
    engine = create_engine(settings.database.url)
    bot = Roadie(settings, engine, create_sessionmaker(engine), guild_ready_timeout=0.05)
    task = asyncio.create_task(bot.start(settings.discord.token))
    try:
        ready = asyncio.create_task(bot.ready_event.wait())
        done, _ = await asyncio.wait({ready, task}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()
            raise RuntimeError("bot stopped before it was ready")
        if ready not in done:
            raise TimeoutError("bot not ready within 20 s")
        yield bot
    finally:
        await bot.close()
        try:
            await asyncio.wait_for(task, 10)
        finally:
            await engine.dispose()


class BotProcess:
    """``python -m bot --config FILE`` as a child process (for restart and kill -9 tests)."""

    def __init__(self, config_path: Path, cwd: Path) -> None:
        self.config_path = config_path
        self.cwd = cwd
        self.proc: asyncio.subprocess.Process | None = None
        self.log = cwd / "bot.log"

    async def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL")}
        env["PYTHONPATH"] = str(ROOT)
        with self.log.open("ab") as fh:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(self.config_path),
                cwd=self.cwd,
                env=env,
                stdout=fh,
                stderr=fh,
            )

    async def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()

    async def terminate(self) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), 20)


def write_config(path: Path, double: DiscordDouble, db_url: str, guilds: list[int]) -> Path:
    """A config.toml for a bot process talking to ``double``."""
    path.write_text(
        f'log_level = "INFO"\n[discord]\ntoken = "{TOKEN}"\nsync_guild_ids = {guilds}\n'
        f'api_base = "{double.api_base}"\ngateway_url = "{double.gateway_url}"\n'
        f'[database]\nurl = "{db_url}"\n[scheduler]\nsweep_seconds = 30\n'
    )
    return path


def assert_components_restart_proof(double: DiscordDouble, bot: Roadie) -> None:
    """Every enabled component on every message Roadie posted is served by a registered DynamicItem
    (its state is in the custom_id, so a fresh process handles the click), no view the bot holds
    has a timeout (discord.py's view timeouts run on the monotonic clock), and in fact the bot holds
    no view or form in memory at all."""
    import re

    from tests.double import validation as V

    store = bot._connection._view_store  # discord.py's registry of views and DynamicItem templates
    templates: list[re.Pattern[str]] = list(store._dynamic_items)
    for msg in double.messages:
        for c in V.walk_components(msg.get("components")):
            cid = c.get("custom_id")
            if cid is None or c.get("disabled"):
                continue
            assert any(t.fullmatch(cid) for t in templates), (
                f"component {cid!r} on message {msg['id']} matches no registered DynamicItem: it dies on restart"
            )
    for items in store._views.values():
        for item in items.values():
            assert item.view is None or item.view.timeout is None, f"view {item.view!r} has a timeout"
    for view in store._synced_message_views.values():
        assert view.timeout is None, f"view {view!r} has a timeout"
    # stronger: nothing Roadie posted lives in memory at all (every click is served from the custom_id)
    assert store._views == {} and store._synced_message_views == {} and store._modals == {}
