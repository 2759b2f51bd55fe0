"""What ``/song`` and ``/setlist`` show: the catalogue pages, a set list with its slot, replies, and
the set list form (a modal: one song per line).

Limits (Discord API docs): embed description ≤ 4096; modal title ≤ 45, a paragraph input ≤ 4000.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.db.models import Show, Song
from bot.services import clock, setlist
from bot.services.setlist import CatalogueEntry, Setlist, format_duration
from bot.services.tours import format_day
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.errors import reply_error
from bot.ui.format import (
    COLOURS,
    CONTENT_MAX,
    FIELD_VALUE_MAX,
    MODAL_TITLE_MAX,
    TEXT_INPUT_VALUE_MAX,
    page_footer,
    plain,
    truncate,
)
from bot.ui.ids import CustomId
from bot.ui.paginator import ListGone, Page, clamp, paginate_lines

SET_COLOUR = discord.Colour(COLOURS.setlist)


def song_line(e: CatalogueEntry) -> str:
    """``#4 Night Drive · 3:45 · GBXYZ2700001 · writers`` (release tracks not yet songs: no #)."""
    num = f"`#{e.song.number}` " if e.song else "`release` "
    parts = [f"{num}{plain(truncate(e.title, 100))}"]
    parts += [p for p in (format_duration(e.duration_s), e.isrc or "", plain(truncate(e.writers or "", 80))) if p]
    return " · ".join(parts)


def catalogue_pages(entries: list[CatalogueEntry]) -> list[discord.Embed]:
    """``/song list``, 20 songs a page."""
    if not entries:
        return [
            discord.Embed(
                title="Songs",
                description="No songs yet: `/song add`, or add tracks to a release (`/release track`).",
                colour=SET_COLOUR,
            )
        ]
    bodies = paginate_lines([song_line(e) for e in entries], per_page=20)
    return [
        discord.Embed(title="Songs", description=b, colour=SET_COLOUR).set_footer(
            text=f"Page {i}/{len(bodies)} · {len(entries)} song(s) · release tracks join the songs when used"
        )
        for i, b in enumerate(bodies, 1)
    ]


def song_reply(song: Song, created: bool) -> str:
    """After ``/song add``."""
    extra = " · ".join(p for p in (format_duration(song.duration_s), song.isrc or "", plain(song.writers or "")) if p)
    verb = "added" if created else "updated"
    return f"🎵 Song #{song.number} {plain(truncate(song.title, 120))} {verb}" + (f" ({extra})." if extra else ".")


def _show(show: Show) -> str:
    return f"#{show.number} ({format_day(show.date)}, {plain(truncate(show.city, 60))})"


def slot_text(sl: Setlist) -> str:
    """``Total 52:30 · slot 60:00 (set 21:00 → curfew 22:00): fits, 7:30 to spare``."""
    total = f"Total {format_duration(sl.total_s) or '0:00'}"
    if sl.unknown:
        total += f" (+{sl.unknown} song{'s' if sl.unknown != 1 else ''} without a duration)"
    if sl.slot_s is None:
        return total + " · no slot: give the show a `set_time` and a `curfew` (`/tour edit`)."
    show = sl.show
    slot = f"slot {format_duration(sl.slot_s)} (set {show.set_time:%H:%M} → curfew {show.curfew:%H:%M})"
    spare = sl.slot_s - sl.total_s
    verdict = (
        f"fits, {format_duration(spare) or '0:00'} to spare" if spare >= 0 else f"**over by {format_duration(-spare)}**"
    )
    return f"{total} · {slot}: {verdict}"


SONGS_PER_PAGE = 40  # 40 lines of ≤ 110 characters stay under the 4096 of a description


def setlist_pages(sl: Setlist) -> list[discord.Embed]:
    """``/setlist show``: the order with durations (40 songs a page), the total and the slot on every page."""
    lines = [
        f"{n}. {plain(truncate(s.title, 90))}" + (f" · {format_duration(s.duration_s)}" if s.duration_s else "")
        for n, s in enumerate(sl.songs, 1)
    ]
    bodies = (
        paginate_lines(lines, per_page=SONGS_PER_PAGE)
        if lines
        else [f"No set list yet: `/setlist set show:#{sl.show.number}`."]
    )
    title = truncate(f"🎶 Set list · {format_day(sl.show.date)} · {plain(sl.show.city)} · {plain(sl.show.venue)}", 256)
    slot = truncate(slot_text(sl), FIELD_VALUE_MAX)
    pages = []
    for i, body in enumerate(bodies):
        e = discord.Embed(title=title, description=body, colour=SET_COLOUR)
        e.add_field(name="Slot", value=slot, inline=False)
        e.set_footer(text=page_footer(i, len(bodies), f"show #{sl.show.number}", f"{len(sl.songs)} song(s)"))
        pages.append(e)
    return pages


def saved_reply(sl: Setlist) -> str:
    """After the set list modal: count, new songs, the slot."""
    lines = [f"🎶 Set list of show {_show(sl.show)} saved: {len(sl.songs)} song(s)."]
    if sl.added:
        names = ", ".join(plain(truncate(s.title, 60)) for s in sl.added[:20])
        more = f" and {len(sl.added) - 20} more" if len(sl.added) > 20 else ""
        lines.append(
            f"➕ New in the catalogue ({len(sl.added)}): {names}{more}. Add durations with `/song add title duration`."
        )
    lines.append(slot_text(sl))
    return truncate("\n".join(lines), CONTENT_MAX)


SONGS_INPUT_ID = "roadie:setlist:songs"
MODAL_ID = CustomId(
    "roadie:setlist:modal:{sid}"
)  # matched by the cog's on_interaction listener (modals: no DynamicItem)
MODAL_RE = re.compile(MODAL_ID.template)


class SetlistModal(discord.ui.Modal):
    """The set list form: one song per line (Discord: modal title ≤ 45 chars, paragraph ≤ 4000).

    Restart-proof: the form is sent *detached* (stopped before sending, so discord.py keeps no
    copy in memory) and every submit, before or after a restart, is handled from the
    ``roadie:setlist:modal:<show id>`` custom_id by :func:`submit_setlist` (the cog's
    ``on_interaction`` listener), which re-reads the show.
    """

    songs = discord.ui.TextInput(
        label="Songs, one per line, in order",
        custom_id=SONGS_INPUT_ID,
        style=discord.TextStyle.paragraph,
        max_length=TEXT_INPUT_VALUE_MAX,
        placeholder="Opener\nSecond song\n…\nEncore",
    )

    def __init__(self, show_id: int, show_number: int, current: str) -> None:
        super().__init__(
            title=f"Set list · show #{show_number}"[:MODAL_TITLE_MAX],
            custom_id=MODAL_ID.format(sid=show_id),
            timeout=None,
        )
        if current:
            self.songs.default = current[:TEXT_INPUT_VALUE_MAX]
        self.stop()  # detached: submits are handled by custom_id (see the class docstring)


def submitted_values(data: dict[str, Any]) -> dict[str, str]:
    """``{custom_id: value}`` of a modal submit's text inputs (action rows, type 1, or labels, type 18)."""
    out: dict[str, str] = {}
    for row in data.get("components") or []:
        children = row.get("components") or ([row["component"]] if row.get("component") else [])
        for c in children:
            if c.get("type") == 4 and c.get("custom_id"):
                out[str(c["custom_id"])] = str(c.get("value") or "")
    return out


async def submit_setlist(interaction: discord.Interaction, show_id: int) -> None:
    """Save a submitted set list form and answer with what was saved (errors: ephemeral)."""
    try:
        text = submitted_values(dict(interaction.data or {})).get(SONGS_INPUT_ID, "")
        async with bot_of(interaction).uow() as s:
            sl = await setlist.set_setlist(
                s, guild_id_of(interaction), show_id, text, actor=actor_of(interaction), now=clock.utcnow()
            )
        await interaction.response.send_message(saved_reply(sl))
    except Exception as exc:
        await reply_error(interaction, exc)


SETLIST_STALE = "This list can't be paged any more; run its command again."


async def catalogue_page(interaction: discord.Interaction, _arg: str, index: int) -> Page:
    """Page ``index`` of ``/song list``, re-read now (the pager's :data:`PageSource`, ``songs``)."""
    async with bot_of(interaction).uow() as s:
        entries = await setlist.catalogue(s, guild_id_of(interaction))
    pages = catalogue_pages(entries)
    index = clamp(index, len(pages))
    return Page(pages[index], index, len(pages))


async def setlist_page(interaction: discord.Interaction, show_number: str, index: int) -> Page:
    """Page ``index`` of ``/setlist show`` (``show_number``: the show's #number), re-read now
    (the pager's :data:`PageSource`, ``setlist``)."""
    if not show_number.isdigit():
        raise ListGone(SETLIST_STALE)
    async with bot_of(interaction).uow() as s:
        sl = await setlist.get_setlist(s, guild_id_of(interaction), f"#{show_number}")
    pages = setlist_pages(sl)
    index = clamp(index, len(pages))
    return Page(pages[index], index, len(pages))
