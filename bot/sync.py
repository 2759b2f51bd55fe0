"""Command sync, only when the command tree changed (Discord caps command creates per day).

The hash of each scope's payload is kept in ``app_state`` under ``sync:<app id>:global`` and
``sync:<app id>:guild:<guild id>``. A guild dropped from ``sync_guild_ids`` gets its Roadie
commands removed on the next sync; switching to guild syncs clears earlier global commands (and the
other way round is covered by the guild keys), so no command ever shows twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field

import discord
from discord import app_commands
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import appstate
from bot.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What a sync did: scopes uploaded, scopes cleared, scopes already current."""

    uploaded: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def tree_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    """SHA-256 of the commands ``tree`` would upload for ``guild`` (None: global)."""
    payload = sorted((c.to_dict(tree) for c in tree.get_commands(guild=guild)), key=lambda d: d["name"])
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(
    client: discord.Client,
    tree: app_commands.CommandTree,
    sessionmaker: async_sessionmaker[AsyncSession],
    guild_ids: list[int],
    *,
    force: bool = False,
) -> SyncReport:
    """Upload the command tree where it changed since the last sync (or everywhere with ``force``).

    ``guild_ids`` non-empty: commands go to those guilds (instant) and not globally. Raises
    ``discord.HTTPException`` when Discord refuses an upload (nothing is recorded for that scope).
    """
    app_id = client.application_id
    assert app_id is not None, "sync needs a logged-in client"
    prefix = f"sync:{app_id}:"
    report = SyncReport()
    async with UnitOfWork(sessionmaker) as s:
        stored = {k: await appstate.get(s, k) for k in await appstate.keys_with_prefix(s, prefix)}

    async def record(key: str, value: str | None) -> None:
        # one unit of work per scope: what reached Discord is remembered even if a later scope fails
        async with UnitOfWork(sessionmaker) as s:
            if value is None:
                await appstate.remove(s, key)
            else:
                await appstate.put(s, key, value)

    wanted = set()
    for gid in guild_ids:
        guild = discord.Object(gid)
        tree.copy_global_to(guild=guild)
        key = f"{prefix}guild:{gid}"
        wanted.add(key)
        h = tree_hash(tree, guild)
        if force or stored.get(key) != h:
            await tree.sync(guild=guild)
            await record(key, h)
            report.uploaded.append(f"guild:{gid}")
        else:
            report.unchanged.append(f"guild:{gid}")

    gkey = f"{prefix}global"
    if guild_ids:
        if gkey in stored or force:
            await client.http.bulk_upsert_global_commands(app_id, [])
            await record(gkey, None)
            report.cleared.append("global")
    else:
        wanted.add(gkey)
        h = tree_hash(tree, None)
        if force or stored.get(gkey) != h:
            await tree.sync()
            await record(gkey, h)
            report.uploaded.append("global")
        else:
            report.unchanged.append("global")

    for key in stored:
        if key.startswith(f"{prefix}guild:") and key not in wanted:
            gid = int(key.rsplit(":", 1)[1])
            try:
                await client.http.bulk_upsert_guild_commands(app_id, gid, [])
            except (discord.Forbidden, discord.NotFound):
                log.info("guild %s is gone or forbids commands; forgetting it", gid)
            await record(key, None)
            report.cleared.append(f"guild:{gid}")
    log.info("command sync: uploaded=%s cleared=%s unchanged=%s", report.uploaded, report.cleared, report.unchanged)
    return report
