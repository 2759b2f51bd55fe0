"""The Discord side of show events: the REST calls that create, update and delete a show's
Scheduled Event (``bot.services.events`` decides what), and the sentences about them.

Without Manage Events, Discord answers 403 (50013): the show is kept as saved, Roadie says why
there is no event once per server, and everything else works. Over Discord's 100 upcoming events
the answer is 400 (30038). A reply waits at most :data:`REPLY_WAIT` for the call (the 3 s window);
a slower call finishes in the background.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import discord

from bot.services import clock, events
from bot.ui.context import bot_of

log = logging.getLogger("roadie.events")

REPLY_WAIT = 1.5  # seconds a command reply waits for the event call
MAX_EVENTS_CODE = 30038

NO_PERMISSION = (
    "📅 No Discord event for this show: Roadie needs the **Manage Events** permission to add shows to the "
    "server's Events tab (say so once; everything else is saved and works). Grant it, or turn this off with "
    "`/settings events enabled:False`."
)
FULL = "📅 No Discord event for this show: the server already has 100 upcoming events (Discord's limit)."


@dataclass(frozen=True)
class Synced:
    """``status``: ``ok`` (created/updated/deleted), ``none`` (nothing to do), ``forbidden``
    (``first`` True the first time for this server), ``full`` (30038) or ``failed``."""

    status: str
    first: bool = False
    created: bool = False


async def sync_show(bot, guild_id: int, guild_name: str, show_id: int) -> Synced:  # type: ignore[no-untyped-def]
    """Bring one show's Scheduled Event in line with the show (one REST call at most)."""
    async with bot.uow() as s:
        p = await events.plan(s, guild_id, show_id, guild_name=guild_name, now=clock.utcnow())
    if p.action == "none":
        return Synced("none")
    event_id: int | None = p.event_id
    created = False
    try:
        if p.action == "update":
            try:
                await bot.http.edit_scheduled_event(guild_id, p.event_id, **p.payload)
            except discord.NotFound:  # deleted by hand in Discord: make it again
                p = events.EventPlan(p.show_id, "create", None, p.payload)
        if p.action == "create":
            data = await bot.http.create_guild_scheduled_event(guild_id, **p.payload)
            event_id, created = int(data["id"]), True
        elif p.action == "delete":
            try:
                await bot.http.delete_scheduled_event(guild_id, p.event_id)
            except discord.NotFound:
                pass
            event_id = None
    except discord.Forbidden:
        async with bot.uow() as s:
            first = await events.note_forbidden(s, guild_id, clock.utcnow())
        return Synced("forbidden", first=first)
    except discord.HTTPException as exc:
        if exc.code == MAX_EVENTS_CODE:
            return Synced("full")
        log.warning("scheduled event for show %s in guild %s failed: %s %s", show_id, guild_id, exc.status, exc.code)
        return Synced("failed")
    async with bot.uow() as s:
        await events.record(s, guild_id, show_id, event_id)
    return Synced("ok", created=created)


def note(result: Synced | None) -> str | None:
    """The line a reply gets about the show's event, if any."""
    if result is None:
        return None
    if result.status == "forbidden" and result.first:
        return NO_PERMISSION
    if result.status == "full":
        return FULL
    return None


async def sync_for_reply(interaction: discord.Interaction, show_id: int) -> str | None:
    """Sync the show's event before the reply (waiting at most :data:`REPLY_WAIT`); the note to add."""
    bot = bot_of(interaction)
    guild = interaction.guild
    if guild is None:
        return None
    task = asyncio.ensure_future(sync_show(bot, guild.id, guild.name, show_id))
    done, _ = await asyncio.wait({task}, timeout=REPLY_WAIT)
    if not done:  # finishes in the background; keep a reference and log a failure
        bot.dispatcher.spawn(task, f"scheduled event of show {show_id}")
        return None
    return note(task.result())


async def sync_after_import(interaction: discord.Interaction) -> str | None:
    """After ``/tour import``: every show's event in line. A line for the report only when some
    could not get one: Discord's 100 upcoming events (how many did), or no Manage Events (once)."""
    bot = bot_of(interaction)
    guild = interaction.guild
    if guild is None:
        return None
    async with bot.uow() as s:
        ids = await events.candidate_show_ids(s, guild.id)
    created = full = 0
    forbidden: Synced | None = None
    for sid in ids:
        r = await sync_show(bot, guild.id, guild.name, sid)
        if r.status == "forbidden":
            forbidden = r
            break
        created += r.created
        full += r.status == "full"
    if forbidden is not None:
        return NO_PERMISSION if forbidden.first else None
    if full:
        return (
            f"📅 {created} show(s) got Discord events; {full} didn't: the server reached Discord's limit of "
            "100 upcoming events."
        )
    return None  # every show that should have an event has one: nothing to add to the report
