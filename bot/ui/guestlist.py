"""What ``/guestlist`` shows: replies after a change and the (ephemeral) list pages.

Guest names are user text: escaped for Markdown and never pinged (the bot's ``allowed_mentions``
parses nothing). Embed limits (Discord API docs): description ≤ 4096 chars.
"""

from __future__ import annotations

from datetime import datetime

import discord

from bot.db.models import Guest, Show
from bot.services import clock, guestlist
from bot.services.guestlist import Added, View
from bot.services.tours import format_day
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.format import COLOURS, plain, truncate, ts
from bot.ui.paginator import ListGone, Page, clamp, paginate_lines

GUEST_COLOUR = discord.Colour(COLOURS.guestlist)


def show_name(show: Show) -> str:
    """``#3 (Sat 3 Apr 2027, Berlin)``."""
    return f"#{show.number} ({format_day(show.date)}, {plain(truncate(show.city, 60))})"


def _ts(at: datetime) -> str:
    return ts(at, "F")


def added_reply(a: Added) -> str:
    """After ``/guestlist add``."""
    plus = f" +{a.guest.plus_ones}" if a.guest.plus_ones else ""
    return (
        f"🎟️ {plain(truncate(a.guest.name, 100))}{plus} is on the guest list of show {show_name(a.show)} "
        f"(guest #{a.guest.number}). You have {a.left} of {a.per_member} place{'s' if a.per_member != 1 else ''} "
        f"left; the list closes {_ts(a.closes_at)}."
    )


def removed_reply(show: Show, guest: Guest) -> str:
    """After ``/guestlist remove``."""
    return f"🗑️ {plain(truncate(guest.name, 100))} is off the guest list of show {show_name(show)}."


def guest_line(g: Guest, *, with_requester: bool) -> str:
    """``#2 Jo Smith +1 · note · for @member``."""
    plus = f" +{g.plus_ones}" if g.plus_ones else ""
    note = f" · {plain(truncate(g.note, 100))}" if g.note else ""
    who = f" · for <@{g.requested_by}>" if with_requester else ""
    return f"`#{g.number}` {plain(truncate(g.name, 100))}{plus}{note}{who}"


def list_pages(v: View) -> list[discord.Embed]:
    """``/guestlist show``: all guests for a manager, the asker's own otherwise; paginated."""
    scope = "all guests" if v.manager else "your guests"
    state = f"closed {_ts(v.closes_at)}" if v.closed else f"closes {_ts(v.closes_at)}"
    head = (
        f"{scope.capitalize()} · {state}\n"
        f"Allowance: {v.per_member} place{'s' if v.per_member != 1 else ''} per member (you use {v.own_places})"
        + (f" · {v.total_places} place(s) in all" if v.manager else "")
    )
    lines = [guest_line(g, with_requester=v.manager) for g in v.guests]
    bodies = paginate_lines(lines, per_page=20, max_chars=3500) if lines else ["No guests yet: `/guestlist add`."]
    title = truncate(f"Guest list · {format_day(v.show.date)} · {plain(v.show.city)} · {plain(v.show.venue)}", 256)
    pages = []
    for i, body in enumerate(bodies, 1):
        e = discord.Embed(title=title, description=f"{head}\n\n{body}", colour=GUEST_COLOUR)
        e.set_footer(text=f"Page {i}/{len(bodies)} · show #{v.show.number}")
        pages.append(e)
    return pages


GUESTS_STALE = "This list can't be paged any more; run `/guestlist show` again."


async def guests_page(interaction: discord.Interaction, show_number: str, index: int) -> Page:
    """Page ``index`` of ``/guestlist show`` (``show_number``: the show's #number), re-read now for
    the clicker (everyone's guests for a manager, their own otherwise): the pager's :data:`PageSource`, ``guests``."""
    if not show_number.isdigit():
        raise ListGone(GUESTS_STALE)
    async with bot_of(interaction).uow() as s:
        v = await guestlist.view(
            s, guild_id_of(interaction), f"#{show_number}", actor=actor_of(interaction), now=clock.utcnow()
        )
    pages = list_pages(v)
    index = clamp(index, len(pages))
    return Page(pages[index], index, len(pages))
