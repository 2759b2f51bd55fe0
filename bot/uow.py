"""The unit of work: one session per interaction or job, committed once, then the dispatcher woken.

Every cog command, component callback and background job goes through :class:`UnitOfWork`::

    async with bot.uow() as s:          # s: AsyncSession
        goal = await goals.add_goal(s, ...)
    # committed here; the dispatcher was told about every nudge scheduled inside

Services never commit (they may flush). :func:`bot.services.nudges.schedule` records each due time
it plans on the session (:func:`record_scheduled`); after a successful commit the unit of work hands
the earliest to the waker (``NudgeDispatcher.notify``), so no nudge waits for the sweep and no cog
calls ``notify()`` by hand. On an exception the session rolls back and nothing is woken.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SCHEDULED_KEY = "roadie.scheduled_due"
RESCHEDULE_KEY = "roadie.reschedule"

Waker = Callable[[datetime | None], None]
"""Called after commit: a due time (UTC) to wake for, or None to re-read the earliest from the table."""


def record_scheduled(session: AsyncSession, due_at: datetime | None) -> None:
    """Note on ``session`` that a nudge due at ``due_at`` (UTC) was planned, moved or cancelled.

    ``None`` means "something changed; re-read the earliest due time" (e.g. after a cancel or a
    bulk UPDATE). Read by :class:`UnitOfWork` after commit; harmless outside one.
    """
    if due_at is None:
        session.info[RESCHEDULE_KEY] = True
    else:
        session.info.setdefault(SCHEDULED_KEY, []).append(due_at)


class UnitOfWork:
    """``async with UnitOfWork(sessionmaker, waker) as session``: commit on success, roll back on error.

    ``waker`` (usually ``NudgeDispatcher.notify``; None in services tests) is called once after the
    commit with the earliest recorded due time, or with None when a re-read was asked for.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], waker: Waker | None = None) -> None:
        self._sm = sessionmaker
        self._waker = waker
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> AsyncSession:
        self._session = self._sm()
        return self._session

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        s = self._session
        assert s is not None
        try:
            if exc_type is None:
                await s.commit()
            else:
                await s.rollback()
        finally:
            due: list[datetime] = s.info.pop(SCHEDULED_KEY, [])
            reread = s.info.pop(RESCHEDULE_KEY, False)
            await s.close()
        if exc_type is None and self._waker is not None and (due or reread):
            self._waker(None if reread else min(due))
