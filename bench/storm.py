"""Nudge storms at Discord's rate limits: many nudges due in the same second, delivered as fast as allowed.

Run from the repository root (after ``scripts/test`` made ``.venv``)::

    .venv/bin/python -m bench.storm [--scenarios 1000x1,10000x10,10000x100,10000x1000]

Each scenario ``NxC`` stores N reminders (with their nudge rows, bulk-inserted) spread evenly over
C channels of one guild, all due at the same whole second, a few seconds after the bot (in this
process) is ready, against the Discord double *with Discord's rate limits* (5 messages per 5 s per
channel, 50 requests per second per bot; tests/double/ratelimit.py). Printed per scenario:

- **messages**: how many messages the grouping needed (one per channel and second, split only by
  Discord's 2000-character / 10-embed / 6000-embed-character limits);
- **last**: seconds from the due second to the last message the double recorded;
- **ideal**: the least time the limits allow for those messages: per channel, 5 go at once and
  each further 5 wait for the next 5 s window (``5 s x (ceil(m/5) - 1)``); overall, 50 per second
  (``floor((M - 1) / 50)`` s); the larger of the two;
- **ratio** last / ideal (``-`` when the ideal is 0), 429s served, invalid requests (401/403/429),
  missing and duplicate deliveries (each reminder's line counted in every message).

Then a **SIGTERM during a storm** figure: ``python -m bot`` with 300 reminders due in 60 distinct
seconds in one channel (60 messages: about a minute at the limit) gets SIGTERM after the 6th
message; printed: seconds to exit, rows left pending, and, after a restart, missing/duplicates.

Nothing here asserts: it only prints.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Nudge, Reminder
from bot.services import reminders as reminder_service
from bot.services.clock import utcnow
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, GUILD, ROOT, make_double, running_bot, settings_for, write_config

CHANNEL_BASE = 610000000000000000
LINE_RE = re.compile(r"reminder #(\d+): storm ")
TEXT = "storm {i}: call the venue about load-in"


def add_channels(double: DiscordDouble, n: int) -> list[int]:
    """``n`` text channels in the guild."""
    ids = [CHANNEL_BASE + i for i in range(n)]
    for cid in ids:
        double.add_channel(GUILD, cid, name=f"storm-{cid - CHANNEL_BASE}")
    return ids


async def seed(sm, n: int, channels: list[int], due: datetime, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """``n`` reminders (numbers 1..n) and their pending nudges, due at ``due``, round-robin over ``channels``."""
    rems = [
        {
            "id": i,
            "guild_id": GUILD,
            "number": i,
            "text": TEXT.format(i=i),
            "search_key": TEXT.format(i=i),
            "status": "pending",
            "channel_id": channels[i % len(channels)],
            "author_id": ANA,
            "due_at": due,
            "created_at": now,
        }
        for i in range(1, n + 1)
    ]
    rows = [
        {
            "guild_id": GUILD,
            "channel_id": r["channel_id"],
            "kind": reminder_service.KIND,
            "ref_id": r["id"],
            "offset_days": 0,
            "due_at": due,
            "status": "pending",
            "attempts": 0,
            "late": False,
            "created_at": now,
        }
        for r in rems
    ]
    async with sm() as s:
        for i in range(0, n, 5000):
            await s.execute(insert(Reminder), rems[i : i + 5000])
            await s.execute(insert(Nudge), rows[i : i + 5000])
        await s.commit()


def lines_of(msg: dict) -> list[int]:
    """Reminder numbers a message delivers (its content and embed descriptions)."""
    text = msg.get("content") or ""
    text += "\n".join(e.get("description") or "" for e in msg.get("embeds") or [])
    return [int(x) for x in LINE_RE.findall(text)]


def ideal_seconds(per_channel: Counter[int], per_window: int = 5, window: float = 5.0, global_rate: int = 50) -> float:
    """The least time Discord's limits allow for these messages (see the module docstring)."""
    channel = max((window * (math.ceil(m / per_window) - 1) for m in per_channel.values()), default=0.0)
    total = sum(per_channel.values())
    return max(channel, float((total - 1) // global_rate) if total else 0.0)


async def scenario(n: int, n_channels: int) -> dict[str, object]:
    """One storm; returns its figures."""
    with tempfile.TemporaryDirectory(prefix="roadie-storm-") as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/roadie.db"
        await upgrade(db_url)
        double = make_double()
        channels = add_channels(double, n_channels)
        await double.start()
        try:
            async with running_bot(settings_for(double, db_url, guilds=[GUILD])) as bot:
                now = utcnow()
                lead = 3 + n / 1000  # the storm is planned ahead, like reminders set earlier
                due = now.replace(microsecond=0) + timedelta(seconds=math.ceil(lead))
                t0 = time.perf_counter()
                await seed(bot.sessionmaker, n, channels, due, now)
                seed_s = time.perf_counter() - t0
                bot.dispatcher.notify()  # re-read the table (as the sweep would): it sees the storm coming
                served0, invalid0 = double.ratelimit.served_count, double.ratelimit.invalid
                msgs: list[dict] = []
                counts: Counter[int] = Counter()
                done = 0

                def scan() -> None:  # only the messages recorded since the last look (cheap)
                    nonlocal done
                    for m in double.messages[done:]:
                        lines = lines_of(m) if m.get("interaction_id") is None else []
                        if lines:
                            msgs.append(m)
                            counts.update(lines)
                    done = len(double.messages)

                deadline = time.monotonic() + 60 + n / 20
                while len(counts) < n and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                    scan()
                await asyncio.sleep(1.0)  # let a duplicate show up
                await bot.dispatcher.drain()
                scan()
                wanted = set(range(1, n + 1))
                last = max(datetime.fromisoformat(m["timestamp"]) for m in msgs) if msgs else due
                per_channel = Counter(int(m["channel_id"]) for m in msgs)
                async with bot.sessionmaker() as s:
                    sent_rows = await s.scalar(select(func.count()).select_from(Nudge).where(Nudge.status == "sent"))
        finally:
            await double.stop()
    last_s = (last - due).total_seconds()
    ideal = ideal_seconds(per_channel)
    return {
        "n": n,
        "channels": n_channels,
        "seed_s": seed_s,
        "messages": len(msgs),
        "last_s": last_s,
        "ideal_s": ideal,
        "ratio": last_s / ideal if ideal > 0 else None,
        "429": double.ratelimit.served_count - served0,
        "invalid": double.ratelimit.invalid - invalid0,
        "missing": len(wanted - set(counts)),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "sent_rows": sent_rows,
    }


async def sigterm_during_storm() -> dict[str, object]:
    """``python -m bot`` gets SIGTERM in the middle of a 60-message storm; then a restart finishes it."""
    with tempfile.TemporaryDirectory(prefix="roadie-storm-term-") as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/roadie.db"
        await upgrade(db_url)
        double = make_double()
        [channel] = add_channels(double, 1)
        await double.start()
        env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL")}
        env["PYTHONPATH"] = str(ROOT)
        cfg = write_config(Path(tmp) / "config.toml", double, db_url, [GUILD])
        engine = create_engine(db_url)
        sm = create_sessionmaker(engine)
        try:
            now = utcnow()
            first_due = now.replace(microsecond=0) + timedelta(seconds=8)
            async with sm() as s:  # 300 reminders, 5 per second over 60 seconds: 60 messages
                for i in range(1, 301):
                    due = first_due + timedelta(seconds=(i - 1) // 5)
                    s.add(
                        Reminder(
                            id=i,
                            guild_id=GUILD,
                            number=i,
                            text=TEXT.format(i=i),
                            search_key=TEXT.format(i=i),
                            status="pending",
                            channel_id=channel,
                            author_id=ANA,
                            due_at=due,
                            created_at=now,
                        )
                    )
                    reminder_service.nudges.schedule(
                        s, guild_id=GUILD, channel_id=channel, kind="reminder", ref_id=i, due_at=due, now=now
                    )
                await s.commit()
            log = Path(tmp) / "bot.log"

            async def start() -> asyncio.subprocess.Process:
                with log.open("ab") as fh:
                    return await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "bot", "--config", str(cfg), cwd=tmp, env=env, stdout=fh, stderr=fh
                    )

            def delivered() -> list[dict]:
                return [m for m in double.messages if m.get("interaction_id") is None and lines_of(m)]

            proc = await start()
            while len(delivered()) < 6:  # noqa: ASYNC110 (polling the double's record)
                await asyncio.sleep(0.05)
            t0 = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(proc.wait(), 30)
            exit_s = time.perf_counter() - t0
            before = len(delivered())
            async with sm() as s:
                by_status = dict((await s.execute(select(Nudge.status, func.count()).group_by(Nudge.status))).all())
            proc = await start()
            while {x for m in delivered() for x in lines_of(m)} != set(range(1, 301)):
                if proc.returncode is not None:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.5)
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)
            counts = Counter(x for m in delivered() for x in lines_of(m))
        finally:
            await engine.dispose()
            await double.stop()
    return {
        "exit_s": exit_s,
        "code": code,
        "sent_before": before,
        "status_after_stop": by_status,
        "missing": 300 - len(counts),
        "duplicates": sum(c - 1 for c in counts.values() if c > 1),
        "429": double.ratelimit.served_count,
    }


async def run(args: argparse.Namespace) -> None:
    """All scenarios, then the table."""
    print("Roadie benchmark: nudge storms against the Discord double with Discord's rate limits")
    print(f"  machine : {os.cpu_count()} CPU(s), {platform.platform()}, python {platform.python_version()}")
    print("  limits  : 5 messages / 5 s per channel, 50 requests / s per bot (double and Roadie's own planner)")
    print(flush=True)
    results = []
    for spec in args.scenarios.split(","):
        n, c = (int(x) for x in spec.lower().split("x"))
        r = await scenario(n, c)
        print(
            f"  {n} nudges in {c} channel(s): seeded in {r['seed_s']:.1f} s, last after {r['last_s']:.2f} s", flush=True
        )
        results.append(r)
    print()
    print(
        f"{'nudges':>7} {'channels':>8} {'messages':>8} {'last s':>8} {'ideal s':>8} {'ratio':>6} "
        f"{'429s':>5} {'invalid':>7} {'missing':>7} {'dupes':>6} {'rows sent':>9}"
    )
    for r in results:
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        print(
            f"{r['n']:>7} {r['channels']:>8} {r['messages']:>8} {r['last_s']:>8.2f} {r['ideal_s']:>8.2f} "
            f"{ratio:>6} {r['429']:>5} {r['invalid']:>7} {r['missing']:>7} {r['duplicates']:>6} {r['sent_rows']:>9}"
        )
    if not args.no_sigterm:
        print()
        t = await sigterm_during_storm()
        print(
            "SIGTERM during a storm (python -m bot, 300 reminders = 60 messages in one channel, SIGTERM after the "
            f"6th): exit {t['code']} after {t['exit_s']:.2f} s; messages before the stop {t['sent_before']}; "
            f"rows then {t['status_after_stop']}; after a restart: missing {t['missing']}, duplicates "
            f"{t['duplicates']}, 429s {t['429']}"
        )


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the benchmark."""
    p = argparse.ArgumentParser(prog="python -m bench.storm", description=__doc__.split("\n\n")[0])
    p.add_argument("--scenarios", default="1000x1,10000x10,10000x100,10000x1000", help="NxC,... (nudges x channels)")
    p.add_argument("--no-sigterm", action="store_true", help="skip the SIGTERM-during-a-storm run")
    args = p.parse_args(argv)
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
