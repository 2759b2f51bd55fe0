"""Several processes on one database: #N numbering and nudge claims (run on SQLite and PostgreSQL).

"Two processes" are two engines (two connection pools) on the same database, as two ``python -m bot``
processes would have. SQLite is one process by design (one writer; a read-then-write transaction of a
second process can fail with SQLITE_BUSY), so the cross-process cases use two engines only on
PostgreSQL and one engine on SQLite.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.models import Goal, GuildCounter, Nudge
from bot.features import nudge_kinds
from bot.services import goals, nudges, refs, reminders
from bot.services.nudges import OutgoingNudge
from bot.uow import UnitOfWork

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py
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


def guild_on_shard(shard: int, count: int = 4, k: int = 250) -> int:
    """A guild id whose shard is ``shard`` of ``count``: ``(id >> 22) % count`` (Discord's formula)."""
    return ((k * count + shard) << 22) | 12345


async def _seed_reminders(sessionmaker, per_guild: dict[int, int]) -> None:  # type: ignore[no-untyped-def]
    """``n`` reminders per guild, due together, each in a channel of its own (so each is a message of
    its own: rows due in the same second in one channel are claimed and grouped together, #10)."""
    async with UnitOfWork(sessionmaker) as s:
        for g, (guild, n) in enumerate(per_guild.items()):
            for i in range(n):
                channel = 9 + 1000 * g + i  # channel ids are global on Discord: one guild's channels are its own
                await reminders.add_reminder(
                    s, guild, text=f"r{i}", when="in 10 seconds", channel_id=channel, author_id=5, now=NOW
                )


DUE = NOW + timedelta(seconds=10)


async def test_claims_from_two_processes_never_overlap(backend, db_url) -> None:
    """Two workers claiming in small batches at once: every row claimed exactly once."""
    engines = [create_engine(db_url) for _ in range(2 if backend == "postgresql" else 1)]
    makers = [create_sessionmaker(e) for e in engines]
    try:
        await _seed_reminders(makers[0], {G1: 120})

        async def worker(w: int) -> list[int]:
            got: list[int] = []
            while True:
                async with UnitOfWork(makers[w % len(makers)]) as s:
                    batch = await nudges.claim_due(s, kinds=KINDS, now=DUE, limit=7, worker=f"w{w}")
                if not batch:
                    return got
                got += [i for o in batch for i in o.row_ids]

        claims = await asyncio.gather(worker(0), worker(1), worker(2), worker(3))
        async with makers[0]() as s:
            owners = dict((await s.execute(select(Nudge.id, Nudge.claimed_by))).all())
    finally:
        for e in engines:
            await e.dispose()
    flat = [i for c in claims for i in c]
    assert len(flat) == 120 and len(set(flat)) == 120
    for w, ids in enumerate(claims):
        assert all(owners[i] == f"w{w}" for i in ids)


async def test_a_dead_workers_claim_is_taken_over_after_its_lease_and_not_reset_at_start_up(sessionmaker) -> None:
    await _seed_reminders(sessionmaker, {G1: 1})
    async with UnitOfWork(sessionmaker) as s:
        [out] = await nudges.claim_due(s, kinds=KINDS, now=DUE, worker="shards:0/2", lease=timedelta(seconds=60))
    # the claimer dies. Another worker starting up leaves the row alone...
    async with UnitOfWork(sessionmaker) as s:
        assert await nudges.recover_interrupted(s, "shards:1/2") == 0
    async with UnitOfWork(sessionmaker) as s:
        assert await nudges.claim_due(s, kinds=KINDS, now=DUE + timedelta(seconds=59), worker="standby") == []
        assert await nudges.next_wake(s) == DUE + timedelta(seconds=60)  # ...wakes when the lease ends...
    async with UnitOfWork(sessionmaker) as s:  # ...and takes it over then, same nonce, second attempt
        [again] = await nudges.claim_due(s, kinds=KINDS, now=DUE + timedelta(seconds=60), worker="standby")
        row = await s.get(Nudge, out.nudge_id)
        assert (again.nonce, row.claimed_by, row.attempts) == (out.nonce, "standby", 2)


async def test_a_restarted_worker_recovers_its_own_claims_at_once(sessionmaker) -> None:
    await _seed_reminders(sessionmaker, {G1: 2})
    async with UnitOfWork(sessionmaker) as s:
        a, b = await nudges.claim_due(s, kinds=KINDS, now=DUE, worker="shards:0,1/4")
        await nudges.renew_leases(s, [a.nudge_id], "someone-else", DUE + timedelta(hours=1))  # not theirs: no-op
    async with UnitOfWork(sessionmaker) as s:
        assert await nudges.recover_interrupted(s, "shards:0,1/4") == 2
    async with UnitOfWork(sessionmaker) as s:
        again = await nudges.claim_due(s, kinds=KINDS, now=DUE, worker="shards:0,1/4")
        assert [o.nudge_id for o in again] == [a.nudge_id, b.nudge_id]


async def test_renewed_leases_are_not_taken_over(sessionmaker) -> None:
    await _seed_reminders(sessionmaker, {G1: 1})
    async with UnitOfWork(sessionmaker) as s:
        [out] = await nudges.claim_due(s, kinds=KINDS, now=DUE, worker="a", lease=timedelta(seconds=60))
        assert await nudges.renew_leases(s, [out.nudge_id], "a", DUE + timedelta(seconds=120)) == 1
    async with UnitOfWork(sessionmaker) as s:
        assert await nudges.claim_due(s, kinds=KINDS, now=DUE + timedelta(seconds=90), worker="b") == []


async def test_each_process_claims_only_the_guilds_on_its_shards(sessionmaker) -> None:
    guilds = {guild_on_shard(k): 3 for k in range(4)}
    await _seed_reminders(sessionmaker, guilds)
    first, second = nudges.ShardFilter((0, 1), 4), nudges.ShardFilter((2, 3), 4)
    async with UnitOfWork(sessionmaker) as s:
        assert await nudges.next_wake(s, second) == DUE
        mine = await nudges.claim_due(s, kinds=KINDS, now=DUE, worker="p0", shards=first)
        rows = {n.id: n.guild_id for n in await s.scalars(select(Nudge))}
    assert sorted({rows[o.nudge_id] for o in mine}) == [guild_on_shard(0), guild_on_shard(1)]
    assert len(mine) == 6 and all(first.owns(rows[o.nudge_id]) for o in mine)
    async with UnitOfWork(sessionmaker) as s:
        theirs = await nudges.claim_due(s, kinds=KINDS, now=DUE, worker="p1", shards=second)
    assert sorted({rows[o.nudge_id] for o in theirs}) == [guild_on_shard(2), guild_on_shard(3)]
    assert [guild_on_shard(k) >> 22 & 3 for k in range(4)] == [0, 1, 2, 3]


async def test_each_process_paces_at_its_shards_share_of_the_global_limit_with_one_limiter() -> None:
    from bot.ratelimit import RateLimitPlanner, share_of_global_budget

    assert share_of_global_budget((0, 1), 4) == 25.0  # half the shards: half of 50/s
    assert share_of_global_budget((0,), 1) == 50.0
    assert share_of_global_budget((3,), 4, global_per_second=500) == 125.0
    assert share_of_global_budget((0, 1), 4, headroom=0.8) == 20.0
    planner = RateLimitPlanner(50)
    planner.set_rate(share_of_global_budget((2, 3), 4))
    assert planner.requests_per_second == 25 and planner.window.rate == 25
    # the window admits exactly its share at once, the next request waits for a slot to free
    for _ in range(25):
        await asyncio.wait_for(planner.window.acquire(), 0.5)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(planner.window.acquire(), 0.05)


async def test_a_bulk_import_reserves_a_block_of_numbers_in_one_bump(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        assert await refs.next_number(s, Goal, G1) == 1
        assert await refs.reserve_numbers(s, Goal, G1, 5) == 2  # 2..6
        assert await refs.next_number(s, Goal, G1) == 7
        assert await refs.reserve_numbers(s, Goal, G2, 3) == 1


async def test_an_expired_group_is_taken_over_whole_with_its_batch_and_nonce(sessionmaker) -> None:
    """#10 + #12: rows due in one second in one channel are claimed together as one message; when
    their claimer dies, another worker takes over the whole group after the lease, same batch, same
    nonce (Discord de-duplicates a resend of a message that did go out)."""
    async with UnitOfWork(sessionmaker) as s:
        for i in range(3):
            await reminders.add_reminder(s, G1, text=f"g{i}", when="in 10 seconds", channel_id=77, author_id=5, now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        [first] = await nudges.claim_due(s, kinds=KINDS, now=DUE, worker="a", lease=timedelta(seconds=30))
    assert len(first.row_ids) == 3 and first.nonce == f"roadie-n{first.nudge_id}"
    async with UnitOfWork(sessionmaker) as s:  # lease still running: nothing for b
        assert await nudges.claim_due(s, kinds=KINDS, now=DUE + timedelta(seconds=29), worker="b") == []
    async with UnitOfWork(sessionmaker) as s:
        [again] = await nudges.claim_due(s, kinds=KINDS, now=DUE + timedelta(seconds=31), worker="b")
    assert (again.nudge_id, again.nonce, sorted(again.row_ids)) == (first.nudge_id, first.nonce, sorted(first.row_ids))
    async with UnitOfWork(sessionmaker) as s:
        rows = (await s.scalars(select(Nudge).where(Nudge.id.in_(first.row_ids)))).all()
        assert {(n.claimed_by, n.batch_id) for n in rows} == {("b", first.nudge_id)}
        # released (e.g. shutdown) by a worker that no longer holds them: untouched
        assert await nudges.release(s, list(first.row_ids), worker="a") == 0
        assert await nudges.release(s, list(first.row_ids), worker="b") == 3
    async with UnitOfWork(sessionmaker) as s:
        rows = (await s.scalars(select(Nudge).where(Nudge.id.in_(first.row_ids)))).all()
        assert {(n.status, n.lease_until, n.batch_id) for n in rows} == {("pending", None, first.nudge_id)}


async def test_messages_held_until_due_keep_their_lease_renewed(sessionmaker) -> None:
    """#10 claims a little ahead and holds the message until its due time; #12's lease renewal covers
    those held rows (and queued ones), so no other process takes over a message that is only waiting."""
    from bot.scheduling.dispatcher import NudgeDispatcher

    t = [DUE - timedelta(seconds=1)]
    sent: list[OutgoingNudge] = []

    async def sender(out: OutgoingNudge) -> int:
        sent.append(out)
        return 5000 + len(sent)

    async with UnitOfWork(sessionmaker) as s:
        for i in range(2):
            await reminders.add_reminder(s, G1, text=f"h{i}", when="in 10 seconds", channel_id=55, author_id=5, now=NOW)
    d = NudgeDispatcher(
        sessionmaker, sender, kinds=KINDS, clock=lambda: t[0], lead_seconds=3, worker="p0", lease=timedelta(seconds=6)
    )
    await d.run_due()  # claims the group 1 s ahead and holds it
    held = d.claimed_row_ids()
    assert len(held) == 2 and sent == []
    async with UnitOfWork(sessionmaker) as s:
        rows = (await s.scalars(select(Nudge).where(Nudge.id.in_(held)))).all()
        assert {(n.status, n.claimed_by, n.lease_until) for n in rows} == {
            ("sending", "p0", t[0] + timedelta(seconds=6))
        }
    t[0] += timedelta(seconds=0.5)
    await d._renew_leases()
    async with UnitOfWork(sessionmaker) as s:
        rows = (await s.scalars(select(Nudge).where(Nudge.id.in_(held)))).all()
        assert {n.lease_until for n in rows} == {t[0] + timedelta(seconds=6)}
    t[0] = DUE
    await d.drain()
    assert len(sent) == 1 and sorted(sent[0].row_ids) == sorted(held) and d.claimed_row_ids() == set()
    async with UnitOfWork(sessionmaker) as s:
        rows = (await s.scalars(select(Nudge).where(Nudge.id.in_(held)))).all()
        assert {(n.status, n.lease_until) for n in rows} == {("sent", None)}
