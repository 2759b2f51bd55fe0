"""What ``/remind`` shows: the confirmation, the cancellation and the pending list."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import discord

from bot.db.models import Reminder
from bot.services.settings import GuildConfig
from bot.timeparse import format_local
from bot.ui.format import COLOURS, page_footer, plain, truncate, ts, when
from bot.ui.paginator import paginate_lines

REMINDER_COLOUR = discord.Colour(COLOURS.reminders)
REMINDERS_PER_PAGE = 10
QUOTE_MAX = 1500  # the reminder text quoted in a reply (leaves room for the line above it)


def reminder_line(rem: Reminder, tz_key: str) -> str:
    """``#4 · Sat 3 Apr 2027 09:00 · <t:…:R> · #channel · text``."""
    status = " · ⚠️ failed (Roadie couldn't post)" if rem.status == "failed" else ""
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
