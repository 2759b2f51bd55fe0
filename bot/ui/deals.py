"""Every embed and sentence of ``/deal`` (all sent ephemerally: deals are confidential).

Limits (Discord API docs): embed title ≤ 256, description ≤ 4096, field value ≤ 1024, 25 fields,
6000 chars per message; content ≤ 2000. User text is escaped (:func:`plain`) and truncated.
Money is formatted with babel (:func:`bot.money.format_money`) in the server's locale.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import discord

from bot.db.models import Deal, DealDate, DealStatus, Show
from bot.money import format_money, format_percent
from bot.services import clock, settings
from bot.services import deals as svc
from bot.services.tours import format_day as show_day
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.format import (
    COLOURS,
    CONTENT_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    FIELD_VALUE_MAX,
    plain,
    truncate,
    ts,
)
from bot.ui.paginator import ListGone, Page, clamp, paginate_lines

DEAL_COLOUR = discord.Colour(COLOURS.deals)
STATUS_ICON = {
    DealStatus.LEAD: "🌱",
    DealStatus.OFFER: "📨",
    DealStatus.NEGOTIATING: "🤝",
    DealStatus.SIGNED: "✍️",
    DealStatus.ACTIVE: "▶️",
    DealStatus.COMPLETED: "🏁",
    DealStatus.DECLINED: "🚫",
    DealStatus.EXPIRED: "⌛",
}
DELETE_KIND = "deal"  # in the Delete/Keep custom_ids: roadie:deal:delete:<id>
WAITING = "nudges wait for a business channel (`/settings business-channel`)"


def money(amount: Decimal | None, currency: str | None, locale: str | None) -> str | None:
    """``$5,000.50`` (babel, in ``locale``), or None."""
    if amount is None or currency is None:
        return None
    return format_money(amount, currency, locale)


def terms_text(deal: Deal, locale: str | None) -> str | None:
    """``versus: guarantee €5,000.50 vs 80.00 %`` for a show offer with terms, or None."""
    g = money(svc.money_of(deal, deal.guarantee_minor), deal.currency, locale)
    p = svc.percentage_of(deal)
    parts = []
    if g:
        parts.append(f"guarantee {g}")
    if p is not None:
        parts.append(format_percent(p))
    if not parts and deal.settle_kind is None:
        return None
    join = {"versus": " vs ", "plus": " plus "}.get(deal.settle_kind or "", " · ")
    body = join.join(parts) or "no amounts yet"
    return f"{deal.settle_kind}: {body}" if deal.settle_kind else body


def show_label(show: Show) -> str:
    """``#3 Sat 10 Jul 2027 · Berlin · Columbiahalle``."""
    return f"#{show.number} {show_day(show.date)} · {plain(show.city)} · {plain(show.venue)}"


def date_line(kd: DealDate, next_due: datetime | None, deal: Deal, waiting: bool, today) -> str:  # type: ignore[no-untyped-def]
    """``#1 **offer expires** · Fri 2 Apr 2027 · next nudge <t:…:f>`` (or why there is none)."""
    head = f"`#{kd.position}` **{plain(svc.date_name(kd))}** · {svc.format_day(kd.date)}"
    if kd.date < today:
        tail = "passed"
    elif deal.status in svc.CLOSED:
        tail = f"no nudges (deal {deal.status})"
    elif waiting:
        tail = WAITING
    elif next_due is not None:
        tail = f"next nudge {ts(next_due, 'f')}"
    else:
        tail = "no nudges left"
    return f"{head} · {tail}"


def history_line(entry) -> str:  # type: ignore[no-untyped-def]
    """``lead → offer · <@id> <t:…:f> · “note”``."""
    step = (
        f"created as `{entry.to_status}`"
        if entry.from_status is None
        else f"`{entry.from_status}` → `{entry.to_status}`"
    )
    note = f" · “{plain(truncate(entry.note, 200))}”" if entry.note else ""
    return f"{step} · <@{entry.actor_id}> {ts(entry.created_at, 'f')}{note}"


def _lines_field(e: discord.Embed, name: str, lines: list[str], *, keep_last: bool = False) -> None:
    """One field of ``lines`` within 1024 chars; cut lines are counted (``keep_last``: the newest stay)."""
    if not lines:
        return
    seq = lines[::-1] if keep_last else lines
    out: list[str] = []
    for line in seq:
        line = truncate(line, 300)
        if len("\n".join([*out, line])) > FIELD_VALUE_MAX - 30:
            break
        out.append(line)
    rest = len(lines) - len(out)
    if keep_last:
        out = out[::-1]
        if rest:
            out.insert(0, f"…{rest} earlier")
    elif rest:
        out.append(f"…and {rest} more")
    e.add_field(name=name, value="\n".join(out), inline=False)


def deal_embed(
    deal: Deal,
    *,
    show: Show | None,
    next_due: dict[int, datetime],
    waiting: bool,
    today,  # type: ignore[no-untyped-def]
    locale: str | None,
) -> discord.Embed:
    """``/deal show``: the deal's facts, key dates (with their next nudge) and full status history."""
    e = discord.Embed(
        title=truncate(f"{STATUS_ICON.get(deal.status, '')} #{deal.number} {plain(deal.title)}", EMBED_TITLE_MAX),
        description=truncate(
            f"**{deal.kind}** with **{plain(deal.counterparty)}** · status **{deal.status}** · "
            f"owner <@{deal.owner_id}>",
            EMBED_DESCRIPTION_MAX,
        ),
        colour=DEAL_COLOUR,
    )
    value = money(svc.money_of(deal, deal.value_minor), deal.currency, locale)
    if value:
        e.add_field(name="Value", value=value, inline=True)
    if show is not None:
        e.add_field(name="Show", value=truncate(show_label(show), FIELD_VALUE_MAX), inline=True)
    terms = terms_text(deal, locale)
    if terms:
        e.add_field(name="Terms", value=truncate(terms, FIELD_VALUE_MAX), inline=True)
    dates = sorted(deal.dates, key=lambda d: (d.date, d.position))
    _lines_field(e, "Key dates", [date_line(d, next_due.get(d.id), deal, waiting, today) for d in dates])
    _lines_field(e, "History", [history_line(h) for h in deal.history], keep_last=True)
    e.set_footer(text="Confidential: only managers and the deal's owner see this.")
    return e


def list_line(deal: Deal, today, locale: str | None) -> str:  # type: ignore[no-untyped-def]
    """``🤝 `#3` **Festival offer** · show-offer · Live Nation · negotiating · €5,000.00 · next: …``."""
    parts = [
        f"{STATUS_ICON.get(deal.status, '')} `#{deal.number}` **{plain(truncate(deal.title, 80))}**",
        deal.kind,
        plain(truncate(deal.counterparty, 60)),
        deal.status,
    ]
    value = money(svc.money_of(deal, deal.value_minor or deal.guarantee_minor), deal.currency, locale)
    if value:
        parts.append(value)
    upcoming = sorted((d for d in deal.dates if d.date >= today), key=lambda d: d.date)
    if upcoming:
        parts.append(f"next: {plain(svc.date_name(upcoming[0]))} {svc.format_day(upcoming[0].date)}")
    return " · ".join(parts)


def list_title(status: str, kind: str | None) -> str:
    """``Deals (open)`` / ``Deals (all · sync)``."""
    return f"Deals ({status}{f' · {kind}' if kind else ''})"


def empty_list(status: str) -> str:
    """What an empty list says (the same whether there are hidden deals or none)."""
    return (
        f"No {status} deals you can see. Add one with `/deal add`."
        if status != "all"
        else ("No deals you can see. Add one with `/deal add`.")
    )


def added(deal: Deal) -> str:
    """``🌱 Deal #3 **title** added as `lead`, owned by @owner. …``."""
    return (
        f"🌱 Deal #{deal.number} **{plain(truncate(deal.title, 150))}** added as `lead`, owned by <@{deal.owner_id}>. "
        f"Add key dates with `/deal date deal:#{deal.number}`."
    )


def status_changed(res: svc.StatusResult, locale: str | None) -> str:
    """The reply to ``/deal status``: the move, and what it did to nudges and settlement."""
    d = res.deal
    lines = [
        f"{STATUS_ICON.get(d.status, '')} Deal #{d.number} **{plain(truncate(d.title, 150))}**: "
        f"`{res.old}` → `{d.status}`."
    ]
    if res.cancelled:
        n = res.cancelled
        lines.append(f"Its {n} pending key-date nudge{'s were' if n != 1 else ' was'} cancelled.")
    elif d.status in svc.CLOSED and d.dates:
        lines.append("Its key dates get no more nudges.")
    if res.replanned:
        lines.append(f"Key-date nudges planned again: {len(res.replanned)}.")
    t = res.terms
    if t is not None:
        g = money(t.guarantee, t.currency, locale)
        desc = ", ".join(
            x
            for x in (
                f"kind `{t.kind}`" if t.kind else None,
                f"guarantee {g}" if g else None,
                format_percent(t.percentage) if t.percentage is not None else None,
            )
            if x
        )
        if res.settlement_updated:
            lines.append(f"💶 The show's settlement terms (`/settle terms`) are now: {desc}.")
        else:
            lines.append(
                f"⚠️ The show's settlement terms were not set: {res.settlement_problem}. Fix the deal with "
                "`/deal edit`, or set them with `/settle terms`."
            )
    elif d.status == DealStatus.SIGNED and d.kind == "show-offer":
        lines.append("No show is linked, so no settlement terms were set (`/deal edit deal:#… show:…`).")
    return truncate("\n".join(lines), CONTENT_MAX)


def date_set(res: svc.DateResult) -> str:
    """The reply to ``/deal date``: the date, and its nudges (or why there are none)."""
    kd, d = res.key_date, res.deal
    verb = f"moved from {svc.format_day(res.previous)} to" if res.previous else "set for"
    head = f"📅 Deal #{d.number}: **{plain(svc.date_name(kd))}** {verb} **{svc.format_day(kd.date)}**."
    if res.closed:
        tail = f"The deal is `{d.status}`, so it won't be nudged."
    elif res.waiting:
        tail = (
            "Its nudges wait for a business channel: set one with `/settings business-channel` and they are planned "
            "(14 days and 3 days before, and on the day, 09:00 server time)."
        )
    elif res.planned:
        when = ", ".join(ts(t, "f") for t in res.planned)
        tail = f"Nudges in the business channel, pinging <@{d.owner_id}>: {when}."
    else:
        tail = "It's too close for any nudge (14 days, 3 days, on the day at 09:00 have passed)."
    return truncate(f"{head}\n{tail}", CONTENT_MAX)


def date_removed(deal: Deal, kd: DealDate) -> str:
    """``🗑️ Removed key date #2 offer expires (Fri 2 Apr 2027) from deal #1 and its nudges.``"""
    return (
        f"🗑️ Removed key date #{kd.position} **{plain(svc.date_name(kd))}** ({svc.format_day(kd.date)}) from deal "
        f"#{deal.number} and its nudges."
    )


def edited(deal: Deal) -> str:
    """``✏️ Deal #1 updated.``"""
    return f"✏️ Deal #{deal.number} updated."


def confirm_delete(deal: Deal) -> str:
    """The question above the Delete / Keep it buttons."""
    return f"Delete deal #{deal.number} **{plain(truncate(deal.title, 150))}**, its key dates and their nudges?"


def deleted(deal: Deal) -> str:
    """After the Delete click."""
    return f"🗑️ Deleted deal #{deal.number} **{plain(truncate(deal.title, 150))}** and its nudges."


def business_channel_set(channel_id: int, planned: int) -> str:
    """The reply to ``/settings business-channel``."""
    tail = (
        f" Nudges planned for {planned} key date{'s' if planned != 1 else ''}."
        if planned
        else " Key dates added from now on are nudged there."
    )
    return f"✅ Deal nudges will go to <#{channel_id}> (only there; they ping only each deal's owner).{tail}"


async def delete_deal(interaction: discord.Interaction, deal_id: int) -> str:
    """The Delete button's action for deals (``roadie:deal:delete:<id>``): one unit of work; the reply.
    A deal the clicker may not see is NotFound, as everywhere."""
    async with bot_of(interaction).uow() as s:
        deal = await svc.delete_deal(
            s, guild_id_of(interaction), deal_id, actor=actor_of(interaction), now=clock.utcnow()
        )
    return deleted(deal)


DEALS_STALE = "This list can't be paged any more; run `/deal list` again."


async def deals_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
    """Page ``index`` of the deal list (``arg``: ``<status>.<kind or empty>``), re-read now for the
    clicker (the service shows only deals they may see): the pager's :data:`PageSource`, ``deals``."""
    st, _, kind = arg.partition(".")
    gid = guild_id_of(interaction)
    async with bot_of(interaction).uow() as s:
        rows = await svc.list_deals(s, gid, actor_of(interaction), status=st, kind=kind or None)
        cfg = await settings.get_config(s, gid)
    title = list_title(st, kind or None)
    if not rows:
        if interaction.type == discord.InteractionType.component:
            raise ListGone(DEALS_STALE)
        return Page(discord.Embed(title=title, description=empty_list(st), colour=DEAL_COLOUR), 0, 1)
    today = clock.utcnow().astimezone(cfg.tz).date()
    locale = str(interaction.guild_locale) if interaction.guild_locale else None
    bodies = paginate_lines([list_line(d, today, locale) for d in rows], per_page=10)
    index = clamp(index, len(bodies))
    e = discord.Embed(title=title, description=bodies[index], colour=DEAL_COLOUR)
    e.set_footer(text=f"Page {index + 1}/{len(bodies)} · {len(rows)} deal(s) · confidential")
    return Page(e, index, len(bodies))
