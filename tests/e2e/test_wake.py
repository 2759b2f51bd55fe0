"""Every command that plans a nudge wakes the dispatcher itself: nothing waits for the sweep.

The bot runs with a one-hour sweep. Before each command the dispatcher's planned wake-up is
forgotten, so only the command's own unit of work (commit, then wake for what it scheduled) can
plan one; after it, the planned wake-up must be at or before the earliest nudge it added or moved.
A reminder due in two seconds is then delivered for real, long before any sweep.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import Nudge
from bot.roadie import Roadie
from bot.scheduling.dispatcher import WAKE_JOB
from tests.double import DiscordDouble, InteractionResult
from tests.e2e.harness import ANA, GENERAL, GUILD, running_bot, settings_for

SWEEP_SECONDS = 3600
NEXT_YEAR = datetime.now(UTC).year + 1
IN_90_DAYS = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()


@pytest.fixture
async def slow_sweep_bot(double: DiscordDouble, db_url: str) -> AsyncIterator[Roadie]:
    async with running_bot(settings_for(double, db_url, sweep_seconds=SWEEP_SECONDS)) as b:
        yield b
    assert double.rejections == [], f"the double refused payloads: {double.rejections}"


async def pending(bot: Roadie) -> dict[int, datetime]:
    async with bot.sessionmaker() as s:
        rows = await s.execute(select(Nudge.id, Nudge.due_at).where(Nudge.status == "pending"))
        return {i: d for i, d in rows.all()}


async def forget_wake(bot: Roadie) -> None:
    """Test-only: drop the planned wake-up (as if nothing were pending), leaving just the sweep."""
    d = bot.dispatcher
    await d.drain()
    d._wake_at = None
    if d._scheduler is not None and d._scheduler.get_job(WAKE_JOB) is not None:
        d._scheduler.remove_job(WAKE_JOB)
    assert d.planned_wake is None


async def assert_wakes(bot: Roadie, command: str, run: Callable[[], Awaitable[InteractionResult]]) -> None:
    await forget_wake(bot)
    before = await pending(bot)
    res = await run()
    await res.wait_final()
    assert not (res.content or "").startswith(("⚠️", "🚫")), f"/{command} failed: {res.content}"
    await bot.dispatcher.drain()  # a re-read of the earliest due time runs as a background task
    changed = {i: d for i, d in (await pending(bot)).items() if before.get(i) != d}
    assert changed, f"/{command} planned no nudge"
    wake = bot.dispatcher.planned_wake
    assert wake is not None, f"/{command} left its nudges to the {SWEEP_SECONDS} s sweep"
    assert wake <= min(changed.values()), (command, wake, min(changed.values()))


async def test_every_scheduling_command_wakes_the_dispatcher(double: DiscordDouble, slow_sweep_bot: Roadie) -> None:
    bot = slow_sweep_bot

    def cmd(name: str, options: dict) -> Callable[[], Awaitable[InteractionResult]]:
        return lambda: double.invoke(GUILD, GENERAL, ANA, name, options)

    show = {"date": f"{NEXT_YEAR}-04-03", "city": "Berlin", "venue": "Huxleys"}
    csv = f"date,city,venue\n{NEXT_YEAR}-05-01,Oslo,Sentrum\n".encode()
    steps = [
        ("goal add", cmd("goal add", {"title": "Sell out Huxleys", "due": f"{NEXT_YEAR}-06-01"})),
        ("goal edit", cmd("goal edit", {"goal": "#1", "due": f"{NEXT_YEAR}-05-01"})),
        ("remind add", cmd("remind add", {"when": "in 3 days", "text": "book the van"})),
        ("tour add", cmd("tour add", show)),
        ("tour edit", cmd("tour edit", {"show": "#1", "date": f"{NEXT_YEAR}-04-02"})),
        ("tour import", cmd("tour import", {"file": {"filename": "more.csv", "content": csv}})),
        ("release add", cmd("release add", {"title": "Night Drive", "date": IN_90_DAYS})),
        ("release move", cmd("release move", {"release": "#1", "date": "in 100 days"})),
        ("release task-add", cmd("release task-add", {"release": "#1", "title": "Radio plugger", "due": "20"})),
        ("checkin schedule", cmd("checkin schedule", {"day": 0, "time": "10:00"})),
        ("settings timezone", cmd("settings timezone", {"tz": "Asia/Tokyo"})),
    ]
    for name, run in steps:
        await assert_wakes(bot, name, run)


async def test_a_reminder_arrives_without_the_sweep(double: DiscordDouble, slow_sweep_bot: Roadie) -> None:
    await forget_wake(slow_sweep_bot)
    res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 2 seconds", "text": "doors open"})
    assert res.content.startswith("⏰ Reminder #1 set for")
    msg = await double.wait_for_message(channel_id=GENERAL, predicate=lambda m: "doors open" in m["content"], timeout=8)
    assert msg["content"] == f"⏰ <@{ANA}> reminder #1: doors open"
