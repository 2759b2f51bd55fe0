"""What ``/settle`` shows: the deal in words, the night's payout step by step, the report pages.

Money is formatted with babel in the server's ``preferred_locale`` (en-US ``$1,234.50``,
de ``1.234,50 €``, ja ``￥120,000``) via :func:`bot.money.format_money`. Every reply is ephemeral
(settlement data is for managers only). Embed limits (Discord API docs): description ≤ 4096,
field value ≤ 1024, 25 fields.
"""

from __future__ import annotations

from decimal import Decimal

import discord

from bot.db.models import Show
from bot.money import format_money, format_percent
from bot.services import clock, settlement
from bot.services.settlement import Night, Report, Terms, explain_kind
from bot.services.tours import format_day
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.format import COLOURS, EMBED_DESCRIPTION_MAX, FIELD_VALUE_MAX, plain, truncate
from bot.ui.paginator import ListGone, Page, clamp, paginate_lines

SETTLE_COLOUR = discord.Colour(COLOURS.settlement)
ROWS_PER_PAGE = 8


def _m(value: Decimal, currency: str, locale: str | None) -> str:
    return format_money(value, currency, locale)


def show_title(show: Show) -> str:
    """``#3 · Sat 3 Apr 2027 · Tokyo · Zepp Haneda`` (escaped)."""
    return f"#{show.number} · {format_day(show.date)} · {plain(show.city)} · {plain(show.venue)}"


def terms_line(t: Terms, locale: str | None) -> str:
    """``versus: $5,000.00 guarantee vs 80.00 % of (gross − expenses)`` and friends."""
    c = t.currency
    if t.kind == "guarantee":
        assert t.guarantee is not None
        return f"guarantee: {_m(t.guarantee, c, locale)}"
    assert t.percentage is not None
    pct = format_percent(t.percentage)
    if t.kind == "door":
        return f"door: {pct} of gross"
    assert t.guarantee is not None
    if t.kind == "versus":
        return f"versus: {_m(t.guarantee, c, locale)} guarantee vs {pct} of (gross − expenses)"
    assert t.break_even is not None
    return (
        f"plus: {_m(t.guarantee, c, locale)} guarantee + {pct} of gross over the "
        f"{_m(t.break_even, c, locale)} break-even"
    )


def terms_reply(show: Show, t: Terms, locale: str | None) -> str:
    """The answer to ``/settle terms``: what was stored and the payout rule in words."""
    return (
        f"🤝 Deal for show {show_title(show)} saved ({t.currency}).\n"
        f"**{terms_line(t, locale)}**\n{explain_kind(t.kind)}\n"
        f"Settle the night with `/settle night show:#{show.number}`."
    )


def steps(n: Night, locale: str | None) -> list[str]:
    """The payout sum, one step a line, so a promoter's figure can be checked."""
    p = n.payout
    t = p.terms
    c = t.currency

    def m(v: Decimal) -> str:
        return _m(v, c, locale)

    lines = [f"Deal: {terms_line(t, locale)}", f"Gross: {m(p.gross)} ({n.tickets_sold:,} tickets sold)"]
    if t.kind == "guarantee":
        lines.append(f"Payout = guarantee = **{m(p.payout)}**")
        return lines
    assert t.percentage is not None and p.share is not None and p.base is not None
    pct = format_percent(t.percentage)
    if t.kind == "door":
        lines.append(f"{pct} × {m(p.gross)} = {m(p.share)}")
    elif t.kind == "versus":
        assert t.guarantee is not None
        lines.append(f"Gross − expenses: {m(p.gross)} − {m(p.expenses)} = {m(p.base)}")
        lines.append(f"{pct} × {m(p.base)} = {m(p.share)}")
        won = "the percentage wins" if p.winner == "percentage" else "the guarantee wins"
        lines.append(f"max({m(t.guarantee)}, {m(p.share)}) = {m(p.payout)}: {won}")
    else:
        assert t.guarantee is not None and t.break_even is not None
        over = p.gross - t.break_even
        lines.append(
            f"Over the break-even: {m(p.gross)} − {m(t.break_even)} = {m(over)}"
            + (f" → {m(p.base)} (nothing over)" if over < 0 else "")
        )
        lines.append(f"{pct} × {m(p.base)} = {m(p.share)}")
        lines.append(f"{m(t.guarantee)} + {m(p.share)} = {m(p.payout)}")
    lines.append(f"Payout: **{m(p.payout)}**")
    return lines


def night_embed(n: Night, locale: str | None) -> discord.Embed:
    """``/settle night``'s answer: the steps, the payout, and merch/comps as recorded."""
    c = n.payout.terms.currency
    e = discord.Embed(
        title=truncate(f"💰 Settlement · {show_title(n.show)}", 256),
        description=truncate("\n".join(steps(n, locale)), EMBED_DESCRIPTION_MAX),
        colour=SETTLE_COLOUR,
    )
    recorded = [
        f"Merch: {_m(n.merch, c, locale)}" if n.merch is not None else "Merch: not given",
        f"Comps: {n.comps:,}" if n.comps is not None else "Comps: not given",
    ]
    e.add_field(name="Recorded (not part of the payout)", value=" · ".join(recorded), inline=False)
    e.set_footer(text=("Replaced the earlier settlement · " if n.replaced else "") + f"Show #{n.show.number} · {c}")
    return e


def report_pages(rep: Report, locale: str | None, when: str) -> list[discord.Embed]:
    """``/settle report``: one line per show, per-currency totals on every page (the .csv has it all)."""
    title = {"all": "Settlements", "past": "Settlements · past shows", "upcoming": "Settlements · upcoming shows"}[when]
    if not rep.rows:
        return [
            discord.Embed(
                title=title,
                description="No show has deal terms yet. Set them with `/settle terms`.",
                colour=SETTLE_COLOUR,
            )
        ]
    lines = []
    for r in rep.rows:
        t = r.night.payout.terms if r.night else r.terms
        assert t is not None
        if r.night is not None:
            merch = f" · merch {_m(r.night.merch, t.currency, locale)}" if r.night.merch is not None else ""
            state = f"paid **{_m(r.night.payout.payout, t.currency, locale)}**{merch}"
        else:
            state = "not settled yet"
        lines.append(
            f"`#{r.show.number}` {format_day(r.show.date)} · {plain(truncate(r.show.city, 40))} · "
            f"{truncate(terms_line(t, locale), 200)} · {state}"
        )
    totals = []
    for tot in rep.totals:
        totals.append(
            f"**{tot.currency}**: {tot.shows} show(s), {tot.settled} settled · guarantees "
            f"{_m(tot.guarantees, tot.currency, locale)} · payouts {_m(tot.payouts, tot.currency, locale)} · "
            f"merch {_m(tot.merch, tot.currency, locale)}"
        )
    totals_text = truncate("\n".join(totals), FIELD_VALUE_MAX)
    bodies = paginate_lines(lines, per_page=ROWS_PER_PAGE, max_chars=3000)
    pages = []
    for i, body in enumerate(bodies, 1):
        e = discord.Embed(title=title, description=body, colour=SETTLE_COLOUR)
        e.add_field(name="Totals per currency", value=totals_text, inline=False)
        e.set_footer(text=f"Page {i}/{len(bodies)} · {len(rep.rows)} show(s) · all rows in the attached .csv")
        pages.append(e)
    return pages


REPORT_STALE = "This report can't be paged any more; run `/settle report` again."


async def report_page(interaction: discord.Interaction, when: str, index: int) -> Page:
    """Page ``index`` of ``/settle report when:<when>``, re-read now for the clicker (managers only,
    checked by the service): the pager's :data:`PageSource`, ``settle``."""
    if when not in settlement.WHENS:
        raise ListGone(REPORT_STALE)
    async with bot_of(interaction).uow() as s:
        rep = await settlement.report(
            s, guild_id_of(interaction), when, actor=actor_of(interaction), now=clock.utcnow()
        )
    locale = str(interaction.guild_locale) if interaction.guild_locale else None
    pages = report_pages(rep, locale, when)
    index = clamp(index, len(pages))
    return Page(pages[index], index, len(pages))
