"""Several processes on one database: #N numbering and nudge claims (run on SQLite and PostgreSQL).

"Two processes" are two engines (two connection pools) on the same database, as two ``python -m bot``
processes would have. SQLite is one process by design (one writer; a read-then-write transaction of a
second process can fail with SQLITE_BUSY), so the cross-process cases use two engines only on
PostgreSQL and one engine on SQLite.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Goal, GuildCounter
from bot.services import goals, refs, reminders
from bot.uow import UnitOfWork

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1, G2 = 111, 222


async def test_fifty_concurrent_goal_adds_from_two_processes_get_fifty_distinct_numbers(backend, db_url) -> None:
    engines = [create_engine(db_url) for _ in range(2 if backend == "postgresql" else 1)]
    makers = [create_sessionmaker(e) for e in engines]

    async def add(i: int) -> int:
        async with UnitOfWork(makers[i % len(makers)]) as s:
            g = await goals.add_goal(s, G1, title=f"goal {i}", author_id=5, channel_id=50, now=NOW)
            return g.number

    try:
        numbers = await asyncio.gather(*(add(i) for i in range(50)))
        other = await asyncio.gather(*(add(i) for i in range(50, 53)))  # guild 1 goes on; 2 is its own
        async with UnitOfWork(makers[0]) as s:
            g2 = await goals.add_goal(s, G2, title="elsewhere", author_id=5, channel_id=50, now=NOW)
            stored = sorted(await s.scalars(select(Goal.number).where(Goal.guild_id == G1)))
    finally:
        for e in engines:
            await e.dispose()
    assert sorted(numbers) == list(range(1, 51))
    assert sorted(other) == [51, 52, 53]
    assert stored == list(range(1, 54))
    assert g2.number == 1


async def test_numbers_are_per_table_and_never_reused_after_a_rollback_or_delete(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        g = await goals.add_goal(s, G1, title="first", author_id=5, channel_id=50, now=NOW)
        r = await reminders.add_reminder(s, G1, when="in 1 hour", text="x", author_id=5, channel_id=50, now=NOW)
    assert (g.number, r.number) == (1, 1)
    try:
        async with UnitOfWork(sessionmaker) as s:
            assert await refs.next_number(s, Goal, G1) == 2
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    async with UnitOfWork(sessionmaker) as s:  # the rolled-back add gave its number back
        second = await goals.add_goal(s, G1, title="second", author_id=5, channel_id=50, now=NOW)
        assert second.number == 2
        await goals.delete_goal(s, G1, second.id, now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        assert (await goals.add_goal(s, G1, title="third", author_id=5, channel_id=50, now=NOW)).number == 3
        counter = await s.get(GuildCounter, (G1, "goals"))
        assert counter is not None and counter.last == 3
