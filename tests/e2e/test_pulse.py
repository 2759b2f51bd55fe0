"""The wellbeing pulse end to end: never in the public check-in, one manager nudge for 2 then 1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, DANA, ELI, GENERAL, GUILD, MANAGER_ROLE, OTHER, make_double_with_roles

LABEL = "How are you holding up? (1-5)"


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    d = make_double_with_roles()
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


async def checkin(double: DiscordDouble, user: int, value: str):  # type: ignore[no-untyped-def]
    opened = await double.invoke(GUILD, GENERAL, user, "checkin post", {})
    assert LABEL in str(opened.modal)
    return await double.submit_modal(opened, {"Wins": "Gig went fine", "Next steps": "Rest", LABEL: value}, user)


def assert_no_pulse(res) -> None:  # type: ignore[no-untyped-def]
    """The public post is exactly the check-in: wins and next steps, author and time; no pulse anywhere."""
    [e] = res.embeds
    assert [(f["name"], f["value"]) for f in e["fields"]] == [("🏆 Wins", "Gig went fine"), ("➡️ Next steps", "Rest")]
    assert e["title"] == "📝 Check-in" and e["description"].startswith(f"from <@{ELI}> · <t:")
    assert e["description"].endswith(":f>") and e["description"].count(" · ") == 1
    assert not res.ephemeral and (res.content or "") == ""
    assert "holding up" not in str(res.message).lower() and "pulse" not in str(res.message).lower()


async def test_pulse_2_then_1_gives_one_private_manager_nudge(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, ANA, "settings business-channel", {"channel": OTHER})
    assert not res.content.startswith(("⚠️", "🚫")), res.content
    await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "manager", "role": MANAGER_ROLE})
    res = await checkin(double, ELI, "2")
    assert_no_pulse(res)
    await double.wait_until(lambda: len(res.followups) == 1, what="the private note")
    assert res.followups[0]["ephemeral"]
    assert res.followups[0]["content"].startswith("🫶 Your pulse (2/5) is saved privately")
    res = await checkin(double, ELI, "1")
    assert_no_pulse(res)
    nudge = await double.wait_for_message(channel_id=OTHER, timeout=8)
    assert nudge["content"].startswith(f"🫶 <@&{MANAGER_ROLE}> Wellbeing check: <@{ELI}>'s two latest check-ins")
    assert "Gig went fine" not in nudge["content"]
    assert double.pings(nudge) == {"everyone": False, "users": set(), "roles": {MANAGER_ROLE}}
    await checkin(double, ELI, "1")  # same low streak: no second nudge
    res = await double.invoke(GUILD, GENERAL, ELI, "checkin pulse", {})
    assert res.ephemeral and res.content.startswith("🫶 Your pulse, last 8 weeks: `▂▁▁` (latest 1/5, 3 answer(s))")
    res = await double.invoke(GUILD, GENERAL, BEN, "checkin pulse", {"member": ELI})
    assert res.ephemeral and res.content.startswith("🚫 Only managers can see another member's pulse.")
    res = await double.invoke(GUILD, GENERAL, DANA, "checkin pulse", {"member": ELI})
    assert res.ephemeral and res.content.startswith(f"🫶 <@{ELI}>'s pulse, last 8 weeks: `▂▁▁`")
    assert len(double.channel_messages(OTHER)) == 1


async def test_no_business_channel_next_manager_sees_an_ephemeral_notice_once(
    double: DiscordDouble, bot: Roadie
) -> None:
    res = await checkin(double, ELI, "11")
    await double.wait_until(lambda: len(res.followups) == 1, what="the private note")
    assert res.followups[0]["ephemeral"] and "wasn't a whole number from 1 to 5" in res.followups[0]["content"]
    assert res.embeds[0]["title"] == "📝 Check-in"  # the check-in itself is kept
    await checkin(double, ELI, "2")
    await checkin(double, ELI, "1")
    res = await double.invoke(GUILD, GENERAL, BEN, "checkin schedules", {})  # not a manager: nothing
    res = await double.invoke(GUILD, GENERAL, ANA, "checkin schedules", {})
    await double.wait_until(lambda: len(res.followups) == 1, what="the manager notice")
    notice = res.followups[0]
    assert notice["ephemeral"] and notice["content"].startswith(
        f"🫶 Wellbeing check (only managers see this): the two latest check-ins of <@{ELI}> rated"
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "checkin schedules", {})
    assert res.followups == []
