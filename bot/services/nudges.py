"""Nudges: the rows that say what Roadie owes which channel, when. Delivery state lives here.

A nudge moves ``pending`` -> ``sending`` (claimed by one UPDATE) -> ``sent``; or to ``cancelled``
(its subject went away) or ``failed`` (Discord refused for good: channel gone, no permission; or
no renderer is wired for its kind). Transient failures put it back to ``pending`` with ``retry_at``.
Each feature's :class:`NudgeKind` (listed in ``bot/features.py``) turns a row into an
:class:`OutgoingNudge` at delivery time, so edits made after scheduling are honoured.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Nudge, NudgeStatus
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
    """A message ready to send.

    Attributes:
        nudge_id: the row's id.
        channel_id: the Discord channel to post in.
        content: message text (≤ 2000 chars, Discord API docs; renderers truncate).
        mention_user_ids: users this message may ping (nothing else is pinged).
        nonce: stable per nudge (≤ 25 chars) for ``enforce_nonce`` de-duplication.
        late: True when sent more than :data:`LATE_AFTER` after its due time.
        mention_role_ids: roles this message may ping (e.g. a check-in prompt's team role).
        button: (action, id) of one persistent button to attach, e.g. ``("checkin:open", 5)``;
            the Discord side builds it from the component wired for that action in ``bot/features.py``.
        files: (filename, bytes) attachments, e.g. a guest list's .csv (rendered at delivery time).
        fallback_role_ids: roles to ping instead of a ``mention_user_ids`` member who has left the
            guild (the sender checks membership), e.g. the managers' role for a show's author.
        guild_id: the guild the nudge belongs to.
        embeds: embeds as Discord's JSON objects (e.g. the scheduled digest), sent with the content.
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
    embeds: tuple[dict[str, Any], ...] = ()  # Discord's embed JSON (≤ 6000 chars together)


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


Renderer = Callable[[AsyncSession, Nudge, datetime], Awaitable[Rendered | None]]
FinalHook = Callable[[AsyncSession, Nudge, str], Awaitable[None]]


@dataclass(frozen=True)
class NudgeKind:
    """How nudges of ``kind`` render (``render`` returning None cancels the nudge: its subject went
    away), and optionally what happens to their subject when a nudge ends ``sent`` or ``failed``."""

    kind: str
    render: Renderer
    on_final: FinalHook | None = None


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
    for i in range(0, len(ids), 500):
        res = await session.execute(
            update(Nudge)
            .where(Nudge.kind.in_(kinds), Nudge.ref_id.in_(ids[i : i + 500]), Nudge.status == NudgeStatus.PENDING)
            .values(status=NudgeStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        total += res.rowcount or 0
    if total:
        record_scheduled(session, None)
    return total


def _ready(now: datetime):  # type: ignore[no-untyped-def]
    return and_(
        Nudge.status == NudgeStatus.PENDING, Nudge.due_at <= now, or_(Nudge.retry_at.is_(None), Nudge.retry_at <= now)
    )


async def due_ids(session: AsyncSession, now: datetime, limit: int = 100) -> list[int]:
    """Ids of nudges ready to send at ``now``, oldest due first."""
    rows = await session.scalars(select(Nudge.id).where(_ready(now)).order_by(Nudge.due_at, Nudge.id).limit(limit))
    return list(rows)


async def next_wake(session: AsyncSession) -> datetime | None:
    """The earliest moment (UTC) a pending nudge becomes ready, or None."""
    due = func.coalesce(Nudge.retry_at, Nudge.due_at)
    return await session.scalar(select(func.min(due)).where(Nudge.status == NudgeStatus.PENDING))


async def recover_interrupted(session: AsyncSession) -> int:
    """At start-up: nudges claimed by a process that died mid-send go back to pending.

    They are resent with their stable nonce, so a message that did reach Discord is not doubled.
    """
    res = await session.execute(
        update(Nudge).where(Nudge.status == NudgeStatus.SENDING).values(status=NudgeStatus.PENDING)
    )
    return res.rowcount or 0


async def claim_due(session: AsyncSession, now: datetime, *, kinds: Kinds, limit: int = 200) -> list[OutgoingNudge]:
    """Claim every nudge ready at ``now`` (up to ``limit``) with one UPDATE … RETURNING and render
    them. Nudges whose subject is gone are cancelled instead. The caller commits (the dispatcher's
    unit of work) before sending anything, so a claim is durable before Discord sees the message.

    Returns the messages to send, oldest due first.
    """
    ids = select(Nudge.id).where(_ready(now)).order_by(Nudge.due_at, Nudge.id).limit(limit).scalar_subquery()
    claimed = list(
        await session.scalars(
            update(Nudge)
            .where(Nudge.id.in_(ids), _ready(now))
            .values(status=NudgeStatus.SENDING, claimed_at=now, attempts=Nudge.attempts + 1)
            .returning(Nudge.id)
        )
    )
    return await _render_claimed(session, claimed, now, kinds)


async def claim(session: AsyncSession, nudge_id: int, now: datetime, *, kinds: Kinds) -> OutgoingNudge | None:
    """Claim one ready nudge with a single UPDATE and render it (the caller commits before sending).

    Returns None when another worker claimed it, it is no longer ready, or its subject is gone
    (then it is cancelled).
    """
    claimed = list(
        await session.scalars(
            update(Nudge)
            .where(Nudge.id == nudge_id, _ready(now))
            .values(status=NudgeStatus.SENDING, claimed_at=now, attempts=Nudge.attempts + 1)
            .returning(Nudge.id)
        )
    )
    out = await _render_claimed(session, claimed, now, kinds)
    return out[0] if out else None


async def _render_claimed(session: AsyncSession, ids: list[int], now: datetime, kinds: Kinds) -> list[OutgoingNudge]:
    if not ids:
        return []
    rows = (
        await session.scalars(
            select(Nudge)
            .where(Nudge.id.in_(ids))
            .order_by(Nudge.due_at, Nudge.id)
            .execution_options(populate_existing=True)
        )
    ).all()
    out = []
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
        rendered = await kind.render(session, nudge, now) if nudge.ref_id is not None else None
        if rendered is None:
            nudge.status = NudgeStatus.CANCELLED
            continue
        nudge.late = now - nudge.due_at > LATE_AFTER
        if rendered.channel_id:
            nudge.channel_id = rendered.channel_id
        nudge.pinged_user_ids = ",".join(str(u) for u in rendered.mention_user_ids) or None  # who may snooze it
        content = rendered.content
        if nudge.late:
            content = f"⏰ **Late** (was due {ts(nudge.due_at, 'F')}; Roadie was offline)\n{content}"
        out.append(
            OutgoingNudge(
                nudge.id,
                nudge.channel_id,
                content[:CONTENT_MAX],
                rendered.mention_user_ids,
                nudge.nonce,
                nudge.late,
                nudge.due_at,
                rendered.mention_role_ids,
                rendered.button,
                rendered.files,
                rendered.fallback_role_ids,
                nudge.guild_id,
                rendered.embeds,
            )
        )
    await session.flush()
    return out


async def _final(session: AsyncSession, nudge: Nudge, outcome: str, kinds: Kinds) -> None:
    kind = kinds.get(nudge.kind)
    if kind is not None and kind.on_final is not None and nudge.ref_id is not None:
        await kind.on_final(session, nudge, outcome)


async def mark_sent(
    session: AsyncSession, nudge_id: int, message_id: int | None, now: datetime, *, kinds: Kinds
) -> None:
    """Record delivery (the caller's unit of work commits)."""
    nudge = await session.get(Nudge, nudge_id)
    if nudge is None:
        return
    nudge.status, nudge.sent_at, nudge.message_id, nudge.last_error = NudgeStatus.SENT, now, message_id, None
    await _final(session, nudge, NudgeStatus.SENT, kinds)
    await session.flush()


async def mark_failed(session: AsyncSession, nudge_id: int, reason: str, *, kinds: Kinds) -> None:
    """Give up on a nudge Discord refuses for good (e.g. channel deleted, no permission)."""
    nudge = await session.get(Nudge, nudge_id)
    if nudge is None:
        return
    nudge.status, nudge.last_error = NudgeStatus.FAILED, reason[:300]
    await _final(session, nudge, NudgeStatus.FAILED, kinds)
    record_scheduled(session, None)  # the earliest pending due time may have changed
    await session.flush()


async def mark_retry(
    session: AsyncSession, nudge_id: int, reason: str, now: datetime, *, kinds: Kinds
) -> datetime | None:
    """Put a nudge back after a transient failure (429, 5xx, network), with backoff.

    Returns the retry time, or None when it has used :data:`MAX_ATTEMPTS` and is now failed.
    """
    nudge = await session.get(Nudge, nudge_id)
    if nudge is None:
        return None
    if nudge.attempts >= MAX_ATTEMPTS:
        await mark_failed(session, nudge_id, f"gave up after {nudge.attempts} attempts: {reason}", kinds=kinds)
        return None
    delay = min(RETRY_BASE * (2 ** max(nudge.attempts - 1, 0)), RETRY_CAP)
    nudge.status, nudge.retry_at, nudge.last_error = NudgeStatus.PENDING, now + delay, reason[:300]
    record_scheduled(session, None)  # wake for the retry (re-read: it may be the earliest)
    await session.flush()
    return nudge.retry_at


@dataclass
class NudgeCounts:
    """How many nudges are in each state (for logs and benchmarks)."""

    by_status: dict[str, int] = field(default_factory=dict)


async def counts(session: AsyncSession) -> NudgeCounts:
    """Nudges per status, across all guilds (operator view)."""
    rows = await session.execute(select(Nudge.status, func.count()).group_by(Nudge.status))
    return NudgeCounts({s: c for s, c in rows.all()})
