"""The advance checklist message (items with a persistent tick menu and page buttons, restart-proof
``DynamicItem`` s whose custom_id carries the show and page) and the day sheet's advance part.

Limits (Discord API docs): embed field value ≤ 1024, ≤ 25 fields; select ≤ 25 options, label and
description ≤ 100, custom_id ≤ 100. A page holds :data:`ITEMS_PER_PAGE` items.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import discord

from bot.db.models import AdvanceContact, AdvanceItem, Show
from bot.services import advance, clock
from bot.services.advance import Checklist, format_phone, item_due, overdue, venue_today
from bot.services.tours import format_day
from bot.ui.components import PersistentView
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.errors import reply_error
from bot.ui.format import (
    COLOURS,
    EMBED_FIELDS_MAX,
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    plain,
    progress_bar,
    truncate,
    ts,
)
from bot.ui.ids import CustomId

ITEMS_PER_PAGE = 10
CONTACTS_SHOWN = 8  # with 10 items a page stays under Discord's 6000 characters per message
ADVANCE_COLOUR = discord.Colour(COLOURS.advance)


def page_count(cl: Checklist) -> int:
    """Checklist pages (at least 1)."""
    return max(1, -(-len(cl.items) // ITEMS_PER_PAGE))


def page_items(cl: Checklist, page: int) -> list[AdvanceItem]:
    """The items on ``page`` (0-based), in checklist order (by due date)."""
    return cl.items[page * ITEMS_PER_PAGE : (page + 1) * ITEMS_PER_PAGE]


def _stamp(d: date) -> str:
    return ts(datetime.combine(d, time(12), tzinfo=UTC), "R")


def item_line(item: AdvanceItem, show: Show, today: date) -> str:
    """``⬜ #3 Load-in … · due Sat 20 Mar 2027 (in 3 days)`` plus its reason on a second line."""
    title = plain(truncate(item.title, 100))
    if item.done_at is not None:
        who = f"<@{item.done_by}> " if item.done_by else ""
        return f"✅ #{item.position} ~~{title}~~ · {who}{ts(item.done_at, 'd')}"
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
    """Add the contacts and the open advance items to a day sheet embed, as far as they fit in
    Discord's 6000 characters per message and 25 fields; the rest is pointed to the checklist."""
    more = f"More in `/advance checklist show:#{cl.show.number}`."
    open_items = [i for i in cl.items if i.done_at is None]
    item_lines = [
        f"{'⚠️' if item_due(i, cl.show) < today else '⬜'} #{i.position} {plain(truncate(i.title, 90))} · due "
        f"{format_day(item_due(i, cl.show))}"
        for i in open_items[:10]
    ]
    if len(open_items) > 10:
        item_lines.append(f"…and {len(open_items) - 10} more: `/advance checklist show:#{cl.show.number}`")
    for name, lines in (
        ("Contacts", contact_lines(cl) if cl.contacts else []),
        (f"Advance: {len(open_items)} open", item_lines),
    ):
        if not lines:
            continue
        trial = e.copy()
        _fields(trial, name, lines)
        if len(trial) <= EMBED_TOTAL_MAX - 100 and len(trial.fields) <= EMBED_FIELDS_MAX - 1:
            e = trial
        elif len(e) + len(name) + len(more) <= EMBED_TOTAL_MAX - 100 and len(e.fields) < EMBED_FIELDS_MAX:
            e.add_field(name=name, value=more, inline=False)
    return e


def _today(cl: Checklist):  # type: ignore[no-untyped-def]
    return venue_today(cl.show, clock.utcnow())


def checklist_view(cl: Checklist, page: int) -> PersistentView:
    """The persistent components under a checklist page: the tick menu and page buttons."""
    view = PersistentView()
    options = select_options(cl, page, today=_today(cl))
    if options:
        view.add_item(AdvanceSelect(cl.show.id, page, options))
    pages = page_count(cl)
    if pages > 1:
        view.add_item(AdvancePage(cl.show.id, max(page - 1, 0), "prev", disabled=page == 0))
        view.add_item(AdvancePage(cl.show.id, min(page + 1, pages - 1), "next", disabled=page >= pages - 1))
    return view


def checklist_message(cl: Checklist, page: int) -> dict[str, object]:
    """Keyword arguments for sending or editing a checklist page."""
    page = max(0, min(page, page_count(cl) - 1))
    return {"embed": checklist_embed(cl, page, today=_today(cl)), "view": checklist_view(cl, page)}


TICK_ID = CustomId("roadie:adv:tick:{sid}:{page}")


class AdvanceSelect(discord.ui.DynamicItem[discord.ui.Select], template=TICK_ID.template):
    """Tick or untick an advance item from the checklist message; works after restarts (state in custom_id)."""

    def __init__(self, show_id: int, page: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=TICK_ID.format(sid=show_id, page=page),
                placeholder="Tick or untick an item…",
                min_values=1,
                max_values=1,
                options=options or [discord.SelectOption(label="…", value="0")],
            )
        )
        self.show_id, self.page = show_id, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> AdvanceSelect:
        return cls(int(match["sid"]), int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            values = (interaction.data or {}).get("values") or []  # type: ignore[union-attr]
            action, _, item_id = str(values[0]).partition(":")
            if action not in ("tick", "untick") or not item_id.isdigit():
                raise ValueError(f"unexpected advance menu value {values[0]!r}")
            async with bot_of(interaction).uow() as s:
                cl = await advance.toggle(
                    s,
                    guild_id_of(interaction),
                    self.show_id,
                    int(item_id),
                    done=action == "tick",
                    actor=actor_of(interaction),
                    now=clock.utcnow(),
                )
            await interaction.response.edit_message(**checklist_message(cl, self.page))  # type: ignore[arg-type]
        except Exception as exc:
            await reply_error(interaction, exc)


PAGE_ID = CustomId("roadie:adv:page:{sid}:{page}:{dir}", dir="prev|next")


class AdvancePage(discord.ui.DynamicItem[discord.ui.Button], template=PAGE_ID.template):
    """Previous/next checklist page; works after restarts."""

    def __init__(self, show_id: int, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀ Previous" if direction == "prev" else "Next ▶",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=PAGE_ID.format(sid=show_id, page=page, dir=direction),
            )
        )
        self.show_id, self.page = show_id, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> AdvancePage:
        return cls(int(match["sid"]), int(match["page"]), match["dir"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            async with bot_of(interaction).uow() as s:
                cl = await advance.checklist_by_id(s, guild_id_of(interaction), self.show_id)
            await interaction.response.edit_message(**checklist_message(cl, self.page))  # type: ignore[arg-type]
        except Exception as exc:
            await reply_error(interaction, exc)
