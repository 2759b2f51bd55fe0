"""The advance checklist message (items with a persistent tick menu) and the day sheet's advance part.

Limits (Discord API docs): embed field value ≤ 1024, ≤ 25 fields; select ≤ 25 options, label and
description ≤ 100, custom_id ≤ 100. A page holds :data:`ITEMS_PER_PAGE` items.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import discord

from bot.db.models import AdvanceContact, AdvanceItem, Show
from bot.services.advance import Checklist, format_phone, item_due, overdue
from bot.services.tours import format_day
from bot.ui.format import FIELD_VALUE_MAX, plain, progress_bar, truncate

ITEMS_PER_PAGE = 10
CONTACTS_SHOWN = 8  # with 10 items a page stays under Discord's 6000 characters per message
ADVANCE_COLOUR = discord.Colour.teal()


def page_count(cl: Checklist) -> int:
    """Checklist pages (at least 1)."""
    return max(1, -(-len(cl.items) // ITEMS_PER_PAGE))


def page_items(cl: Checklist, page: int) -> list[AdvanceItem]:
    """The items on ``page`` (0-based), in checklist order (by due date)."""
    return cl.items[page * ITEMS_PER_PAGE : (page + 1) * ITEMS_PER_PAGE]


def _stamp(d: date) -> str:
    return f"<t:{int(datetime.combine(d, datetime.min.time(), tzinfo=UTC).replace(hour=12).timestamp())}:R>"


def item_line(item: AdvanceItem, show: Show, today: date) -> str:
    """``⬜ #3 Load-in … · due Sat 20 Mar 2027 (in 3 days)`` plus its reason on a second line."""
    title = plain(truncate(item.title, 100))
    if item.done_at is not None:
        who = f"<@{item.done_by}> " if item.done_by else ""
        return f"✅ #{item.position} ~~{title}~~ · {who}<t:{int(item.done_at.timestamp())}:d>"
    due = item_due(item, show)
    flag = "⚠️" if due < today else "⬜"
    line = f"{flag} #{item.position} {title} · due {format_day(due)} ({_stamp(due)})"
    if item.reason:
        line += f"\n  ↳ {plain(truncate(item.reason, 120))}"
    return line


def contact_line(c: AdvanceContact) -> str:
    """``Promoter: Jo Smith · +49 30 1234567 · jo@example.com``."""
    parts = [f"**{c.role.capitalize()}**: {plain(truncate(c.name, 100))}"]
    if c.phone:
        parts.append(format_phone(c.phone))
    if c.email:
        parts.append(plain(c.email))
    return truncate(" · ".join(parts), 200)


def contact_lines(cl: Checklist) -> list[str]:
    """The first :data:`CONTACTS_SHOWN` contacts, then a count of the rest."""
    lines = [contact_line(c) for c in cl.contacts[:CONTACTS_SHOWN]]
    if len(cl.contacts) > CONTACTS_SHOWN:
        lines.append(f"…and {len(cl.contacts) - CONTACTS_SHOWN} more: `/advance checklist show:#{cl.show.number}`")
    return lines


def _fields(e: discord.Embed, name: str, lines: list[str]) -> None:
    chunk: list[str] = []
    for line in lines:
        line = truncate(line, FIELD_VALUE_MAX)
        if chunk and len("\n".join([*chunk, line])) > FIELD_VALUE_MAX:
            e.add_field(name=name, value="\n".join(chunk), inline=False)
            chunk, name = [], f"{name} (cont.)"
        chunk.append(line)
    if chunk:
        e.add_field(name=name, value="\n".join(chunk), inline=False)


def checklist_embed(cl: Checklist, page: int, *, today: date) -> discord.Embed:
    """Page ``page`` of a show's advance checklist, with its contacts on the first page."""
    show = cl.show
    pages = page_count(cl)
    page = max(0, min(page, pages - 1))
    done = sum(1 for i in cl.items if i.done_at is not None)
    total = len(cl.items)
    late = len(overdue(cl.items, show, today))
    head = f"`{progress_bar(done / total if total else 0)}` {done}/{total} done" + (
        f" · ⚠️ {late} overdue" if late else ""
    )
    e = discord.Embed(
        title=truncate(
            f"📋 Advance · #{show.number} {format_day(show.date)} · {plain(show.city)} · {plain(show.venue)}", 256
        ),
        description=head,
        colour=ADVANCE_COLOUR,
    )
    _fields(e, "Items", [item_line(i, show, today) for i in page_items(cl, page)])
    if page == 0:
        _fields(e, "Contacts", contact_lines(cl) or ["None yet: `/advance contact`."])
    e.set_footer(text=f"Page {page + 1}/{pages} · due dates are venue dates · tick with the menu or /advance tick")
    return e


def select_options(cl: Checklist, page: int, *, today: date) -> list[discord.SelectOption]:
    """One option per item on the page; the value carries the intended state (``tick:ID``/``untick:ID``)."""
    opts = []
    for i in page_items(cl, page):
        due = item_due(i, cl.show)
        mark = "✅" if i.done_at else ("⚠️" if due < today else "⬜")
        verb = "untick" if i.done_at else "tick"
        opts.append(
            discord.SelectOption(
                label=truncate(f"{mark} #{i.position} {i.title}", 100),
                value=f"{verb}:{i.id}",
                description=truncate(f"{verb} · due {format_day(due)}", 100),
            )
        )
    return opts


def day_sheet_fields(e: discord.Embed, cl: Checklist, *, today: date) -> discord.Embed:
    """Add the contacts and the open advance items (overdue first) to a day sheet embed."""
    if cl.contacts:
        _fields(e, "Contacts", contact_lines(cl))
    open_items = [i for i in cl.items if i.done_at is None]
    if open_items:
        lines = [
            f"{'⚠️' if item_due(i, cl.show) < today else '⬜'} #{i.position} {plain(truncate(i.title, 90))} · due "
            f"{format_day(item_due(i, cl.show))}"
            for i in open_items[:10]
        ]
        if len(open_items) > 10:
            lines.append(f"…and {len(open_items) - 10} more: `/advance checklist show:#{cl.show.number}`")
        _fields(e, f"Advance: {len(open_items)} open", lines)
    return e
