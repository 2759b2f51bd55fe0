"""Deals: the manager's confidential pipeline of offers and contracts, with nudged key dates.

A deal (show offer, record, distribution, publishing, sync, brand, management, merch, other) moves
along :data:`PIPELINE` (lead -> offer -> negotiating -> signed -> active -> completed), or ends
``declined`` / ``expired``. Every change is a :class:`~bot.db.models.DealStatusChange` (who, when,
note). A move that makes no sense (backwards, or out of a closed status) needs a note.

Confidential: only managers (:func:`bot.services.permissions.is_manager`) and the deal's owner see
or change a deal. To anyone else a deal does not exist: lookups raise the same :class:`NotFound` as
for a number never used, lists and autocomplete leave it out.

Key dates (calendar dates in the guild's zone) are nudged :data:`OFFSETS` days before (14, 3, on
the day) at 09:00 guild time, only in the business channel (``/settings business-channel``),
pinging only the owner. Without a business channel the dates are stored and nothing is planned;
setting one plans them (:func:`replan_guild`). Declined, expired, completed or deleted deals get no
nudges. Discord-free; nothing here commits (the caller's unit of work does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.db.models import NOTE_MAX, TITLE_MAX, Deal, DealDate, DealStatus, DealStatusChange, Nudge, NudgeStatus, Show
from bot.money import check_currency, from_minor, minor_digits, parse_amount, parse_percent, to_minor
from bot.services import nudges, refs, settlement
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor, is_manager
from bot.services.settings import GuildConfig, get_config
from bot.textfmt import CONTENT_MAX, escape_markdown, truncate
from bot.timeparse import parse_when

KINDS = ("show-offer", "record", "distribution", "publishing", "sync", "brand", "management", "merch", "other")
S = DealStatus
PIPELINE = (S.LEAD, S.OFFER, S.NEGOTIATING, S.SIGNED, S.ACTIVE, S.COMPLETED)
STATUSES = tuple(DealStatus)  # the pipeline, then declined and expired
CLOSED = (S.DECLINED, S.EXPIRED, S.COMPLETED)  # no nudges
DATE_KINDS = ("offer-expires", "signature-due", "option-pickup", "term-ends", "payment-due", "renewal-notice", "other")
SETTLE_KINDS = ("guarantee", "door", "versus", "plus")  # as /settle terms (issue #14) names them
OFFSETS = (14, 3, 0)  # days before a key date that it is nudged
NUDGE_AT = time(9, 0)  # guild time
KIND_DATE = "deal_date"
LIST_HINT = "`/deal list`"
MAX_DATES = 25
LABEL_MAX = 100
CLEAR = "-"


@dataclass(frozen=True)
class OfferTerms:
    """A show offer's terms as settlement takes them: ``kind`` one of :data:`SETTLE_KINDS`,
    ``guarantee`` in ``currency`` (exact), ``percentage`` 0..100 with two decimals. ``problem`` says
    what is missing for the kind (None when complete)."""

    show_id: int
    kind: str | None
    guarantee: Decimal | None
    percentage: Decimal | None
    currency: str | None
    problem: str | None = None


@dataclass
class StatusResult:
    """What :func:`set_status` did: the deal, its previous status, the show terms it copied (signed
    show offers), whether settlement took them, and how many pending nudges it cancelled."""

    deal: Deal
    old: str
    terms: OfferTerms | None = None
    settlement_updated: bool = False
    settlement_problem: str | None = None
    cancelled: int = 0
    replanned: list[datetime] = field(default_factory=list)


@dataclass
class DateResult:
    """What :func:`set_date` did: the key date, its previous date when it replaced one, the nudges
    planned (UTC), and why none are (``waiting``: no business channel; ``closed``: deal closed)."""

    deal: Deal
    key_date: DealDate
    previous: date | None
    planned: list[datetime]
    waiting: bool
    closed: bool


# --- confidentiality ------------------------------------------------------------------------


async def _visible(session: AsyncSession, guild_id: int, actor: Actor | None) -> list[ColumnElement[bool]]:
    """WHERE clauses for the deals ``actor`` may see: all (managers; None = trusted) or their own."""
    cond: list[ColumnElement[bool]] = [Deal.visible()]
    if actor is not None and not await is_manager(session, guild_id, actor):
        cond.append(Deal.owner_id == actor.user_id)
    return cond


async def can_see(session: AsyncSession, deal: Deal, actor: Actor | None) -> bool:
    """True when ``actor`` is a manager, the deal's owner, or None (trusted)."""
    return actor is None or deal.owner_id == actor.user_id or await is_manager(session, deal.guild_id, actor)


async def _load(session: AsyncSession, guild_id: int, deal_id: int, actor: Actor | None) -> Deal:
    deal = await session.scalar(
        select(Deal)
        .where(Deal.id == deal_id, Deal.guild_id == guild_id, *(await _visible(session, guild_id, actor)))
        .options(selectinload(Deal.history), selectinload(Deal.dates))
        .execution_options(populate_existing=True)
    )
    if deal is None:
        raise NotFound(f"That deal no longer exists. See {LIST_HINT}.")
    return deal


async def get_deal(session: AsyncSession, guild_id: int, ref: str, actor: Actor | None) -> Deal:
    """The deal ``ref`` (``#N``, N or title) names among those ``actor`` may see; history and dates loaded.

    Raises:
        NotFound: none matches, or the only match is hidden from ``actor`` (same message: a deal
            the asker may not see is not told to exist).
        InvalidInput: empty, or several visible deals match.
    """
    found = await refs.resolve(
        session, Deal, guild_id, ref, noun="deal", list_hint=LIST_HINT, visible=await _visible(session, guild_id, actor)
    )
    return await _load(session, guild_id, found.id, actor)


async def get_deal_by_id(session: AsyncSession, guild_id: int, deal_id: int, actor: Actor | None) -> Deal:
    """The deal with ``deal_id`` (for buttons), if ``actor`` may see it.

    Raises:
        NotFound: gone, another guild's, or hidden from ``actor``.
    """
    return await _load(session, guild_id, deal_id, actor)


# --- input ----------------------------------------------------------------------------------


def _clean(text: str, what: str, max_len: int = TITLE_MAX) -> str:
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise InvalidInput(f"{what} can't be empty.")
    if len(cleaned) > max_len:
        raise InvalidInput(f"{what} is {len(cleaned)} characters; keep it to {max_len}.")
    return cleaned


def _kind(kind: str) -> str:
    k = (kind or "").strip().lower()
    if k not in KINDS:
        raise InvalidInput(f"Kind must be one of {', '.join(f'`{x}`' for x in KINDS)}.")
    return k


def _settle_kind(text: str) -> str:
    k = text.strip().lower()
    if k not in SETTLE_KINDS:
        raise InvalidInput(f"`settle_kind` must be one of {', '.join(f'`{x}`' for x in SETTLE_KINDS)}.")
    return k


def _cleared(text: str | None) -> bool:
    return text is not None and text.strip() == CLEAR


def money_of(deal: Deal, minor: int | None) -> Decimal | None:
    """An amount column of ``deal`` (``value_minor``/``guarantee_minor``) as an exact Decimal."""
    return None if minor is None or deal.currency is None else from_minor(minor, deal.currency)


def percentage_of(deal: Deal) -> Decimal | None:
    """The show offer's percentage as a Decimal with two decimals (``Decimal("80.00")``), or None."""
    return None if deal.percentage_bp is None else (Decimal(deal.percentage_bp) / 100).quantize(Decimal("0.01"))


async def _show(session: AsyncSession, guild_id: int, ref: str) -> Show:
    return await refs.resolve(
        session, Show, guild_id, ref, noun="show", list_hint="`/tour list`", visible=[Show.visible()]
    )


async def _apply_money(
    deal: Deal,
    *,
    value: str | None,
    currency: str | None,
    guarantee: str | None,
    percentage: str | None,
    default_currency: str | None,
) -> None:
    """Set value / guarantee / percentage / currency from user text (``-`` clears); all or nothing.
    An amount given without any currency on the deal is in ``default_currency`` (``/settings currency``)."""
    cur = deal.currency
    if currency is not None:
        cur = None if _cleared(currency) else check_currency(currency)
    value_minor, guarantee_minor, pct_bp = deal.value_minor, deal.guarantee_minor, deal.percentage_bp
    if cur != deal.currency and cur is not None and deal.currency is not None:
        # re-express stored amounts in the new currency's minor unit (same number, new code); an
        # amount the new currency can't hold exactly (EUR 12.50 -> JPY) is refused, never rounded
        value_minor, guarantee_minor = (
            None if m is None else to_minor(_exact_in(from_minor(m, deal.currency), cur), cur)
            for m in (value_minor, guarantee_minor)
        )
    for text, what in ((value, "value"), (guarantee, "guarantee")):
        if text is None:
            continue
        if _cleared(text):
            minor = None
        else:
            cur = cur or default_currency
            if cur is None:
                raise InvalidInput(
                    f"Give the `currency` (ISO 4217, e.g. `EUR`, `USD`) for the {what}, or set the server's "
                    "default with `/settings currency`."
                )
            minor = to_minor(parse_amount(text, cur, what=what), cur)
        if what == "value":
            value_minor = minor
        else:
            guarantee_minor = minor
    if percentage is not None:
        pct_bp = None if _cleared(percentage) else int(parse_percent(percentage, allow_zero=False) * 100)
    if cur is None and (value_minor is not None or guarantee_minor is not None):
        raise InvalidInput("The deal has amounts: it needs a currency (give another `currency` instead of `-`).")
    deal.currency, deal.value_minor, deal.guarantee_minor, deal.percentage_bp = (
        cur,
        value_minor,
        guarantee_minor,
        pct_bp,
    )


def _exact_in(amount: Decimal, currency: str) -> Decimal:
    normalized = amount.normalize()
    exp = normalized.as_tuple().exponent
    if isinstance(exp, int) and -exp > minor_digits(currency):
        raise InvalidInput(
            f"{currency} has {minor_digits(currency)} decimal place(s), so {amount} can't be kept exactly: "
            "give the amounts again with the new currency."
        )
    return amount


def _require_show_offer(deal: Deal, **given: object) -> None:
    used = [name for name, v in given.items() if v is not None and not _cleared(str(v))]
    if used and deal.kind != "show-offer":
        raise InvalidInput(
            f"{', '.join(f'`{u}`' for u in used)} belong{'s' if len(used) == 1 else ''} to a show offer "
            "(kind `show-offer`) only."
        )


# --- deals ----------------------------------------------------------------------------------


async def add_deal(
    session: AsyncSession,
    guild_id: int,
    *,
    title: str,
    kind: str,
    counterparty: str,
    actor: Actor,
    now: datetime,
    owner_id: int | None = None,
    value: str | None = None,
    currency: str | None = None,
    show: str | None = None,
    guarantee: str | None = None,
    percentage: str | None = None,
    settle_kind: str | None = None,
) -> Deal:
    """Create a deal at status ``lead`` (history: created by ``actor``). ``owner_id`` defaults to the
    actor. Amounts are strings parsed exactly in ``currency``; ``percentage`` 0..100, two decimals.
    Not committed.

    Raises:
        InvalidInput: bad kind, title, counterparty, amount, currency, percentage or settle kind; show
            terms on a deal that is not a show offer; an unknown show.
        Forbidden: a non-manager adding a deal owned by someone else.
    """
    owner = actor.user_id if owner_id is None else owner_id
    if owner != actor.user_id and not await is_manager(session, guild_id, actor):
        raise Forbidden("Only managers can add a deal owned by someone else; leave `owner` empty to own it yourself.")
    clean = _clean(title, "Title")
    deal = Deal(
        guild_id=guild_id,
        number=0,
        title=clean,
        search_key=refs.fold(clean),
        kind=_kind(kind),
        counterparty=_clean(counterparty, "Counterparty"),
        status=S.LEAD,
        owner_id=owner,
        author_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    _require_show_offer(deal, show=show, guarantee=guarantee, percentage=percentage, settle_kind=settle_kind)
    cfg = await get_config(session, guild_id)
    await _apply_money(
        deal,
        value=value,
        currency=currency,
        guarantee=guarantee,
        percentage=percentage,
        default_currency=cfg.currency,
    )
    if settle_kind is not None:
        deal.settle_kind = _settle_kind(settle_kind)
    if show is not None:
        deal.show_id = (await _show(session, guild_id, show)).id
    deal.number = await refs.next_number(session, Deal, guild_id)
    deal.history = [DealStatusChange(from_status=None, to_status=S.LEAD, actor_id=actor.user_id, created_at=now)]
    deal.dates = []
    session.add(deal)
    await session.flush()
    return deal


async def edit_deal(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    *,
    actor: Actor,
    now: datetime,
    title: str | None = None,
    kind: str | None = None,
    counterparty: str | None = None,
    owner_id: int | None = None,
    value: str | None = None,
    currency: str | None = None,
    show: str | None = None,
    guarantee: str | None = None,
    percentage: str | None = None,
    settle_kind: str | None = None,
) -> Deal:
    """Change a deal's fields; ``-`` clears an optional one (value, currency, show, terms). A new
    owner is a manager's call. Not committed.

    Raises:
        NotFound: unknown or hidden deal.
        InvalidInput: nothing given, or a bad value (as :func:`add_deal`).
        Forbidden: a non-manager changing the owner.
    """
    given = (title, kind, counterparty, owner_id, value, currency, show, guarantee, percentage, settle_kind)
    if all(v is None for v in given):
        raise InvalidInput("Give at least one field to change (e.g. `counterparty`, `value`, `owner`).")
    deal = await get_deal(session, guild_id, ref, actor)
    if owner_id is not None and owner_id != deal.owner_id and not await is_manager(session, guild_id, actor):
        raise Forbidden("Only managers can give a deal to another owner.")
    if title is not None:
        deal.title = _clean(title, "Title")
        deal.search_key = refs.fold(deal.title)
    if kind is not None:
        deal.kind = _kind(kind)
        if deal.kind != "show-offer" and show is None and guarantee is None and percentage is None:
            deal.show_id, deal.guarantee_minor, deal.percentage_bp, deal.settle_kind = None, None, None, None
    if counterparty is not None:
        deal.counterparty = _clean(counterparty, "Counterparty")
    _require_show_offer(deal, show=show, guarantee=guarantee, percentage=percentage, settle_kind=settle_kind)
    cfg = await get_config(session, guild_id)
    await _apply_money(
        deal,
        value=value,
        currency=currency,
        guarantee=guarantee,
        percentage=percentage,
        default_currency=cfg.currency,
    )
    if settle_kind is not None:
        deal.settle_kind = None if _cleared(settle_kind) else _settle_kind(settle_kind)
    if show is not None:
        deal.show_id = None if _cleared(show) else (await _show(session, guild_id, show)).id
    if owner_id is not None:
        deal.owner_id = owner_id
    deal.updated_at = now
    await session.flush()
    return deal


def is_sensible(old: str, new: str) -> bool:
    """True when ``old`` -> ``new`` needs no explanation: forward along :data:`PIPELINE`, declined
    from lead/offer/negotiating, expired from any open status. Anything else (backwards, out of
    declined/expired/completed) needs a note."""
    if old in CLOSED:
        return False
    if new in PIPELINE:
        return old in PIPELINE and PIPELINE.index(new) > PIPELINE.index(old)
    if new == S.DECLINED:
        return old in (S.LEAD, S.OFFER, S.NEGOTIATING)
    return new == S.EXPIRED


async def set_status(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    status: str,
    *,
    actor: Actor,
    now: datetime,
    note: str | None = None,
) -> StatusResult:
    """Move a deal to ``status``, keeping who, when and ``note`` in its history. Closing it
    (declined, expired, completed) cancels its pending nudges; reopening plans them again. A show
    offer moved to ``signed`` copies its terms (:func:`show_terms`) into the show's settlement when
    settlement (:func:`copy_to_settlement`); what it could not copy is in the result. Not committed.

    Raises:
        NotFound: unknown or hidden deal.
        InvalidInput: unknown status, the same status, a note over 300 characters, or a move that
            makes no sense (:func:`is_sensible`) without a note.
    """
    st = (status or "").strip().lower()
    if st not in STATUSES:
        raise InvalidInput(f"Status must be one of {', '.join(f'`{s}`' for s in STATUSES)}.")
    clean_note = _clean(note, "Note", NOTE_MAX) if note is not None and note.strip() else None
    deal = await get_deal(session, guild_id, ref, actor)
    old = deal.status
    if st == old:
        raise InvalidInput(f"Deal #{deal.number} is already `{old}`.")
    if not is_sensible(old, st) and clean_note is None:
        raise InvalidInput(
            f"Moving deal #{deal.number} from `{old}` back to `{st}` is unusual: add a `note` saying why "
            "(it is kept in the history)."
        )
    deal.status, deal.updated_at = st, now
    deal.history.append(
        DealStatusChange(from_status=old, to_status=st, note=clean_note, actor_id=actor.user_id, created_at=now)
    )
    result = StatusResult(deal, old)
    cfg = await get_config(session, guild_id)
    if st in CLOSED:
        result.cancelled = await nudges.cancel_for(session, KIND_DATE, [d.id for d in deal.dates])
    elif old in CLOSED:
        result.replanned = await plan_nudges(session, deal, cfg, now)
    if st == S.SIGNED and deal.kind == "show-offer":
        result.terms = show_terms(deal)
        if result.terms is not None:
            result.settlement_problem = result.terms.problem or await copy_to_settlement(
                session, deal, result.terms, cfg=cfg, now=now
            )
            result.settlement_updated = result.settlement_problem is None
    await session.flush()
    return result


def show_terms(deal: Deal) -> OfferTerms | None:
    """The settlement terms a signed show offer carries, or None (not a show offer, or no show linked).

    Kind: ``settle_kind``; without one, ``guarantee`` when there is only a guarantee (or only a
    value: a flat guarantee), ``door`` when there is only a percentage. ``guarantee`` falls back to
    ``value``. ``problem`` names what the kind still needs (e.g. a percentage for ``versus``).
    """
    if deal.kind != "show-offer" or deal.show_id is None:
        return None
    guarantee = money_of(deal, deal.guarantee_minor)
    if guarantee is None:
        guarantee = money_of(deal, deal.value_minor)
    pct = percentage_of(deal)
    kind = deal.settle_kind
    problem = None
    if kind is None:
        if guarantee is not None and pct is not None:
            problem = "it has a guarantee and a percentage: set `settle_kind` (`versus` or `plus`)"
        elif pct is not None:
            kind = "door"
        elif guarantee is not None:
            kind = "guarantee"
        else:
            problem = "it has no guarantee, percentage or value"
    else:
        needs_g = kind in ("guarantee", "versus", "plus") and guarantee is None
        needs_p = kind in ("door", "versus", "plus") and pct is None
        if needs_g or needs_p:
            missing = " and ".join(x for x, n in (("a guarantee", needs_g), ("a percentage", needs_p)) if n)
            problem = f"`{kind}` needs {missing}"
    if kind == "plus" and problem is None:
        problem = (
            "`plus` also needs a break-even, which a deal doesn't carry: set the show's terms with "
            "`/settle terms kind:plus`"
        )
    if kind == "guarantee":
        pct = None
    if kind == "door":
        guarantee = None
    return OfferTerms(deal.show_id, kind, guarantee, pct, deal.currency, problem)


async def copy_to_settlement(
    session: AsyncSession, deal: Deal, terms: OfferTerms, *, cfg: GuildConfig, now: datetime
) -> str | None:
    """Copy a signed show offer's terms into its show's settlement terms (``/settle terms``, via
    :func:`bot.services.settlement.set_terms`, as a trusted caller: whoever may sign the deal may
    apply its terms). The currency is the deal's, else the server's default (``/settings currency``).
    Not committed.

    Returns None when the show's terms were set, else why not (a sentence fragment, e.g. the
    currency is missing); the deal's own status change stands either way.
    """
    currency = terms.currency or cfg.currency
    if currency is None or terms.kind is None:
        return "it has no currency: give the deal a `currency`, or set the server's with `/settings currency`"
    try:
        await settlement.set_terms(
            session,
            deal.guild_id,
            terms.show_id,
            terms.kind,
            terms.guarantee,
            terms.percentage,
            None,  # a deal carries no break-even (only `plus` uses one; show_terms reports it missing)
            currency,
            None,
            now=now,
        )
    except (InvalidInput, NotFound) as exc:
        return str(exc).rstrip(".")
    return None


async def list_deals(
    session: AsyncSession, guild_id: int, actor: Actor | None, *, status: str = "open", kind: str | None = None
) -> list[Deal]:
    """Deals ``actor`` may see: ``status`` ``open`` (not declined/expired/completed, the default),
    ``all``, or one of :data:`STATUSES`; optionally one ``kind``. Pipeline order, then #.

    Raises:
        InvalidInput: unknown status or kind.
    """
    q = select(Deal).where(Deal.guild_id == guild_id, *(await _visible(session, guild_id, actor)))
    if status == "open":
        q = q.where(Deal.status.not_in(CLOSED))
    elif status != "all":
        if status not in STATUSES:
            raise InvalidInput(f"Status must be `open`, `all` or one of {', '.join(f'`{s}`' for s in STATUSES)}.")
        q = q.where(Deal.status == status)
    if kind is not None:
        q = q.where(Deal.kind == _kind(kind))
    rank = case({s: i for i, s in enumerate(STATUSES)}, value=Deal.status, else_=len(STATUSES))
    q = q.options(selectinload(Deal.dates)).order_by(rank, Deal.number)
    return list(await session.scalars(q))


async def autocomplete(
    session: AsyncSession, guild_id: int, actor: Actor | None, query: str, limit: int = 25
) -> list[tuple[str, str]]:
    """(label, value) pairs for a deal option, ONLY among deals ``actor`` may see:
    ``#3 · Summer festival offer (show-offer, negotiating)``, ``#3``."""
    q = select(Deal).where(Deal.guild_id == guild_id, *(await _visible(session, guild_id, actor)))
    cond = refs.search_filter(Deal, query)
    if cond is not None:
        q = q.where(cond)
    rows = await session.scalars(q.order_by(Deal.number.desc()).limit(limit))
    return [(refs.choice_label(d.number, d.title, f" ({d.kind}, {d.status})"), f"#{d.number}") for d in rows]


async def delete_deal(session: AsyncSession, guild_id: int, deal_id: int, *, actor: Actor, now: datetime) -> Deal:
    """Delete a deal (confirmation button): hidden, nudges cancelled, rows kept. Not committed.

    Raises:
        NotFound: gone, or hidden from ``actor``.
    """
    deal = await get_deal_by_id(session, guild_id, deal_id, actor)
    deal.soft_delete(now)
    deal.updated_at = now
    await nudges.cancel_for(session, KIND_DATE, [d.id for d in deal.dates])
    await session.flush()
    return deal


# --- key dates ------------------------------------------------------------------------------


def date_name(kd: DealDate) -> str:
    """``offer expires``, ``renewal notice (label)``, or the label of an ``other`` date."""
    if kd.what == "other":
        return kd.label or "other"
    base = kd.what.replace("-", " ")
    return f"{base} ({kd.label})" if kd.label else base


def at_nine(d: date, cfg: GuildConfig) -> datetime:
    """09:00 on ``d`` in the guild's zone, as an aware datetime (zoneinfo keeps 09:00 across DST)."""
    return datetime.combine(d, NUDGE_AT, tzinfo=cfg.tz)


def _today(cfg: GuildConfig, now: datetime) -> date:
    return now.astimezone(cfg.tz).date()


async def plan_nudges(session: AsyncSession, deal: Deal, cfg: GuildConfig, now: datetime) -> list[datetime]:
    """Replace the deal's pending key-date nudges: each date at 14 and 3 days before and on the day,
    09:00 guild time, those still ahead of ``now``; none when the deal is closed or deleted or the
    guild has no business channel. Returns the planned due times (UTC-aware). Not committed."""
    ids = [d.id for d in deal.dates if d.id is not None]
    if ids:
        await nudges.cancel_for(session, KIND_DATE, ids)
    if deal.is_deleted or deal.status in CLOSED or cfg.business_channel_id is None:
        return []
    planned = []
    for kd in deal.dates:
        for offset in OFFSETS:
            at = at_nine(kd.date - timedelta(days=offset), cfg)
            if at > now:
                nudges.schedule(
                    session,
                    guild_id=deal.guild_id,
                    channel_id=cfg.business_channel_id,
                    kind=KIND_DATE,
                    ref_id=kd.id,
                    due_at=at,
                    now=now,
                    offset_days=offset,
                )
                planned.append(at)
    return planned


def _date_kind(what: str) -> str:
    w = (what or "").strip().lower()
    if w not in DATE_KINDS:
        raise InvalidInput(f"A key date is one of {', '.join(f'`{x}`' for x in DATE_KINDS)}.")
    return w


async def set_date(
    session: AsyncSession,
    guild_id: int,
    ref: str,
    what: str,
    date_text: str,
    *,
    actor: Actor,
    now: datetime,
    label: str | None = None,
    confirm_past: bool = False,
) -> DateResult:
    """Add a key date to a deal, or move the one with the same ``what`` (and, for ``other``, the same
    label), and plan its nudges (:func:`plan_nudges`). Not committed.

    ``date_text`` is read in the guild's zone and date order (``2027-04-02``, ``next friday``); a day
    before today is refused unless ``confirm_past`` (then stored; nothing is nudged).

    Raises:
        NotFound: unknown or hidden deal.
        InvalidInput: unknown ``what``, ``other`` without a label, an unreadable date, a past date
            without ``confirm_past``, too many dates.
    """
    w = _date_kind(what)
    clean_label = _clean(label, "Label", LABEL_MAX) if label is not None and label.strip() else None
    if w == "other" and clean_label is None:
        raise InvalidInput("A key date of kind `other` needs a `label` saying what it is (e.g. `Audit window`).")
    deal = await get_deal(session, guild_id, ref, actor)
    cfg = await get_config(session, guild_id)
    day = parse_when(date_text, tz=cfg.tz, date_order=cfg.date_order, now=now).local.date()
    if day < _today(cfg, now) and not confirm_past:
        raise InvalidInput(
            f"`{' '.join(date_text.split())[:40]}` is {format_day(day)}, which has passed. If it really has, "
            "run the command again with `confirm_past:True` (it is stored, without nudges)."
        )
    same = next(
        (
            d
            for d in deal.dates
            if d.what == w and (w != "other" or refs.fold(d.label or "") == refs.fold(clean_label or ""))
        ),
        None,
    )
    previous = None
    if same is None:
        if len(deal.dates) >= MAX_DATES:
            raise InvalidInput(f"Deal #{deal.number} already has {MAX_DATES} key dates; remove one first.")
        same = DealDate(
            position=max((d.position for d in deal.dates), default=0) + 1,
            what=w,
            label=clean_label,
            date=day,
            author_id=actor.user_id,
            created_at=now,
        )
        deal.dates.append(same)
    else:
        previous = same.date
        same.date = day
        if clean_label is not None:
            same.label = clean_label
    deal.updated_at = now
    await session.flush()
    all_planned = await plan_nudges(session, deal, cfg, now)
    mine = [at_nine(same.date - timedelta(days=o), cfg) for o in OFFSETS]
    planned = [t for t in all_planned if t in mine]
    await session.flush()
    return DateResult(
        deal, same, previous, planned, waiting=cfg.business_channel_id is None, closed=deal.status in CLOSED
    )


def resolve_date(deal: Deal, ref: str) -> DealDate:
    """The key date of ``deal`` that ``ref`` names: ``#N``, N, its kind (``offer-expires``) or label.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    ref = " ".join((ref or "").split())
    number = refs.as_number(ref)
    if number is not None:
        for d in deal.dates:
            if d.position == number:
                return d
    key = refs.fold(ref)
    cands = [
        d
        for d in deal.dates
        if key and (key == d.what or key == refs.fold(d.label or "") or key in refs.fold(date_name(d)))
    ]
    if len(cands) == 1:
        return cands[0]
    if not cands:
        raise NotFound(
            f"Deal #{deal.number} has no key date matching `{ref[:60]}`. See `/deal show deal:#{deal.number}`."
        )
    raise InvalidInput(
        f"`{ref[:60]}` matches several key dates of deal #{deal.number} "
        f"({', '.join(f'#{d.position}' for d in cands[:5])}). Pick one from the list."
    )


async def remove_date(
    session: AsyncSession, guild_id: int, ref: str, date_ref: str, *, actor: Actor, now: datetime
) -> tuple[Deal, DealDate]:
    """Remove a key date and cancel its nudges. Not committed.

    Raises:
        NotFound / InvalidInput: unknown or hidden deal, unknown date.
    """
    deal = await get_deal(session, guild_id, ref, actor)
    kd = resolve_date(deal, date_ref)
    await nudges.cancel_for(session, KIND_DATE, kd.id)
    deal.dates.remove(kd)
    deal.updated_at = now
    await session.flush()
    return deal, kd


async def date_autocomplete(
    session: AsyncSession, guild_id: int, actor: Actor | None, deal_ref: str, query: str, limit: int = 25
) -> list[tuple[str, str]]:
    """(label, value) pairs for the key dates of the deal ``deal_ref`` names, if ``actor`` may see it:
    ``#2 · offer expires · Fri 2 Apr 2027``, ``#2``. Empty otherwise."""
    if not deal_ref.strip():
        return []
    try:
        deal = await get_deal(session, guild_id, deal_ref, actor)
    except (NotFound, InvalidInput):
        return []
    key = refs.fold(query.strip().lstrip("#"))
    out = []
    for d in sorted(deal.dates, key=lambda x: (x.date, x.position)):
        label = f"{date_name(d)} · {format_day(d.date)}"
        if key and key not in refs.fold(label) and key != str(d.position):
            continue
        out.append((refs.choice_label(d.position, label), f"#{d.position}"))
    return out[:limit]


async def pending_for(session: AsyncSession, kd: DealDate) -> list[Nudge]:
    """The key date's pending nudges, earliest first."""
    return list(
        await session.scalars(
            select(Nudge)
            .where(Nudge.kind == KIND_DATE, Nudge.ref_id == kd.id, Nudge.status == NudgeStatus.PENDING)
            .order_by(Nudge.due_at)
        )
    )


async def next_nudges(session: AsyncSession, deal: Deal) -> dict[int, datetime]:
    """Each key date's next pending nudge (UTC), by ``DealDate.id``; dates without one are absent."""
    ids = [d.id for d in deal.dates]
    if not ids:
        return {}
    rows = await session.execute(
        select(Nudge.ref_id, func.min(Nudge.due_at))
        .where(Nudge.kind == KIND_DATE, Nudge.ref_id.in_(ids), Nudge.status == NudgeStatus.PENDING)
        .group_by(Nudge.ref_id)
    )
    return {ref: due for ref, due in rows.all() if ref is not None}


async def linked_show(session: AsyncSession, deal: Deal) -> Show | None:
    """The show a show offer is linked to (None when none, or deleted)."""
    if deal.show_id is None:
        return None
    show = await session.get(Show, deal.show_id)
    return show if show is not None and show.guild_id == deal.guild_id and not show.is_deleted else None


async def replan_guild(session: AsyncSession, guild_id: int, now: datetime) -> int:
    """Re-plan every open deal's key-date nudges (business channel set or changed, or the zone
    changed: 09:00 is local). Returns how many key dates have nudges planned. Not committed."""
    cfg = await get_config(session, guild_id)
    deals = (
        await session.scalars(
            select(Deal).where(Deal.guild_id == guild_id, Deal.visible()).options(selectinload(Deal.dates))
        )
    ).all()
    count = 0
    for deal in deals:
        planned = await plan_nudges(session, deal, cfg, now)
        count += len(
            {kd.id for kd in deal.dates if any(at_nine(kd.date - timedelta(days=o), cfg) in planned for o in OFFSETS)}
        )
    await session.flush()
    return count


def format_day(d: date) -> str:
    """``Fri 2 Apr 2027`` (a calendar date)."""
    return f"{d:%a} {d.day} {d:%b %Y}"


async def _render_date(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    """A key-date nudge, in the business channel, pinging only the owner; None (cancelled) when
    the date or deal is gone or closed, there is no business channel, the day has passed, or a
    nearer nudge of the same date is also due (after downtime only the latest goes out)."""
    kd = await session.get(DealDate, nudge.ref_id)
    if kd is None:
        return None
    deal = await session.get(Deal, kd.deal_id)
    if deal is None or deal.guild_id != nudge.guild_id or deal.is_deleted or deal.status in CLOSED:
        return None
    cfg = await get_config(session, deal.guild_id)
    if cfg.business_channel_id is None or _today(cfg, now) > kd.date:
        return None
    nearer = await session.scalar(
        select(Nudge.id)
        .where(
            Nudge.kind == KIND_DATE,
            Nudge.ref_id == kd.id,
            Nudge.offset_days < nudge.offset_days,
            Nudge.due_at <= now,
            Nudge.status.in_(nudges.ACTIVE),
            Nudge.id != nudge.id,
        )
        .limit(1)
    )
    if nearer is not None:
        return None
    days = (kd.date - _today(cfg, now)).days
    when = "is **today**" if days <= 0 else f"is in **{days} day{'s' if days != 1 else ''}**"
    stamp = f"<t:{int(at_nine(kd.date, cfg).timestamp())}:D>"
    text = (
        f"📅 <@{deal.owner_id}> deal **#{deal.number} {escape_markdown(deal.title)}** "
        f"({deal.kind} · {escape_markdown(deal.counterparty)}, {deal.status}): "
        f"**{escape_markdown(date_name(kd))}** {when}, {format_day(kd.date)} ({stamp}).\n"
        f"See `/deal show deal:#{deal.number}`."
    )
    return nudges.Rendered(truncate(text, CONTENT_MAX), (deal.owner_id,), cfg.business_channel_id)


# a deal's date (option, deadline) is worth hearing about late rather than not at all
NUDGE_KINDS = (nudges.NudgeKind(KIND_DATE, _render_date, until=None),)
"""Wired in ``bot/features.py``."""
