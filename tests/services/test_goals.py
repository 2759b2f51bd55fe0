"""Goals on a real migrated SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Goal, GoalProgress, Nudge
from bot.services import goals, settings
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.timeparse import format_local

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1, G2 = 111, 222
BERLIN = ZoneInfo("Europe/Berlin")


async def add(session, guild=G1, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("title", "10k monthly listeners")
    return await goals.add_goal(session, guild, author_id=5, channel_id=50, now=NOW, **kw)


async def nudge_times(session, goal, tz=BERLIN):  # type: ignore[no-untyped-def]
    return [format_local(t, tz) for t in await goals.pending_nudges(session, goal)]


async def test_add_goal_with_target_and_due_plans_three_nudges(session) -> None:
    await settings.set_timezone(session, G1, "europe/berlin", can_manage=True)
    await session.commit()
    g = await add(session, due="2027-06-01", metric="monthly listeners", target="10k")
    assert (g.number, g.target, g.current, g.metric, g.owner_id) == (1, 10000.0, 0.0, "monthly listeners", 5)
    assert format_local(g.due_at, BERLIN) == "Tue 1 Jun 2027 09:00"
    assert await nudge_times(session, g) == ["Tue 25 May 2027 09:00", "Mon 31 May 2027 09:00", "Tue 1 Jun 2027 09:00"]
    assert goals.describe_target(g) == "0 of 10,000 monthly listeners"
    assert goals.progress_summary(g) == "0 of 10,000 monthly listeners"  # not "0% of 0 / 10,000"


async def test_nudges_at_given_time_and_skip_past(session) -> None:
    g = await add(session, due="2026-12-03 18:00")  # UTC server; 7-days-before is in the past
    assert await nudge_times(session, g, ZoneInfo("UTC")) == ["Wed 2 Dec 2026 18:00", "Thu 3 Dec 2026 18:00"]


async def test_goal_nudges_keep_wall_time_across_dst(session) -> None:
    await settings.set_timezone(session, G1, "America/New_York", can_manage=True)
    await session.commit()
    g = await add(session, due="2027-03-16")  # NY springs forward on 14 March 2027
    ny = ZoneInfo("America/New_York")
    assert await nudge_times(session, g, ny) == [
        "Tue 9 Mar 2027 09:00",
        "Mon 15 Mar 2027 09:00",
        "Tue 16 Mar 2027 09:00",
    ]
    utc_hours = [t.hour for t in await goals.pending_nudges(session, g)]
    assert utc_hours == [14, 13, 13]


async def test_numbers_are_per_guild_and_isolated(session) -> None:
    a = await add(session, G1, title="Sell out the Roundhouse")
    b = await add(session, G2, title="Sign a booking agent")
    c = await add(session, G1, title="Release the EP")
    assert (a.number, b.number, c.number) == (1, 1, 2)
    assert [g.title for g in await goals.list_goals(session, G2, "all")] == ["Sign a booking agent"]
    with pytest.raises(NotFound) as err:
        await goals.get_goal(session, G2, "#2")
    assert str(err.value) == "There is no goal #2 in this server. See `/goal list`."
    with pytest.raises(NotFound):
        await goals.get_goal(session, G2, "Roundhouse")
    assert (await goals.get_goal(session, G1, "roundhouse")).number == 1
    assert [v for _, v in await goals.autocomplete(session, G2, "")] == ["#1"]
    with pytest.raises(NotFound):
        await goals.delete_goal(session, G2, a.id, now=NOW)  # another guild's id


async def test_bad_input_stores_nothing(session) -> None:
    cases = [
        ({"due": "when pigs fly"}, "Couldn't read `when pigs fly`"),
        ({"due": "2020-01-01"}, "which has already passed"),
        ({"target": "-5"}, "Target must be a positive number"),
        ({"target": "0"}, "Target must be a positive number"),
        ({"target": "lots"}, "Target must be a positive number"),
        ({"metric": "streams"}, "A metric needs a target"),
        ({"title": "   "}, "Title can't be empty."),
        ({"title": "x" * 201}, "Title is 201 characters; keep it to 200."),
    ]
    for kw, msg in cases:
        with pytest.raises(InvalidInput) as err:
            await add(session, **kw)
        assert msg in str(err.value)
    assert (await session.scalars(select(Goal))).all() == []
    assert (await session.scalars(select(Nudge))).all() == []


async def test_progress_done_and_delete(session) -> None:
    g = await add(session, target="10k", metric="listeners", due="2027-06-01")
    res = await goals.record_progress(session, G1, "#1", "4.2k", author_id=7, now=NOW, note="after pitch")
    assert (res.goal.current, res.reached_target) == (4200.0, False)
    assert goals.describe_target(res.goal) == "4,200 of 10,000 listeners"
    assert goals.progress_summary(res.goal) == "4,200 of 10,000 listeners (42%)"
    res = await goals.record_progress(session, G1, "10k monthly", "12,000", author_id=7, now=NOW)
    assert res.reached_target is True
    assert goals.progress_fraction(res.goal) == 1.0
    with pytest.raises(InvalidInput):
        await goals.record_progress(session, G1, "#1", "-3", author_id=7, now=NOW)
    done = await goals.complete_goal(session, G1, "#1", now=NOW)
    assert done.status == "done"
    assert await goals.pending_nudges(session, g) == []
    with pytest.raises(InvalidInput):
        await goals.complete_goal(session, G1, "#1", now=NOW)
    await goals.delete_goal(session, G1, g.id, now=NOW)
    assert len((await session.scalars(select(GoalProgress))).all()) == 2  # kept, hidden
    assert await goals.list_goals(session, G1, "all") == []
    assert await goals.autocomplete(session, G1, "") == []
    with pytest.raises(NotFound):
        await goals.get_goal(session, G1, "#1")
    with pytest.raises(NotFound):
        await goals.delete_goal(session, G1, g.id, now=NOW)
    again = await add(session, title="Next goal")
    assert again.number == 2  # a deleted goal's number is never reused


async def test_progress_needs_a_target(session) -> None:
    await add(session)
    with pytest.raises(InvalidInput) as err:
        await goals.record_progress(session, G1, "#1", "5", author_id=1, now=NOW)
    assert "has no target" in str(err.value)


async def test_edit_due_moves_nudges(session) -> None:
    g = await add(session, due="2027-06-01")
    g = await goals.edit_goal(session, G1, "#1", now=NOW, due="2027-07-01 20:00")
    utc = ZoneInfo("UTC")
    assert await nudge_times(session, g, utc) == [
        "Thu 24 Jun 2027 20:00",
        "Wed 30 Jun 2027 20:00",
        "Thu 1 Jul 2027 20:00",
    ]
    cancelled = (await session.scalars(select(Nudge).where(Nudge.status == "cancelled"))).all()
    assert len(cancelled) == 3


async def test_timezone_change_moves_dateonly_goals(session) -> None:
    g = await add(session, due="2027-06-01")
    await settings.set_timezone(session, G1, "Asia/Tokyo", can_manage=True)
    await goals.replan_dateonly_goals(session, G1, "UTC", NOW)
    tokyo = ZoneInfo("Asia/Tokyo")
    await session.refresh(g)
    assert format_local(g.due_at, tokyo) == "Tue 1 Jun 2027 09:00"
    assert (await nudge_times(session, g, tokyo))[-1] == "Tue 1 Jun 2027 09:00"


async def test_settings_need_manage_server(session) -> None:
    with pytest.raises(Forbidden):
        await settings.set_timezone(session, G1, "Europe/Berlin", can_manage=False)
    with pytest.raises(InvalidInput) as err:
        await settings.set_timezone(session, G1, "Mars/Olympus", can_manage=True)
    assert "is not an IANA time zone" in str(err.value)
    cfg = await settings.get_config(session, G1)
    assert (cfg.timezone, cfg.date_order, cfg.nudge_channel_id) == ("UTC", "day-first", None)


async def test_autocomplete_limits(session) -> None:
    for i in range(30):
        await add(session, title=f"Goal {i} " + "x" * 150)
    pairs = await goals.autocomplete(session, G1, "goal")
    assert len(pairs) == 25
    assert all(1 <= len(n) <= 100 and len(v) <= 100 for n, v in pairs)


async def test_refs_numbers_titles_and_any_script(session) -> None:
    await add(session, title="Play Glastonbury")  # 1
    await add(session, title="1 million streams")  # 2
    await add(session, title="Ümlaut Tour")  # 3
    await add(session, title="ÜMLAUT TOUR extra dates")  # 4
    assert (await goals.get_goal(session, G1, "1 million streams")).number == 2
    assert (await goals.get_goal(session, G1, "1")).number == 1
    assert (await goals.get_goal(session, G1, " #3 ")).number == 3
    assert (await goals.get_goal(session, G1, "ümlaut tour")).number == 3  # exact beats partial
    assert (await goals.get_goal(session, G1, "EXTRA")).number == 4
    with pytest.raises(InvalidInput) as err:
        await goals.get_goal(session, G1, "ümlaut")
    assert str(err.value) == ("`ümlaut` matches several goals (#3, #4). Pick one from the list or type its #number.")
    with pytest.raises(InvalidInput):
        await goals.get_goal(session, G1, "   ")
    with pytest.raises(NotFound) as err:
        await goals.get_goal(session, G1, "#99999999999999999999")
    assert str(err.value).startswith("No goal matches")
    assert [v for _, v in await goals.autocomplete(session, G1, "ümlaut")] == ["#4", "#3"]
    assert await goals.autocomplete(session, G1, "²") == []
    assert await goals.autocomplete(session, G1, "9" * 20) == []
    assert [v for _, v in await goals.autocomplete(session, G1, "%")] == []
    assert [v for _, v in await goals.autocomplete(session, G1, "#2")] == ["#2"]


async def test_edit_metric_keeps_a_tiny_target(session) -> None:
    await add(session, title="Tiny", target="0.5")
    g = await goals.edit_goal(session, G1, "#1", now=NOW, metric="streams")
    assert (g.metric, g.target) == ("streams", 0.5)
