"""Nudge storms against the rate-limited double: grouped per channel and second, no 429s, no doubles."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import func, select

from bot.db.models import Nudge, Reminder
from bot.roadie import Roadie
from bot.services import reminders
from bot.services.clock import utcnow
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, GENERAL, GUILD


def nudges_in(double: DiscordDouble, channel: int) -> list[dict]:
    return [m for m in double.channel_messages(channel) if m.get("interaction_id") is None]


async def add_due_together(bot: Roadie, n: int, *, lead: float = 2.0) -> list[str]:
    """``n`` reminders (texts of 100 characters) due at the same whole second, ``lead`` s from now."""
    now = utcnow()
    due = now.replace(microsecond=0) + timedelta(seconds=math.ceil(lead) + 1)
    filler = "Check the rider, the load-in time and the merch float for tonight's show, then call the venue. " * 2
    texts = [f"{i:03d} {filler}"[:100] for i in range(n)]
    async with bot.uow() as s:
        for i, text in enumerate(texts):
            author = ANA if i % 2 else BEN
            await reminders.add_reminder(
                s,
                GUILD,
                text=text,
                when=due.strftime("%Y-%m-%d %H:%M:%S"),
                channel_id=GENERAL,
                author_id=author,
                now=now,
            )
    assert all(len(t) == 100 for t in texts)
    return texts


async def delivered_rows(bot: Roadie) -> list[Nudge]:
    await bot.dispatcher.drain()  # the sends' mark-sent commits
    async with bot.sessionmaker() as s:
        return list((await s.scalars(select(Nudge).order_by(Nudge.id))).all())


async def test_forty_reminders_due_in_one_second_arrive_in_at_most_two_messages(
    double: DiscordDouble, bot: Roadie
) -> None:
    texts = await add_due_together(bot, 40)
    await double.wait_until(
        lambda: (
            sum(len(m["embeds"]) for m in nudges_in(double, GENERAL)) > 0
            and all(
                t in "".join(e["description"] for m in nudges_in(double, GENERAL) for e in m["embeds"]) for t in texts
            )
        ),
        timeout=15,
        what="all 40 reminders in the channel",
    )
    msgs = nudges_in(double, GENERAL)
    assert 1 <= len(msgs) <= 2
    listed = "\n".join(e["description"] for m in msgs for e in m["embeds"])
    for i, t in enumerate(texts):
        assert listed.count(t) == 1, t  # each reminder listed exactly once
        assert f"reminder #{i + 1}: {t}" in listed
    for m in msgs:  # one ping per person, in the content; mentions in embeds never ping
        assert m["content"].startswith("🔔 ") and m["content"].count(f"<@{ANA}>") == 1
        assert double.pings(m) == {"everyone": False, "users": {ANA, BEN}, "roles": set()}
        assert len(m["content"]) <= 2000 and len(m["embeds"]) <= 10
    rows = await delivered_rows(bot)
    assert len(rows) == 40 and {r.status for r in rows} == {"sent"}
    assert {r.message_id for r in rows} == {int(m["id"]) for m in msgs}  # every row: its message's id
    assert double.ratelimit.served_count == 0 and double.ratelimit.invalid == 0
    async with bot.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Reminder).where(Reminder.status == "sent")) == 40


async def test_a_429_storm_delays_every_nudge_but_none_is_lost_or_doubled(double: DiscordDouble, bot: Roadie) -> None:
    texts = await add_due_together(bot, 12, lead=1.0)
    double.ratelimit.storm(6.0, retry_after=1.5)
    await double.wait_until(
        lambda: all(t in str([m["embeds"] for m in nudges_in(double, GENERAL)]) for t in texts),
        timeout=40,
        what="every reminder delivered after the storm",
    )
    listed = "\n".join(e["description"] for m in nudges_in(double, GENERAL) for e in m["embeds"])
    assert all(listed.count(t) == 1 for t in texts)
    rows = await delivered_rows(bot)
    assert {r.status for r in rows} == {"sent"} and len(rows) == 12
    assert 0 < double.ratelimit.served_count < 20, double.ratelimit.served
    assert double.ratelimit.invalid == double.ratelimit.served_count
