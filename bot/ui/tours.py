"""Embeds and lines for shows: the day sheet and list pages."""

from __future__ import annotations

import discord

from bot.db.models import Show
from bot.services.tours import TIME_LABELS, format_day, schedule_times, status_label
from bot.ui.format import EMBED_DESCRIPTION_MAX, FIELD_VALUE_MAX, plain, truncate, ts

TOUR_COLOUR = discord.Colour.dark_orange()
STATUS_ICON = {"confirmed": "✅", "hold": "⏳", "cancelled": "🚫"}


def place(show: Show) -> str:
    """``Zepp Haneda, Tokyo, Japan`` (escaped)."""
    return plain(", ".join(p for p in (show.venue, show.city, show.region, show.country) if p))


def day_sheet(show: Show, *, title_prefix: str = "") -> discord.Embed:
    """The day sheet: date and every time in venue time, each also as a Discord timestamp."""
    title = f"{title_prefix}{format_day(show.date)} · {plain(show.city)} · {plain(show.venue)}"
    e = discord.Embed(title=truncate(title, 256), colour=TOUR_COLOUR)
    e.description = truncate(
        f"{STATUS_ICON.get(show.status, '')} **{status_label(show)}** · {place(show)}\n"
        f"Times are venue time ({show.timezone}); the timestamps show your date and time.",
        EMBED_DESCRIPTION_MAX,
    )
    lines = []
    for k, t, at, late in schedule_times(show):
        after = " (after midnight)" if late else ""
        # <t:…:f> (date and time in the reader's zone): a Tokyo 12:00 is the day before in New York
        lines.append(f"{TIME_LABELS[k]}: **{t:%H:%M}**{after} · {ts(at, 'f')}")
    e.add_field(
        name="Schedule",
        value="\n".join(lines) or "No times yet: `/tour edit` to add load-in, doors, set.",
        inline=False,
    )
    if show.capacity:
        e.add_field(name="Capacity", value=f"{show.capacity:,}", inline=True)
    if show.ticket_url:
        e.add_field(name="Tickets", value=truncate(show.ticket_url, FIELD_VALUE_MAX), inline=True)
    if show.support:
        e.add_field(name="Support", value=truncate(plain(show.support), FIELD_VALUE_MAX), inline=False)
    if show.notes:
        e.add_field(name="Notes", value=truncate(plain(show.notes), FIELD_VALUE_MAX), inline=False)
    e.set_footer(text=f"Show #{show.number}")
    return e


def show_line(show: Show) -> str:
    """One list line: ``#3 · **Sat 3 Apr 2027** · Tokyo · Zepp Haneda · ✅ confirmed``."""
    text = (
        f"`#{show.number}` **{format_day(show.date)}** · {plain(truncate(show.city, 60))} · "
        f"{plain(truncate(show.venue, 80))} · {STATUS_ICON.get(show.status, '')} {status_label(show)}"
    )
    return text


def show_list_page(shows: list[Show], when: str, *, index: int, page_count: int, total: int) -> discord.Embed:
    """Page ``index`` (0-based) of ``/tour list``."""
    title = {"upcoming": "Upcoming shows", "past": "Past shows", "all": "All shows"}[when]
    if total == 0:
        return discord.Embed(
            title=title, description="No shows here. Add one with `/tour add` or `/tour import`.", colour=TOUR_COLOUR
        )
    body = truncate("\n".join(show_line(s) for s in shows), EMBED_DESCRIPTION_MAX)
    e = discord.Embed(title=title, description=body or "(this page is empty now)", colour=TOUR_COLOUR)
    e.set_footer(text=f"Page {index + 1}/{page_count} · {total} show(s) · dates are venue-local")
    return e
