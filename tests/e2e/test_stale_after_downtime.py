"""Back after days down: the real bot skips what no longer makes sense, says so in its start-up
log, and posts only what still does (late)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade
from bot.db.models import Nudge
from bot.services import reminders, tours
from bot.services.clock import utcnow
from bot.uow import UnitOfWork
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, GENERAL, GUILD, running_bot, settings_for

BRISBANE = ZoneInfo("Australia/Brisbane")


async def test_show_nudges_of_a_show_played_while_down_are_skipped(double: DiscordDouble, db_url: str, caplog) -> None:  # type: ignore[no-untyped-def]
    await upgrade(db_url)
    engine = create_engine(db_url)
    now = utcnow()
    show_day = (now - timedelta(days=3)).astimezone(BRISBANE).date()  # played three days ago
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as s:
            f = tours.ShowFields(date=show_day, city="Brisbane", venue="The Tivoli", timezone="Australia/Brisbane")
            # added ten days ago: nudges planned the day before at 18:00 and on the day at 09:00 (Brisbane)
            await tours.add_show(s, GUILD, f, author_id=ANA, channel_id=GENERAL, now=now - timedelta(days=10))
            # and a reminder that fell due while Roadie was down: still worth sending, late
            await reminders.add_reminder(
                s,
                GUILD,
                text="Pay the van hire",
                when="in 1 minute",
                channel_id=GENERAL,
                author_id=ANA,
                now=now - timedelta(days=3),
            )
    finally:
        await engine.dispose()
    caplog.set_level(logging.INFO, logger="bot.scheduling.dispatcher")
    async with running_bot(settings_for(double, db_url)) as bot:
        [late] = await double.wait_until(
            lambda: [m for m in double.channel_messages(GENERAL) if m["author"].get("bot")],
            timeout=10,
            what="the reminder",
        )
        await asyncio.sleep(0.5)
        await bot.dispatcher.drain()
        async with bot.uow() as s:
            rows = [(n.kind, n.status, n.skip_reason) for n in await s.scalars(select(Nudge).order_by(Nudge.due_at))]
    # only the reminder goes out (late); no "Tomorrow, …: Brisbane", no "Show day" for a show already played
    assert [m["content"].splitlines()[-1] for m in double.channel_messages(GENERAL) if m["author"].get("bot")] == [
        f"⏰ <@{ANA}> reminder #1: Pay the van hire"
    ]
    assert late["content"].startswith("⏰ **Late** (was due <t:")
    assert sorted(rows) == [
        ("reminder", "sent", None),
        ("show_day", "skipped", "show #1 was over"),
        ("show_eve", "skipped", "the day before show #1 had passed"),
    ]
    assert "start-up: skipped 2 stale nudge(s) that no longer make sense (show_day: 1, show_eve: 1)" in caplog.messages
