"""What ``/remind`` shows: the confirmation, the cancellation and the pending list."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import discord

from bot.db.models import Reminder, ReminderStatus
from bot.services import reminders, settings
from bot.services.settings import GuildConfig
from bot.timeparse import format_local
from bot.ui.context import bot_of, guild_id_of
from bot.ui.format import COLOURS, page_footer, plain, truncate, ts, when
from bot.ui.paginator import ListGone, Page, clamp, paginate_lines

REMINDER_COLOUR = discord.Colour(COLOURS.reminders)
REMINDERS_PER_PAGE = 10
QUOTE_MAX = 1500  # the reminder text quoted in a reply (leaves room for the line above it)


def reminder_line(rem: Reminder, tz_key: str) -> str:
    """``#4 · Sat 3 Apr 2027 09:00 · <t:…:R> · #channel · text``."""
    status = " · ⚠️ failed (Roadie couldn't post)" if rem.status == ReminderStatus.FAILED else ""
    return (
        f"`#{rem.number}` {format_local(rem.due_at, ZoneInfo(tz_key))} · {ts(rem.due_at, 'R')} · "
        f"<#{rem.channel_id}>{status}\n> {plain(truncate(rem.text, 200))}"
    )


def added_text(rem: Reminder, cfg: GuildConfig) -> str:
    """The reply to ``/remind add``: when (server time and every reader's own), where, what."""
    local = format_local(rem.due_at, cfg.tz)
    return (
        f"⏰ Reminder #{rem.number} set for **{local}** ({cfg.timezone}) · {when(rem.due_at)} "
        f"in <#{rem.channel_id}>:\n"
        f"> {plain(truncate(rem.text, QUOTE_MAX))}"
    )


def cancelled_text(rem: Reminder) -> str:
    """The reply to ``/remind cancel``."""
    return f"🛑 Reminder #{rem.number} cancelled:\n> {plain(truncate(rem.text, QUOTE_MAX))}"


def empty_list_embed() -> discord.Embed:
    """``/remind list`` when nothing is pending."""
    return discord.Embed(
        title="Reminders", description="No pending reminders. Add one with `/remind add`.", colour=REMINDER_COLOUR
    )


def list_pages(rems: list[Reminder], cfg: GuildConfig) -> list[discord.Embed]:
    """``/remind list``: pages of :data:`REMINDERS_PER_PAGE` reminders, each within Discord's embed limits."""
    bodies = paginate_lines([reminder_line(r, cfg.timezone) for r in rems], per_page=REMINDERS_PER_PAGE)
    pages = []
    for i, body in enumerate(bodies):
        e = discord.Embed(title="Pending reminders", description=body, colour=REMINDER_COLOUR)
        e.set_footer(text=page_footer(i, len(bodies), f"{len(rems)} reminder(s)", f"times in {cfg.timezone}"))
        pages.append(e)
    return pages


LIST_GONE = "The reminders on this list are gone (sent or cancelled). Run `/remind list` again."
"""A page button pressed on a list whose items are all gone (answered ephemerally)."""


async def reminder_page(interaction: discord.Interaction, _arg: str, index: int) -> Page:
    """Page ``index`` of ``/remind list``, re-read now (the pager's :data:`PageSource`, ``reminder``)."""
    gid = guild_id_of(interaction)
    async with bot_of(interaction).uow() as s:
        rems = await reminders.list_reminders(s, gid)
        cfg = await settings.get_config(s, gid)
    if not rems:
        if interaction.type == discord.InteractionType.component:
            raise ListGone(LIST_GONE)
        return Page(empty_list_embed(), 0, 1)
    pages = list_pages(rems, cfg)
    index = clamp(index, len(pages))
    return Page(pages[index], index, len(pages))
