"""Check-ins on a real SQLite file: weekly rules across DST, permissions, follow-ups, digests."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import Checkin, Nudge
from bot.features import nudge_button, nudge_kinds
from bot.scheduling.dispatcher import NudgeDispatcher
from bot.services import checkins as svc
from bot.services import goals, settings, tours
from bot.services.errors import Forbidden, InvalidInput
from bot.services.permissions import Actor, set_role
from bot.timeparse import format_local
from bot.uow import UnitOfWork
from tests.services.test_reminders_and_delivery import Clock, Recorder, deliver

KINDS = nudge_kinds()  # the nudge kinds wired in bot/features.py

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1 = 111
MANAGER_ROLE, ARTIST_ROLE = 9001, 9002
ADMIN = Actor(1, frozenset(), manage_guild=True)
MANAGER = Actor(2, frozenset({MANAGER_ROLE}))
ARTIST = Actor(3, frozenset({ARTIST_ROLE}))
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def weekly(zone: ZoneInfo, start: datetime, n: int, weekday: int = 0, at: time = time(10)) -> list[str]:
    out, t = [], start
    for _ in range(n):
        t = svc.next_occurrence(weekday, at, zone, t)
        out.append(f"{format_local(t, zone)} = {t:%H:%M}Z")
    return out


def test_weekly_rule_keeps_local_time_across_dst_berlin() -> None:
    spring = weekly(BERLIN, datetime(2027, 3, 15, tzinfo=UTC), 3)
    assert spring == [
        "Mon 15 Mar 2027 10:00 = 09:00Z",
        "Mon 22 Mar 2027 10:00 = 09:00Z",
        "Mon 29 Mar 2027 10:00 = 08:00Z",
    ]  # DST began Sun 28 Mar
    autumn = weekly(BERLIN, datetime(2027, 10, 18, tzinfo=UTC), 3)
    assert autumn == [
        "Mon 18 Oct 2027 10:00 = 08:00Z",
        "Mon 25 Oct 2027 10:00 = 08:00Z",
        "Mon 1 Nov 2027 10:00 = 09:00Z",
    ]  # DST ended Sun 31 Oct


def test_weekly_rule_keeps_local_time_across_dst_new_york() -> None:
    spring = weekly(NEW_YORK, datetime(2027, 3, 8, tzinfo=UTC), 2)
    assert spring == ["Mon 8 Mar 2027 10:00 = 15:00Z", "Mon 15 Mar 2027 10:00 = 14:00Z"]  # DST began 14 Mar
    autumn = weekly(NEW_YORK, datetime(2027, 11, 1, tzinfo=UTC), 2)
    assert autumn == ["Mon 1 Nov 2027 10:00 = 14:00Z", "Mon 8 Nov 2027 10:00 = 15:00Z"]  # DST ended 7 Nov


async def _roles(session) -> None:  # type: ignore[no-untyped-def]
    await set_role(session, G1, "manager", MANAGER_ROLE, actor=ADMIN)
    await set_role(session, G1, "artist", ARTIST_ROLE, actor=ADMIN)


async def test_only_managers_schedule_and_artists_cannot_unschedule(session) -> None:
    await _roles(session)
    with pytest.raises(Forbidden) as err:
        await svc.add_schedule(session, G1, weekday=0, time_text="10:00", channel_id=50, actor=ARTIST, now=NOW)
    assert str(err.value) == (
        "Only managers can schedule check-ins. Ask someone with the manager role (see `/settings show`)."
    )
    _sched, first = await svc.add_schedule(
        session, G1, weekday=0, time_text="10:00", channel_id=50, actor=MANAGER, now=NOW, role_id=ARTIST_ROLE
    )
    assert first == datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # next Monday 10:00 (server zone: UTC)
    with pytest.raises(Forbidden) as err:
        await svc.remove_schedule(session, G1, "#1", actor=ARTIST, now=NOW)
    assert str(err.value) == "Only the people it belongs to, or a manager, can change check-in schedule #1."
    other_manager = Actor(4, frozenset({MANAGER_ROLE}))
    removed = await svc.remove_schedule(session, G1, "#1", actor=other_manager, now=NOW)
    assert removed.deleted_at == NOW
    assert (await session.scalars(select(Nudge).where(Nudge.status == "pending"))).all() == []
    with pytest.raises(InvalidInput):
        await svc.add_schedule(session, G1, weekday=0, time_text="25:00", channel_id=50, actor=MANAGER, now=NOW)


async def test_prompt_then_followup_only_to_those_who_did_not_answer(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await _roles(s)
        await svc.set_team_member(s, G1, 30, True, actor=MANAGER, now=NOW)
        await svc.set_team_member(s, G1, 31, True, actor=MANAGER, now=NOW)
        await svc.set_team_member(s, G1, 32, True, actor=MANAGER, now=NOW)
        await svc.set_team_member(s, G1, 32, False, actor=MANAGER, now=NOW)  # removed again
        await svc.add_schedule(
            s, G1, weekday=0, time_text="10:00", channel_id=50, actor=MANAGER, now=NOW, role_id=ARTIST_ROLE
        )
    rec, clock = Recorder(), Clock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    await deliver(d)
    [prompt] = rec.sent
    assert prompt.content.startswith(f"📝 <@&{ARTIST_ROLE}> Time for the weekly check-in!")
    assert (prompt.mention_role_ids, prompt.mention_user_ids) == ((ARTIST_ROLE,), ())
    assert nudge_button(prompt.button).custom_id.startswith("roadie:checkin:open:")
    async with UnitOfWork(sessionmaker) as s:  # 30 answers; 31 doesn't; 33 (not on the team before) answers too
        for who in (30, 33):
            await svc.post_checkin(
                s,
                G1,
                author_id=who,
                wins="Finished the mix",
                next_steps="Master it",
                channel_id=50,
                now=clock.t + timedelta(hours=2),
            )
    clock.t += timedelta(hours=24)
    await deliver(d)
    followup = rec.sent[1]
    assert followup.mention_user_ids == (31,)
    assert followup.content.startswith("⏰ <@31> friendly nudge: the check-in from <t:")
    clock.t += timedelta(hours=1)
    await deliver(d)
    assert len(rec.sent) == 2  # one reminder only


async def test_downtime_catches_up_once_then_follows_the_rule(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await settings.set_timezone(s, G1, "Europe/Berlin", can_manage=True)
        await s.commit()
        await svc.add_schedule(s, G1, weekday=0, time_text="10:00", channel_id=50, actor=ADMIN, now=NOW)
    rec = Recorder()
    # down for three weeks: back on Wed 23 Dec
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=Clock(datetime(2026, 12, 23, 12, 0, tzinfo=UTC)))
    await deliver(d)
    assert len([o for o in rec.sent if "weekly check-in" in o.content]) == 1
    assert rec.sent[0].late
    async with UnitOfWork(sessionmaker) as s:
        nxt = await s.scalar(select(Nudge.due_at).where(Nudge.kind == svc.KIND_PROMPT, Nudge.status == "pending"))
    assert format_local(nxt, BERLIN) == "Mon 28 Dec 2026 10:00"


async def test_digest_embed_sections_fit_discord_with_lots_of_everything(session) -> None:
    for i in range(40):
        await goals.add_goal(
            session, G1, title=f"Goal {i} " + "g" * 150, author_id=1, channel_id=50, now=NOW, target="10k"
        )
        await goals.record_progress(session, G1, f"#{i + 1}", "4k", author_id=1, now=NOW)
    for i in range(200):
        session.add(
            Checkin(
                guild_id=G1,
                author_id=1000 + i % 37,
                wins=f"Win {i} " + "w" * 900,
                next_steps="n" * 900,
                blockers="b" * 900,
                channel_id=50,
                created_at=NOW - timedelta(hours=i % 150),
                pulse=1,
            )
        )
    cfg = await settings.get_config(session, G1)
    for i in range(60):
        f = tours.parse_fields(
            cfg,
            NOW.date(),
            date_text=(NOW.date() + timedelta(days=1 + i % 6)).isoformat(),
            city=f"City {i}",
            venue="V" * 140,
        )
        await tours.add_show(session, G1, f, author_id=1, channel_id=50, now=NOW)
    await session.commit()
    d = await svc.build_digest(session, G1, days=7, now=NOW)
    e = svc.digest_embed(d, ZoneInfo("UTC"))
    assert svc.embed_size(e) <= 6000
    assert e["title"] == "🗞️ Check-in digest · Mon 23 Nov 2026 – Mon 30 Nov 2026"
    fields = {f["name"]: f["value"] for f in e["fields"]}
    assert list(fields) == ["📝 Check-ins: 200 from 37 people", "🎯 Goals moved: 40", "🎫 Shows, next 7 days: 60"]
    for name, value in fields.items():
        assert len(value) <= 1024, name
        last = value.split("\n")[-1]
        assert last.startswith("+") and last.endswith(" more"), name
    shown = len(fields["📝 Check-ins: 200 from 37 people"].split("\n")) - 1
    assert fields["📝 Check-ins: 200 from 37 people"].endswith(f"\n+{200 - shown} more")
    assert "pulse" not in str(e).lower()  # the private pulse is never in a digest
    with pytest.raises(InvalidInput):
        await svc.build_digest(session, G1, days=0, now=NOW)


async def test_digest_promo_follow_ups_and_deal_dates_only_for_a_managers_private_digest(sessionmaker) -> None:
    from bot.services import deals, promo, releases

    async with UnitOfWork(sessionmaker) as s:
        await settings.set_timezone(s, G1, "Europe/Berlin", can_manage=True)
        await set_role(s, G1, "manager", MANAGER_ROLE, actor=ADMIN)
        await releases.add_release(
            s, G1, title="Night Drive", date_text="2027-04-02", author_id=1, channel_id=50, now=NOW
        )
        await promo.set_follow_up_days(s, G1, 3, actor=ADMIN)
        for name in ("Radio X", "Loud Blog"):
            await promo.add_outlet(
                s, G1, promo.parse_outlet_fields(name=name, kind="radio"), author_id=1, now=NOW, actor=ADMIN
            )
        await promo.add_pitch(
            s, G1, "#1", "#1", date_text=None, note=None, author_id=1, channel_id=50, now=NOW, actor=ADMIN
        )
        await promo.add_pitch(
            s,
            G1,
            "#1",
            "#2",
            date_text=None,
            note=None,
            author_id=1,
            channel_id=50,
            now=NOW - timedelta(days=20),
            actor=ADMIN,
        )
        for title in ("Sync licence", "Old offer"):
            await deals.add_deal(s, G1, title=title, kind="sync", counterparty="Netflix", actor=ADMIN, now=NOW)
        await deals.set_date(s, G1, "#1", "offer-expires", "2026-12-04", actor=ADMIN, now=NOW)
        await deals.set_date(s, G1, "#2", "offer-expires", "2026-12-03", actor=ADMIN, now=NOW)
        await deals.set_date(s, G1, "#1", "other", "2026-12-20", label="Renewal talk", actor=ADMIN, now=NOW)
        await deals.set_status(s, G1, "#2", "declined", actor=ADMIN, now=NOW, note="no")
    async with UnitOfWork(sessionmaker) as s:
        public = await svc.build_digest(s, G1, days=7, now=NOW)
        artist = await svc.build_digest(s, G1, days=7, now=NOW, private_for=ARTIST)
        manager = await svc.build_digest(s, G1, days=7, now=NOW, private_for=MANAGER)
    assert public.deal_dates is None and artist.deal_dates is None
    tz = ZoneInfo("Europe/Berlin")
    e = {f["name"]: f["value"] for f in svc.digest_embed(public, tz)["fields"]}
    t1, t2 = int((NOW - timedelta(days=20) + timedelta(days=3)).timestamp()), int((NOW + timedelta(days=3)).timestamp())
    assert e["📣 Promo follow-ups due: 2"] == (
        f"<t:{t1}:d> · Night Drive: #2 Loud Blog (radio) · follow up\n"
        f"<t:{t2}:d> · Night Drive: #1 Radio X (radio) · follow up"
    )
    assert not any("Deal" in k for k in e) and "Netflix" not in str(e)
    assert svc.digest_embed(artist, tz) == svc.digest_embed(public, tz)
    m = {f["name"]: f["value"] for f in svc.digest_embed(manager, tz)["fields"]}
    # the declined deal's date and the date after the horizon are left out
    assert m["🤝 Deal dates, next 7 days (only you see this): 1"] == (
        "Fri 4 Dec 2026 · Deal #1 Sync licence (Netflix): offer expires"
    )


async def test_checkin_validation(session) -> None:
    with pytest.raises(InvalidInput) as err:
        await svc.post_checkin(session, G1, author_id=1, wins="  ", next_steps="x", channel_id=1, now=NOW)
    assert str(err.value) == "Wins can't be empty."
    with pytest.raises(InvalidInput) as err:
        await svc.post_checkin(
            session, G1, author_id=1, wins="x", next_steps="y", link="javascript:alert(1)", channel_id=1, now=NOW
        )
    assert str(err.value) == "The link must start with `https://` or `http://` (or leave it empty)."
    assert (await session.scalars(select(Checkin))).all() == []


async def test_a_retried_prompt_does_not_plan_the_next_one_twice(sessionmaker) -> None:
    from bot.scheduling.dispatcher import DeliveryError

    async with UnitOfWork(sessionmaker) as s:
        await svc.add_schedule(s, G1, weekday=0, time_text="10:00", channel_id=50, actor=ADMIN, now=NOW)
    rec, clock = Recorder(), Clock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    d = NudgeDispatcher(sessionmaker, rec, kinds=KINDS, clock=clock)
    rec.fail = DeliveryError("HTTP 429", permanent=False)
    await deliver(d)
    clock.t += timedelta(seconds=5)
    await deliver(d)
    rec.fail = None
    clock.t += timedelta(seconds=10)
    await deliver(d)
    assert len(rec.sent) == 1
    async with UnitOfWork(sessionmaker) as s:
        pending = sorted(n.kind for n in await s.scalars(select(Nudge).where(Nudge.status == "pending")))
    assert pending == [svc.KIND_FOLLOWUP, svc.KIND_PROMPT]


async def test_same_schedule_twice_is_refused(session) -> None:
    await svc.add_schedule(session, G1, weekday=6, time_text="7pm", channel_id=50, actor=ADMIN, now=NOW)
    with pytest.raises(InvalidInput) as err:
        await svc.add_schedule(session, G1, weekday=6, time_text="19:00", channel_id=50, actor=ADMIN, now=NOW)
    assert str(err.value) == "Schedule #1 already posts a prompt there every Sunday at 19:00."
    with pytest.raises(InvalidInput) as err:
        await svc.add_schedule(session, G1, weekday=6, time_text="7", channel_id=50, actor=ADMIN, now=NOW)
    assert str(err.value) == "Time `7` is not a time. Use HH:MM in the server's time zone, e.g. `19:30`."


async def test_time_zone_change_moves_prompts_and_release_nudges(sessionmaker) -> None:
    from bot.services import releases as rel

    async with UnitOfWork(sessionmaker) as s:
        await svc.add_schedule(s, G1, weekday=0, time_text="10:00", channel_id=50, actor=ADMIN, now=NOW)
        await rel.add_release(s, G1, title="Night Drive", date_text="2027-04-02", author_id=5, channel_id=50, now=NOW)
        await settings.set_timezone(s, G1, "Pacific/Honolulu", can_manage=True)
        assert await svc.replan_guild(s, G1, NOW) == 1
        assert await rel.replan_guild(s, G1, NOW) == 1
        await s.commit()
        prompt = await s.scalar(select(Nudge.due_at).where(Nudge.kind == svc.KIND_PROMPT, Nudge.status == "pending"))
        task_times = {
            format_local(n.due_at, ZoneInfo("Pacific/Honolulu"))[-5:]
            for n in await s.scalars(select(Nudge).where(Nudge.kind == rel.KIND_TASK, Nudge.status == "pending"))
        }
    assert format_local(prompt, ZoneInfo("Pacific/Honolulu")) == "Mon 30 Nov 2026 10:00"  # it is 03:00 there
    assert task_times == {"09:00"}
