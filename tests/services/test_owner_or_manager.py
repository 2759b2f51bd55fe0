"""Owner-or-manager rule in every feature's services, on a real SQLite file.

Managers (the mapped manager role, or Manage Server) may change anyone's goals, reminders, shows
and releases; everyone else only their own. Each action runs in its own session, as an interaction
does; "nothing changes" is checked both in that session (nothing dirty when Forbidden is raised)
and in a fresh one (the stored rows and their nudges).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.db.models import Goal, GoalProgress, Nudge, Release, Reminder, Show
from bot.services import goals, permissions, releases, reminders, settings, tours
from bot.services.errors import Forbidden
from bot.services.permissions import Actor
from bot.uow import UnitOfWork

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1, G2 = 111, 222
MANAGER_ROLE, ARTIST_ROLE = 900, 901
AUTHOR, GOAL_OWNER, TASK_OWNER = 5, 9, 10

ACTORS = {
    "author": Actor(AUTHOR, frozenset({ARTIST_ROLE})),
    "goal owner": Actor(GOAL_OWNER, frozenset({ARTIST_ROLE})),
    "task owner": Actor(TASK_OWNER, frozenset({ARTIST_ROLE})),
    "artist": Actor(6, frozenset({ARTIST_ROLE})),
    "manager role": Actor(7, frozenset({MANAGER_ROLE, ARTIST_ROLE})),
    "manage server": Actor(8, frozenset(), manage_guild=True),
}
ARTIST = ACTORS["artist"]

Action = Callable[[AsyncSession, Actor], Awaitable[Any]]
Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
async def roles(sessionmaker: Maker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        admin = Actor(1, manage_guild=True)
        await permissions.set_role(s, G1, "manager", MANAGER_ROLE, actor=admin)
        await permissions.set_role(s, G1, "artist", ARTIST_ROLE, actor=admin)


async def act(sessionmaker: Maker, action: Action, actor: Actor) -> Any:
    async with UnitOfWork(sessionmaker) as s:
        return await action(s, actor)


async def refused(sessionmaker: Maker, action: Action, actor: Actor) -> str:
    """Run ``action`` as ``actor``, expecting Forbidden before anything was changed; its message."""
    async with UnitOfWork(sessionmaker) as s:
        with pytest.raises(Forbidden) as err:
            await action(s, actor)
        assert not (s.dirty or s.new or s.deleted)
    return str(err.value)


async def pending_nudges(s: AsyncSession, kinds: tuple[str, ...]) -> int:
    return (
        await s.scalar(select(func.count()).select_from(Nudge).where(Nudge.kind.in_(kinds), Nudge.status == "pending"))
        or 0
    )


# ---------------------------------------------------------------- goals

GOAL_ACTIONS: dict[str, Action] = {
    "edit": lambda s, a: goals.edit_goal(s, G1, "#1", now=NOW, title="Changed", actor=a),
    "progress": lambda s, a: goals.record_progress(s, G1, "#1", "5k", author_id=a.user_id, now=NOW, actor=a),
    "done": lambda s, a: goals.complete_goal(s, G1, "#1", now=NOW, actor=a),
    "delete": lambda s, a: goals.delete_goal(s, G1, 1, now=NOW, actor=a),
}


@pytest.fixture
async def goal(sessionmaker: Maker, roles: None) -> Goal:
    async with UnitOfWork(sessionmaker) as s:
        g = await goals.add_goal(
            s,
            G1,
            title="Sell out the Roundhouse",
            author_id=AUTHOR,
            owner_id=GOAL_OWNER,
            channel_id=50,
            now=NOW,
            due="2027-06-01",
            metric="tickets",
            target="3000",
        )
    assert g.id == 1
    return g


async def goal_state(sessionmaker: Maker) -> tuple:
    async with UnitOfWork(sessionmaker) as s:
        g = await s.get_one(Goal, 1)
        progress = await s.scalar(select(func.count()).select_from(GoalProgress)) or 0
        return g.title, g.status, g.current, progress, await pending_nudges(s, (goals.KIND,))


@pytest.mark.parametrize("op", GOAL_ACTIONS)
async def test_artist_cannot_change_someone_elses_goal(sessionmaker: Maker, goal: Goal, op: str) -> None:
    before = await goal_state(sessionmaker)
    assert before == ("Sell out the Roundhouse", "open", 0.0, 0, 3)
    msg = await refused(sessionmaker, GOAL_ACTIONS[op], ARTIST)
    assert msg == "Only the people it belongs to, or a manager, can change goal #1."
    assert await goal_state(sessionmaker) == before


@pytest.mark.parametrize("who", ["author", "goal owner", "manager role", "manage server"])
@pytest.mark.parametrize("op", GOAL_ACTIONS)
async def test_goal_owner_author_and_managers_can_change_it(sessionmaker: Maker, goal: Goal, op: str, who: str) -> None:
    await act(sessionmaker, GOAL_ACTIONS[op], ACTORS[who])
    title, status, current, progress, nudges_left = await goal_state(sessionmaker)
    expected = {
        "edit": ("Changed", "open", 0.0, 0, 3),
        "progress": ("Sell out the Roundhouse", "open", 5000.0, 1, 3),
        "done": ("Sell out the Roundhouse", "done", 0.0, 0, 0),
        "delete": ("Sell out the Roundhouse", "deleted", 0.0, 0, 0),
    }[op]
    assert (title, status, current, progress, nudges_left) == expected


async def test_manager_role_counts_only_where_it_is_mapped(sessionmaker: Maker, roles: None) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await goals.add_goal(s, G2, title="Other band's goal", author_id=AUTHOR, channel_id=50, now=NOW)
    msg = await refused(
        sessionmaker, lambda s, a: goals.complete_goal(s, G2, "#1", now=NOW, actor=a), ACTORS["manager role"]
    )
    assert msg == "Only the people it belongs to, or a manager, can change goal #1."


async def test_trusted_caller_without_actor_is_allowed(sessionmaker: Maker, goal: Goal) -> None:
    async with UnitOfWork(sessionmaker) as s:
        g = await goals.complete_goal(s, G1, "#1", now=NOW)
    assert g.status == "done"


# ---------------------------------------------------------------- reminders


def cancel_reminder(s: AsyncSession, a: Actor) -> Awaitable[Reminder]:
    return reminders.cancel_reminder(s, G1, "#1", actor=a)


async def reminder_state(sessionmaker: Maker) -> tuple:
    async with UnitOfWork(sessionmaker) as s:
        r = await s.get_one(Reminder, 1)
        return r.status, await pending_nudges(s, (reminders.KIND,))


@pytest.fixture
async def reminder(sessionmaker: Maker, roles: None) -> Reminder:
    async with UnitOfWork(sessionmaker) as s:
        return await reminders.add_reminder(
            s, G1, text="Send the stems", when="2026-12-05 10:00", channel_id=50, author_id=AUTHOR, now=NOW
        )


async def test_artist_cannot_cancel_someone_elses_reminder(sessionmaker: Maker, reminder: Reminder) -> None:
    assert await reminder_state(sessionmaker) == ("pending", 1)
    msg = await refused(sessionmaker, cancel_reminder, ARTIST)
    assert msg == "Only the people it belongs to, or a manager, can change reminder #1."
    assert await reminder_state(sessionmaker) == ("pending", 1)


@pytest.mark.parametrize("who", ["author", "manager role", "manage server"])
async def test_reminder_author_and_managers_can_cancel_it(sessionmaker: Maker, reminder: Reminder, who: str) -> None:
    await act(sessionmaker, cancel_reminder, ACTORS[who])
    assert await reminder_state(sessionmaker) == ("cancelled", 0)


# ---------------------------------------------------------------- tours


async def _edit_show(s: AsyncSession, a: Actor) -> Show:
    cfg = await settings.get_config(s, G1)
    f = tours.parse_fields(cfg, NOW.date(), doors="19:00")
    return await tours.edit_show(s, G1, "#1", f, now=NOW, actor=a)


SHOW_ACTIONS: dict[str, Action] = {
    "edit": _edit_show,
    "cancel": lambda s, a: tours.cancel_show(s, G1, "#1", now=NOW, actor=a),
    "delete": lambda s, a: tours.delete_show(s, G1, 1, now=NOW, actor=a),
}


@pytest.fixture
async def show(sessionmaker: Maker, roles: None) -> Show:
    async with UnitOfWork(sessionmaker) as s:
        cfg = await settings.get_config(s, G1)
        f = tours.parse_fields(cfg, NOW.date(), date_text="2027-04-03", city="Berlin", venue="Huxleys")
        sh = await tours.add_show(s, G1, f, author_id=AUTHOR, channel_id=50, now=NOW)
    assert sh.id == 1
    return sh


async def show_state(sessionmaker: Maker) -> tuple:
    async with UnitOfWork(sessionmaker) as s:
        sh = await s.get_one(Show, 1)
        return (
            sh.doors.strftime("%H:%M") if sh.doors else None,
            sh.status,
            sh.deleted_at is not None,
            await pending_nudges(s, (tours.KIND_EVE, tours.KIND_DAY)),
        )


@pytest.mark.parametrize("op", SHOW_ACTIONS)
async def test_artist_cannot_change_someone_elses_show(sessionmaker: Maker, show: Show, op: str) -> None:
    before = await show_state(sessionmaker)
    assert before == (None, "confirmed", False, 2)
    msg = await refused(sessionmaker, SHOW_ACTIONS[op], ARTIST)
    assert msg == "Only the people it belongs to, or a manager, can change show #1."
    assert await show_state(sessionmaker) == before


@pytest.mark.parametrize("who", ["author", "manager role", "manage server"])
@pytest.mark.parametrize("op", SHOW_ACTIONS)
async def test_show_author_and_managers_can_change_it(sessionmaker: Maker, show: Show, op: str, who: str) -> None:
    await act(sessionmaker, SHOW_ACTIONS[op], ACTORS[who])
    assert (
        await show_state(sessionmaker)
        == {
            "edit": ("19:00", "confirmed", False, 2),
            "cancel": (None, "cancelled", False, 0),
            "delete": (None, "confirmed", True, 0),
        }[op]
    )


# ---------------------------------------------------------------- releases

RELEASE_ACTIONS: dict[str, Action] = {
    "move": lambda s, a: releases.move_release(s, G1, "#1", "2027-05-07", now=NOW, actor=a),
    "delete": lambda s, a: releases.delete_release(s, G1, 1, now=NOW, actor=a),
    "task-add": lambda s, a: releases.add_task(s, G1, "#1", title="Order vinyl", due="30", now=NOW, actor=a),
    "tick": lambda s, a: releases.tick(s, G1, "#1", "#1", actor_id=a.user_id, now=NOW, actor=a),
}


@pytest.fixture
async def release(sessionmaker: Maker, roles: None) -> Release:
    async with UnitOfWork(sessionmaker) as s:
        r, _ = await releases.add_release(
            s, G1, title="Night Drive", date_text="2027-04-02", author_id=AUTHOR, channel_id=50, now=NOW
        )
        n = len(r.tasks)
        # the author gives TASK_OWNER a task of their own (the last one)
        await releases.add_task(
            s, G1, "#1", title="Book the release show", due="7", now=NOW, owner_id=TASK_OWNER, actor=ACTORS["author"]
        )
    assert (r.id, n) == (1, 16)
    return r


async def release_state(sessionmaker: Maker) -> tuple:
    async with UnitOfWork(sessionmaker) as s:
        r = await s.scalar(select(Release).where(Release.id == 1))
        assert r is not None
        tasks = await r.awaitable_attrs.tasks
        ticked = sorted(t.position for t in tasks if t.done_at is not None)
        return (
            r.release_date.isoformat(),
            r.deleted_at is not None,
            len(tasks),
            ticked,
            await pending_nudges(s, (releases.KIND_TASK, releases.KIND_DIGEST)),
        )


@pytest.mark.parametrize("op", RELEASE_ACTIONS)
async def test_artist_cannot_change_someone_elses_release(sessionmaker: Maker, release: Release, op: str) -> None:
    before = await release_state(sessionmaker)
    assert before[:4] == ("2027-04-02", False, 17, [])
    msg = await refused(sessionmaker, RELEASE_ACTIONS[op], ARTIST)
    what = "task #1 of release #1" if op == "tick" else "release #1"
    assert msg == f"Only the people it belongs to, or a manager, can change {what}."
    assert await release_state(sessionmaker) == before


@pytest.mark.parametrize("who", ["author", "manager role", "manage server"])
@pytest.mark.parametrize("op", RELEASE_ACTIONS)
async def test_release_author_and_managers_can_change_it(
    sessionmaker: Maker, release: Release, op: str, who: str
) -> None:
    await act(sessionmaker, RELEASE_ACTIONS[op], ACTORS[who])
    date_, deleted, n, ticked, _ = await release_state(sessionmaker)
    assert (date_, deleted, n, ticked) == {
        "move": ("2027-05-07", False, 17, []),
        "delete": ("2027-04-02", True, 17, []),
        "task-add": ("2027-04-02", False, 18, []),
        "tick": ("2027-04-02", False, 17, [1]),
    }[op]


async def test_task_owner_may_tick_their_own_task_only(sessionmaker: Maker, release: Release) -> None:
    owner = ACTORS["task owner"]
    await act(sessionmaker, lambda s, a: releases.tick(s, G1, "#1", "#17", actor_id=a.user_id, now=NOW, actor=a), owner)
    async with UnitOfWork(sessionmaker) as s:  # the checklist menu toggles by id: untick it again
        r = await releases.get_release(s, G1, "#1")
        task_id = next(t.id for t in r.tasks if t.position == 17)
    await act(
        sessionmaker,
        lambda s, a: releases.toggle(s, G1, 1, task_id, done=None, actor_id=a.user_id, now=NOW, actor=a),
        owner,
    )
    assert (await release_state(sessionmaker))[3] == []
    msg = await refused(sessionmaker, RELEASE_ACTIONS["tick"], owner)
    assert msg == "Only the people it belongs to, or a manager, can change task #1 of release #1."
    msg = await refused(sessionmaker, RELEASE_ACTIONS["move"], owner)
    assert msg == "Only the people it belongs to, or a manager, can change release #1."


async def test_toggle_from_the_menu_is_checked_too(sessionmaker: Maker, release: Release) -> None:
    async with UnitOfWork(sessionmaker) as s:
        r = await releases.get_release(s, G1, "#1")
        task_id = next(t.id for t in r.tasks if t.position == 2)
    before = await release_state(sessionmaker)
    msg = await refused(
        sessionmaker,
        lambda s, a: releases.toggle(s, G1, 1, task_id, done=None, actor_id=a.user_id, now=NOW, actor=a),
        ARTIST,
    )
    assert msg == "Only the people it belongs to, or a manager, can change task #2 of release #1."
    assert await release_state(sessionmaker) == before
