"""Recording budgets: per-release lines in one currency, expenses, threshold nudges, session costs.

A release's budget has one ISO 4217 currency, fixed by its first ``/budget set`` (default: the
server's ``/settings currency``); day rates, fees and expenses are in it and another currency is
refused. Money is exact: user text is parsed to ``Decimal`` (:mod:`bot.money`) and stored as integer
minor units. Budgets are visible to the team; only managers and members with the ``producer``
Roadie role change them.

Nudges (durable rows):
- ``budget_alert`` (ref: a budget line, ``offset_days`` = 90 or 100): when a line's spending
  crosses 90 % or 100 % of its amount, one nudge to the release's author and the managers; the line
  remembers the level (``alert_level``) so more expenses past it don't nudge again, and spending
  falling back below re-arms it.
- ``studio_costs`` (ref: a studio session): when a session's day has passed, its day rate and
  musician fees become expenses (once: ``costs_posted_at``), and the channel is told. Reading a
  budget also posts any that are due, so the costs are there even before the nudge is delivered.

Nothing here commits (callers use a unit of work); nothing imports discord.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import csvsafe
from bot.db.models import Budget, BudgetLine, Expense, Nudge, Release, SessionMusician, SessionStatus, StudioSession
from bot.money import check_currency, format_money, from_minor, parse_amount, to_minor
from bot.services import nudges, refs
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor, is_manager, role_map
from bot.services.settings import get_config
from bot.textfmt import escape_markdown
from bot.timeparse import parse_when

LINES = ("studio", "musicians", "producer", "mixing", "mastering", "artwork", "video", "marketing", "other")
THRESHOLDS = (90, 100)
KIND_ALERT = "budget_alert"
KIND_COSTS = "studio_costs"
WHAT_MAX = 200
_MONEY_RE = re.compile(r"^\s*(?P<pre>[A-Za-z]{3})?\s*(?P<num>[0-9][0-9,. ]*)\s*(?P<post>[A-Za-z]{3})?\s*$")


async def default_currency(session: AsyncSession, guild_id: int) -> str | None:
    """The server's default currency (``/settings currency``, ISO 4217), or None when not set.

    The one place budgets read it: :class:`~bot.services.settings.GuildConfig` gains ``currency``
    with ``/settings currency``; until then there is no default.
    """
    return getattr(await get_config(session, guild_id), "currency", None)


async def can_edit(session: AsyncSession, guild_id: int, actor: Actor | None) -> bool:
    """True for managers (mapped role or Manage Server) and holders of the ``producer`` Roadie role
    (``actor`` None: a trusted caller)."""
    if actor is None or await is_manager(session, guild_id, actor):
        return True
    producer = (await role_map(session, guild_id)).get("producer")
    return producer is not None and producer in actor.role_ids


async def require_editor(session: AsyncSession, guild_id: int, actor: Actor | None, what: str) -> None:
    """Raise :class:`Forbidden` unless ``actor`` may change budgets; ``what`` completes "Only … can"."""
    if not await can_edit(session, guild_id, actor):
        raise Forbidden(
            f"Only managers and producers can {what}. Budgets are visible to everyone; "
            "ask someone with the manager or producer role (see `/settings show`)."
        )


def check_line(text: str) -> str:
    """A budget line name, lower-cased.

    Raises:
        InvalidInput: not one of :data:`LINES`.
    """
    t = " ".join(text.lower().split())
    if t not in LINES:
        raise InvalidInput(f"`{text[:30]}` isn't a budget line. Use one of {', '.join(f'`{x}`' for x in LINES)}.")
    return t


def parse_money(text: str, currency: str, *, what: str = "amount", allow_zero: bool = True) -> Decimal:
    """``"1,250.50"``, ``"1250 EUR"`` or ``"EUR 1250"`` -> ``Decimal("1250.50")`` in ``currency``.

    A currency code written with the amount must be ``currency`` (one currency per budget).

    Raises:
        InvalidInput: not a number (e.g. letters), negative, too many decimals, zero when not
            allowed, or another currency.
    """
    raw = (text or "").strip()
    m = _MONEY_RE.match(raw)
    if m and (m.group("pre") or m.group("post")):
        if m.group("pre") and m.group("post"):
            raise InvalidInput(f"The {what} `{raw[:30]}` names two currencies; write it like `1250`.")
        code = (m.group("pre") or m.group("post")).upper()
        if code != currency:
            raise InvalidInput(
                f"This budget is in {currency}; a {what} in {code} is refused (one currency per budget). "
                f"Give the {what} in {currency}."
            )
        raw = m.group("num")
    return parse_amount(raw, currency, what=what, allow_zero=allow_zero)


def money(minor: int, currency: str, locale: str | None = None) -> str:
    """Integer minor units -> ``"€1,250.00"`` (babel, ``locale`` a Discord/babel locale)."""
    return format_money(from_minor(minor, currency), currency, locale)


async def get_budget(session: AsyncSession, release_id: int) -> Budget | None:
    """The release's budget row (its currency), or None when it has none yet."""
    return await session.get(Budget, release_id)


async def currency_for(
    session: AsyncSession, release: Release, *, now: datetime, requested: str | None = None, create: bool = True
) -> str:
    """The currency of ``release``'s budget; a new budget gets ``requested`` or the server default.

    Raises:
        InvalidInput: ``requested`` isn't ISO 4217 or differs from the budget's currency; or there is
            no budget, no ``requested`` and no server default.
    """
    budget = await get_budget(session, release.id)
    wanted = check_currency(requested) if requested else None
    if budget is not None:
        if wanted and wanted != budget.currency:
            raise InvalidInput(
                f"The budget of release #{release.number} is in {budget.currency} (fixed by its first "
                f"`/budget set`); {wanted} is refused. Give amounts in {budget.currency}."
            )
        return budget.currency
    currency = wanted or await default_currency(session, release.guild_id)
    if currency is None:
        raise InvalidInput(
            f"Release #{release.number} has no budget yet and this server has no default currency: "
            "give `currency` (e.g. `EUR`) to `/budget set`, or set one with `/settings currency`."
        )
    if create:
        session.add(Budget(release_id=release.id, guild_id=release.guild_id, currency=currency, created_at=now))
        await session.flush()
    return currency


async def _release(session: AsyncSession, guild_id: int, ref: str) -> Release:
    return await refs.resolve(
        session,
        Release,
        guild_id,
        ref,
        noun="release",
        list_hint="`/release list`",
        visible=[Release.deleted_at.is_(None)],
    )


@dataclass(frozen=True)
class LineSummary:
    """One line: budget (None when not set), spent and remaining in minor units; ``fraction``
    spent/budget (None without a budget); ``over`` when spent exceeds the budget."""

    line: str
    budget: int | None
    spent: int

    @property
    def remaining(self) -> int | None:
        """Budget minus spent (minor units; negative when over), None without a budget."""
        return None if self.budget is None else self.budget - self.spent

    @property
    def fraction(self) -> Decimal | None:
        """Spent / budget as an exact Decimal (1 = 100 %), None without a budget."""
        return None if not self.budget else Decimal(self.spent) / Decimal(self.budget)

    @property
    def over(self) -> bool:
        """True when spent exceeds the budget."""
        return self.budget is not None and self.spent > self.budget


@dataclass(frozen=True)
class BudgetSummary:
    """A release's budget: currency, the lines that have a budget or spending (in :data:`LINES`
    order), totals in minor units and the number of expenses."""

    release: Release
    currency: str
    lines: list[LineSummary]
    expense_count: int

    @property
    def total_budget(self) -> int:
        """Sum of the lines' budgets (minor units)."""
        return sum(x.budget or 0 for x in self.lines)

    @property
    def total_spent(self) -> int:
        """Sum of every live expense (minor units)."""
        return sum(x.spent for x in self.lines)

    @property
    def total_remaining(self) -> int:
        """Total budget minus total spent (minor units; negative when over)."""
        return self.total_budget - self.total_spent


async def _spent_by_line(session: AsyncSession, release_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Expense.line, func.sum(Expense.amount_minor))
        .where(Expense.release_id == release_id, Expense.deleted_at.is_(None))
        .group_by(Expense.line)
    )
    return {line: int(total or 0) for line, total in rows.all()}


async def _lines(session: AsyncSession, release_id: int) -> dict[str, BudgetLine]:
    rows = await session.scalars(select(BudgetLine).where(BudgetLine.release_id == release_id))
    return {r.line: r for r in rows}


async def summary(session: AsyncSession, release: Release) -> BudgetSummary | None:
    """The release's budget with totals, or None when it has none (no currency yet)."""
    budget = await get_budget(session, release.id)
    if budget is None:
        return None
    spent = await _spent_by_line(session, release.id)
    lines = await _lines(session, release.id)
    out = [
        LineSummary(name, lines[name].amount_minor if name in lines else None, spent.get(name, 0))
        for name in LINES
        if name in lines or spent.get(name)
    ]
    count = (
        await session.scalar(
            select(func.count())
            .select_from(Expense)
            .where(Expense.release_id == release.id, Expense.deleted_at.is_(None))
        )
        or 0
    )
    return BudgetSummary(release, budget.currency, out, count)


def _level(spent: int, amount: int) -> int:
    if amount <= 0:
        return 0
    return next((t for t in reversed(THRESHOLDS) if spent * 100 >= amount * t), 0)


async def check_thresholds(session: AsyncSession, release: Release, now: datetime) -> list[tuple[str, int]]:
    """Nudge the lines of ``release`` that crossed 90 % or 100 % since they were last nudged.

    One nudge per crossing, at the highest level reached (an expense taking a line from 50 % to
    110 % nudges once, for 100 %). A line whose spending fell below a level is re-armed for it.
    Returns the (line, level) pairs nudged now.
    """
    spent = await _spent_by_line(session, release.id)
    cfg = await get_config(session, release.guild_id)
    crossed = []
    for name, row in (await _lines(session, release.id)).items():
        level = _level(spent.get(name, 0), row.amount_minor)
        if level > row.alert_level:
            nudges.schedule(
                session,
                guild_id=release.guild_id,
                channel_id=cfg.nudge_channel_id or release.channel_id,
                kind=KIND_ALERT,
                ref_id=row.id,
                due_at=now,
                now=now,
                offset_days=level,
            )
            crossed.append((name, level))
        row.alert_level = level
    await session.flush()
    return crossed


@dataclass(frozen=True)
class SetResult:
    """``/budget set``: the line, its old and new amount (minor units), and the summary after."""

    line: str
    old: int | None
    new: int
    summary: BudgetSummary
    created: bool


async def set_line(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    line: str,
    amount: str,
    *,
    now: datetime,
    currency: str | None = None,
    actor: Actor | None = None,
) -> SetResult:
    """Set a line's budget. The first ``/budget set`` of a release fixes its currency. Not committed.

    Raises:
        NotFound / InvalidInput: unknown release or line, bad amount (letters, 0, decimals),
            no currency to use, another currency.
        Forbidden: not a manager or producer.
    """
    release = await _release(session, guild_id, release_ref)
    await require_editor(session, guild_id, actor, "change budgets")
    name = check_line(line)
    created = await get_budget(session, release.id) is None
    cur = await currency_for(session, release, now=now, requested=currency, create=False)
    value = to_minor(parse_money(amount, cur, what="budget", allow_zero=False), cur)
    if created:
        session.add(Budget(release_id=release.id, guild_id=guild_id, currency=cur, created_at=now))
    rows = await _lines(session, release.id)
    old = rows[name].amount_minor if name in rows else None
    if name in rows:
        rows[name].amount_minor = value
    else:
        session.add(BudgetLine(release_id=release.id, line=name, amount_minor=value, alert_level=0))
    await session.flush()
    await check_thresholds(session, release, now)
    result = await summary(session, release)
    assert result is not None
    return SetResult(name, old, value, result, created)


async def _next_expense_number(session: AsyncSession, release_id: int) -> int:
    current = await session.scalar(select(func.max(Expense.number)).where(Expense.release_id == release_id))
    return (current or 0) + 1


async def spend(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    line: str,
    amount: str,
    what: str,
    *,
    author_id: int,
    now: datetime,
    date_text: str | None = None,
    actor: Actor | None = None,
) -> tuple[Expense, BudgetSummary]:
    """Record an expense on a line (date: the server's today unless given). Not committed.

    Raises:
        NotFound / InvalidInput: unknown release or line, bad amount or date, empty ``what``, no
            budget yet (its currency is set by ``/budget set``).
        Forbidden: not a manager or producer.
    """
    release = await _release(session, guild_id, release_ref)
    await require_editor(session, guild_id, actor, "record expenses")
    name = check_line(line)
    budget = await get_budget(session, release.id)
    if budget is None:
        raise InvalidInput(
            f"Release #{release.number} has no budget yet: start it with `/budget set release:#{release.number} "
            f"line:{name} amount:…` (that fixes its currency)."
        )
    value = to_minor(parse_money(amount, budget.currency, allow_zero=False), budget.currency)
    label = " ".join(what.split())
    if not label:
        raise InvalidInput("Say what the money was spent on (`what`), e.g. `Mix revisions, track 3`.")
    if len(label) > WHAT_MAX:
        raise InvalidInput(f"`what` is {len(label)} characters; keep it to {WHAT_MAX}.")
    cfg = await get_config(session, guild_id)
    day = (
        parse_when(date_text, tz=cfg.tz, date_order=cfg.date_order, now=now).local.date()
        if date_text
        else now.astimezone(cfg.tz).date()
    )
    exp = Expense(
        guild_id=guild_id,
        release_id=release.id,
        number=await _next_expense_number(session, release.id),
        line=name,
        amount_minor=value,
        what=label,
        search_key=refs.fold(label),
        spent_on=day,
        author_id=author_id,
        created_at=now,
    )
    session.add(exp)
    await session.flush()
    await check_thresholds(session, release, now)
    result = await summary(session, release)
    assert result is not None
    return exp, result


async def unspend(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    expense_ref: str,
    *,
    now: datetime,
    actor: Actor | None = None,
) -> tuple[Expense, BudgetSummary]:
    """Remove a wrong expense (kept with ``deleted_at``). Not committed.

    Raises:
        NotFound / InvalidInput: unknown release or expense; an expense posted from a studio
            session (change its day rate or fee instead).
        Forbidden: not a manager or producer.
    """
    release = await _release(session, guild_id, release_ref)
    await require_editor(session, guild_id, actor, "remove expenses")
    exp = await resolve_expense(session, release, expense_ref)
    if exp.session_id is not None:
        ss = await session.get(StudioSession, exp.session_id)
        number = ss.number if ss else "?"
        raise InvalidInput(
            f"Expense #{exp.number} comes from studio session #{number}: change its day rate with "
            f"`/studio edit` or the fee with `/studio musician` (or remove the musician) instead."
        )
    exp.deleted_at = now
    await session.flush()
    await check_thresholds(session, release, now)
    result = await summary(session, release)
    assert result is not None
    return exp, result


async def resolve_expense(session: AsyncSession, release: Release, ref: str) -> Expense:
    """The live expense of ``release`` that ``ref`` (``#N``, N or its text) names.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    q = select(Expense).where(Expense.release_id == release.id, Expense.deleted_at.is_(None))
    number = refs.as_number(ref)
    if number is not None:
        found = await session.scalar(q.where(Expense.number == number))
        if found is not None:
            return found
    key = refs.fold(ref)
    cands = list(await session.scalars(q.where(Expense.search_key.contains(key)).order_by(Expense.number).limit(6)))
    if len(cands) == 1:
        return cands[0]
    if not cands:
        raise NotFound(
            f"No expense of release #{release.number} matches `{ref[:60]}`. Pick one from the list "
            f"(`/budget show release:#{release.number}`)."
        )
    raise InvalidInput(
        f"`{ref[:60]}` matches several expenses ({', '.join(f'#{e.number}' for e in cands[:5])}). "
        "Pick one from the list."
    )


async def expense_autocomplete(
    session: AsyncSession, guild_id: int, release_ref: str, query: str, *, limit: int = 25
) -> list[tuple[str, str]]:
    """(label, value) pairs: ``#3 · 12 Mar · studio · €400.00 · Mix revisions``, ``#3`` (newest first)."""
    try:
        release = await _release(session, guild_id, release_ref) if release_ref.strip() else None
    except (NotFound, InvalidInput):
        return []
    budget = await get_budget(session, release.id) if release else None
    if release is None or budget is None:
        return []
    q = select(Expense).where(Expense.release_id == release.id, Expense.deleted_at.is_(None))
    cond = refs.search_filter(Expense, query)
    if cond is not None:
        q = q.where(cond)
    rows = await session.scalars(q.order_by(Expense.number.desc()).limit(limit))
    return [
        (
            refs.choice_label(
                e.number,
                f"{e.spent_on.day} {e.spent_on:%b} · {e.line} · {money(e.amount_minor, budget.currency)} · {e.what}",
            ),
            f"#{e.number}",
        )
        for e in rows
    ]


async def expenses(session: AsyncSession, release: Release) -> list[Expense]:
    """The release's live expenses by date, then #."""
    return list(
        await session.scalars(
            select(Expense)
            .where(Expense.release_id == release.id, Expense.deleted_at.is_(None))
            .order_by(Expense.spent_on, Expense.number)
        )
    )


async def session_numbers(session: AsyncSession, release_id: int) -> dict[int, int]:
    """Studio session id -> its #number, for a release's sessions (to name an expense's source)."""
    rows = await session.execute(
        select(StudioSession.id, StudioSession.number).where(StudioSession.release_id == release_id)
    )
    return {i: n for i, n in rows.all()}


async def show(session: AsyncSession, guild_id: int, release_ref: str, *, now: datetime) -> BudgetSummary:
    """``/budget show``: post any session costs that fell due, then the summary. Not committed.

    Raises:
        NotFound / InvalidInput: unknown release, or it has no budget yet.
    """
    release = await _release(session, guild_id, release_ref)
    await post_due_costs(session, guild_id, now, release_id=release.id)
    result = await summary(session, release)
    if result is None:
        raise InvalidInput(
            f"Release #{release.number} has no budget yet. Start one with "
            f"`/budget set release:#{release.number} line:studio amount:…`."
        )
    return result


async def export_csv(session: AsyncSession, guild_id: int, release_ref: str, *, now: datetime) -> tuple[Release, bytes]:
    """``/budget export``: every live expense as CSV (UTF-8 with BOM for spreadsheets). Columns:
    number, date, line, what, amount (plain decimal), currency, source, added_by, added_at (UTC ISO).

    Raises:
        NotFound / InvalidInput: unknown release, or it has no budget yet.
    """
    result = await show(session, guild_id, release_ref, now=now)
    release = result.release
    sessions = await session_numbers(session, release.id)
    buf = io.StringIO()
    w = csvsafe.writer(buf)
    w.writerow(["number", "date", "line", "what", "amount", "currency", "source", "added_by", "added_at"])
    for e in await expenses(session, release):
        source = f"studio session #{sessions.get(e.session_id, '?')}" if e.session_id else "manual"
        w.writerow(
            [
                e.number,
                e.spent_on.isoformat(),
                e.line,
                e.what,
                str(from_minor(e.amount_minor, result.currency)),
                result.currency,
                source,
                e.author_id,
                e.created_at.astimezone(UTC).isoformat(timespec="seconds"),
            ]
        )
    return release, ("\ufeff" + buf.getvalue()).encode("utf-8")


# --- studio session costs ------------------------------------------------------------------------


def costs_due_at(ss: StudioSession) -> datetime:
    """When a session's day has passed (UTC): local midnight after its date, or its end if later."""
    midnight = datetime.combine(ss.date + timedelta(days=1), time(0), tzinfo=ZoneInfo(ss.timezone)).astimezone(UTC)
    return max(midnight, ss.end_at)


def _fee_label(m: SessionMusician, ss: StudioSession) -> str:
    who = m.name or f"member {m.user_id}"
    return f"{who}, {m.instrument} (session #{ss.number})"[:WHAT_MAX]


async def sync_costs(session: AsyncSession, ss: StudioSession, now: datetime, *, author_id: int | None = None) -> None:
    """Make the session's expenses match its day rate and fees, once its costs are posted
    (``costs_posted_at`` set): creates, adjusts or removes them; then checks thresholds. A session
    whose costs are not posted yet is left alone. Not committed."""
    if ss.costs_posted_at is None:
        return
    release = await session.get(Release, ss.release_id)
    assert release is not None
    existing = list(
        await session.scalars(select(Expense).where(Expense.session_id == ss.id, Expense.deleted_at.is_(None)))
    )
    by_key = {e.musician_id: e for e in existing}
    wanted: dict[int | None, tuple[str, int, str]] = {}
    if ss.status == SessionStatus.BOOKED:
        if ss.day_rate_minor:
            wanted[None] = ("studio", ss.day_rate_minor, f"Studio day: {ss.studio} (session #{ss.number})"[:WHAT_MAX])
        for m in await session.scalars(select(SessionMusician).where(SessionMusician.session_id == ss.id)):
            if m.fee_minor:
                wanted[m.id] = ("musicians", m.fee_minor, _fee_label(m, ss))
    for key, exp in by_key.items():
        if key not in wanted:
            exp.deleted_at = now
    for key, (line, amount, label) in wanted.items():
        exp = by_key.get(key)
        if exp is not None:
            exp.amount_minor, exp.what, exp.search_key = amount, label, refs.fold(label)
            continue
        session.add(
            Expense(
                guild_id=ss.guild_id,
                release_id=ss.release_id,
                number=await _next_expense_number(session, ss.release_id),
                line=line,
                amount_minor=amount,
                what=label,
                search_key=refs.fold(label),
                spent_on=ss.date,
                session_id=ss.id,
                musician_id=key,
                author_id=author_id or ss.author_id,
                created_at=now,
            )
        )
        await session.flush()
    await session.flush()
    await check_thresholds(session, release, now)


async def post_costs(session: AsyncSession, ss: StudioSession, now: datetime) -> bool:
    """Turn a passed session's day rate and fees into expenses, once. Returns True when posted now
    (False: already posted, cancelled, or its day hasn't passed). Not committed."""
    if ss.costs_posted_at is not None or ss.status != SessionStatus.BOOKED or costs_due_at(ss) > now:
        return False
    ss.costs_posted_at = now
    await sync_costs(session, ss, now)
    return True


async def post_due_costs(session: AsyncSession, guild_id: int, now: datetime, *, release_id: int | None = None) -> int:
    """Post the costs of every booked session (of ``release_id``, if given) whose day has passed
    and whose costs aren't posted yet. Returns how many sessions were posted. Not committed."""
    q = select(StudioSession).where(
        StudioSession.guild_id == guild_id,
        StudioSession.status == SessionStatus.BOOKED,
        StudioSession.costs_posted_at.is_(None),
        StudioSession.end_at <= now,
    )
    if release_id is not None:
        q = q.where(StudioSession.release_id == release_id)
    posted = 0
    for ss in list(await session.scalars(q)):
        posted += await post_costs(session, ss, now)
    return posted


async def session_expenses(session: AsyncSession, ss: StudioSession) -> list[Expense]:
    """The live expenses posted from ``ss``: the day rate first, then fees."""
    rows = await session.scalars(
        select(Expense).where(Expense.session_id == ss.id, Expense.deleted_at.is_(None)).order_by(Expense.number)
    )
    return sorted(rows, key=lambda e: (e.musician_id is not None, e.number))


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


async def _render_costs(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    ss = await session.get(StudioSession, nudge.ref_id)
    if ss is None or ss.guild_id != nudge.guild_id or ss.status != SessionStatus.BOOKED:
        return None
    release = await session.get(Release, ss.release_id)
    if release is None or release.deleted_at is not None:
        return None
    await post_costs(session, ss, now)  # once: a re-render after a crash finds them posted
    posted = await session_expenses(session, ss)
    budget = await get_budget(session, release.id)
    if not posted or budget is None:
        return None
    cur = budget.currency
    total = sum(e.amount_minor for e in posted)
    lines = [
        f"💸 Studio session #{ss.number} ({escape_markdown(ss.studio)}, {_day(ss.date)}) is done: "
        f"{money(total, cur)} added to the **{escape_markdown(release.title)}** budget."
    ]
    for e in posted:
        lines.append(f"• {e.line}: {money(e.amount_minor, cur)} · {escape_markdown(e.what)}")
    lines.append(f"See `/budget show release:#{release.number}`.")
    cfg = await get_config(session, ss.guild_id)
    return nudges.Rendered("\n".join(lines)[:2000], (), cfg.nudge_channel_id or release.channel_id)


async def _render_alert(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    row = await session.get(BudgetLine, nudge.ref_id)
    if row is None:
        return None
    release = await session.get(Release, row.release_id)
    budget = await get_budget(session, row.release_id)
    if release is None or release.guild_id != nudge.guild_id or release.deleted_at is not None or budget is None:
        return None
    spent = (await _spent_by_line(session, release.id)).get(row.line, 0)
    level = nudge.offset_days
    if _level(spent, row.amount_minor) < level:
        return None  # spending fell back (an expense removed, the budget raised) before delivery
    cur = budget.currency
    title = escape_markdown(release.title)
    if level >= 100:
        over = spent - row.amount_minor
        head = f"🚨 **{title}** budget: `{row.line}` is at {spent * 100 // row.amount_minor} %"
        detail = f"spent {money(spent, cur)} of {money(row.amount_minor, cur)}" + (
            f" ({money(over, cur)} over)." if over > 0 else " (nothing left)."
        )
    else:
        head = f"⚠️ **{title}** budget: `{row.line}` passed 90 %"
        left = money(row.amount_minor - spent, cur)
        detail = f"spent {money(spent, cur)} of {money(row.amount_minor, cur)} ({left} left)."
    manager_role = (await role_map(session, release.guild_id)).get("manager")
    text = f"<@{release.author_id}> {head}: {detail}\nSee `/budget show release:#{release.number}`."
    cfg = await get_config(session, release.guild_id)
    return nudges.Rendered(
        (f"<@&{manager_role}> " + text if manager_role else text)[:2000],
        (release.author_id,),
        cfg.nudge_channel_id or release.channel_id,
        (manager_role,) if manager_role else (),
    )


NUDGE_KINDS = (
    nudges.NudgeKind(KIND_ALERT, _render_alert, until=None),  # a budget alert is still news late
    nudges.NudgeKind(KIND_COSTS, _render_costs, until=None),  # bookkeeping: must happen, however late
)
"""Wired in ``bot/features.py``."""


# --- chart data (drawn by bot.ui.charts.budget_bars)


@dataclass(frozen=True)
class BudgetChartData:
    """What ``/budget chart`` draws: per line, the budget and what is spent, exact, in major units.

    ``lines`` are ``(line, budget or None, spent)`` as Decimals in ``currency`` (ISO 4217), in
    :data:`LINES` order (the chart turns them into floats only to place bars; labels stay exact).
    """

    number: int
    title: str
    currency: str
    lines: tuple[tuple[str, Decimal | None, Decimal], ...]


async def chart_data(session: AsyncSession, guild_id: int, release_ref: str, *, now: datetime) -> BudgetChartData:
    """``/budget chart``: the release's budget per line (session costs that fell due posted first).

    Raises:
        NotFound / InvalidInput: unknown release, or it has no budget yet.
    """
    s = await show(session, guild_id, release_ref, now=now)
    cur = s.currency
    lines = tuple(
        (x.line, None if x.budget is None else from_minor(x.budget, cur), from_minor(x.spent, cur)) for x in s.lines
    )
    return BudgetChartData(s.release.number, s.release.title, cur, lines)
