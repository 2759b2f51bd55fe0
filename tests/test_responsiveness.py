"""The slow-first-response guard (bot.responsiveness)."""

from __future__ import annotations

import logging

import pytest

from bot.responsiveness import DISCORD_EPOCH_MS, ResponseWatch, interaction_name


def snowflake_at(unix_seconds: float) -> int:
    return (int(unix_seconds * 1000) - DISCORD_EPOCH_MS) << 22


def test_names_of_interactions() -> None:
    sub = {"name": "remind", "options": [{"type": 1, "name": "add", "options": [{"type": 3, "name": "when"}]}]}
    assert interaction_name(sub, 2) == "/remind add"
    assert interaction_name(sub, 4) == "autocomplete /remind add"
    group = {"name": "x", "options": [{"type": 2, "name": "y", "options": [{"type": 1, "name": "z"}]}]}
    assert interaction_name(group, 2) == "/x y z"
    assert interaction_name({"custom_id": "roadie:page:goals:2"}, 3) == "component roadie:page:goals:2"
    assert interaction_name({"custom_id": "roadie:checkin"}, 5) == "modal roadie:checkin"


def test_a_first_response_over_1_5_s_is_logged_at_warning_with_the_command(caplog: pytest.LogCaptureFixture) -> None:
    now = 1_800_000_000.0
    watch = ResponseWatch(clock=lambda: now)
    fast, slow = snowflake_at(now - 0.4), snowflake_at(now - 1.8)
    watch.received(fast, "/settings show")
    watch.received(slow, "/checkin schedule")
    with caplog.at_level(logging.INFO, logger="roadie.slow"):
        assert watch.responded(fast) == pytest.approx(0.4, abs=0.01)
        assert watch.responded(slow) == pytest.approx(1.8, abs=0.01)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "WARNING",
            "slow first response: /checkin schedule answered 1.80 s after it was created "
            "(over 1.5 s; Discord's window is 3 s)",
        )
    ]
    assert watch.slow == 1
