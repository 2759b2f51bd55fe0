"""Snooze end to end: a double click schedules one snooze that arrives once; bystanders are
refused; the buttons still work after a restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

from bot.db.models import Nudge, NudgeSnooze
from bot.services import snooze
from bot.services.clock import utcnow
from bot.uow import record_scheduled
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, GENERAL, GUILD, running_bot, settings_for


def nudges_in(double: DiscordDouble, channel: int) -> list[dict]:
    return [m for m in double.channel_messages(channel) if m.get("interaction_id") is None]


def snooze_ids(msg: dict) -> dict[str, str]:
    return {c["label"]: c["custom_id"] for row in msg["components"] for c in row["components"]}


async def test_double_click_snoozes_once_bystander_refused_and_after_restart(
    double: DiscordDouble, db_url: str
) -> None:
    settings = settings_for(double, db_url)
    async with running_bot(settings) as bot:
        await double.invoke(GUILD, GENERAL, ANA, "remind add", {"when": "in 1 second", "text": "call the venue"})
        msg = await double.wait_for_message(channel_id=GENERAL, timeout=8)
        async with bot.sessionmaker() as s:
            first = await s.scalar(select(Nudge).where(Nudge.kind == "reminder"))
        ids = snooze_ids(msg)
        assert ids == {
            "1 h": f"roadie:snooze:1h:{first.id}",
            "Tomorrow 09:00": f"roadie:snooze:tomorrow:{first.id}",
            "Next week": f"roadie:snooze:week:{first.id}",
        }
        refused = await double.click(msg, ids["1 h"], BEN)  # not pinged, not a manager
        assert refused.ephemeral and refused.content == (
            "🚫 Only the people this message pinged, or a manager, can snooze it."
        )
        clicked_at = utcnow()
        a, b = await asyncio.gather(double.click(msg, ids["1 h"], ANA), double.click(msg, ids["1 h"], ANA))
        assert a.ephemeral and b.ephemeral
        texts = sorted([a.content, b.content])
        assert texts[0].startswith("💤 Already snoozed until <t:") and texts[1].startswith(
            "💤 Snoozed this nudge until"
        )
        assert texts[0].split("until ")[1].split(":")[1] == texts[1].split("until ")[1].split(":")[1]  # same time
        async with bot.sessionmaker() as s:
            rows = list(await s.scalars(select(NudgeSnooze)))
            new = list(await s.scalars(select(Nudge).where(Nudge.kind == snooze.KIND)))
        assert len(rows) == 1 and len(new) == 1
        assert timedelta(minutes=59) < new[0].due_at - clicked_at < timedelta(minutes=61)
    # after a restart: the same buttons answer (the repeat is told the time already chosen)
    async with running_bot(settings) as bot:
        again = await double.click(msg, ids["Next week"], ANA)
        assert again.ephemeral and again.content.startswith("💤 Already snoozed until <t:")
        async with bot.uow() as s:  # the chosen time comes: make it now instead of waiting an hour
            await s.execute(update(Nudge).where(Nudge.kind == snooze.KIND).values(due_at=utcnow()))
            record_scheduled(s, None)
        await double.wait_until(lambda: len(nudges_in(double, GENERAL)) == 2, timeout=8, what="the snoozed nudge")
        await asyncio.sleep(1)
        snoozed = nudges_in(double, GENERAL)[1]
        assert snoozed["content"].startswith("⏰ Snoozed since <t:")
        assert snoozed["content"].endswith(f"\n⏰ <@{ANA}> reminder #1: call the venue")
        assert double.pings(snoozed) == {"everyone": False, "users": {ANA}, "roles": set()}
        # the snoozed copy can itself be snoozed (it is a new nudge), and works like the first
        ids2 = snooze_ids(snoozed)
        res = await double.click(snoozed, ids2["Tomorrow 09:00"], ANA)
        assert res.content.startswith("💤 Snoozed this nudge until <t:")
    assert len(nudges_in(double, GENERAL)) == 2  # each arrived once
    assert double.rejections == []
