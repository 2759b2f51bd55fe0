"""Nudges: the rows that say what Roadie owes which channel, when. Delivery state lives here.

A nudge moves ``pending`` -> ``sending`` (claimed by one UPDATE) -> ``sent``; or to ``cancelled``
(its subject went away) or ``failed`` (Discord refused for good: channel gone, no permission).
Transient failures put it back to ``pending`` with ``retry_at``. Renderers for each ``kind`` turn a
row into a :class:`OutgoingNudge` at delivery time, so edits made after scheduling are honoured.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Nudge
from bot.services import nudge_batches
from bot.services.clock import utcnow
from bot.uow import record_scheduled

LATE_AFTER = timedelta(seconds=60)  # due longer ago than this when sent: marked late
MAX_ATTEMPTS = 12
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=15)
ACTIVE = ("pending", "sending")


@dataclass(frozen=True)
class OutgoingNudge:
    """A message ready to send: one nudge row, or several grouped (``bot.services.nudge_batches``).

    Attributes:
        nudge_id: the batch id (the smallest row id in the message; the row's own id for one row).
        channel_id: the Discord channel to post in.
        content: message text (≤ 2000 chars, Discord API docs; renderers truncate).
        mention_user_ids: users this message may ping, each once (nothing else is pinged).
        nonce: stable per batch (≤ 25 chars) for ``enforce_nonce`` de-duplication.
        late: True when every row is sent more than :data:`LATE_AFTER` after its due time.
        due_at: the first row's due time (UTC).
        mention_role_ids: roles this message may ping (e.g. a check-in prompt's team role).
        button: (label, custom_id) of one button to attach, handled by a persistent component.
        nudge_ids: every row this message delivers (all marked sent with its message id).
        embeds: embed descriptions listing a group's rows (≤ 10, each ≤ 4096, ≤ 6000 together).
    """

    nudge_id: int
    channel_id: int
    content: str
    mention_user_ids: tuple[int, ...] = ()
    nonce: str = ""
    late: bool = False
    due_at: datetime | None = None
    mention_role_ids: tuple[int, ...] = ()
    button: tuple[str, str] | None = None
    nudge_ids: tuple[int, ...] = ()
    embeds: tuple[str, ...] = ()

    @property
    def row_ids(self) -> tuple[int, ...]:
        """The rows delivered by this message (``nudge_ids``, or the one row ``nudge_id``)."""
        return self.nudge_ids or (self.nudge_id,)


@dataclass
class Rendered:
    """What a renderer returns: the text, who to ping, the channel (None: the row's), and an
    optional (label, custom_id) button."""

    content: str
    mention_user_ids: tuple[int, ...] = ()
    channel_id: int | None = None
    mention_role_ids: tuple[int, ...] = ()
    button: tuple[str, str] | None = None


Renderer = Callable[[AsyncSession, Nudge, datetime], Awaitable[Rendered | None]]
Preloader = Callable[[AsyncSession, list[int]], Awaitable[object]]
_RENDERERS: dict[str, Renderer] = {}
_ON_DELIVERED: dict[str, Callable[[AsyncSession, Nudge, str], Awaitable[None]]] = {}
_PRELOAD: dict[str, Preloader] = {}
_ON_DELIVERED_MANY: dict[str, Callable[[AsyncSession, list[int], str], Awaitable[None]]] = {}


def register_kind(
    kind: str,
    renderer: Renderer,
    on_final: Callable[[AsyncSession, Nudge, str], Awaitable[None]] | None = None,
    *,
    preload: Preloader | None = None,
    on_final_many: Callable[[AsyncSession, list[int], str], Awaitable[None]] | None = None,
) -> None:
    """Register how nudges of ``kind`` render, and (optionally) what happens to their subject when
    a nudge ends as ``sent`` or ``failed``. A renderer returning ``None`` cancels the nudge.

    ``preload(session, ref_ids)`` (optional) loads the subjects of many rows in one query before
    they are rendered or finalised, so a storm of 10,000 rows costs a few queries, not 10,000; it
    returns them (kept referenced on the session, whose identity map then answers ``session.get``).
    ``on_final_many(session, ref_ids, outcome)`` (optional) does what ``on_final`` does for many
    subjects at once (used when a storm's deliveries are recorded together).
    """
    _RENDERERS[kind] = renderer
    if on_final is not None:
        _ON_DELIVERED[kind] = on_final
    if preload is not None:
        _PRELOAD[kind] = preload
    if on_final_many is not None:
        _ON_DELIVERED_MANY[kind] = on_final_many


async def _preload(session: AsyncSession, rows: Sequence[Nudge]) -> None:
    by_kind: dict[str, list[int]] = {}
    for n in rows:
        if n.ref_id is not None and n.kind in _PRELOAD:
            by_kind.setdefault(n.kind, []).append(n.ref_id)
    keep = session.info.setdefault("roadie.preloaded", [])  # the identity map holds objects weakly
    for kind, refs in by_kind.items():
        for i in range(0, len(refs), 500):
            keep.append(await _PRELOAD[kind](session, refs[i : i + 500]))


def schedule(
    session: AsyncSession,
    *,
    guild_id: int,
    channel_id: int,
    kind: str,
    ref_id: int | None,
    due_at: datetime,
    now: datetime,
    offset_days: int = 0,
) -> Nudge:
    """Add a pending nudge to the session (flushed with the session; not committed)."""
    n = Nudge(
        guild_id=guild_id,
        channel_id=channel_id,
        kind=kind,
        ref_id=ref_id,
        due_at=due_at,
        offset_days=offset_days,
        status="pending",
        attempts=0,
        late=False,
        created_at=now,
    )
    session.add(n)
    record_scheduled(session, due_at)
    return n


async def schedule_once(
    session: AsyncSession, *, guild_id: int, channel_id: int, kind: str, ref_id: int, due_at: datetime, now: datetime
) -> Nudge | None:
    """Like :func:`schedule`, unless a pending nudge of ``kind`` about ``ref_id`` already exists.

    For recurring nudges that plan their next occurrence while rendering: a render repeated after
    a retry or a crash must not plan a second copy.
    """
    exists = await session.scalar(
        select(Nudge.id).where(Nudge.kind == kind, Nudge.ref_id == ref_id, Nudge.status == "pending").limit(1)
    )
    if exists is not None:
        return None
    return schedule(session, guild_id=guild_id, channel_id=channel_id, kind=kind, ref_id=ref_id, due_at=due_at, now=now)


async def cancel_for(session: AsyncSession, kind: str | tuple[str, ...], ref_id: int | list[int]) -> int:
    """Cancel every not-yet-sent nudge about ``kind`` (one or several) and ``ref_id`` (one or a
    list); returns how many. One UPDATE (per 500 ids)."""
    kinds = (kind,) if isinstance(kind, str) else kind
    ids = [ref_id] if isinstance(ref_id, int) else ref_id
    total = 0
    # pending rows, and rows claimed ahead of their due time but not sent yet (the dispatcher holds
    # them until due, then checks they are still claimed: bot.scheduling.dispatcher)
    cancellable = or_(Nudge.status == "pending", and_(Nudge.status == "sending", Nudge.due_at > utcnow()))
    for i in range(0, len(ids), 500):
        res = await session.execute(
            update(Nudge)
            .where(Nudge.kind.in_(kinds), Nudge.ref_id.in_(ids[i : i + 500]), cancellable)
            .values(status="cancelled")
            .execution_options(synchronize_session=False)
        )
        total += res.rowcount or 0
    if total:
        record_scheduled(session, None)
    return total


def _ready(now: datetime, horizon: datetime | None = None):  # type: ignore[no-untyped-def]
    due = Nudge.due_at <= now if horizon is None else Nudge.due_at < horizon
    return and_(Nudge.status == "pending", due, or_(Nudge.retry_at.is_(None), Nudge.retry_at <= now))


async def due_ids(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Ids of nudges ready to send at ``now``, oldest due first."""
    rows = await session.scalars(select(Nudge.id).where(_ready(now)).order_by(Nudge.due_at, Nudge.id).limit(limit))
    return list(rows)


async def next_wake(session: AsyncSession) -> datetime | None:
    """The earliest moment (UTC) a pending nudge becomes ready, or None."""
    due = func.coalesce(Nudge.retry_at, Nudge.due_at)
    return await session.scalar(select(func.min(due)).where(Nudge.status == "pending"))


async def count_pending(session: AsyncSession, start: datetime, end: datetime) -> int:
    """How many pending nudges are due in ``[start, end)`` (UTC): the size of a coming storm."""
    return (
        await session.scalar(
            select(func.count()).where(Nudge.status == "pending", Nudge.due_at >= start, Nudge.due_at < end)
        )
        or 0
    )


async def recover_interrupted(session: AsyncSession) -> int:
    """At start-up: nudges claimed by a process that died mid-send go back to pending (not committed).

    They keep their ``batch_id``, so each batch is resent whole with its stable nonce, and a message
    that did reach Discord is not doubled.
    """
    res = await session.execute(update(Nudge).where(Nudge.status == "sending").values(status="pending"))
    return res.rowcount or 0


async def release(session: AsyncSession, nudge_ids: Sequence[int], *, regroup: bool = False) -> int:
    """Put claimed rows whose send never started back to pending (shutdown); commits.

    The claim's attempt is given back; the batch (and so the nonce) is kept, unless ``regroup``
    (nothing was sent for it: part of the batch was cancelled before its send).
    """
    total = 0
    values: dict[str, object] = {"status": "pending", "attempts": Nudge.attempts - 1}
    if regroup:
        values["batch_id"] = None
    for i in range(0, len(nudge_ids), 500):
        res = await session.execute(
            update(Nudge)
            .where(Nudge.id.in_(nudge_ids[i : i + 500]), Nudge.status == "sending")
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        total += res.rowcount or 0
    await session.commit()
    return total


async def still_claimed(session: AsyncSession, nudge_ids: Sequence[int]) -> set[int]:
    """Which of these rows are still claimed (``sending``): a held message's rows may have been
    cancelled between its claim and its due time."""
    out: set[int] = set()
    ids = list(nudge_ids)
    for i in range(0, len(ids), 500):
        out |= set(
            await session.scalars(select(Nudge.id).where(Nudge.id.in_(ids[i : i + 500]), Nudge.status == "sending"))
        )
    return out


def claim_horizon(now: datetime) -> datetime:
    """Rows due before this instant are claimed at ``now``: the end of ``now``'s second, so every
    row due in the same second ``[t, t+1 s)`` is claimed (and grouped) together."""
    return now.replace(microsecond=0) + timedelta(seconds=1)


async def claim_due(
    session: AsyncSession, now: datetime, limit: int = 500, horizon: datetime | None = None
) -> list[OutgoingNudge]:
    """Claim nudges ready at ``now`` (about ``limit`` rows), render them, group them into
    messages, and commit once.

    Ready: pending, due before ``horizon`` (default :func:`claim_horizon`: ``now``'s second
    included; the dispatcher claims a little ahead and holds the messages), retry time passed.
    Rows are taken channel by channel (``ORDER BY channel_id, due_at, id``) and the last channel is
    taken whole, so a group (one channel, one second) is never split between two claims, whatever
    ``limit`` (which bounds the work of one pass, not delivery order: passes follow each other at once).
    Grouping (``bot.services.nudge_batches``): rows of one channel due in the same second, or late
    rows of one channel, become one message (several when Discord's limits require); every row of a
    message gets the message's ``batch_id``, fixed here, so a resend after a crash is the same batch
    with the same nonce. Rows already batched by an earlier claim keep their batch (and the rest of
    their batch is claimed with them). Nudges whose subject is gone are cancelled instead.

    Returns the messages to send, oldest due first.
    """
    horizon = horizon or claim_horizon(now)
    ids = (
        select(Nudge.id)
        .where(_ready(now, horizon))
        .order_by(Nudge.channel_id, Nudge.due_at, Nudge.id)
        .limit(limit)
        .scalar_subquery()
    )
    claimed = await _claim_rows(session, and_(Nudge.id.in_(ids), _ready(now, horizon)), now)
    if len(claimed) >= limit:  # the last channel whole: its groups must not be split between passes
        last_channel = max(n.channel_id for n in claimed)
        claimed += await _claim_rows(session, and_(Nudge.channel_id == last_channel, _ready(now, horizon)), now)
    if claimed:  # the rest of a batch fixed earlier goes with it (its nonce is the batch's)
        batches = {n.batch_id for n in claimed if n.batch_id is not None}
        if batches:
            claimed += await _claim_rows(session, and_(Nudge.batch_id.in_(batches), Nudge.status == "pending"), now)
    return await _render_claimed(session, claimed, now)


async def _claim_rows(session: AsyncSession, where, now: datetime) -> list[Nudge]:  # type: ignore[no-untyped-def]
    """pending -> sending for the rows matching ``where``, in one UPDATE … RETURNING the rows."""
    return list(
        (
            await session.scalars(
                update(Nudge)
                .where(where)
                .values(status="sending", claimed_at=now, attempts=Nudge.attempts + 1)
                .returning(Nudge),
                execution_options={"populate_existing": True, "synchronize_session": False},
            )
        ).all()
    )


async def claim(session: AsyncSession, nudge_id: int, now: datetime) -> OutgoingNudge | None:
    """Claim one ready nudge with a single UPDATE and render it alone; commits.

    Returns None when another worker claimed it, it is no longer ready, or its subject is gone
    (then it is cancelled).
    """
    claimed = await _claim_rows(session, and_(Nudge.id == nudge_id, _ready(now)), now)
    out = await _render_claimed(session, claimed, now)
    return out[0] if out else None


async def _render_claimed(session: AsyncSession, rows: list[Nudge], now: datetime) -> list[OutgoingNudge]:
    if not rows:
        await session.commit()
        return []
    rows = sorted({n.id: n for n in rows}.values(), key=lambda n: (n.due_at, n.id))
    await _preload(session, rows)
    fixed: dict[int, list[nudge_batches.Item]] = {}
    fresh: list[nudge_batches.Item] = []
    batch_of: dict[int, int] = {}
    cancelled: list[int] = []
    for nudge in rows:
        renderer = _RENDERERS.get(nudge.kind)
        rendered = await renderer(session, nudge, now) if renderer and nudge.ref_id is not None else None
        if rendered is None:
            cancelled.append(nudge.id)
            continue
        late = now - nudge.due_at > LATE_AFTER
        content = rendered.content
        if late:
            content = f"⏰ **Late** (was due <t:{int(nudge.due_at.timestamp())}:F>; Roadie was offline)\n{content}"
        item = nudge_batches.Item(
            nudge.id,
            rendered.channel_id or nudge.channel_id,
            nudge.due_at,
            content[:2000],
            tuple(rendered.mention_user_ids),
            tuple(rendered.mention_role_ids),
            late,
            rendered.button,
        )
        if nudge.batch_id is not None:
            fixed.setdefault(nudge.batch_id, []).append(item)
            batch_of[nudge.id] = nudge.batch_id
        else:
            fresh.append(item)
    messages = [(bid, nudge_batches.build(items)) for bid, items in fixed.items()]
    for msg in nudge_batches.group(fresh):
        for it in msg.items:
            batch_of[it.nudge_id] = msg.batch_id
        messages.append((msg.batch_id, msg))
    # One executemany for the claim's outcome (not 10,000 ORM updates): each row's batch, late
    # mark and channel (a renderer may redirect it); the rows themselves are not touched in the
    # session, so nothing else is flushed for them.
    changes = [
        {"b_id": it.nudge_id, "b_batch": batch_of[it.nudge_id], "b_late": it.late, "b_channel": it.channel_id}
        for _bid, msg in messages
        for it in msg.items
    ]
    if changes:
        await session.execute(
            update(Nudge.__table__)
            .where(Nudge.__table__.c.id == bindparam("b_id"))
            .values(batch_id=bindparam("b_batch"), late=bindparam("b_late"), channel_id=bindparam("b_channel")),
            changes,
        )
    if cancelled:
        for i in range(0, len(cancelled), 500):
            await session.execute(
                update(Nudge)
                .where(Nudge.id.in_(cancelled[i : i + 500]))
                .values(status="cancelled")
                .execution_options(synchronize_session=False)
            )
    out = []
    for bid, msg in sorted(messages, key=lambda m: (m[1].items[0].due_at, m[0])):
        first = msg.items[0]
        out.append(
            OutgoingNudge(
                bid,
                first.channel_id,
                msg.content,
                msg.mention_user_ids,
                f"roadie-n{bid}",
                all(i.late for i in msg.items),
                first.due_at,
                msg.mention_role_ids,
                first.button if len(msg.items) == 1 else None,
                tuple(i.nudge_id for i in msg.items),
                msg.embeds,
            )
        )
    await session.commit()
    return out


async def _final(session: AsyncSession, nudge: Nudge, outcome: str) -> None:
    hook = _ON_DELIVERED.get(nudge.kind)
    if hook is not None and nudge.ref_id is not None:
        await hook(session, nudge, outcome)


def _ids(nudge_id: int | Sequence[int]) -> list[int]:
    return [nudge_id] if isinstance(nudge_id, int) else list(nudge_id)


async def _rows(session: AsyncSession, nudge_id: int | Sequence[int]) -> list[Nudge]:
    ids = _ids(nudge_id)
    rows: list[Nudge] = []
    for i in range(0, len(ids), 500):
        rows += (await session.scalars(select(Nudge).where(Nudge.id.in_(ids[i : i + 500])))).all()
    return rows


async def mark_sent(
    session: AsyncSession, nudge_id: int | Sequence[int], message_id: int | None, now: datetime
) -> None:
    """Record delivery of one row or of every row of a message (all get ``message_id``); commits."""
    rows = await _rows(session, nudge_id)
    await _preload(session, rows)
    for nudge in rows:
        nudge.status, nudge.sent_at, nudge.message_id, nudge.last_error = "sent", now, message_id, None
        await _final(session, nudge, "sent")
    await session.commit()


async def mark_sent_many(
    session: AsyncSession, sent: Sequence[tuple[Sequence[int], int | None]], now: datetime
) -> None:
    """Record several delivered messages in one transaction: ``sent`` is (row ids, message id)
    per message; commits once (the dispatcher groups the records of a storm this way)."""
    ids = [nid for row_ids, _mid in sent for nid in row_ids]
    await session.execute(
        update(Nudge.__table__)
        .where(Nudge.__table__.c.id == bindparam("b_id"))
        .values(status="sent", sent_at=now, message_id=bindparam("b_mid"), last_error=None),
        [{"b_id": nid, "b_mid": mid} for row_ids, mid in sent for nid in row_ids],
    )
    refs: dict[str, list[int]] = {}
    for i in range(0, len(ids), 500):
        rows = await session.execute(select(Nudge.kind, Nudge.ref_id).where(Nudge.id.in_(ids[i : i + 500])))
        for kind, ref in rows.all():
            if ref is not None and (kind in _ON_DELIVERED_MANY or kind in _ON_DELIVERED):
                refs.setdefault(kind, []).append(ref)
    for kind, ref_ids in refs.items():
        many = _ON_DELIVERED_MANY.get(kind)
        if many is not None:
            await many(session, ref_ids, "sent")
        else:  # one by one through the row's hook
            for nudge in (await session.scalars(select(Nudge).where(Nudge.id.in_(ids), Nudge.kind == kind))).all():
                await _final(session, nudge, "sent")
    await session.commit()


async def mark_failed(session: AsyncSession, nudge_id: int | Sequence[int], reason: str) -> None:
    """Give up on nudges Discord refuses for good (e.g. channel deleted, no permission); commits."""
    for nudge in await _rows(session, nudge_id):
        nudge.status, nudge.last_error = "failed", reason[:300]
        await _final(session, nudge, "failed")
    await session.commit()


async def mark_retry(
    session: AsyncSession, nudge_id: int | Sequence[int], reason: str, now: datetime
) -> datetime | None:
    """Put nudges back after a transient failure (429, 5xx, network), with backoff; commits.

    A message's rows go back together (same batch, same retry time, same nonce next time).
    Returns the retry time, or None when they used :data:`MAX_ATTEMPTS` and are now failed.
    """
    rows = await _rows(session, nudge_id)
    if not rows:
        return None
    attempts = max(n.attempts for n in rows)
    if attempts >= MAX_ATTEMPTS:
        await session.commit()
        await mark_failed(session, [n.id for n in rows], f"gave up after {attempts} attempts: {reason}")
        return None
    delay = min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)
    for nudge in rows:
        nudge.status, nudge.retry_at, nudge.last_error = "pending", now + delay, reason[:300]
    await session.commit()
    return now + delay


@dataclass
class NudgeCounts:
    """How many nudges are in each state (for logs and benchmarks)."""

    by_status: dict[str, int] = field(default_factory=dict)


async def counts(session: AsyncSession) -> NudgeCounts:
    """Nudges per status, across all guilds (operator view)."""
    rows = await session.execute(select(Nudge.status, func.count()).group_by(Nudge.status))
    return NudgeCounts({s: c for s, c in rows.all()})
