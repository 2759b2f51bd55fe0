"""Scale-out benchmark: nudge throughput and lateness with 1, 2 and 4 bot processes.

Run from the repository root (after ``scripts/test``, which installs the dev extras incl. asyncpg)::

    .venv/bin/python -m bench.scale [--reminders 10000] [--guilds 1000] [--window 20]
                                    [--global-limit 50] [--configs sqlite:1,postgresql:1,postgresql:2,postgresql:4]

Each configuration runs real ``python -m bot`` processes (one shard each; one process is the plain
unsharded bot) against one sharding Discord double in this process, on a fresh database: a SQLite
file, or a database on a throw-away PostgreSQL server (started here with ``tests.pgserver``, like the
tests do). Before the processes start, ``--reminders`` reminders (and their nudge rows) are
bulk-inserted round-robin over ``--guilds`` guilds (one channel each), due at random instants over
``--window`` seconds that begin once every process has had time to connect; the processes find them
at start-up, like rows left by a restart.

The double is the rate-limited one (``tests/double/ratelimit.py``: 5 messages per 5 s per channel,
``--global-limit`` requests per second for the bot token, 429s counted); reminders due in the same
second in one channel arrive as one message (issue #10), so a message's nonce names its batch and
the database says which reminders it carried.

Printed per configuration: reminders delivered (rows of the batches whose message arrived),
duplicates (a nonce seen twice) and missing ones, messages, 429s served, throughput (reminders /
second from the first to the last delivery), and lateness (the double's message timestamp minus
each reminder's due time: median, p99, max), with ratios against the first configuration.
``--global-limit`` is the bot's global requests/s (Discord: 50 unless raised for a big bot); each
process paces all its requests at its shards' share of it (one limiter per process,
``bot.ratelimit``), so with Discord's 50/s the processes together never exceed 50 requests/s
whatever their number: give a raised limit to see the processes' own ceiling. The double (one
Python process) serves every request, so it is part of every figure.
Nothing here asserts: it only prints.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bench.nudges import median, percentile
from bot.db.engine import create_engine
from bot.db.migrate import upgrade
from bot.db.models import Nudge, Reminder
from bot.services.reminders import KIND
from tests import pgserver
from tests.double import ShardedDiscordDouble
from tests.e2e.harness import ANA, TOKEN, BotProcess

BASE = 119209289552  # a snowflake prefix with BASE % 4 == 0: guild i is on shard i % count
START_ALLOWANCE = 25.0  # seconds between seeding and the first due time (processes connect meanwhile)


@dataclass
class Result:
    name: str
    delivered: int
    duplicates: int
    missing: int
    throughput: float
    lateness_ms: list[float]
    ready_s: float
    messages: int = 0
    served_429: int = 0


def guild_id(i: int) -> int:
    return ((BASE + i) << 22) + 1


def channel_id(i: int) -> int:
    return 610000000000000000 + i


def make_double(guilds: int, global_limit: float) -> ShardedDiscordDouble:
    d = ShardedDiscordDouble(max_concurrency=16)
    d.ratelimit.global_limit = int(global_limit)  # the token's, shared by every process
    for i in range(guilds):
        d.add_guild(guild_id(i), name=f"Band {i}")
        d.add_channel(guild_id(i), channel_id(i), name="general")
        d.add_member(guild_id(i), ANA, username="ana")
    return d


async def seed(url: str, n: int, guilds: int, first_due: datetime, window: float, rng: random.Random) -> None:
    """``n`` pending reminders with their nudge rows, round-robin over ``guilds``."""
    await upgrade(url)
    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with engine.begin() as conn:
            dues = sorted(first_due + timedelta(seconds=rng.uniform(0, window)) for _ in range(n))
            rows = [
                {
                    "guild_id": guild_id(i % guilds),
                    "number": i // guilds + 1,
                    "text": f"bench {i}",
                    "search_key": f"bench {i}",
                    "channel_id": channel_id(i % guilds),
                    "author_id": ANA,
                    "due_at": due,
                    "status": "pending",
                    "created_at": now,
                }
                for i, due in enumerate(dues)
            ]
            ids = []
            for k in range(0, n, 1000):
                ids += list(await conn.scalars(insert(Reminder).returning(Reminder.id), rows[k : k + 1000]))
            nudges = [
                {
                    "guild_id": r["guild_id"],
                    "channel_id": r["channel_id"],
                    "kind": KIND,
                    "ref_id": rid,
                    "offset_days": 0,
                    "due_at": r["due_at"],
                    "status": "pending",
                    "attempts": 0,
                    "late": False,
                    "created_at": now,
                }
                for rid, r in zip(ids, rows, strict=True)
            ]
            for k in range(0, n, 1000):
                await conn.execute(insert(Nudge), nudges[k : k + 1000])
    finally:
        await engine.dispose()


def write_config(
    path: Path, d: ShardedDiscordDouble, name: str, url: str, shard: int, count: int, limit: float
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sharding = f"shard_count = {count}\nshard_ids = [{shard}]\n" if count > 1 else ""
    path.write_text(
        f'log_level = "WARNING"\n[discord]\ntoken = "{TOKEN}"\nsync_guild_ids = []\n'
        f'api_base = "{d.api_base_for(name)}"\ngateway_url = "{d.gateway_url}"\n'
        f"requests_per_second = {limit}\n"
        f'[database]\nurl = "{url}"\n[scheduler]\nsweep_seconds = 30\n'
        f"[sharding]\n{sharding}"
    )
    return path


async def run_config(
    label: str, url: str, procs: int, args: argparse.Namespace, workdir: Path, rng: random.Random
) -> Result:
    d = make_double(args.guilds, args.global_limit)
    await d.start()
    first_due = datetime.now(UTC) + timedelta(seconds=START_ALLOWANCE)
    await seed(url, args.reminders, args.guilds, first_due, args.window, rng)
    bots = [
        BotProcess(
            write_config(workdir / label / f"p{k}" / "config.toml", d, f"p{k}", url, k, procs, args.global_limit),
            workdir / label / f"p{k}",
        )
        for k in range(procs)
    ]
    t0 = time.monotonic()
    try:
        for b in bots:
            await b.start()
        await d.wait_until(lambda: len(d.shards_connected()) == procs, timeout=120, what="every shard connected")
        ready_s = time.monotonic() - t0
        # the slower of Discord's budget and a floor of 20 msg/s for what one loaded machine can push
        deadline = args.window + START_ALLOWANCE + args.reminders / min(args.global_limit, 20.0) + 60

        def done() -> bool:  # cheap: messages listing the reminders ("bench N" once per reminder)
            return sum(_text(m).count("bench ") for m in d.messages) >= args.reminders

        try:
            await d.wait_until(done, timeout=deadline, what="every reminder")
        except AssertionError as exc:
            print(f"  {label}: {exc}", file=sys.stderr)
        await asyncio.sleep(1.0)
        for b in bots:
            try:
                await b.terminate()
            except TimeoutError:  # still draining a backlog: the figures are taken from what arrived
                await b.kill9()
    finally:
        for b in bots:
            if b.proc and b.proc.returncode is None:
                await b.kill9()
        await d.stop()
    msgs = [m for m in d.messages if (m.get("nonce") or "").startswith("roadie-n")]
    nonces = [m["nonce"] for m in msgs]
    lateness, stamps = [], []
    dues_by_batch = await read_batches(url)
    seen: set[str] = set()
    rows = 0
    for m in msgs:
        if m["nonce"] in seen:
            continue
        seen.add(m["nonce"])
        at = datetime.fromisoformat(m["timestamp"])
        dues = dues_by_batch.get(int(m["nonce"].removeprefix("roadie-n")), [])
        rows += len(dues)
        for due in dues:
            stamps.append(at.timestamp())
            lateness.append((at - due).total_seconds() * 1000)
    span = (max(stamps) - min(stamps)) if len(stamps) > 1 else 0.0
    return Result(
        label,
        rows,
        len(nonces) - len(set(nonces)),
        args.reminders - rows,
        rows / span if span else 0.0,
        lateness,
        ready_s,
        len(set(nonces)),
        d.ratelimit.served_count,
    )


def _text(m: dict) -> str:
    return "\n".join([m.get("content") or "", *((e.get("description") or "") for e in m.get("embeds") or [])])


async def read_batches(url: str) -> dict[int, list[datetime]]:
    """Batch id (a message's nonce ``roadie-n<batch>``) -> due times (UTC) of its rows, from the database."""
    engine = create_engine(url)
    out: dict[int, list[datetime]] = {}
    try:
        async with engine.connect() as conn:
            for nid, batch, due in (await conn.execute(select(Nudge.id, Nudge.batch_id, Nudge.due_at))).all():
                out.setdefault(batch if batch is not None else nid, []).append(due)
    finally:
        await engine.dispose()
    return out


async def main_async(args: argparse.Namespace) -> None:
    configs = [(b, int(n)) for b, n in (c.split(":") for c in args.configs.split(","))]
    workdir = Path(tempfile.mkdtemp(prefix="roadie-bench-scale-"))
    server = None
    if any(b == "postgresql" for b, _ in configs):
        bindir = pgserver.find_bindir()
        if bindir is None:
            sys.exit("bench.scale: PostgreSQL binaries not found (PATH, /usr/lib/postgresql/*/bin)")
        server = pgserver.start(bindir)
    print(
        f"bench.scale: {args.reminders} reminders over {args.guilds} guilds, due over {args.window:.0f} s; "
        f"global limit {args.global_limit:g}/s per token, shared (each process paced at its shards' share); "
        f"rate-limited double (5 msg / 5 s per channel); "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs (shared)"
    )
    results: list[Result] = []
    try:
        for backend, procs in configs:
            label = f"{procs}×{backend}"
            rng = random.Random(12)
            if backend == "sqlite":
                url = f"sqlite+aiosqlite:///{workdir / label / 'roadie.db'}"
            else:
                assert server is not None
                name = pgserver.new_database_name("bench")
                server.psql(f"CREATE DATABASE {name}")
                url = server.url(name)
            res = await run_config(label, url, procs, args, workdir, rng)
            results.append(res)
            print(f"  done {label}: {res.delivered} delivered in {res.ready_s:.1f} s start-up", file=sys.stderr)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    base = results[0]
    print()
    print(
        f"{'config':<16}{'delivered':>10}{'dup':>5}{'miss':>6}{'msgs':>7}{'429s':>6}{'nudge/s':>9}{'× base':>8}"
        f"{'median ms':>11}{'p99 ms':>10}{'max ms':>10}{'p99 × base':>12}"
    )
    for r in results:
        med = median(r.lateness_ms) if r.lateness_ms else float("nan")
        p99 = percentile(r.lateness_ms, 99) if r.lateness_ms else float("nan")
        mx = max(r.lateness_ms) if r.lateness_ms else float("nan")
        base_p99 = percentile(base.lateness_ms, 99) if base.lateness_ms else float("nan")
        print(
            f"{r.name:<16}{r.delivered:>10}{r.duplicates:>5}{r.missing:>6}{r.messages:>7}{r.served_429:>6}"
            f"{r.throughput:>9.1f}"
            f"{(r.throughput / base.throughput if base.throughput else 0):>8.2f}"
            f"{med:>11.0f}{p99:>10.0f}{mx:>10.0f}{(p99 / base_p99 if base_p99 else 0):>12.2f}"
        )


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n")[0])
    p.add_argument("--reminders", type=int, default=10_000)
    p.add_argument("--guilds", type=int, default=1000)
    p.add_argument("--window", type=float, default=20.0, help="seconds over which the reminders fall due")
    p.add_argument("--global-limit", type=float, default=50.0, help="the bot's global requests/s (Discord: 50)")
    p.add_argument("--configs", default="sqlite:1,postgresql:1,postgresql:2,postgresql:4")
    asyncio.run(main_async(p.parse_args()))


if __name__ == "__main__":
    main()
