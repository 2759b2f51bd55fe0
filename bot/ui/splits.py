"""Every embed and sentence of ``/split``: per-track shares and whether they total exactly 100.00 %.

Limits (Discord API docs): ≤ 25 fields per embed, field value ≤ 1024, 6000 chars per message: a
release's tracks are paged, :data:`TRACKS_PER_PAGE` per embed. User text is escaped and truncated.
"""

from __future__ import annotations

import discord

from bot.db.models import Release, TrackSplit
from bot.services import splits
from bot.services.splits import TrackSplits, describe_difference, format_share
from bot.ui.context import bot_of, guild_id_of
from bot.ui.format import COLOURS, EMBED_TITLE_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, plain, truncate
from bot.ui.paginator import ListGone, Page, clamp

SPLIT_COLOUR = discord.Colour(COLOURS.splits)
TRACKS_PER_PAGE = 6


def party(split: TrackSplit) -> str:
    """``<@id>`` for a member, the escaped name otherwise."""
    return f"<@{split.member_id}>" if split.member_id else plain(truncate(split.name, 80))


def track_status(ts: TrackSplits) -> str:
    """``✅ 100.00 %`` or ``⚠️ 101.50 % (+1.50 % over)``."""
    if ts.complete:
        return f"✅ {format_share(ts.total_bp)}"
    return f"⚠️ {format_share(ts.total_bp)} ({describe_difference(ts.total_bp)})"


def track_field(ts: TrackSplits) -> tuple[str, str]:
    """(name, value) of one track's field: ``#1 Night Drive · GBXYZ2700001`` and its parties."""
    isrc = f" · {ts.track.isrc}" if ts.track.isrc else ""
    name = truncate(f"#{ts.track.position} {plain(ts.track.title)}{isrc}", FIELD_NAME_MAX)
    lines = [track_status(ts)]
    for s in ts.splits:
        lines.append(f"• {party(s)} · {s.role} · **{format_share(s.share_bp)}**")
    if len(lines) == 1:
        lines.append("No parties yet: `/split set`.")
    value = ""
    for i, line in enumerate(lines):
        nxt = f"{value}\n{line}" if value else line
        if len(nxt) > FIELD_VALUE_MAX - 30:
            value += f"\n…and {len(lines) - i} more"
            break
        value = nxt
    return name, value


def overview_pages(release: Release, items: list[TrackSplits]) -> list[discord.Embed]:
    """``/split show``: tracks that don't total 100.00 % first, then the complete ones."""
    bad = sum(1 for ts in items if not ts.complete)
    summary = (
        f"⚠️ {bad} of {len(items)} track{'s' if len(items) != 1 else ''} don't total exactly 100.00 %."
        if bad
        else f"✅ Every track totals exactly 100.00 % ({len(items)} track{'s' if len(items) != 1 else ''})."
    )
    chunks = [items[i : i + TRACKS_PER_PAGE] for i in range(0, len(items), TRACKS_PER_PAGE)] or [[]]
    pages = []
    for n, chunk in enumerate(chunks, 1):
        e = discord.Embed(
            title=truncate(f"🎼 Splits · #{release.number} {plain(release.title)}", EMBED_TITLE_MAX),
            description=summary,
            colour=SPLIT_COLOUR,
        )
        for ts in chunk:
            name, value = track_field(ts)
            e.add_field(name=name, value=value, inline=False)
        e.set_footer(text=f"Page {n}/{len(chunks)} · /split sheet for the .csv")
        pages.append(e)
    return pages


def split_set(ts: TrackSplits, split: TrackSplit, created: bool) -> str:
    """The reply to ``/split set``."""
    verb = "added" if created else "now has"
    return (
        f"🎼 Track #{ts.track.position} **{plain(truncate(ts.track.title, 100))}**: {party(split)} ({split.role}) "
        f"{verb} **{format_share(split.share_bp)}**. Total {track_status(ts)}."
    )


def split_removed(ts: TrackSplits, split: TrackSplit) -> str:
    """The reply to ``/split remove``."""
    return (
        f"🗑️ Removed {party(split)} from track #{ts.track.position} **{plain(truncate(ts.track.title, 100))}**. "
        f"Total {track_status(ts)}."
    )


def sheet_ready(release: Release, rows: int) -> str:
    """The message the split sheet is attached to."""
    return (
        f"📄 Split sheet for #{release.number} **{plain(truncate(release.title, 150))}**: {rows} row"
        f"{'s' if rows != 1 else ''}, every track totals exactly 100.00 %."
    )


def sheet_filename(release: Release) -> str:
    """``splits-1-night-drive.csv`` (ASCII, safe for any OS)."""
    slug = "".join(c if c.isalnum() else "-" for c in release.title.lower().encode("ascii", "ignore").decode())
    slug = "-".join(p for p in slug.split("-") if p)[:40] or "release"
    return f"splits-{release.number}-{slug}.csv"


SPLITS_STALE = "This list can't be paged any more; run `/split show` again."


async def overview_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
    """Page ``index`` of the splits overview (``arg``: ``<release #number>.<track #position or 0>``),
    re-read now (the pager's :data:`PageSource`, ``splits``)."""
    number, _, pos = arg.partition(".")
    if not (number.isdigit() and pos.isdigit()):
        raise ListGone(SPLITS_STALE)
    async with bot_of(interaction).uow() as s:
        r, items = await splits.overview(s, guild_id_of(interaction), f"#{number}", f"#{pos}" if int(pos) else None)
    pages = overview_pages(r, items)
    index = clamp(index, len(pages))
    return Page(pages[index], index, len(pages))
