"""Nudges: the rows that say what Roadie owes which channel, when. Delivery state lives here.

A nudge moves ``pending`` -> ``sending`` (claimed by one UPDATE) -> ``sent``; or to ``cancelled``
(its subject went away), ``failed`` (Discord refused for good: channel gone, no permission; or
no renderer is wired for its kind) or ``skipped`` (stale: its moment passed in a way that makes it
meaningless; ``skip_reason`` says why). Transient failures put it back to ``pending`` with
``retry_at``. Each feature's :class:`NudgeKind` (listed in ``bot/features.py``) turns a row into an
:class:`OutgoingNudge` at delivery time, so edits made after scheduling are honoured.

Staleness is one rule for every kind: each :class:`NudgeKind` says, with ``until``, until when one
of its nudges makes sense (a show's day-before until the show's day begins, a check-in follow-up
until the next prompt, ...). A nudge claimed at or after that instant is not sent but marked
``skipped`` with the reason; ``until=None`` means always worth sending, late if need be. At
start-up :func:`skip_stale` applies the rule to everything overdue at once, so the dispatcher can
log how many were skipped after downtime.

Grouping (issue #10): :func:`claim_due` groups the rows it claims into messages, one per channel
and second (``bot.services.nudge_batches``), and stores each message's ``batch_id`` on its rows; the
batch and its nonce are fixed at claim time (a resend after a crash is the same batch, de-duplicated
by Discord). :func:`mark_sent_many` / :func:`mark_sent` record every row of a message with its id.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Nudge, NudgeStatus
from bot.services import nudge_batches
from bot.services.clock import utcnow
from bot.textfmt import CONTENT_MAX, ts
from bot.uow import record_scheduled

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(seconds=60)  # due longer ago than this when sent: marked late
MAX_ATTEMPTS = 12
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=15)
ACTIVE = (NudgeStatus.PENDING, NudgeStatus.SENDING)


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
        due_at: the first row's due time (UTC); the dispatcher holds a message claimed ahead until then.
        mention_role_ids: roles this message may ping (e.g. a check-in prompt's team role).
        button: (action, id) of one persistent button to attach, e.g. ``("checkin:open", 5)``;
            the Discord side builds it from the component wired for that action in ``bot/features.py``.
        files: (filename, bytes) attachments, e.g. a guest list's .csv (rendered at delivery time).
        fallback_role_ids: roles to ping instead of a ``mention_user_ids`` member who has left the
            guild (the sender checks membership), e.g. the managers' role for a show's author.
        guild_id: the guild the nudge belongs to.
        nudge_ids: every row this message delivers (all marked sent with its message id).
        embeds: embed descriptions listing a group's rows (≤ 10, each ≤ 4096, ≤ 6000 together).
        rich_embeds: whole embeds in Discord's JSON shape (e.g. the scheduled digest; a message of its own).
    """

    nudge_id: int
    channel_id: int
    content: str
    mention_user_ids: tuple[int, ...] = ()
    nonce: str = ""
    late: bool = False
    due_at: datetime | None = None
    mention_role_ids: tuple[int, ...] = ()
    button: tuple[str, int] | None = None
    files: tuple[tuple[str, bytes], ...] = ()
    fallback_role_ids: tuple[int, ...] = ()
    guild_id: int | None = None
    nudge_ids: tuple[int, ...] = ()
    embeds: tuple[str, ...] = ()
    rich_embeds: tuple[dict[str, Any], ...] = ()

    @property
    def row_ids(self) -> tuple[int, ...]:
        """The rows delivered by this message (``nudge_ids``, or the one row ``nudge_id``)."""
        return self.nudge_ids or (self.nudge_id,)


@dataclass
class Rendered:
    """What a renderer returns: the text, who to ping, the channel (None: the row's), an
    optional (action, id) persistent button (see :attr:`OutgoingNudge.button`), (filename, bytes)
    attachments, and roles to ping instead of a pinged user who left the guild."""

    content: str
    mention_user_ids: tuple[int, ...] = ()
    channel_id: int | None = None
    mention_role_ids: tuple[int, ...] = ()
    button: tuple[str, int] | None = None
    files: tuple[tuple[str, bytes], ...] = ()
    fallback_role_ids: tuple[int, ...] = ()
    embeds: tuple[dict[str, Any], ...] = ()  # embeds in Discord's JSON shape (services stay Discord-free)


@dataclass(frozen=True)
class Stale:
    """Until when a nudge makes sense: at or after ``until`` (UTC) it is skipped, saying ``reason``."""

    until: datetime
    reason: str


Renderer = Callable[[AsyncSession, Nudge, datetime], Awaitable[Rendered | None]]
FinalHook = Callable[[AsyncSession, Nudge, str], Awaitable[None]]
Until = Callable[[AsyncSession, Nudge], Awaitable[Stale | None]]
"""``until(session, nudge)``: the instant (UTC) after which this nudge is meaningless, and why; or
None when it has no such instant (e.g. its subject is gone: the renderer cancels it)."""


class _Undeclared:
    """The default of :attr:`NudgeKind.until`: the kind did not say (``tests/test_features.py`` lists such kinds)."""

    def __repr__(self) -> str:
        return "UNDECLARED"


UNDECLARED = _Undeclared()
Preloader = Callable[[AsyncSession, list[int]], Awaitable[object]]
FinalManyHook = Callable[[AsyncSession, list[int], str], Awaitable[None]]


@dataclass(frozen=True)
class NudgeKind:
    """How nudges of ``kind`` render (``render`` returning None cancels the nudge: its subject went
    away), until when they make sense (``until``: None = always, sent late if need be; every kind
    should say), and optionally what happens to their subject when a nudge ends ``sent`` or ``failed``.

    For storms (thousands of rows at once), optionally: ``preload(session, ref_ids)`` loads many
    subjects in one query before rendering (and returns them: they are kept referenced on the
    session, whose identity map then answers ``session.get``); ``on_final_many(session, ref_ids,
    outcome)`` does what ``on_final`` does for many subjects at once.
    """

    kind: str
    render: Renderer
    on_final: FinalHook | None = None
    until: Until | _Undeclared | None = UNDECLARED
    preload: Preloader | None = None
    on_final_many: FinalManyHook | None = None


async def _preload(session: AsyncSession, rows: Sequence[Nudge], kinds: Kinds) -> None:
    by_kind: dict[str, list[int]] = {}
    for n in rows:
        k = kinds.get(n.kind)
        if n.ref_id is not None and k is not None and k.preload is not None:
            by_kind.setdefault(n.kind, []).append(n.ref_id)
    keep = session.info.setdefault("roadie.preloaded", [])  # the identity map holds objects weakly
    for kind, refs in by_kind.items():
        preload = kinds[kind].preload
        assert preload is not None
        for i in range(0, len(refs), 500):
            keep.append(await preload(session, refs[i : i + 500]))


Kinds = Mapping[str, NudgeKind]
"""Nudge kinds by name, as wired in ``bot/features.py`` (see :func:`kinds_by_name`)."""


def kinds_by_name(kinds: Iterable[NudgeKind]) -> dict[str, NudgeKind]:
    """``{kind: NudgeKind}``.

    Raises:
        ValueError: two features claim the same kind.
    """
    out: dict[str, NudgeKind] = {}
    for k in kinds:
        if k.kind in out:
            raise ValueError(f"nudge kind {k.kind!r} is wired twice")
        out[k.kind] = k
    return out


async def stale_reason(session: AsyncSession, nudge: Nudge, now: datetime, *, kinds: Kinds) -> str | None:
    """Why ``nudge`` is no longer worth sending at ``now`` (UTC), or None when it still is."""
    kind = kinds.get(nudge.kind)
    rule = kind.until if kind is not None else None
    if not callable(rule) or nudge.ref_id is None:
        return None
    stale = await rule(session, nudge)
    if stale is not None and now >= stale.until:
        return stale.reason[:300]
    return None


def _skip(nudge: Nudge, reason: str) -> None:
    nudge.status, nudge.skip_reason = NudgeStatus.SKIPPED, reason
    log.info("nudge %s (%s) skipped: %s", nudge.id, nudge.kind, reason)


async def skip_stale(session: AsyncSession, now: datetime, *, kinds: Kinds) -> Counter[str]:
    """Mark every overdue pending nudge that went stale ``skipped`` (flushed, not committed);
    returns how many per kind. Run at start-up, before the first delivery pass, so the log can
    count them."""
    rows = (
        await session.scalars(
            select(Nudge)
            .where(Nudge.status == NudgeStatus.PENDING, Nudge.due_at <= now)
            .order_by(Nudge.due_at, Nudge.id)
        )
    ).all()
    skipped: Counter[str] = Counter()
    for nudge in rows:
        reason = await stale_reason(session, nudge, now, kinds=kinds)
        if reason is not None:
            _skip(nudge, reason)
            skipped[nudge.kind] += 1
    await session.flush()
    return skipped


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
        status=NudgeStatus.PENDING,
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
        select(Nudge.id).where(Nudge.kind == kind, Nudge.ref_id == ref_id, Nudge.status == NudgeStatus.PENDING).limit(1)
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
    cancellable = or_(
        Nudge.status == NudgeStatus.PENDING, and_(Nudge.status == NudgeStatus.SENDING, Nudge.due_at > utcnow())
    )
    for i in range(0, len(ids), 500):
        res = await session.execute(
            update(Nudge)
            .where(Nudge.kind.in_(kinds), Nudge.ref_id.in_(ids[i : i + 500]), cancellable)
            .values(status=NudgeStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        total += res.rowcount or 0
    if total:
        record_scheduled(session, None)
    return total


def _ready(now: datetime, horizon: datetime | None = None):  # type: ignore[no-untyped-def]
    due = Nudge.due_at <= now if horizon is None else Nudge.due_at < horizon
    return and_(Nudge.status == NudgeStatus.PENDING, due, or_(Nudge.retry_at.is_(None), Nudge.retry_at <= now))


async def due_ids(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Ids of nudges ready to send at ``now``, oldest due first."""
    rows = await session.scalars(select(Nudge.id).where(_ready(now)).order_by(Nudge.due_at, Nudge.id).limit(limit))
    return list(rows)


async def next_wake(session: AsyncSession) -> datetime | None:
    """The earliest moment (UTC) a pending nudge becomes ready, or None."""
    due = func.coalesce(Nudge.retry_at, Nudge.due_at)
    return await session.scalar(select(func.min(due)).where(Nudge.status == NudgeStatus.PENDING))


async def count_pending(session: AsyncSession, start: datetime, end: datetime) -> int:
    """How many pending nudges are due in ``[start, end)`` (UTC): the size of a coming storm."""
    return (
        await session.scalar(
            select(func.count()).where(Nudge.status == NudgeStatus.PENDING, Nudge.due_at >= start, Nudge.due_at < end)
        )
        or 0
    )


async def count_pending_in_guild(session: AsyncSession, guild_id: int) -> int:
    """How many nudges of ``guild_id`` are pending (what a time-zone change may have to move)."""
    return (
        await session.scalar(
            select(func.count()).where(Nudge.guild_id == guild_id, Nudge.status == NudgeStatus.PENDING)
        )
        or 0
    )


async def recover_interrupted(session: AsyncSession) -> int:
    """At start-up: nudges claimed by a process that died mid-send go back to pending.

    They keep their ``batch_id``, so each batch is resent whole with its stable nonce, and a message
    that did reach Discord is not doubled.
    """
    res = await session.execute(
        update(Nudge).where(Nudge.status == NudgeStatus.SENDING).values(status=NudgeStatus.PENDING)
    )
    return res.rowcount or 0


async def release(session: AsyncSession, nudge_ids: Sequence[int], *, regroup: bool = False) -> int:
    """Put claimed rows whose send never started back to pending (shutdown; a held batch part of
    which was cancelled). The claim's attempt is given back; the batch (and so the nonce) is kept,
    unless ``regroup`` (nothing was sent for it). The caller's unit of work commits."""
    total = 0
    values: dict[str, object] = {"status": NudgeStatus.PENDING, "attempts": Nudge.attempts - 1}
    if regroup:
        values["batch_id"] = None
    ids = list(nudge_ids)
    for i in range(0, len(ids), 500):
        res = await session.execute(
            update(Nudge)
            .where(Nudge.id.in_(ids[i : i + 500]), Nudge.status == NudgeStatus.SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        total += res.rowcount or 0
    if total:
        record_scheduled(session, None)
    return total


async def still_claimed(session: AsyncSession, nudge_ids: Sequence[int]) -> set[int]:
    """Which of these rows are still claimed (``sending``): a held message's rows may have been
    cancelled between its claim and its due time."""
    out: set[int] = set()
    ids = list(nudge_ids)
    for i in range(0, len(ids), 500):
        out |= set(
            await session.scalars(
                select(Nudge.id).where(Nudge.id.in_(ids[i : i + 500]), Nudge.status == NudgeStatus.SENDING)
            )
        )
    return out


def claim_horizon(now: datetime) -> datetime:
    """Rows due before this instant are claimed at ``now``: the end of ``now``'s second, so every
    row due in the same second ``[t, t+1 s)`` is claimed (and grouped) together."""
    return now.replace(microsecond=0) + timedelta(seconds=1)


async def claim_due(
    session: AsyncSession, now: datetime, *, kinds: Kinds, limit: int = 500, horizon: datetime | None = None
) -> list[OutgoingNudge]:
    """Claim nudges ready at ``now`` (about ``limit`` rows), render them, group them into
    messages. The caller commits (the dispatcher's unit of work) before sending anything, so a
    claim is durable before Discord sees the message.

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
            claimed += await _claim_rows(
                session, and_(Nudge.batch_id.in_(batches), Nudge.status == NudgeStatus.PENDING), now
            )
    return await _render_claimed(session, claimed, now, kinds)


async def _claim_rows(session: AsyncSession, where, now: datetime) -> list[Nudge]:  # type: ignore[no-untyped-def]
    """pending -> sending for the rows matching ``where``, in one UPDATE … RETURNING the rows."""
    return list(
        (
            await session.scalars(
                update(Nudge)
                .where(where)
                .values(status=NudgeStatus.SENDING, claimed_at=now, attempts=Nudge.attempts + 1)
                .returning(Nudge),
                execution_options={"populate_existing": True, "synchronize_session": False},
            )
        ).all()
    )


async def claim(session: AsyncSession, nudge_id: int, now: datetime, *, kinds: Kinds) -> OutgoingNudge | None:
    """Claim one ready nudge with a single UPDATE and render it alone (the caller commits before sending).

    Returns None when another worker claimed it, it is no longer ready, or its subject is gone
    (then it is cancelled).
    """
    claimed = await _claim_rows(session, and_(Nudge.id == nudge_id, _ready(now)), now)
    out = await _render_claimed(session, claimed, now, kinds)
    return out[0] if out else None


async def _render_claimed(
    session: AsyncSession, claimed: list[Nudge], now: datetime, kinds: Kinds
) -> list[OutgoingNudge]:
    if not claimed:
        return []
    rows = sorted({n.id: n for n in claimed}.values(), key=lambda n: (n.due_at, n.id))
    await _preload(session, rows, kinds)
    fixed: dict[int, list[nudge_batches.Item]] = {}
    fresh: list[nudge_batches.Item] = []
    batch_of: dict[int, int] = {}
    cancelled: list[int] = []
    for nudge in rows:
        kind = kinds.get(nudge.kind)
        if kind is None:  # a kind nobody wired: keep the row (and say so), never drop it silently
            nudge.status, nudge.last_error = NudgeStatus.FAILED, f"no renderer for nudge kind {nudge.kind!r}"
            log.error(
                "nudge %s (kind %r, guild %s) has no renderer: not wired in bot/features.py; marked failed",
                nudge.id,
                nudge.kind,
                nudge.guild_id,
            )
            continue
        reason = await stale_reason(session, nudge, now, kinds=kinds)
        if reason is not None:
            _skip(nudge, reason)
            continue
        rendered = await kind.render(session, nudge, now) if nudge.ref_id is not None else None
        if rendered is None:
            cancelled.append(nudge.id)
            continue
        late = now - nudge.due_at > LATE_AFTER
        content = rendered.content
        if late:
            content = f"⏰ **Late** (was due {ts(nudge.due_at, 'F')}; Roadie was offline)\n{content}"
        item = nudge_batches.Item(
            nudge.id,
            rendered.channel_id or nudge.channel_id,
            nudge.due_at,
            content[:CONTENT_MAX],
            tuple(rendered.mention_user_ids),
            tuple(rendered.mention_role_ids),
            late,
            rendered.button,
            tuple(rendered.files),
            tuple(rendered.fallback_role_ids),
            nudge.guild_id,
            tuple(rendered.embeds),
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
    # mark and channel (a renderer may redirect it); the rows are not changed in the session.
    changes = [
        {
            "b_id": it.nudge_id,
            "b_batch": batch_of[it.nudge_id],
            "b_late": it.late,
            "b_channel": it.channel_id,
            "b_pinged": ",".join(str(u) for u in it.mention_user_ids) or None,  # who may snooze it
        }
        for _bid, msg in messages
        for it in msg.items
    ]
    if changes:
        table = Nudge.__table__
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(
                batch_id=bindparam("b_batch"),
                late=bindparam("b_late"),
                channel_id=bindparam("b_channel"),
                pinged_user_ids=bindparam("b_pinged"),
            ),
            changes,
        )
    for i in range(0, len(cancelled), 500):
        await session.execute(
            update(Nudge)
            .where(Nudge.id.in_(cancelled[i : i + 500]))
            .values(status=NudgeStatus.CANCELLED)
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
                first.files if len(msg.items) == 1 else (),
                first.fallback_role_ids if len(msg.items) == 1 else (),
                first.guild_id,
                tuple(i.nudge_id for i in msg.items),
                msg.embeds,
                first.rich if len(msg.items) == 1 else (),
            )
        )
    await session.flush()
    return out


def _ids(nudge_id: int | Sequence[int]) -> list[int]:
    return [nudge_id] if isinstance(nudge_id, int) else list(nudge_id)


async def _rows(session: AsyncSession, nudge_id: int | Sequence[int]) -> list[Nudge]:
    ids = _ids(nudge_id)
    rows: list[Nudge] = []
    for i in range(0, len(ids), 500):
        rows += (await session.scalars(select(Nudge).where(Nudge.id.in_(ids[i : i + 500])))).all()
    return rows


async def _final(session: AsyncSession, nudge: Nudge, outcome: str, kinds: Kinds) -> None:
    kind = kinds.get(nudge.kind)
    if kind is not None and kind.on_final is not None and nudge.ref_id is not None:
        await kind.on_final(session, nudge, outcome)


async def mark_sent(
    session: AsyncSession, nudge_id: int | Sequence[int], message_id: int | None, now: datetime, *, kinds: Kinds
) -> None:
    """Record delivery of one row or of every row of a message (all get ``message_id``); the
    caller's unit of work commits."""
    await mark_sent_many(session, [(_ids(nudge_id), message_id)], now, kinds=kinds)


async def mark_sent_many(
    session: AsyncSession, sent: Sequence[tuple[Sequence[int], int | None]], now: datetime, *, kinds: Kinds
) -> None:
    """Record several delivered messages at once: ``sent`` is (row ids, message id) per message.
    Bulk UPDATEs (a storm's deliveries are recorded together); the caller commits."""
    ids = [nid for row_ids, _mid in sent for nid in row_ids]
    if not ids:
        return
    table = Nudge.__table__
    await session.execute(
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(status=NudgeStatus.SENT, sent_at=now, message_id=bindparam("b_mid"), last_error=None),
        [{"b_id": nid, "b_mid": mid} for row_ids, mid in sent for nid in row_ids],
    )
    refs: dict[str, list[int]] = {}
    one_by_one: list[int] = []
    for i in range(0, len(ids), 500):
        rows = await session.execute(select(Nudge.id, Nudge.kind, Nudge.ref_id).where(Nudge.id.in_(ids[i : i + 500])))
        for nid, kind, ref in rows.all():
            k = kinds.get(kind)
            if ref is None or k is None:
                continue
            if k.on_final_many is not None:
                refs.setdefault(kind, []).append(ref)
            elif k.on_final is not None:
                one_by_one.append(nid)
    for kind, ref_ids in refs.items():
        many = kinds[kind].on_final_many
        assert many is not None
        await many(session, ref_ids, NudgeStatus.SENT)
    if one_by_one:
        rows = await _rows(session, one_by_one)
        for nudge in rows:
            await session.refresh(nudge)
            await _final(session, nudge, NudgeStatus.SENT, kinds)
    await session.flush()


async def mark_failed(session: AsyncSession, nudge_id: int | Sequence[int], reason: str, *, kinds: Kinds) -> None:
    """Give up on nudges Discord refuses for good (e.g. channel deleted, no permission)."""
    for nudge in await _rows(session, nudge_id):
        nudge.status, nudge.last_error = NudgeStatus.FAILED, reason[:300]
        await _final(session, nudge, NudgeStatus.FAILED, kinds)
    record_scheduled(session, None)  # the earliest pending due time may have changed
    await session.flush()


async def mark_retry(
    session: AsyncSession, nudge_id: int | Sequence[int], reason: str, now: datetime, *, kinds: Kinds
) -> datetime | None:
    """Put nudges back after a transient failure (429, 5xx, network), with backoff.

    A message's rows go back together (same batch, same retry time, same nonce next time).
    Returns the retry time, or None when they used :data:`MAX_ATTEMPTS` and are now failed.
    """
    rows = await _rows(session, nudge_id)
    if not rows:
        return None
    attempts = max(n.attempts for n in rows)
    if attempts >= MAX_ATTEMPTS:
        await mark_failed(session, [n.id for n in rows], f"gave up after {attempts} attempts: {reason}", kinds=kinds)
        return None
    delay = min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)
    for nudge in rows:
        nudge.status, nudge.retry_at, nudge.last_error = NudgeStatus.PENDING, now + delay, reason[:300]
    record_scheduled(session, None)  # wake for the retry (re-read: it may be the earliest)
    await session.flush()
    return now + delay


@dataclass
class NudgeCounts:
    """How many nudges are in each state (for logs and benchmarks)."""

    by_status: dict[str, int] = field(default_factory=dict)


async def counts(session: AsyncSession) -> NudgeCounts:
    """Nudges per status, across all guilds (operator view)."""
    rows = await session.execute(select(Nudge.status, func.count()).group_by(Nudge.status))
    return NudgeCounts({s: c for s, c in rows.all()})
