"""The note given with /goal progress is shown: in the goal's history and in /checkin digest."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import GoalProgress
from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, GENERAL, GUILD


async def test_progress_notes_show_in_history_and_digest(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(
        GUILD, GENERAL, ANA, "goal add", {"title": "Sell out Metro", "metric": "tickets", "target": "575"}
    )
    await double.invoke(GUILD, GENERAL, ANA, "goal progress", {"goal": "#1", "value": "120", "note": "presale *day*"})
    res = await double.invoke(
        GUILD, GENERAL, ANA, "goal progress", {"goal": "#1", "value": "230", "note": "after the radio spot"}
    )
    async with bot.uow() as s:
        first, second = (await s.scalars(select(GoalProgress).order_by(GoalProgress.id))).all()
    day = lambda p: f"<t:{int(p.created_at.timestamp())}:d>"  # noqa: E731
    fields = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}
    assert fields["Target"].startswith("230 of 575 tickets\n")
    assert fields["History"] == (
        f"{day(second)} **230** · after the radio spot\n{day(first)} **120** · presale \\*day\\*"
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "checkin digest", {})
    digest = {f["name"]: f["value"] for f in res.embeds[0]["fields"]}  # #18's digest embed, a section per topic
    assert digest["🎯 Goals moved: 1"].splitlines() == [
        "📈 #1 Sell out Metro: 2 update(s)",
        f"› #1 230: “after the radio spot” (<@{ANA}>, {day(second)})",
        f"› #1 120: “presale \\*day\\*” (<@{ANA}>, {day(first)})",
    ]
