"""Nudge lateness and interaction response time of the real bot against the Discord double.

Run from the repository root::

    .venv/bin/python -m bench.nudges [--reminders 300] [--goals 10000] [--interactions 50]

Before the bot starts, the guild gets ``--goals`` goals (bulk-inserted, with the goal-due nudge
rows the service would have planned for them) and a few far-future reminders. Then:

1. **Nudge lateness**: ``--reminders`` reminders are created through the service layer (as
   ``/remind add`` does, then ``dispatcher.notify``) due at whole seconds spread at random over a
   ~12 s window. For each, lateness = the double's ``timestamp`` on the posted channel message
   minus the reminder's stored ``due_at``. Missing and duplicated deliveries are counted.
2. **Interaction response time**: each command is invoked ``--interactions`` times through the
   double, round-robin, one at a time; the double's ``ack_seconds`` (dispatch to interaction
   callback) is compared with Discord's 3 s window.

The double runs in the same process and event loop as the bot, so its own work is included in
every number. It enforces Discord's rate limits (tests/double/ratelimit.py): reminders due in the
same second in one channel arrive as one message, and 429s served are printed. Nothing here
asserts: it only prints.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Goal, Nudge, Reminder
from bot.roadie import Roadie
from bot.services import goals as goal_service
from bot.services import reminders as reminder_service
from bot.services.clock import utcnow
from bot.uow import UnitOfWork
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, GENERAL, GUILD, make_double, running_bot, settings_for

TARGET_LATENESS_MS = 1000.0  # a nudge should arrive within 1 s of its due time
DISCORD_WINDOW_MS = 3000.0  # Discord drops an interaction not acknowledged within 3 s
WINDOW_SECONDS = 12  # due times are spread over this many whole seconds
PRELOADED_REMINDERS = 30  # far-future reminders so /remind list has pages
BENCH_TEXT = "bench nudge {i}"
NUDGE_RE = re.compile(r"reminder #\d+: bench nudge (\d+)$", re.M)
WORDS = (
    "tour",
    "album",
    "single",
    "release",
    "festival",
    "listeners",
    "streams",
    "merch",
    "video",
    "press",
    "radio",
    "playlist",
    "sync",
    "label",
    "booking",
    "studio",
    "masters",
    "vinyl",
    "support",
    "headline",
)
QUERIES = ("to", "al", "re", "in", "st", "ea", "es", "ng", "zz", "ma")


# ----------------------------------------------------------------------------- statistics
def percentile(values: list[float], p: float) -> float:
    """Nearest-rank ``p``-th percentile (0 < p ≤ 100) of non-empty ``values``."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    """The median of non-empty ``values`` (mean of the middle two for an even count)."""
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def summary(values: list[float]) -> str:
    """``median … p90 … p99 … max …`` in ms for ``values`` (already in ms)."""
    if not values:
        return "no samples"
    return (
        f"median {median(values):7.1f}  p90 {percentile(values, 90):7.1f}  p99 {percentile(values, 99):7.1f}  "
        f"max {max(values):7.1f}  min {min(values):7.1f}"
    )


# ----------------------------------------------------------------------------- seeding (before the bot starts)
def goal_rows(n: int, now: datetime, rng: random.Random) -> list[dict]:
    """``n`` goal rows for :data:`GUILD`: ~85 % open, ~half with a future due date, ~40 % with a target."""
    rows = []
    for i in range(1, n + 1):
        title = " ".join(rng.sample(WORDS, 3)).capitalize() + f" {i}"
        status = "done" if rng.random() < 0.15 else "open"
        has_target = rng.random() < 0.4
        target = float(rng.choice((10, 50, 100, 1000, 10_000, 100_000))) if has_target else None
        due = None
        has_time = False
        if rng.random() < 0.5:
            has_time = rng.random() < 0.3
            due = now + timedelta(days=rng.randint(2, 365), hours=rng.randint(0, 23))
            due = due.replace(second=0, microsecond=0)
            if not has_time:
                due = due.replace(hour=9, minute=0)
        elif rng.random() < 0.3:
            due = (now - timedelta(days=rng.randint(1, 200))).replace(hour=9, minute=0, second=0, microsecond=0)
        created = now - timedelta(days=rng.randint(1, 400))
        rows.append(
            {
                "id": i,
                "guild_id": GUILD,
                "number": i,
                "title": title,
                "search_key": title.casefold(),
                "metric": rng.choice(("listeners", "streams", "shows", "followers")) if has_target else None,
                "target": target,
                "current": (target or 0) * rng.random() if has_target else None,
                "owner_id": rng.choice((ANA, BEN)),
                "author_id": ANA,
                "channel_id": GENERAL,
                "due_at": due,
                "due_has_time": has_time,
                "status": status,
                "created_at": created,
                "done_at": now - timedelta(days=rng.randint(0, 30)) if status == "done" else None,
            }
        )
    return rows


def goal_nudge_rows(goals: list[dict], now: datetime) -> list[dict]:
    """The pending goal-due nudges :func:`bot.services.goals.plan_nudges` would have made (none due soon)."""
    rows = []
    horizon = now + timedelta(days=1)
    for g in goals:
        if g["status"] != "open" or g["due_at"] is None:
            continue
        for days in goal_service.NUDGE_OFFSETS_DAYS:
            at = g["due_at"] - timedelta(days=days)
            if at > horizon:
                rows.append(
                    {
                        "guild_id": GUILD,
                        "channel_id": GENERAL,
                        "kind": goal_service.KIND,
                        "ref_id": g["id"],
                        "offset_days": days,
                        "due_at": at,
                        "status": "pending",
                        "attempts": 0,
                        "late": False,
                        "created_at": now,
                    }
                )
    return rows


def iso(ts: float) -> str:
    """``2027-03-14 20:00:05+00:00`` for a POSIX time (what ``/remind add`` accepts, read exactly)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S+00:00")


async def seed(db_url: str, n_goals: int, rng: random.Random) -> dict[str, Any]:
    """Migrate the fresh database and fill it: goals, their nudges, and far-future reminders."""
    await upgrade(db_url)
    engine = create_engine(db_url)
    sm = create_sessionmaker(engine)
    now = utcnow()
    t0 = time.perf_counter()
    goals = goal_rows(n_goals, now, rng)
    nudge_rows = goal_nudge_rows(goals, now)
    async with sm() as s:
        if goals:
            await s.execute(insert(Goal), goals)
        if nudge_rows:
            await s.execute(insert(Nudge), nudge_rows)
        await s.commit()
    t_goals = time.perf_counter() - t0
    base = math.ceil(time.time()) + 60 * 86400
    async with UnitOfWork(sm) as s:
        for i in range(PRELOADED_REMINDERS):
            await reminder_service.add_reminder(
                s,
                GUILD,
                text=f"Preloaded reminder {i} about the {WORDS[i % 20]}",
                when=iso(base + i * 3600),
                channel_id=GENERAL,
                author_id=ANA,
                now=now,
            )
    await engine.dispose()
    return {
        "goals": len(goals),
        "goal_nudges": len(nudge_rows),
        "seconds": t_goals,
        "open_with_target": [g["number"] for g in goals if g["status"] == "open" and g["target"]],
    }


# ----------------------------------------------------------------------------- phase 1: nudge lateness
@dataclass
class NudgeResult:
    """What phase 1 measured."""

    scheduled: int = 0
    create_seconds: float = 0.0
    lateness_ms: list[float] = field(default_factory=list)
    wake_ms: list[float] = field(default_factory=list)  # claimed_at - due_at
    send_ms: list[float] = field(default_factory=list)  # received_at - claimed_at
    missing: int = 0
    duplicates: int = 0
    exactly_once: int = 0
    per_second: Counter[int] = field(default_factory=Counter)


def bench_messages(double: DiscordDouble) -> dict[int, list[dict]]:
    """Phase-1 nudges the double recorded in GENERAL, by benchmark index."""
    out: dict[int, list[dict]] = {}
    for m in double.channel_messages(GENERAL):
        if m.get("interaction_id") is not None:
            continue
        # one reminder per message, or several grouped (due in the same second): listed in embeds
        text = "\n".join([m["content"], *(e.get("description") or "" for e in m.get("embeds") or [])])
        for match in NUDGE_RE.finditer(text):
            out.setdefault(int(match.group(1)), []).append(m)
    return out


async def measure_nudges(double: DiscordDouble, bot: Roadie, n: int, rng: random.Random) -> NudgeResult:
    """Schedule ``n`` reminders over a ~12 s window and measure when each reached the double."""
    res = NudgeResult(scheduled=n)
    lead = 5 + 0.03 * n  # creation must finish before the first one falls due (a loaded machine)
    start = math.ceil(time.time() + lead)
    due_ts = [start + rng.randrange(WINDOW_SECONDS) for _ in range(n)]
    res.per_second = Counter(t - start for t in due_ts)
    due_at: dict[int, datetime] = {}
    rem_id: dict[int, int] = {}
    t0 = time.perf_counter()
    for i, ts in enumerate(due_ts):
        async with bot.uow() as s:  # one unit of work per reminder, like the /remind add cog
            rem = await reminder_service.add_reminder(
                s, GUILD, text=BENCH_TEXT.format(i=i), when=iso(ts), channel_id=GENERAL, author_id=ANA, now=utcnow()
            )
        due_at[i], rem_id[i] = rem.due_at, rem.id
    res.create_seconds = time.perf_counter() - t0
    if time.time() > start:
        print(f"  ! creating the reminders took {res.create_seconds:.1f}s, past the first due time", flush=True)
    deadline = start + WINDOW_SECONDS + 15 - time.time()
    try:
        await double.wait_until(
            lambda: len(bench_messages(double)) >= n, timeout=max(deadline, 1), what="all benchmark nudges"
        )
    except AssertionError:
        pass
    await asyncio.sleep(1.5)  # let any duplicate show up
    got = bench_messages(double)
    claimed = await claimed_times(bot.sessionmaker, set(rem_id.values()))
    for i in range(n):
        msgs = got.get(i, [])
        if not msgs:
            res.missing += 1
            continue
        if len(msgs) > 1:
            res.duplicates += len(msgs) - 1
        else:
            res.exactly_once += 1
        received = datetime.fromisoformat(msgs[0]["timestamp"])
        res.lateness_ms.append((received - due_at[i]).total_seconds() * 1000)
        c = claimed.get(rem_id[i])
        if c is not None:
            res.wake_ms.append((c - due_at[i]).total_seconds() * 1000)
            res.send_ms.append((received - c).total_seconds() * 1000)
    return res


async def claimed_times(sm: async_sessionmaker[AsyncSession], reminder_ids: set[int]) -> dict[int, datetime]:
    """``claimed_at`` of each reminder's nudge row (when the dispatcher took it), by reminder id."""
    async with sm() as s:
        rows = await s.execute(
            select(Nudge.ref_id, Nudge.claimed_at).where(
                Nudge.kind == reminder_service.KIND, Nudge.claimed_at.is_not(None)
            )
        )
        return {ref: at for ref, at in rows.all() if ref in reminder_ids}


# ----------------------------------------------------------------------------- phase 2: interactions
@dataclass
class CommandStats:
    """Acknowledgement times (ms) of one command, plus failures."""

    ack_ms: list[float] = field(default_factory=list)
    missed: int = 0  # no callback within the double's 3 s deadline, or another double assertion
    errors: int = 0  # the bot answered with a ⚠️ error message


async def measure_interactions(
    double: DiscordDouble, n: int, progress_goals: list[int], rng: random.Random
) -> dict[str, CommandStats]:
    """Invoke each benchmarked command ``n`` times, round-robin, one at a time."""
    stats: dict[str, CommandStats] = {}

    def last_result():  # the InteractionResult of the most recent dispatch
        return next(reversed(double.interactions.values()))

    async def goal_list(k: int):
        return await double.invoke(GUILD, GENERAL, ANA, "goal list", {})

    async def goal_add(k: int):
        return await double.invoke(
            GUILD,
            GENERAL,
            ANA,
            "goal add",
            {"title": f"Bench goal {k}", "due": "in 3 weeks", "target": "100", "metric": "shows"},
        )

    async def goal_progress(k: int):
        number = rng.choice(progress_goals) if progress_goals else 1
        return await double.invoke(
            GUILD, GENERAL, BEN, "goal progress", {"goal": f"#{number}", "value": str(rng.randint(0, 5000))}
        )

    async def goal_done_ac(k: int):
        await double.autocomplete(GUILD, GENERAL, ANA, "goal done", {"goal": rng.choice(QUERIES)}, focused="goal")
        return last_result()

    async def remind_list(k: int):
        return await double.invoke(GUILD, GENERAL, ANA, "remind list", {})

    async def settings_show(k: int):
        return await double.invoke(GUILD, GENERAL, BEN, "settings show", {})

    commands = {
        "/goal list": goal_list,
        "/goal add (due)": goal_add,
        "/goal progress": goal_progress,
        "/goal done autocomplete": goal_done_ac,
        "/remind list": remind_list,
        "/settings show": settings_show,
    }
    for name in commands:
        stats[name] = CommandStats()
    for k in range(n):
        for name, run in commands.items():
            st = stats[name]
            t0 = asyncio.get_running_loop().time()
            try:
                res = await run(k)
            except AssertionError:
                st.missed += 1
                st.ack_ms.append((asyncio.get_running_loop().time() - t0) * 1000)
                continue
            st.ack_ms.append((res.ack_seconds or 0.0) * 1000)
            if (res.content or "").startswith("⚠️"):
                st.errors += 1
    return stats


# ----------------------------------------------------------------------------- report
def print_header(args: argparse.Namespace) -> None:
    """Machine facts and parameters."""
    print("Roadie benchmark: nudge lateness and interaction response time (bot + Discord double, one process)")
    print(
        "  double  : WITH Discord's rate limits (5 messages / 5 s per channel, 50 requests / s; "
        "tests/double/ratelimit.py); reminders due in the same second in one channel arrive as one message"
    )
    print(f"  machine : {os.cpu_count()} CPU(s), {platform.platform()}")
    print(
        f"  python  : {platform.python_version()} ({platform.python_implementation()}), "
        f"sqlite {sqlite3.sqlite_version}, discord.py {version('discord.py')}, "
        f"SQLAlchemy {version('sqlalchemy')}, aiosqlite {version('aiosqlite')}"
    )
    print(
        f"  params  : reminders={args.reminders} over {WINDOW_SECONDS} s, goals={args.goals}, "
        f"interactions={args.interactions} per command, seed={args.seed}"
    )
    print(flush=True)


def print_nudges(r: NudgeResult) -> None:
    """Phase-1 report."""
    print(
        f"1. Nudge lateness ({r.scheduled} reminders, created in {r.create_seconds:.2f} s, due over "
        f"{len(r.per_second)} distinct seconds, up to {max(r.per_second.values(), default=0)} sharing a second)"
    )
    print(
        f"   delivered exactly once: {r.exactly_once}/{r.scheduled}   missing: {r.missing}   duplicates: {r.duplicates}"
    )
    if r.lateness_ms:
        p99 = percentile(r.lateness_ms, 99)
        print(f"   lateness ms (message recorded - due_at), n={len(r.lateness_ms)}:")
        print(f"     {summary(r.lateness_ms)}")
        print(f"   p99 is {p99 / TARGET_LATENESS_MS:.2f}x the 1 s target")
        print(f"   of which wake-up (claimed_at - due_at) ms : {summary(r.wake_ms)}")
        print(f"   of which send (recorded - claimed_at) ms  : {summary(r.send_ms)}")
    print(flush=True)


def print_interactions(stats: dict[str, CommandStats]) -> None:
    """Phase-2 report."""
    print("2. Interaction response time (double dispatch -> interaction callback, ms; 'first' = first call)")
    print(
        f"   {'command':<26}{'n':>5}{'first':>9}{'median':>9}{'p99':>9}{'max':>9}{'p99/3s':>9}{'missed':>8}"
        f"{'errors':>8}"
    )
    everything: list[float] = []
    for name, st in stats.items():
        if not st.ack_ms:
            continue
        everything += st.ack_ms
        p99 = percentile(st.ack_ms, 99)
        print(
            f"   {name:<26}{len(st.ack_ms):>5}{st.ack_ms[0]:>9.1f}{median(st.ack_ms):>9.1f}"
            f"{p99:>9.1f}{max(st.ack_ms):>9.1f}"
            f"{p99 / DISCORD_WINDOW_MS:>8.2f}x{st.missed:>8}{st.errors:>8}"
        )
    if everything:
        p99 = percentile(everything, 99)
        print(
            f"   {'overall':<26}{len(everything):>5}{'':>9}{median(everything):>9.1f}"
            f"{p99:>9.1f}{max(everything):>9.1f}"
            f"{p99 / DISCORD_WINDOW_MS:>8.2f}x{sum(s.missed for s in stats.values()):>8}"
            f"{sum(s.errors for s in stats.values()):>8}"
        )
    print(flush=True)


# ----------------------------------------------------------------------------- main
async def run(args: argparse.Namespace) -> None:
    """Seed, start the double and the bot, run both phases, print, shut down."""
    rng = random.Random(args.seed)
    print_header(args)
    with tempfile.TemporaryDirectory(prefix="roadie-bench-") as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/roadie.db"
        seeded = await seed(db_url, args.goals, rng)
        print(
            f"seeded {seeded['goals']} goals + {seeded['goal_nudges']} goal nudges in {seeded['seconds']:.2f} s, "
            f"and {PRELOADED_REMINDERS} far-future reminders",
            flush=True,
        )
        double = make_double()
        await double.start()
        try:
            t0 = time.perf_counter()
            async with running_bot(settings_for(double, db_url, guilds=[GUILD])) as bot:
                print(f"bot ready in {time.perf_counter() - t0:.2f} s", flush=True)
                print(flush=True)
                t1 = time.perf_counter()
                nudge_res = await measure_nudges(double, bot, args.reminders, rng)
                print_nudges(nudge_res)
                print(f"   (phase 1 took {time.perf_counter() - t1:.1f} s)", flush=True)
                print(flush=True)
                t2 = time.perf_counter()
                async with bot.sessionmaker() as s:
                    pending = len(await reminder_service.list_reminders(s, GUILD))
                    open_goals = len((await s.scalars(select(Goal.id).where(Goal.status == "open"))).all())
                print(f"   state: {open_goals} open goals, {pending} pending reminders", flush=True)
                stats = await measure_interactions(double, args.interactions, list(seeded["open_with_target"]), rng)
                print_interactions(stats)
                print(f"   (phase 2 took {time.perf_counter() - t2:.1f} s)", flush=True)
                async with bot.sessionmaker() as s:
                    sent = (await s.scalars(select(Reminder.status).where(Reminder.status == "sent"))).all()
                n_msgs = sum(1 for m in double.channel_messages(GENERAL) if not m.get("interaction_id"))
                print(
                    f"reminders marked sent in the database: {len(sent)}; double rejections: "
                    f"{len(double.rejections)}; unknown routes: {len(double.unknown_routes)}; "
                    f"nudge messages: {n_msgs}; "
                    f"429s served: {double.ratelimit.served_count}; invalid requests: {double.ratelimit.invalid}",
                    flush=True,
                )
        finally:
            await double.stop()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the benchmark."""
    p = argparse.ArgumentParser(prog="python -m bench.nudges", description=__doc__.split("\n\n")[0])
    p.add_argument("--reminders", type=int, default=300, help="reminders to schedule (default 300)")
    p.add_argument("--goals", type=int, default=10_000, help="goals stored in the guild (default 10000)")
    p.add_argument("--interactions", type=int, default=50, help="invocations per command (default 50)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    asyncio.run(run(args))
    print(f"total {time.perf_counter() - t0:.1f} s", file=sys.stdout)


if __name__ == "__main__":
    main()
