"""Everything ``/promo`` shows: outlet cards and lists, pitch replies, the import report, the campaign
pages (with persistent Previous/Next buttons) and the pitch export file."""

from __future__ import annotations

import re
from datetime import datetime

import discord

from bot.db.models import Outlet, Pitch, PitchResult, PitchStatus, Release
from bot.services import clock, promo
from bot.services.promo import Campaign, ContactsReport
from bot.ui.components import PersistentView
from bot.ui.context import bot_of, guild_id_of
from bot.ui.errors import reply_error
from bot.ui.format import (
    COLOURS,
    CONTENT_MAX,
    EMBED_TITLE_MAX,
    FIELD_VALUE_MAX,
    page_footer,
    plain,
    truncate,
    ts,
)
from bot.ui.ids import CustomId
from bot.ui.paginator import ListGone, Page, clamp, pages_for, paginate_lines

PROMO_COLOUR = COLOURS.promo
OUTLETS_PER_PAGE = 10
PITCHES_PER_PAGE = 10
LINKS_SHOWN = 5
DUE_SHOWN = 10
SKIPPED_SHOWN = 15
NOTES_SHOWN = 3
IMPORT_DONE = "Done: the import report is posted in the channel."
STATUS_EMOJI = {
    PitchStatus.TO_PITCH: "📝",
    PitchStatus.PITCHED: "📨",
    PitchStatus.FOLLOWED_UP: "🔁",
    PitchStatus.REPLIED: "💬",
    PitchStatus.ACCEPTED: "🤝",
    PitchStatus.PUBLISHED: "📰",
    PitchStatus.ADDED: "🎧",
    PitchStatus.AIRED: "📻",
    PitchStatus.PASSED: "✖️",
    PitchStatus.NO_REPLY: "🔇",
}


def export_filename(release: Release) -> str:
    """``promo-1-night-drive.csv`` (ASCII, ≤ 60 chars)."""
    slug = re.sub(r"[^a-z0-9]+", "-", release.title.lower()).strip("-")[:40] or "release"
    return f"promo-{release.number}-{slug}.csv"


# --- outlets ----------------------------------------------------------------------------------


def outlet_line(o: Outlet) -> str:
    """``#3 **Radio X** (radio) · Ana · ana@radiox.co.uk · @radiox · UK``."""
    parts = [f"#{o.number} **{plain(truncate(o.name, 80))}** ({o.kind})"]
    parts += [plain(truncate(x, 60)) for x in (o.contact, o.email, o.handle, o.region) if x]
    return " · ".join(parts)


def outlet_embed(o: Outlet) -> discord.Embed:
    """One outlet's card."""
    e = discord.Embed(title=truncate(f"#{o.number} {o.name}", EMBED_TITLE_MAX), colour=PROMO_COLOUR)
    for name, value in (
        ("Kind", o.kind),
        ("Contact", o.contact),
        ("E-mail", o.email),
        ("Handle", o.handle),
        ("Region", o.region),
        ("Notes", o.notes),
    ):
        if value:
            e.add_field(name=name, value=truncate(plain(value), FIELD_VALUE_MAX), inline=name != "Notes")
    return e


def outlet_added_text(o: Outlet) -> str:
    """The reply to ``/promo outlet-add``."""
    return f"📇 Outlet #{o.number} added. Pitch it with `/promo pitch release:… outlet:#{o.number}`."


def outlet_updated_text(o: Outlet) -> str:
    """The reply to ``/promo outlet-edit``."""
    return f"✏️ Outlet #{o.number} updated."


def outlet_removed_text(o: Outlet) -> str:
    """The reply to ``/promo outlet-remove``."""
    return f"🗑️ Outlet #{o.number} **{plain(truncate(o.name, 100))}** removed (its pitches stay in the campaigns)."


def outlets_page(outlets: list[Outlet], kind: str | None, *, index: int, page_count: int, total: int) -> discord.Embed:
    """``/promo outlets``: ten outlets a page."""
    title = f"Outlets · {kind}" if kind else "Outlets"
    if not outlets:
        desc = "No outlets yet. Add one with `/promo outlet-add` or import a contacts CSV with `/promo import`."
    else:
        desc = paginate_lines([outlet_line(o) for o in outlets], per_page=OUTLETS_PER_PAGE)[0]
    e = discord.Embed(title=title, description=desc, colour=PROMO_COLOUR)
    e.set_footer(text=page_footer(index, page_count, f"{total} outlet(s)"))
    return e


def file_too_big_text(size: int) -> str:
    """``/promo import`` refusing a file over 1 MB before downloading it."""
    return (
        f"⚠️ That file is {size:,} bytes; the limit is {promo.MAX_IMPORT_BYTES:,} (1 MB). "
        "Split it and import the parts; nothing was imported."
    )


def import_report_text(report: ContactsReport, filename: str, user_id: int) -> str:
    """The public import report: counts, each skipped row with its reason, notes (≤ 2000 chars)."""
    name = truncate(filename.replace("`", "'"), 60)
    lines = [
        f"📥 <@{user_id}> imported `{name}` (contacts): **{report.added}** added, **{report.updated}** updated, "
        f"**{len(report.skipped)}** skipped."
    ]
    for label, reason in report.skipped[:SKIPPED_SHOWN]:
        lines.append(f"• {label}: {plain(truncate(reason, 150))}")
    if len(report.skipped) > SKIPPED_SHOWN:
        lines.append(f"• …and {len(report.skipped) - SKIPPED_SHOWN} more skipped.")
    lines += [f"ℹ️ {plain(truncate(n, 300))}" for n in report.notes[:NOTES_SHOWN]]
    lines.append("See them with `/promo outlets`.")
    return truncate("\n".join(lines), CONTENT_MAX)


# --- pitches ------------------------------------------------------------------------------------


def pitch_added_text(p: Pitch, release: Release) -> str:
    """The reply to ``/promo pitch``: the pitch number and when its follow-up is due."""
    due = f" Follow-up nudge {ts(p.followup_due_at, 'R')} unless it gets news." if p.followup_due_at else ""
    return (
        f"📨 Pitch #{p.number}: **{plain(truncate(release.title, 100))}** → **{plain(truncate(p.outlet.name, 100))}** "
        f"({p.outlet.kind}), pitched.{due}"
    )


def pitch_updated_text(p: Pitch) -> str:
    """The reply to ``/promo update``."""
    emoji = STATUS_EMOJI.get(PitchStatus(p.status), "")
    tail = ""
    if p.status == PitchStatus.PITCHED and p.followup_due_at:
        tail = f" Follow-up nudge {ts(p.followup_due_at, 'R')}."
    return f"{emoji} Pitch #{p.number} ({plain(truncate(p.outlet.name, 100))}) is now `{p.status}`.{tail}"


def result_text(p: Pitch, r: PitchResult) -> str:
    """The reply to ``/promo result``."""
    value = f" {r.value:,}" if r.value is not None else ""
    link = f" · {r.link}" if r.link else ""
    return f"📈 Pitch #{p.number} ({plain(truncate(p.outlet.name, 100))}): {r.kind}{value}{link} logged."


def follow_up_days_text(days: int) -> str:
    """The reply to ``/promo follow-up``."""
    return (
        f"⏱️ Pitches still `pitched` after **{days}** day(s) get a follow-up nudge; after {days} more they "
        "become `no-reply`. Pitches already waiting keep their planned times."
    )


# --- campaign -------------------------------------------------------------------------------------


def _day(dt: datetime) -> str:
    return ts(dt, "d")


def campaign_page_count(c: Campaign) -> int:
    """Page 1 is the summary; then the pitches, ten a page."""
    return 1 + -(-len(c.pitches) // PITCHES_PER_PAGE)


def _field_lines(lines: list[str], more: str = "") -> str:
    out: list[str] = []
    for i, line in enumerate(lines):
        tail = more.format(n=len(lines) - i) if more else ""
        if sum(len(x) + 1 for x in out) + len(line) + len(tail) + 1 > FIELD_VALUE_MAX:
            out.append(tail)
            break
        out.append(line)
    return "\n".join(out) or "—"


def campaign_summary(c: Campaign, page_count: int) -> discord.Embed:
    """Page 1: the funnel, counts per status and outlet kind, reach, latest coverage, due this week."""
    r = c.release
    e = discord.Embed(
        title=truncate(f"📣 Campaign · #{r.number} {r.title}", EMBED_TITLE_MAX),
        description=f"{len(c.pitches)} pitch(es) to outlets." if c.pitches else "No pitches yet: `/promo pitch`.",
        colour=PROMO_COLOUR,
    )
    first = c.funnel[0][1] if c.funnel else 0
    funnel = [
        f"{stage}: **{n}**" + (f" ({round(100 * n / first)}%)" if first and i else "")
        for i, (stage, n) in enumerate(c.funnel)
    ]
    e.add_field(name="Funnel", value=" → ".join(funnel), inline=False)
    statuses = [f"{STATUS_EMOJI[PitchStatus(s)]} {s}: {n}" for s, n in c.by_status.items() if n]
    e.add_field(name="By status", value=_field_lines(statuses), inline=True)
    kinds = [f"{k}: {n}" for k, n in sorted(c.by_kind.items(), key=lambda kv: (-kv[1], kv[0]))]
    e.add_field(name="By outlet kind", value=_field_lines(kinds), inline=True)
    e.add_field(name="Total reach", value=f"**{c.reach:,}** (followers + audience) · {c.spins:,} spins", inline=False)
    links = [
        f"{_day(at)} {plain(truncate(name, 60))}: {truncate(link, 300)}" for at, name, link in c.links[:LINKS_SHOWN]
    ]
    e.add_field(name="Latest coverage", value=_field_lines(links), inline=False)
    due = [
        f"#{p.number} {plain(truncate(p.outlet.name, 60))} · <@{p.owner_id}> · "
        f"{'no-reply' if p.followup_stage else 'follow up'} {ts(at, 'R')}"
        for p, at in c.due_week[:DUE_SHOWN]
    ]
    more = f"…and {len(c.due_week) - DUE_SHOWN} more" if len(c.due_week) > DUE_SHOWN else ""
    e.add_field(name="Due for follow-up this week", value=_field_lines(due + ([more] if more else [])), inline=False)
    e.set_footer(text=page_footer(0, page_count, "every pitch with its history is in the .csv"))
    return e


def pitch_line(p: Pitch) -> str:
    """``💬 #4 **Radio X** (radio) · replied <t:…:d> by <@who> · owner <@owner> · 2 result(s)``: the
    status with when and by whom it was set (Roadie itself for ``no-reply``), from the history."""
    last = p.events[-1] if p.events else None
    when = f" {_day(last.created_at)}" if last else ""
    by = (f" by <@{last.actor_id}>" if last.actor_id else " by Roadie") if last else ""
    results = f" · {len(p.results)} result(s)" if p.results else ""
    return (
        f"{STATUS_EMOJI[PitchStatus(p.status)]} #{p.number} **{plain(truncate(p.outlet.name, 60))}** "
        f"({p.outlet.kind}) · {p.status}{when}{by} · owner <@{p.owner_id}>{results}"
    )


def campaign_page(c: Campaign, index: int) -> discord.Embed:
    """Page ``index`` (0-based) of ``/promo campaign`` (clamped to the last page)."""
    count = campaign_page_count(c)
    index = max(0, min(index, count - 1))
    if index == 0:
        return campaign_summary(c, count)
    chunk = c.pitches[(index - 1) * PITCHES_PER_PAGE : index * PITCHES_PER_PAGE]
    e = discord.Embed(
        title=truncate(f"📣 Pitches · #{c.release.number} {c.release.title}", EMBED_TITLE_MAX),
        description=paginate_lines([pitch_line(p) for p in chunk], per_page=PITCHES_PER_PAGE)[0],
        colour=PROMO_COLOUR,
    )
    e.set_footer(text=page_footer(index, count, f"{len(c.pitches)} pitch(es)"))
    return e


PAGE_ID = CustomId("roadie:promo:page:{rid}:{page}:{dir}", dir="prev|next")


class CampaignPageButton(discord.ui.DynamicItem[discord.ui.Button], template=PAGE_ID.template):
    """Previous/next campaign page; re-reads the campaign on click, so it works after restarts."""

    def __init__(self, release_id: int, page: int, direction: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="◀ Previous" if direction == "prev" else "Next ▶",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=PAGE_ID.format(rid=release_id, page=page, dir=direction),
            )
        )
        self.release_id, self.page = release_id, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> CampaignPageButton:
        return cls(int(match["rid"]), int(match["page"]), match["dir"])

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            async with bot_of(interaction).uow() as s:
                c = await promo.campaign_by_id(s, guild_id_of(interaction), self.release_id, now=clock.utcnow())
            embed, view = page_and_view(c, self.page)
            await interaction.response.edit_message(embed=embed, view=view)
        except Exception as exc:
            await reply_error(interaction, exc)


def page_and_view(c: Campaign, index: int) -> tuple[discord.Embed, PersistentView]:
    """The embed for page ``index`` and its persistent buttons (none for a one-page campaign)."""
    count = campaign_page_count(c)
    index = max(0, min(index, count - 1))
    view = PersistentView()
    if count > 1:
        view.add_item(CampaignPageButton(c.release.id, max(index - 1, 0), "prev", disabled=index == 0))
        view.add_item(CampaignPageButton(c.release.id, min(index + 1, count - 1), "next", disabled=index >= count - 1))
    return campaign_page(c, index), view


def export_text(c: Campaign) -> str:
    """The line above the campaign (with the .csv attached)."""
    rows = sum(len(p.events) + len(p.results) for p in c.pitches)
    return f"📎 `{export_filename(c.release)}`: {len(c.pitches)} pitch(es), {rows} history row(s)."


OUTLETS_GONE = "The outlets on this list are gone (removed). Run `/promo outlets` again."
"""A page button pressed on an outlet list whose outlets are all gone (answered ephemerally)."""


async def outlets_list_page(interaction: discord.Interaction, kind: str, index: int) -> Page:
    """Page ``index`` of ``/promo outlets`` (``kind``: one outlet kind, or empty for all), re-read
    now (the pager's :data:`PageSource`, ``outlets``)."""
    gid, k = guild_id_of(interaction), kind or None
    async with bot_of(interaction).uow() as s:
        total = await promo.count_outlets(s, gid, k)
        page_count = pages_for(total, OUTLETS_PER_PAGE)
        index = clamp(index, page_count)
        rows = await promo.list_outlets(s, gid, k, offset=index * OUTLETS_PER_PAGE, limit=OUTLETS_PER_PAGE)
    if total == 0 and interaction.type == discord.InteractionType.component:
        raise ListGone(OUTLETS_GONE)
    return Page(outlets_page(rows, k, index=index, page_count=page_count, total=total), index, page_count)
