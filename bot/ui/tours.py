"""Embeds and lines for shows: the day sheet and list pages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import discord

from bot.db.models import Show, ShowStatus
from bot.services import clock, tours
from bot.services.tour_files import MAX_BYTES, ImportReport
from bot.services.tours import TIME_LABELS, curfew_at, format_day, schedule_times, status_label
from bot.textfmt import escape_outside_code
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.events import sync_for_reply
from bot.ui.format import (
    COLOURS,
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    FIELD_VALUE_MAX,
    page_footer,
    plain,
    truncate,
    ts,
)
from bot.ui.paginator import ListGone, Page, clamp, pages_for

TOUR_COLOUR = discord.Colour(COLOURS.tours)
NO_CITY = "(no city)"  # imported from a file that named none
DELETE_KIND = "show"  # in the Delete/Keep custom_ids: roadie:show:delete:<id>
STATUS_ICON = {ShowStatus.CONFIRMED: "✅", ShowStatus.HOLD: "⏳", ShowStatus.CANCELLED: "🚫"}
SHOWS_PER_PAGE = 10
SKIPPED_SHOWN = 15  # skipped rows listed one by one in an import report; the rest are counted
NOTES_SHOWN = 5
IMPORT_DONE = "Done: the import report is posted in the channel."
EXPORT_FILENAME = "tour-dates.ics"


def added_text(show: Show) -> str:
    """The reply to ``/tour add`` (above the day sheet)."""
    return f"🎫 Show #{show.number} added."


def updated_text(show: Show) -> str:
    """The reply to ``/tour edit``."""
    return f"✏️ Show #{show.number} updated."


def cancelled_text(show: Show) -> str:
    """The reply to ``/tour cancel``."""
    return f"🚫 Show #{show.number} is cancelled."


def delete_question(show: Show) -> str:
    """The (ephemeral) question above the Delete / Keep it buttons."""
    return f"Delete show #{show.number}? Its nudges go with it."


def deleted_text(show: Show) -> str:
    """What the confirmation message becomes after Delete."""
    return f"🗑️ Deleted show #{show.number} ({format_day(show.date)}, {plain(truncate(show.city, 80))}) and its nudges."


def file_too_big_text(size: int) -> str:
    """``/tour import`` refusing a file over :data:`bot.services.tour_files.MAX_BYTES`."""
    return f"⚠️ That file is {size:,} bytes; the limit is {MAX_BYTES:,} (1 MB). Split it and import the parts."


def import_report_text(report: ImportReport, filename: str, user_id: int) -> str:
    """The public import report: counts, each skipped row with its reason, notes (≤ 2000 chars)."""
    name = truncate(filename.replace("`", "'"), 60)
    lines = [
        f"📥 <@{user_id}> imported `{name}` ({report.kind.upper()}): "
        f"**{report.added}** added, **{report.updated}** updated, **{len(report.skipped)}** skipped."
    ]
    # reasons and notes quote the user's text in code spans (bot.textfmt.code) and may name places
    # outside them: escape all but the code spans, so neither shows as literal backslashes
    for label, reason in report.skipped[:SKIPPED_SHOWN]:
        lines.append(f"• {plain(truncate(label, 80))}: {escape_outside_code(truncate(reason, 300))}")
    if len(report.skipped) > SKIPPED_SHOWN:
        lines.append(f"• …and {len(report.skipped) - SKIPPED_SHOWN} more skipped.")
    lines += [f"ℹ️ {escape_outside_code(truncate(note, 300))}" for note in report.notes[:NOTES_SHOWN]]
    lines.append("See them with `/tour list`.")
    return truncate("\n".join(lines), CONTENT_MAX)


def export_text(count: int) -> str:
    """The message above the exported .ics file."""
    return (
        f"📤 {count} show(s) as a calendar. Import it in Google Calendar "
        "(Settings › Import) or open it on a Mac/iPhone."
    )


def place(show: Show) -> str:
    """``Zepp Haneda, Tokyo, Japan`` (escaped)."""
    return plain(", ".join(p for p in (show.venue, show.city, show.region, show.country) if p))


def day_sheet(show: Show, *, title_prefix: str = "") -> discord.Embed:
    """The day sheet: date and every time in venue time, each also as a Discord timestamp."""
    title = f"{title_prefix}{format_day(show.date)} · {plain(show.city or NO_CITY)} · {plain(show.venue)}"
    e = discord.Embed(title=truncate(title, EMBED_TITLE_MAX), colour=TOUR_COLOUR)
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
    curfew = curfew_at(show)
    if show.curfew is not None and curfew is not None:
        after = " (after midnight)" if curfew.astimezone(ZoneInfo(show.timezone)).date() > show.date else ""
        lines.append(f"Curfew: **{show.curfew:%H:%M}**{after} · {ts(curfew, 'f')}")
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
        f"`#{show.number}` **{format_day(show.date)}** · {plain(truncate(show.city or NO_CITY, 60))} · "
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
    e.set_footer(text=page_footer(index, page_count, f"{total} show(s)", "dates are venue-local"))
    return e


async def delete_show(interaction: discord.Interaction, show_id: int) -> str:
    """The Delete button's action for shows (``roadie:show:delete:<id>``): one unit of work (then
    its Scheduled Event goes too); the reply."""
    async with bot_of(interaction).uow() as s:
        show = await tours.delete_show(
            s,
            guild_id_of(interaction),
            show_id,
            now=clock.utcnow(),
            actor=actor_of(interaction),
            planners=bot_of(interaction).show_planners,
        )
    return with_note(deleted_text(show), await sync_for_reply(interaction, show.id))


LIST_GONE = "The shows on this list are gone (deleted, or no longer upcoming). Run `/tour list` again."
"""A page button pressed on a list whose items are all gone (answered ephemerally)."""
LIST_STALE = "This list can't be paged any more; run `/tour list` again."
"""A page button whose custom_id no longer names a list (answered ephemerally)."""


async def tour_page(interaction: discord.Interaction, when: str, index: int) -> Page:
    """Page ``index`` of ``/tour list when:<when>``, re-read now (the pager's :data:`PageSource`, ``tour``)."""
    if when not in tours.WHENS:
        raise ListGone(LIST_STALE)
    gid, now = guild_id_of(interaction), clock.utcnow()
    async with bot_of(interaction).uow() as s:
        total = await tours.count_shows(s, gid, when, now=now)
        page_count = pages_for(total, SHOWS_PER_PAGE)
        index = clamp(index, page_count)
        shows = await tours.list_shows(s, gid, when, now=now, offset=index * SHOWS_PER_PAGE, limit=SHOWS_PER_PAGE)
    if total == 0 and interaction.type == discord.InteractionType.component:
        raise ListGone(LIST_GONE)
    return Page(show_list_page(shows, when, index=index, page_count=page_count, total=total), index, page_count)


def with_note(text: str, note: str | None) -> str:
    """``text`` with an extra line (e.g. why a show has no Discord event), within 2000 chars."""
    return truncate(f"{text}\n{note}", CONTENT_MAX) if note else text
