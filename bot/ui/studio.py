"""Studio and budget embeds: call sheets, session lists, the production board, budget summaries.

Limits (Discord API docs, "Embed Limits"): title 256, description 4096, field value 1024, 25
fields, 6000 characters per message. The board holds :data:`TRACKS_PER_PAGE` tracks per page in a
code block whose lines are at most ~60 characters, so a page stays far inside them whatever the
titles; the budget shows at most the 9 lines and the latest :data:`EXPENSES_SHOWN` expenses.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import discord

from bot.db.models import Expense, Release, SessionMusician, SessionStatus, StudioSession
from bot.services import budget as budget_svc
from bot.services import clock
from bot.services import studio as studio_svc
from bot.services.budget import BudgetSummary, SetResult
from bot.services.studio import STAGES, Board, StageResult
from bot.textfmt import COLOURS, EMBED_DESCRIPTION_MAX, EMBED_TITLE_MAX, FIELD_VALUE_MAX, page_footer, ts
from bot.ui.context import bot_of, guild_id_of
from bot.ui.format import plain, truncate
from bot.ui.paginator import ListGone, Page, clamp, pages_for

STUDIO_COLOUR = discord.Colour(COLOURS.studio)
BUDGET_COLOUR = discord.Colour(COLOURS.budget)
TRACKS_PER_PAGE = 15
SESSIONS_PER_PAGE = 8
EXPENSES_SHOWN = 12
STAGE_ABBR = {
    "writing": "Wr",
    "demo": "De",
    "tracking": "Tr",
    "overdubs": "Ov",
    "editing": "Ed",
    "mixing": "Mx",
    "mastering": "Ma",
    "delivered": "Dl",
}
TITLE_COLS = 24


def session_embed(
    ss: StudioSession, release: Release, *, money_locale: str | None, currency: str | None
) -> discord.Embed:
    """The call sheet: studio, times (session-local and as timestamps), notes, engineer, musicians."""
    status = " (cancelled)" if ss.status == SessionStatus.CANCELLED else ""
    e = discord.Embed(
        title=truncate(f"🎙️ Session #{ss.number} · {plain(ss.studio)}{status}", EMBED_TITLE_MAX),
        description=truncate(
            f"For **{plain(release.title)}** (release #{release.number})\n"
            f"{studio_svc.times_label(ss)}\n{ts(ss.start_at)} to {ts(ss.end_at, 'f')} your time",
            EMBED_DESCRIPTION_MAX,
        ),
        colour=STUDIO_COLOUR,
    )
    if ss.engineer_id:
        e.add_field(name="Engineer", value=f"<@{ss.engineer_id}>", inline=True)
    elif ss.engineer_name:
        e.add_field(name="Engineer", value=truncate(plain(ss.engineer_name), FIELD_VALUE_MAX), inline=True)
    if ss.day_rate_minor and currency:
        e.add_field(name="Day rate", value=budget_svc.money(ss.day_rate_minor, currency, money_locale), inline=True)
    if ss.notes:
        e.add_field(name="Notes", value=truncate(plain(ss.notes), FIELD_VALUE_MAX), inline=False)
    lines = []
    for m in ss.musicians:
        call = studio_svc.local(m.call_at, ss.timezone)
        fee = f" · {budget_svc.money(m.fee_minor, currency, money_locale)}" if m.fee_minor and currency else ""
        lines.append(
            f"{studio_svc.musician_label(m)} · {plain(m.instrument)} · call {call:%H:%M} ({ts(m.call_at, 'f')}){fee}"
        )
    value = ""
    for i, line in enumerate(lines):
        more = f"\n…and {len(lines) - i} more"
        if len(value) + len(line) + 1 + len(more) > FIELD_VALUE_MAX:
            value += more
            break
        value += ("\n" if value else "") + line
    e.add_field(
        name=f"Musicians ({len(lines)})", value=value or "None yet: add them with `/studio musician`.", inline=False
    )
    e.set_footer(text="Call sheet · times are the session's local time; timestamps show yours")
    return e


def session_list_page(
    sessions: list[StudioSession],
    titles: dict[int, tuple[int, str]],
    when: str,
    *,
    index: int,
    page_count: int,
    total: int,
) -> discord.Embed:
    """One page of ``/studio sessions``."""
    e = discord.Embed(title=f"🎙️ Studio sessions · {when}", colour=STUDIO_COLOUR)
    if not sessions:
        e.description = "No sessions here. Book one with `/studio book`."
        return e
    lines = []
    for ss in sessions:
        number, title = titles.get(ss.release_id, (0, "?"))
        flag = " · ~~cancelled~~" if ss.status == SessionStatus.CANCELLED else ""
        lines.append(
            f"**#{ss.number}** {studio_svc.times_label(ss)} · {plain(truncate(ss.studio, 60))} · "
            f"{plain(truncate(title, 60))} (#{number}) · {len(ss.musicians)} musician(s) · "
            f"{ts(ss.start_at, 'R')}{flag}"
        )
    e.description = truncate("\n".join(lines), EMBED_DESCRIPTION_MAX)
    e.set_footer(text=page_footer(index, page_count, f"{total} session(s)", "call sheet: /studio show"))
    return e


def board_page_count(board: Board) -> int:
    """Pages the board needs (at least 1)."""
    return max(1, -(-len(board.rows) // TRACKS_PER_PAGE))


def _cells(stage: str | None) -> str:
    at = STAGES.index(stage) if stage else -1
    return " ".join(("■ " if i < at else "● " if i == at else "· ") for i in range(len(STAGES))).rstrip()


def board_embed(board: Board, page: int) -> discord.Embed:
    """Page ``page`` (0-based) of the board: a grid of tracks against the stages, plus the counts."""
    pages = board_page_count(board)
    page = max(0, min(page, pages - 1))
    release = board.release
    e = discord.Embed(
        title=truncate(f"🎛️ #{release.number} {plain(release.title)} · production", EMBED_TITLE_MAX),
        colour=STUDIO_COLOUR,
    )
    if not board.rows:
        e.description = f"No tracks yet. Add them with `/release track release:#{release.number} title:…`."
        return e
    header = f"{'#':>2} {'Track':<{TITLE_COLS}} " + " ".join(STAGE_ABBR[s] for s in STAGES)
    body = [header]
    for r in board.rows[page * TRACKS_PER_PAGE : (page + 1) * TRACKS_PER_PAGE]:
        title = truncate(" ".join(r.track.title.split()).replace("`", "'"), TITLE_COLS)
        body.append(f"{r.track.position:>2} {title:<{TITLE_COLS}} {_cells(r.stage)}")
    delivered = board.counts.get("delivered", 0)
    e.description = (
        f"{delivered}/{len(board.rows)} track(s) delivered · ■ done · ● current · · to do\n```\n"
        + "\n".join(body)
        + "\n```"
    )
    counts = [f"{s} **{board.counts.get(s, 0)}**" for s in STAGES]
    waiting = sum(1 for r in board.rows if r.stage is None)
    if waiting:
        counts.append(f"not started **{waiting}**")
    e.add_field(name="At each stage", value=truncate(" · ".join(counts), FIELD_VALUE_MAX), inline=False)
    e.set_footer(text=page_footer(page, pages, "move a track with /studio stage"))
    return e


def bar(fraction: Decimal | None, width: int = 12) -> str:
    """``▰▰▰▰▱▱▱▱▱▱▱▱ 33%`` from an exact fraction (clamped to the bar; the percent is not)."""
    if fraction is None:
        return "no budget"
    filled = int((min(max(fraction, Decimal(0)), Decimal(1)) * width).to_integral_value(rounding=ROUND_HALF_EVEN))
    pct = (fraction * 100).to_integral_value(rounding=ROUND_HALF_EVEN)
    return "▰" * filled + "▱" * (width - filled) + f" {pct}%"


def budget_embed(
    s: BudgetSummary, recent: list[Expense], sessions: dict[int, int], *, locale: str | None
) -> discord.Embed:
    """``/budget show``: per line budget, spent, remaining and a bar (overruns marked), the total,
    and the latest expenses (``sessions`` maps session id -> #number for their source)."""
    cur = s.currency

    def m(x: int) -> str:
        return budget_svc.money(x, cur, locale)

    release = s.release
    e = discord.Embed(
        title=truncate(f"💰 #{release.number} {plain(release.title)} · budget ({cur})", EMBED_TITLE_MAX),
        colour=BUDGET_COLOUR,
    )
    lines = []
    for x in s.lines:
        if x.budget is None:
            lines.append(f"**{x.line}** · no budget · spent {m(x.spent)} ⚠️ unbudgeted")
            continue
        mark = f" 🔴 **over by {m(x.spent - x.budget)}**" if x.over else ""
        lines.append(
            f"**{x.line}** · budget {m(x.budget)} · spent {m(x.spent)} · left {m(x.remaining or 0)}{mark}\n"
            f"`{bar(x.fraction)}`"
        )
    total_mark = " 🔴 **over budget**" if s.total_spent > s.total_budget else ""
    lines.append(
        f"\n**Total** · budget {m(s.total_budget)} · spent {m(s.total_spent)} · left {m(s.total_remaining)}{total_mark}"
    )
    e.description = truncate("\n".join(lines), EMBED_DESCRIPTION_MAX)
    if recent:
        rows = []
        for x in recent[:EXPENSES_SHOWN]:
            src = f" · session #{sessions.get(x.session_id, '?')}" if x.session_id else ""
            rows.append(
                f"#{x.number} {x.spent_on.day} {x.spent_on:%b %Y} · {x.line} · {m(x.amount_minor)} · "
                f"{plain(truncate(x.what, 70))}{src}"
            )
        value = ""
        for i, row in enumerate(rows):
            more = f"\n…{len(recent) - i} more: `/budget export`"
            if len(value) + len(row) + 1 + len(more) > FIELD_VALUE_MAX:
                value += more
                break
            value += ("\n" if value else "") + row
        e.add_field(name=f"Latest expenses ({s.expense_count})", value=value, inline=False)
    e.set_footer(text="Managers and producers edit with /budget set, spend, unspend · /budget export for a .csv")
    return e


def stage_reply(res: StageResult) -> str:
    """The ``/studio stage`` answer: the move, how many are delivered, and the checklist tick."""
    prev = res.previous or "not started"
    track, release = plain(truncate(res.track.title, 100)), plain(truncate(res.release.title, 100))
    lines = [f"🎚️ Track #{res.track.position} “{track}”: {prev} → **{res.stage}**."]
    delivered = res.board.counts.get("delivered", 0)
    lines.append(f"{delivered}/{len(res.board.rows)} track(s) of **{release}** delivered.")
    if res.ticked is not None:
        lines.append(
            f"✅ Every track is delivered: ticked checklist task #{res.ticked.position} "
            f"“{plain(truncate(res.ticked.title, 100))}” (`/release checklist release:#{res.release.number}`)."
        )
    return "\n".join(lines)


# --- replies ----------------------------------------------------------------------------------------


def session_booked(ss: StudioSession) -> str:
    """``/studio book``'s answer."""
    return f"🎙️ Session #{ss.number} booked. Add musicians with `/studio musician session:#{ss.number}`."


def musician_saved(m: SessionMusician, ss: StudioSession, *, added: bool) -> str:
    """``/studio musician``'s answer."""
    verb = "added to" if added else "updated on"
    return f"🎻 {studio_svc.musician_label(m)} ({plain(m.instrument)}) {verb} session #{ss.number}."


def musician_removed(m: SessionMusician, ss: StudioSession) -> str:
    """``/studio musician-remove``'s answer."""
    return f"➖ {studio_svc.musician_label(m)} ({plain(m.instrument)}) is off session #{ss.number}."


def session_updated(ss: StudioSession) -> str:
    """``/studio edit``'s answer."""
    return f"✏️ Session #{ss.number} updated."


def session_cancelled(ss: StudioSession) -> str:
    """``/studio cancel``'s answer."""
    return f"🚫 Session #{ss.number} is cancelled."


def sessions_exported(count: int) -> str:
    """``/studio export``'s answer (the .ics is attached)."""
    return f"📤 {count} session(s) as a calendar (Google Calendar: Settings › Import; Apple: open the file)."


def budget_set(res: SetResult, locale: str | None) -> str:
    """``/budget set``'s answer: the new amount, the old one, and the currency of a new budget."""
    cur = res.summary.currency
    was = f" (was {budget_svc.money(res.old, cur, locale)})" if res.old is not None else ""
    head = f"💰 `{res.line}` budget set to {budget_svc.money(res.new, cur, locale)}{was}."
    return head + (f" This budget is in {cur}." if res.created else "")


def expense_added(exp: Expense, currency: str, locale: str | None) -> str:
    """``/budget spend``'s answer."""
    return f"🧾 Expense #{exp.number}: {budget_svc.money(exp.amount_minor, currency, locale)} on `{exp.line}`."


def expense_removed(exp: Expense, currency: str, locale: str | None) -> str:
    """``/budget unspend``'s answer."""
    return f"↩️ Removed expense #{exp.number} ({budget_svc.money(exp.amount_minor, currency, locale)} on `{exp.line}`)."


def budget_exported(release: Release) -> str:
    """``/budget export``'s answer (the .csv is attached)."""
    return f"📤 Expenses of release #{release.number} as a spreadsheet (.csv)."


SESSIONS_GONE = "The sessions on this list are gone (cancelled or deleted). Run `/studio list` again."
"""A page button pressed on a session list whose sessions are all gone (answered ephemerally)."""
LIST_STALE = "This list can't be paged any more; run its command again."


async def session_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
    """Page ``index`` of ``/studio list`` (``arg``: ``<when>.<release #number or 0>``), re-read now
    (the pager's :data:`PageSource`, ``studio``)."""
    when, _, number = arg.partition(".")
    if when not in studio_svc.WHENS or not number.isdigit():
        raise ListGone(LIST_STALE)
    gid, now = guild_id_of(interaction), clock.utcnow()
    ref = f"#{number}" if int(number) else None
    async with bot_of(interaction).uow() as s:
        _rows, total = await studio_svc.list_sessions(s, gid, now=now, when=when, release_ref=ref, limit=0)
        page_count = pages_for(total, SESSIONS_PER_PAGE)
        index = clamp(index, page_count)
        rows, _ = await studio_svc.list_sessions(
            s, gid, now=now, when=when, release_ref=ref, offset=index * SESSIONS_PER_PAGE, limit=SESSIONS_PER_PAGE
        )
        titles = await studio_svc.release_titles(s, {r.release_id for r in rows})
    if total == 0 and interaction.type == discord.InteractionType.component:
        raise ListGone(SESSIONS_GONE)
    return Page(
        session_list_page(rows, titles, when, index=index, page_count=page_count, total=total), index, page_count
    )


async def board_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
    """Page ``index`` of ``/studio board`` (``arg``: the release's #number), re-read now (the
    pager's :data:`PageSource`, ``studio_board``); a deleted release answers that it is gone."""
    if not arg.isdigit():
        raise ListGone(LIST_STALE)
    async with bot_of(interaction).uow() as s:
        b = await studio_svc.board(s, guild_id_of(interaction), f"#{arg}")
    page_count = board_page_count(b)
    index = clamp(index, page_count)
    return Page(board_embed(b, index), index, page_count)
