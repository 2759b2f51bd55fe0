"""Settlement: a show's deal terms and the night's payout, computed exactly and stored.

Kinds of terms (the artist's payout from the night's ``gross`` ticket revenue):

* ``guarantee``: the guarantee, whatever the night did;
* ``door``: percentage × gross;
* ``versus``: max(guarantee, percentage × (gross − expenses)) (the "vs" deal);
* ``plus``: guarantee + percentage × max(0, gross − break_even) (a bonus past the break-even).

Money is ``Decimal`` in the terms' currency (ISO 4217), stored as integer minor units; each
product is rounded half up to the currency's minor unit (``bot.money``), as a promoter checking with
a calculator would. Percentages have at most two decimals (stored in hundredths: 80.00 % = 8000).
Merch and comps of the night are recorded and reported; they don't change the payout.

Settlement data is for managers only (:func:`bot.services.permissions.require_manager`): every
function taking an ``actor`` refuses anyone else with "Only managers can …". Discord-free; nothing
here commits (the caller's unit of work does).

For other features (e.g. a signed show offer in ``/deal``): :func:`set_terms` takes parsed values.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import csvsafe
from bot.db.models import Settlement, Show, ShowStatus, ShowTerms
from bot.money import check_currency, from_minor, minor_digits, parse_amount, parse_percent, to_minor
from bot.services import tours
from bot.services.clock import utcnow
from bot.services.errors import InvalidInput, NotFound
from bot.services.permissions import Actor, require_manager
from bot.services.settings import get_config

KINDS = ("guarantee", "door", "versus", "plus")
NEEDS = {
    "guarantee": ("guarantee",),
    "door": ("percentage",),
    "versus": ("guarantee", "percentage"),
    "plus": ("guarantee", "percentage", "break_even"),
}
WHENS = ("all", "past", "upcoming")
MAX_TICKETS = 1_000_000
CURRENCY_HELP = "Give the `currency` option (e.g. `USD`), or set the server's default with `/settings currency`."


@dataclass(frozen=True)
class Terms:
    """Deal terms as plain values: amounts in ``currency`` (None when the kind doesn't use them)."""

    kind: str
    currency: str
    guarantee: Decimal | None = None
    percentage: Decimal | None = None  # 0..100, two decimals
    break_even: Decimal | None = None


@dataclass(frozen=True)
class Payout:
    """The payout of a night, step by step (every amount in ``terms.currency``).

    ``base`` is what the percentage applies to (gross; gross − expenses; max(0, gross − break_even)),
    ``share`` the percentage of it (None for a guarantee deal), ``winner`` for a versus deal:
    ``"guarantee"`` or ``"percentage"``.
    """

    terms: Terms
    gross: Decimal
    expenses: Decimal
    base: Decimal | None
    share: Decimal | None
    payout: Decimal
    winner: str | None = None


def _round(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-minor_digits(currency)), rounding=ROUND_HALF_UP)


def compute(terms: Terms, gross: Decimal, expenses: Decimal = Decimal(0)) -> Payout:
    """The payout of ``terms`` for a night with ``gross`` ticket revenue and ``expenses`` (≥ 0).

    Raises:
        InvalidInput: a value the kind needs is missing (see :data:`NEEDS`).
    """
    missing = [n for n in NEEDS[terms.kind] if getattr(terms, n) is None]
    if missing:
        raise InvalidInput(f"A `{terms.kind}` deal needs {', '.join(f'`{m}`' for m in missing)}.")
    cur = terms.currency
    g, p, be = terms.guarantee, terms.percentage, terms.break_even
    if terms.kind == "guarantee":
        assert g is not None
        return Payout(terms, gross, expenses, None, None, g)
    assert p is not None
    if terms.kind == "door":
        base = gross
    elif terms.kind == "versus":
        base = gross - expenses
    else:
        assert be is not None
        base = max(Decimal(0), gross - be)
    share = _round(p / 100 * base, cur)
    if terms.kind == "door":
        return Payout(terms, gross, expenses, base, share, share)
    assert g is not None
    if terms.kind == "versus":
        winner = "percentage" if share > g else "guarantee"
        return Payout(terms, gross, expenses, base, share, max(g, share), winner)
    return Payout(terms, gross, expenses, base, share, g + share)


def check_terms(terms: Terms) -> Terms:
    """``terms`` validated: a known kind, an ISO 4217 currency, exactly the values the kind uses,
    amounts ≥ 0 with no more decimals than the currency has, a percentage in 0..100.

    Raises:
        InvalidInput: the first problem, saying what to give.
    """
    if terms.kind not in KINDS:
        raise InvalidInput(f"Kind must be one of {', '.join(f'`{k}`' for k in KINDS)}.")
    cur = check_currency(terms.currency)
    needs = NEEDS[terms.kind]
    for name in ("guarantee", "percentage", "break_even"):
        value = getattr(terms, name)
        if name in needs and value is None:
            raise InvalidInput(f"A `{terms.kind}` deal needs `{name}`. {explain_kind(terms.kind)}")
        if name not in needs and value is not None:
            raise InvalidInput(
                f"A `{terms.kind}` deal has no `{name}`; leave it out, or pick a kind that uses it. "
                f"{explain_kind(terms.kind)}"
            )
    for name in ("guarantee", "break_even"):
        value = getattr(terms, name)
        if value is not None:
            if value < 0:
                raise InvalidInput(f"The {name.replace('_', '-')} can't be negative.")
            if _round(value, cur) != value:
                raise InvalidInput(f"{cur} has {minor_digits(cur)} decimal place(s); the {name} has more.")
    p = terms.percentage
    if p is not None and not (0 <= p <= 100 and p == p.quantize(Decimal("0.01"))):
        raise InvalidInput("The percentage must be from 0 to 100 with at most two decimals (e.g. `85` or `72.5`).")
    return Terms(terms.kind, cur, terms.guarantee, p, terms.break_even)


def explain_kind(kind: str) -> str:
    """The payout rule of ``kind`` in one sentence (stated in replies)."""
    return {
        "guarantee": "Payout = the guarantee.",
        "door": "Payout = percentage × gross.",
        "versus": "Payout = the greater of the guarantee and percentage × (gross − expenses).",
        "plus": "Payout = guarantee + percentage × (gross − break-even), when the gross passes the break-even.",
    }[kind]


def terms_of(row: ShowTerms | Settlement) -> Terms:
    """The plain terms stored on a terms or settlement row."""
    cur = row.currency
    return Terms(
        row.kind,
        cur,
        from_minor(row.guarantee_minor, cur) if row.guarantee_minor is not None else None,
        (Decimal(row.percentage_bp) / 100).quantize(Decimal("0.01")) if row.percentage_bp is not None else None,
        from_minor(row.break_even_minor, cur) if row.break_even_minor is not None else None,
    )


def parse_terms(
    kind: str,
    *,
    guarantee: str | None,
    percentage: str | None,
    break_even: str | None,
    currency: str | None,
    default_currency: str | None,
) -> Terms:
    """``/settle terms`` options (strings, never floats) -> validated :class:`Terms`.

    Raises:
        InvalidInput: no currency given nor set as default (says how), or a bad value.
    """
    cur_text = currency or default_currency
    if not cur_text:
        raise InvalidInput(f"Which currency is the deal in? {CURRENCY_HELP}")
    cur = check_currency(cur_text)
    return check_terms(
        Terms(
            kind,
            cur,
            parse_amount(guarantee, cur, what="guarantee") if guarantee is not None else None,
            parse_percent(percentage) if percentage is not None else None,
            parse_amount(break_even, cur, what="break-even") if break_even is not None else None,
        )
    )


async def _show_by_id(session: AsyncSession, guild_id: int, show_id: int) -> Show:
    show = await session.scalar(select(Show).where(Show.id == show_id, Show.guild_id == guild_id, Show.visible()))
    if show is None:
        raise NotFound(f"That show no longer exists. See {tours.LIST_HINT}.")
    return show


async def set_terms(
    session: AsyncSession,
    guild_id: int,
    show_id: int,
    kind: str,
    guarantee: Decimal | None,
    percentage: Decimal | None,
    break_even: Decimal | None,
    currency: str,
    actor: Actor | None,
    *,
    now: datetime | None = None,
) -> ShowTerms:
    """Set (or replace) the terms of the show with id ``show_id``; flushed, not committed.

    The entry point for other features (a signed ``/deal`` offer): amounts are ``Decimal`` in
    ``currency`` (ISO 4217), ``percentage`` 0..100 (two decimals, ``Decimal("80")`` = 80 %);
    give exactly the values ``kind`` uses (:data:`NEEDS`; the others None). ``actor`` None is a
    trusted caller (e.g. a signed offer being applied); otherwise it must be a manager. ``now``
    (UTC, default the clock) is recorded as ``set_at``.

    Raises:
        Forbidden: ``actor`` is not a manager.
        NotFound: no such show in this guild.
        InvalidInput: see :func:`check_terms`.
    """
    await require_manager(session, guild_id, actor, "see or change settlements")
    terms = check_terms(Terms(kind, currency, guarantee, percentage, break_even))
    show = await _show_by_id(session, guild_id, show_id)
    row = await session.get(ShowTerms, show.id)
    if row is None:
        row = ShowTerms(show_id=show.id, guild_id=guild_id)
        session.add(row)
    cur = terms.currency
    row.kind, row.currency = terms.kind, cur
    row.guarantee_minor = to_minor(terms.guarantee, cur) if terms.guarantee is not None else None
    row.percentage_bp = int(terms.percentage * 100) if terms.percentage is not None else None
    row.break_even_minor = to_minor(terms.break_even, cur) if terms.break_even is not None else None
    row.set_by = actor.user_id if actor else None
    row.set_at = now or utcnow()
    await session.flush()
    return row


async def set_terms_from_options(
    session: AsyncSession,
    guild_id: int,
    show_ref: str,
    kind: str,
    *,
    guarantee: str | None,
    percentage: str | None,
    break_even: str | None,
    currency: str | None,
    actor: Actor,
    now: datetime,
) -> tuple[Show, Terms]:
    """``/settle terms``: parse the options, then :func:`set_terms`. Not committed.

    Raises:
        Forbidden / NotFound / InvalidInput: as :func:`set_terms` and :func:`parse_terms`.
    """
    await require_manager(session, guild_id, actor, "see or change settlements")
    show = await tours.get_show(session, guild_id, show_ref)
    cfg = await get_config(session, guild_id)
    terms = parse_terms(
        kind,
        guarantee=guarantee,
        percentage=percentage,
        break_even=break_even,
        currency=currency,
        default_currency=cfg.currency,
    )
    await set_terms(
        session,
        guild_id,
        show.id,
        terms.kind,
        terms.guarantee,
        terms.percentage,
        terms.break_even,
        terms.currency,
        actor,
        now=now,
    )
    return show, terms


async def get_terms(session: AsyncSession, guild_id: int, show_id: int) -> Terms | None:
    """The show's terms, or None (no permission check: callers that show them check first)."""
    row = await session.get(ShowTerms, show_id)
    return terms_of(row) if row is not None and row.guild_id == guild_id else None


@dataclass(frozen=True)
class Night:
    """A stored settlement: the show, the payout computation and what was recorded with it."""

    show: Show
    payout: Payout
    tickets_sold: int
    merch: Decimal | None
    comps: int | None
    settled_by: int
    settled_at: datetime
    replaced: bool = False


def _venue_today(show: Show, now: datetime) -> date:
    return now.astimezone(ZoneInfo(show.timezone)).date()


async def settle_night(
    session: AsyncSession,
    guild_id: int,
    show_ref: str,
    *,
    tickets_sold: int,
    gross: str,
    expenses: str | None = None,
    merch: str | None = None,
    comps: int | None = None,
    actor: Actor,
    now: datetime,
) -> Night:
    """``/settle night``: compute the payout per the show's terms and store it (settling again
    replaces the earlier one). Amounts are text in the terms' currency. Not committed.

    Raises:
        Forbidden: not a manager.
        NotFound: unknown show.
        InvalidInput: no terms yet, a cancelled show, a show still ahead (venue date), negative or
            unreadable amounts, tickets/comps out of range.
    """
    await require_manager(session, guild_id, actor, "see or change settlements")
    show = await tours.get_show(session, guild_id, show_ref)
    row = await session.get(ShowTerms, show.id)
    if row is None:
        raise InvalidInput(
            f"Show #{show.number} has no deal terms yet. Set them first with `/settle terms show:#{show.number}`."
        )
    if show.status == ShowStatus.CANCELLED:
        raise InvalidInput(f"Show #{show.number} is cancelled; there is no night to settle.")
    if show.date > _venue_today(show, now):
        raise InvalidInput(
            f"Show #{show.number} is on {tours.format_day(show.date)} (venue date); settle it on the night or after."
        )
    if not 0 <= tickets_sold <= MAX_TICKETS:
        raise InvalidInput(f"Tickets sold must be from 0 to {MAX_TICKETS:,}.")
    if comps is not None and not 0 <= comps <= MAX_TICKETS:
        raise InvalidInput(f"Comps must be from 0 to {MAX_TICKETS:,}.")
    terms = terms_of(row)
    cur = terms.currency
    g = parse_amount(gross, cur, what="gross")
    e = (
        parse_amount(expenses, cur, what="expenses")
        if expenses is not None
        else Decimal(0).quantize(Decimal(1).scaleb(-minor_digits(cur)))
    )
    m = parse_amount(merch, cur, what="merch") if merch is not None else None
    result = compute(terms, g, e)
    night = await session.get(Settlement, show.id)
    replaced = night is not None
    if night is None:
        night = Settlement(show_id=show.id, guild_id=guild_id)
        session.add(night)
    night.kind, night.currency = row.kind, cur
    night.guarantee_minor, night.percentage_bp, night.break_even_minor = (
        row.guarantee_minor,
        row.percentage_bp,
        row.break_even_minor,
    )
    night.tickets_sold, night.gross_minor, night.expenses_minor = tickets_sold, to_minor(g, cur), to_minor(e, cur)
    night.merch_minor = to_minor(m, cur) if m is not None else None
    night.comps = comps
    night.payout_minor = to_minor(result.payout, cur)
    night.settled_by, night.settled_at = actor.user_id, now
    await session.flush()
    return Night(show, result, tickets_sold, m, comps, actor.user_id, now, replaced)


def night_of(show: Show, row: Settlement) -> Night:
    """A stored settlement row as a :class:`Night` (the payout recomputed from its own copy of the terms)."""
    cur = row.currency
    payout = compute(terms_of(row), from_minor(row.gross_minor, cur), from_minor(row.expenses_minor, cur))
    merch = from_minor(row.merch_minor, cur) if row.merch_minor is not None else None
    return Night(show, payout, row.tickets_sold, merch, row.comps, row.settled_by, row.settled_at)


@dataclass(frozen=True)
class ReportRow:
    """One show in ``/settle report``: its terms (None: only settled) and its night (None: not settled)."""

    show: Show
    terms: Terms | None
    night: Night | None


@dataclass
class Totals:
    """Per-currency sums: guarantees (of the shows' terms), payouts and merch (of settled nights)."""

    currency: str
    shows: int = 0
    settled: int = 0
    guarantees: Decimal = Decimal(0)
    payouts: Decimal = Decimal(0)
    merch: Decimal = Decimal(0)


@dataclass
class Report:
    """``/settle report``: rows by show date, and totals per currency (sorted by code)."""

    rows: list[ReportRow] = field(default_factory=list)
    totals: list[Totals] = field(default_factory=list)


async def report(session: AsyncSession, guild_id: int, when: str, *, actor: Actor, now: datetime) -> Report:
    """Every show (``all`` / ``past`` / ``upcoming``, guild date) with terms or a settlement.

    Raises:
        Forbidden: not a manager.  InvalidInput: unknown ``when``.
    """
    await require_manager(session, guild_id, actor, "see or change settlements")
    if when not in WHENS:
        raise InvalidInput("When must be `all`, `past` or `upcoming`.")
    cfg = await get_config(session, guild_id)
    today = now.astimezone(cfg.tz).date()
    shows = list(
        await session.scalars(
            select(Show).where(Show.guild_id == guild_id, Show.visible()).order_by(Show.date, Show.number)
        )
    )
    if when == "past":
        shows = [s for s in shows if s.date < today]
    elif when == "upcoming":
        shows = [s for s in shows if s.date >= today]
    ids = [s.id for s in shows]
    terms = {r.show_id: r for r in await session.scalars(select(ShowTerms).where(ShowTerms.guild_id == guild_id))}
    nights = {r.show_id: r for r in await session.scalars(select(Settlement).where(Settlement.guild_id == guild_id))}
    out = Report()
    totals: dict[str, Totals] = defaultdict(lambda: Totals(""))
    for sid, show in zip(ids, shows, strict=True):
        t, n = terms.get(sid), nights.get(sid)
        if t is None and n is None:
            continue
        row = ReportRow(show, terms_of(t) if t else None, night_of(show, n) if n else None)
        out.rows.append(row)
        cur = (n or t).currency  # type: ignore[union-attr]
        tot = totals[cur]
        tot.currency = cur
        tot.shows += 1
        basis = row.night.payout.terms if row.night else row.terms
        if basis is not None and basis.guarantee is not None:
            tot.guarantees += basis.guarantee
        if row.night is not None:
            tot.settled += 1
            tot.payouts += row.night.payout.payout
            tot.merch += row.night.merch or 0
    out.totals = [totals[c] for c in sorted(totals)]
    return out


REPORT_COLUMNS = (
    "show",
    "date",
    "city",
    "venue",
    "country",
    "currency",
    "kind",
    "guarantee",
    "percentage",
    "break_even",
    "tickets_sold",
    "gross",
    "expenses",
    "payout",
    "merch",
    "comps",
)


def _dec(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def report_csv(rep: Report) -> bytes:
    """The report as CSV (UTF-8 with a BOM for spreadsheets; amounts as plain decimals like ``7200.00``)."""
    buf = io.StringIO()
    w = csvsafe.writer(buf)
    w.writerow(REPORT_COLUMNS)
    for r in rep.rows:
        n = r.night
        t = n.payout.terms if n else r.terms
        assert t is not None
        w.writerow(
            [
                f"#{r.show.number}",
                r.show.date.isoformat(),
                r.show.city,
                r.show.venue,
                r.show.country or "",
                t.currency,
                t.kind,
                _dec(t.guarantee),
                _dec(t.percentage),
                _dec(t.break_even),
                "" if n is None else n.tickets_sold,
                "" if n is None else _dec(n.payout.gross),
                "" if n is None else _dec(n.payout.expenses),
                "" if n is None else _dec(n.payout.payout),
                "" if n is None else _dec(n.merch),
                "" if n is None or n.comps is None else n.comps,
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
