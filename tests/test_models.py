"""The model conventions: numbered guild items share their columns, statuses are StrEnums, one soft-delete rule."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.db.models import (
    Base,
    CheckinSchedule,
    Deal,
    Goal,
    GoalStatus,
    NudgeStatus,
    NumberedItem,
    Outlet,
    Pitch,
    Release,
    Reminder,
    Show,
    SoftDelete,
    Song,
    StudioSession,
)

NOW = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)


def test_numbered_items_share_their_columns() -> None:
    numbered = {m.class_ for m in Base.registry.mappers if issubclass(m.class_, NumberedItem)}
    assert numbered == {Goal, Reminder, Show, Release, CheckinSchedule, StudioSession, Outlet, Pitch, Deal}
    for model in numbered:
        cols = set(model.__table__.columns.keys())
        assert {"id", "guild_id", "number", "search_key", "author_id", "created_at"} <= cols, model
        assert any(
            {"guild_id", "number"} == {c.name for c in uc.columns}
            for uc in model.__table__.constraints
            if uc.__class__.__name__ == "UniqueConstraint"
        ), model


def test_one_soft_delete_rule() -> None:
    soft = {m.class_ for m in Base.registry.mappers if issubclass(m.class_, SoftDelete)}
    assert soft == {Goal, Show, Release, CheckinSchedule, Song, Outlet, Deal}
    for model in soft:
        assert str(model.visible()) == f"{model.__tablename__}.deleted_at IS NULL"
    g = Goal(status=GoalStatus.OPEN)
    assert not g.is_deleted
    g.soft_delete(NOW)
    assert (g.is_deleted, g.deleted_at, g.status) == (True, NOW, "deleted")


def test_statuses_are_their_stored_strings() -> None:
    assert NudgeStatus.PENDING == "pending" and f"{NudgeStatus.FAILED}" == "failed"
    assert [s.value for s in NudgeStatus] == ["pending", "sending", "sent", "cancelled", "failed", "skipped"]
