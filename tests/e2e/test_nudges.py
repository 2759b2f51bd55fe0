"""Nudges end to end: on time, once, across restarts, kill -9, 429s and gateway reconnects."""

from __future__ import annotations

import asyncio

from bot.features import nudge_kinds
from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, GENERAL, GUILD, OTHER, BotProcess, running_bot, settings_for, write_config

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py


def nudges_in(double: DiscordDouble, channel: int) -> list[dict]:
    return [m for m in double.channel_messages(channel) if m.get("interaction_id") is None]


async def test_reminder_due_in_seconds_arrives_once_pinging_only_its_author(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(
        GUILD, GENERAL, ANA, "remind add", {"when": "in 2 seconds", "text": "Load-in @everyone", "channel": OTHER}
    )
    assert res.content.startswith("⏰ Reminder #1 set for")
    msg = await double.wait_for_message(channel_id=OTHER, timeout=6)
    assert msg["content"] == f"⏰ <@{ANA}> reminder #1: Load-in @everyone"
    assert double.pings(msg) == {"everyone": False, "users": {ANA}, "roles": set()}
    await asyncio.sleep(1.5)
    assert len(nudges_in(double, OTHER)) == 1
    res = await double.invoke(GUILD, GENERAL, ANA, "remind list", {})
    assert res.embeds[0]["description"] == "No pending reminders. Add one with `/remind add`."


async def test_reminder_is_never_early_and_not_marked_late(double: DiscordDouble, bot: Roadie) -> None:
    """Lateness is measured in bench/ (no timing targets in tests); here: not before its time."""
    from datetime import datetime

    from sqlalchemy import select

    from bot.db.models import Reminder

    await double.invoke(GUILD, GENERAL, BEN, "remind add", {"when": "in 2 seconds", "text": "soundcheck"})
    msg = await double.wait_for_message(channel_id=GENERAL, predicate=lambda m: "soundcheck" in m["content"], timeout=8)
    assert msg["content"] == f"⏰ <@{BEN}> reminder #1: soundcheck"  # no "Late" banner
    async with bot.sessionmaker() as s:
        due = (await s.scalar(select(Reminder))).due_at
    assert datetime.fromisoformat(msg["timestamp"]) >= due


async def test_cancelled_reminder_never_arrives(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 2 seconds", "text": "nope"})
    choices = await double.autocomplete(GUILD, GENERAL, ANA, "remind cancel", {"reminder": "no"}, focused="reminder")
    assert choices == [{"name": "#1 · nope", "value": "#1"}]
    res = await double.invoke(GUILD, GENERAL, ANA, "remind cancel", {"reminder": "#1"})
    assert res.content == "🛑 Reminder #1 cancelled:\n> nope"
    await asyncio.sleep(3)
    assert nudges_in(double, GENERAL) == []


async def test_reminder_survives_a_restart(double: DiscordDouble, db_url: str) -> None:
    settings = settings_for(double, db_url)
    async with running_bot(settings):
        await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 3 seconds", "text": "after restart"})
    assert nudges_in(double, GENERAL) == []
    writes = len(double.command_writes)
    async with running_bot(settings):
        msg = await double.wait_for_message(channel_id=GENERAL, timeout=8)
        assert msg["content"] == f"⏰ <@{ANA}> reminder #1: after restart"
        await asyncio.sleep(1)
    assert len(nudges_in(double, GENERAL)) == 1
    assert len(double.command_writes) == writes  # unchanged tree: no re-sync on restart
    assert double.rejections == []


async def test_nudge_due_while_down_goes_out_once_saying_late(double: DiscordDouble, db_url: str) -> None:
    settings = settings_for(double, db_url)
    async with running_bot(settings):
        await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 1 second", "text": "while down"})
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    # the bot stopped before it was due; come back after it fell due and past the 60 s late mark
    from datetime import timedelta

    from sqlalchemy import update

    from bot.db.engine import create_engine
    from bot.db.models import Nudge

    eng = create_engine(db_url)
    async with eng.begin() as conn:  # age the row instead of sleeping a minute
        from bot.services.clock import utcnow

        await conn.execute(update(Nudge).values(due_at=utcnow() - timedelta(minutes=5)))
    await eng.dispose()
    async with running_bot(settings):  # start-up delivery may happen before READY
        [msg] = await double.wait_until(lambda: nudges_in(double, GENERAL), timeout=8, what="the late nudge")
        await asyncio.sleep(1)
    assert msg["content"].startswith("⏰ **Late** (was due <t:")
    assert msg["content"].endswith(f"Roadie was offline)\n⏰ <@{ANA}> reminder #1: while down")
    assert len(nudges_in(double, GENERAL)) == 1


async def test_429_delays_but_never_drops_or_doubles(double: DiscordDouble, bot: Roadie) -> None:
    double.rate_limit("POST", rf"/channels/{GENERAL}/messages", count=2, retry_after=0.4)
    await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 1 second", "text": "rate limited"})
    msg = await double.wait_for_message(channel_id=GENERAL, timeout=8)
    assert msg["content"] == f"⏰ <@{ANA}> reminder #1: rate limited"
    await asyncio.sleep(1)
    assert len(nudges_in(double, GENERAL)) == 1


async def test_reconnect_does_not_start_a_second_scheduler(double: DiscordDouble, bot: Roadie) -> None:
    scheduler = bot.dispatcher._scheduler
    double.invalidate_session()
    await double.drop_gateway()
    await double.wait_until(lambda: double.identify_count >= 2, timeout=10, what="a second IDENTIFY/READY")
    await double.wait_connected(timeout=10)
    assert bot.dispatcher._scheduler is scheduler
    await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 1 second", "text": "once"})
    await double.wait_for_message(channel_id=GENERAL, timeout=6)
    await asyncio.sleep(1.5)
    assert [m["content"] for m in nudges_in(double, GENERAL)] == [f"⏰ <@{ANA}> reminder #1: once"]


async def test_kill_9_then_restart_delivers_exactly_once(double: DiscordDouble, db_url: str, tmp_path) -> None:
    cfg = write_config(tmp_path / "config.toml", double, db_url, [GUILD])
    proc = BotProcess(cfg, tmp_path)
    await proc.start()
    try:
        await double.wait_until(lambda: double.connected, timeout=30, what="bot process connected")
        await double.wait_until(lambda: GUILD in double.commands_guild, timeout=10, what="commands synced")
        res = await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 4 seconds", "text": "kill -9"})
        assert res.content.startswith("⏰ Reminder #1 set for")
        await proc.kill9()
        await proc.start()
        [msg] = await double.wait_until(lambda: nudges_in(double, GENERAL), timeout=20, what="the nudge")
        assert msg["content"].endswith(f"⏰ <@{ANA}> reminder #1: kill -9")
        await asyncio.sleep(1.5)
        assert len(nudges_in(double, GENERAL)) == 1
        assert await proc.terminate() == 0
    finally:
        if proc.proc and proc.proc.returncode is None:
            await proc.kill9()
    assert "test-token" not in proc.log.read_text()


async def test_goal_due_nudge_pings_only_the_owner_in_the_nudge_channel(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, ANA, "settings channel", {"channel": OTHER})
    assert res.content == f"✅ Nudges will go to <#{OTHER}>."
    res = await double.invoke(
        GUILD,
        GENERAL,
        ANA,
        "goal add",
        {"title": "Finish the masters @here", "due": "in 2 seconds", "owner": BEN, "target": "12", "metric": "tracks"},
    )
    assert [f["value"] for f in res.embeds[0]["fields"] if f["name"] == "Owner"] == [f"<@{BEN}>"]
    await double.invoke(GUILD, GENERAL, ANA, "goal add", {"title": "Done before due", "due": "in 2 seconds"})
    await double.invoke(GUILD, GENERAL, ANA, "goal done", {"goal": "#2"})
    [msg] = await double.wait_until(lambda: nudges_in(double, OTHER), timeout=8, what="the goal nudge")
    lines = msg["content"].split("\n")
    assert lines[0].startswith(f"🎯 <@{BEN}> goal **#1 Finish the masters @here** is due today: <t:")
    assert lines[1:] == [
        "Progress: 0 of 12 tracks",
        "Update it with `/goal progress goal:#1` or `/goal done goal:#1`.",
    ]
    assert double.pings(msg) == {"everyone": False, "users": {BEN}, "roles": set()}
    await asyncio.sleep(1.5)
    assert len(nudges_in(double, OTHER)) == 1 and nudges_in(double, GENERAL) == []


async def test_crash_between_send_and_mark_sent_does_not_double(double: DiscordDouble, db_url: str) -> None:
    """The message reached Discord but the process died before recording it: the resend at start-up
    carries the same nonce, so Discord returns the existing message instead of posting again."""
    from datetime import timedelta

    from sqlalchemy import select

    from bot.db.models import Nudge
    from bot.services import nudges, reminders
    from bot.services.clock import utcnow
    from bot.uow import UnitOfWork

    settings = settings_for(double, db_url)
    async with running_bot(settings) as bot:
        async with UnitOfWork(bot.sessionmaker) as s:  # no waker: nothing else may claim it meanwhile
            await reminders.add_reminder(
                s,
                GUILD,
                text="crash window",
                when="in 1 hour",
                channel_id=GENERAL,
                author_id=ANA,
                now=utcnow() - timedelta(hours=1, seconds=1),
            )
            nid = await s.scalar(select(Nudge.id))
            out = await nudges.claim(s, nid, utcnow(), kinds=KINDS)  # claimed...
        assert out is not None
        await bot.send_nudge(out)  # ...sent, and then the process "dies" before mark_sent
    assert len(nudges_in(double, GENERAL)) == 1
    async with running_bot(settings) as bot:
        await double.wait_until(lambda: bot.dispatcher.delivered == 1, timeout=8, what="the resend")
        async with bot.sessionmaker() as s:
            row = await s.get(Nudge, nid)
            assert (row.status, row.message_id) == ("sent", int(nudges_in(double, GENERAL)[0]["id"]))
    assert [m["content"] for m in nudges_in(double, GENERAL)] == [f"⏰ <@{ANA}> reminder #1: crash window"]
