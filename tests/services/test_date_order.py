"""The date order: the server's explicit choice, or else its time zone's usual order."""

from __future__ import annotations

import pytest

from bot.db.models import GuildSettings
from bot.services import settings


@pytest.mark.parametrize(
    ("zone", "order"),
    [
        ("America/New_York", "month-first"),
        ("America/Los_Angeles", "month-first"),
        ("America/Phoenix", "month-first"),
        ("Pacific/Honolulu", "month-first"),
        ("America/Indiana/Indianapolis", "month-first"),
        ("America/Puerto_Rico", "month-first"),
        ("US/Eastern", "month-first"),
        ("America/Toronto", "day-first"),
        ("America/Mexico_City", "day-first"),
        ("Europe/London", "day-first"),
        ("Australia/Brisbane", "day-first"),
        ("UTC", "day-first"),
    ],
)
def test_default_order_by_zone(zone: str, order: str) -> None:
    assert settings.default_date_order(zone) == order


async def test_only_date_order_records_a_choice(session) -> None:
    cfg = await settings.set_timezone(session, 1, "America/New_York", can_manage=True)
    await session.commit()
    assert (cfg.date_order, cfg.date_order_chosen) == ("month-first", False)
    row = await session.get(GuildSettings, 1)
    assert row is not None and row.date_order is None  # saving the zone stored no order nobody chose
    cfg = await settings.set_date_order(session, 1, "day-first", can_manage=True)
    await session.commit()
    assert (cfg.date_order, cfg.date_order_chosen) == ("day-first", True)
    cfg = await settings.set_timezone(session, 1, "America/Chicago", can_manage=True)
    assert (cfg.date_order, cfg.date_order_chosen) == ("day-first", True)  # never silently flipped
