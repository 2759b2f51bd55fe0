"""One-off reminders: ``/remind add|list|cancel``. Each pending reminder has one nudge row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import TEXT_MAX, Nudge, NudgeStatus, Reminder, ReminderStatus
from bot.services import nudges, refs
from bot.services.clock import utcnow
from bot.services.errors import InvalidInput
from bot.services.goals import clean_text
from bot.services.permissions import Actor, require_owner_or_manager
from bot.services.settings import get_config
from bot.textfmt import CHOICES_MAX, CONTENT_MAX
from bot.timeparse import parse_future

KIND = "reminder"
LIST_HINT = "`/remind list`"


async def add_reminder(
    session: AsyncSession, guild_id: int, *, text: str, when: str, channel_id: int, author_id: int, now: datetime
) -> Reminder:
    """Create a reminder due at ``when`` (user text, guild zone) in ``channel_id``.

    Raises:
        InvalidInput: empty/long text, unreadable or past time.
    """
    cfg = await get_config(session, guild_id)
    body = clean_text(text, what="Text", max_len=TEXT_MAX)
    at = parse_future(when, tz=cfg.tz, date_order=cfg.date_order, now=now)
    rem = Reminder(
        guild_id=guild_id,
        number=await refs.next_number(session, Reminder, guild_id),
        text=body,
        search_key=refs.fold(body)[:TEXT_MAX],
        channel_id=channel_id,
        author_id=author_id,
        due_at=at.utc,
        status=ReminderStatus.PENDING,
        created_at=now,
    )
    session.add(rem)
    await session.flush()
    nudges.schedule(session, guild_id=guild_id, channel_id=channel_id, kind=KIND, ref_id=rem.id, due_at=at.utc, now=now)
    await session.flush()
    return rem


async def list_reminders(session: AsyncSession, guild_id: int, *, include_past: bool = False) -> list[Reminder]:
    """Pending reminders (and failed ones, which need attention), soonest first; all with ``include_past``."""
    q = select(Reminder).where(Reminder.guild_id == guild_id)
    if not include_past:
        q = q.where(Reminder.status.in_((ReminderStatus.PENDING, ReminderStatus.FAILED)))
    q = q.order_by(case((Reminder.status == ReminderStatus.PENDING, 0), else_=1), Reminder.due_at, Reminder.number)
    return list(await session.scalars(q))


async def get_reminder(session: AsyncSession, guild_id: int, ref: str) -> Reminder:
    """The reminder ``ref`` names in this guild.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    return await refs.resolve(session, Reminder, guild_id, ref, noun="reminder", list_hint=LIST_HINT)


async def cancel_reminder(session: AsyncSession, guild_id: int, ref: str, *, actor: Actor | None = None) -> Reminder:
    """Cancel a pending reminder, or clear a failed one from the list.

    Raises:
        NotFound: unknown.  InvalidInput: already sent or cancelled.
        Forbidden: ``actor`` didn't set it and is not a manager.
    """
    rem = await get_reminder(session, guild_id, ref)
    await require_owner_or_manager(session, guild_id, actor, (rem.author_id,), f"reminder #{rem.number}")
    if rem.status not in (ReminderStatus.PENDING, ReminderStatus.FAILED):
        raise InvalidInput(f"Reminder #{rem.number} was already {rem.status}; nothing to cancel.")
    sending = await session.scalar(
        select(Nudge.id).where(
            Nudge.kind == KIND,
            Nudge.ref_id == rem.id,
            Nudge.status == NudgeStatus.SENDING,
            Nudge.due_at <= utcnow(),  # claimed ahead and held until due: still cancellable
        )
    )
    if sending is not None:
        raise InvalidInput(f"Reminder #{rem.number} is being delivered right now.")
    rem.status = ReminderStatus.CANCELLED
    await nudges.cancel_for(session, KIND, rem.id)
    await session.flush()
    return rem


async def autocomplete(
    session: AsyncSession, guild_id: int, query: str, limit: int = CHOICES_MAX
) -> list[tuple[str, str]]:
    """(label, value) pairs of pending or failed reminders matching ``query``: ``#4 · text`` (≤ 100), ``#4``."""
    q = select(Reminder.number, Reminder.text, Reminder.status).where(
        Reminder.guild_id == guild_id, Reminder.status.in_((ReminderStatus.PENDING, ReminderStatus.FAILED))
    )
    cond = refs.search_filter(Reminder, query)
    if cond is not None:
        q = q.where(cond)
    rows = (await session.execute(q.order_by(Reminder.due_at).limit(limit))).all()
    return [(refs.choice_label(n, t, " (failed)" if st == ReminderStatus.FAILED else ""), f"#{n}") for n, t, st in rows]


async def _render(session: AsyncSession, nudge: Nudge, now: datetime) -> nudges.Rendered | None:
    rem = await session.get(Reminder, nudge.ref_id)
    if rem is None or rem.status != ReminderStatus.PENDING or rem.guild_id != nudge.guild_id:
        return None
    head = f"⏰ <@{rem.author_id}> reminder #{rem.number}: "
    body = rem.text
    if len(head) + len(body) > CONTENT_MAX:
        body = body[: CONTENT_MAX - 1 - len(head)] + "…"
    return nudges.Rendered(head + body, (rem.author_id,), rem.channel_id)


async def _final(session: AsyncSession, nudge: Nudge, outcome: str) -> None:
    rem = await session.get(Reminder, nudge.ref_id)
    if rem is not None and rem.status == ReminderStatus.PENDING:
        rem.status = ReminderStatus(outcome)  # the nudge ended sent or failed: so did the reminder


async def _preload(session: AsyncSession, ids: list[int]) -> list[Reminder]:
    return list((await session.scalars(select(Reminder).where(Reminder.id.in_(ids)))).all())


async def _final_many(session: AsyncSession, ids: list[int], outcome: str) -> None:
    for i in range(0, len(ids), 500):
        await session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids[i : i + 500]), Reminder.status == ReminderStatus.PENDING)
            .values(status=ReminderStatus(outcome))
            .execution_options(synchronize_session=False)
        )


NUDGE_KINDS = (
    nudges.NudgeKind(KIND, _render, _final, preload=_preload, on_final_many=_final_many, until=None),
)  # worth sending late
"""Wired in ``bot/features.py``."""
