"""What users read, pinned: times in a second zone carry their date, sentences read right."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.db.models import CheckinSchedule, Goal, Show
from bot.services import checkins
from bot.ui.goals import goal_line
from bot.ui.tours import day_sheet

NY = ZoneInfo("America/New_York")


def _tokyo_show() -> Show:
    return Show(
        number=1,
        date=date(2027, 3, 26),
        city="Tokyo",
        venue="Zepp Haneda",
        timezone="Asia/Tokyo",
        load_in=time(12, 0),
        doors=time(18, 0),
        status="confirmed",
    )


def test_a_tokyo_load_in_shows_its_date_to_new_york() -> None:
    """12:00 in Tokyo is 23:00 the day before in New York: the reader's timestamp carries the date."""
    fields = {f.name: f.value for f in day_sheet(_tokyo_show()).fields}
    load_in = int(datetime(2027, 3, 26, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo")).timestamp())
    assert fields["Schedule"].splitlines()[0] == f"Load-in: **12:00** · <t:{load_in}:f>"  # f: date and time
    assert datetime.fromtimestamp(load_in, NY) == datetime(2027, 3, 25, 23, 0, tzinfo=NY)


def test_goal_without_progress_reads_0_of_target() -> None:
    g = Goal(number=4, title="Sell out Metro", target=575.0, current=0.0, metric="tickets", owner_id=7, status="open")
    assert goal_line(g, ZoneInfo("UTC")) == "`#4` **Sell out Metro** · 0 of 575 tickets · <@7>"
    g.current = 230.0
    assert goal_line(g, ZoneInfo("UTC")) == "`#4` **Sell out Metro** · 230 of 575 tickets (40%) · <@7>"


def test_schedule_reads_every_monday_at() -> None:
    s = CheckinSchedule(weekday=0, local_time=time(10, 0), kind="prompt")
    assert f"{s.kind} {checkins.describe(s)}" == "prompt every Monday at 10:00"


def test_no_time_of_day_alone_in_the_readers_zone() -> None:
    """``<t:…:t>``/``<t:…:T>`` show a time without its date in the reader's zone: never used."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in [*root.joinpath("bot").rglob("*.py"), *root.joinpath("cogs").rglob("*.py")]:
        text = path.read_text()
        assert ":t>" not in text and ":T>" not in text, path
        assert not re.search(r"""\bts\([^()]*(?:\([^()]*\))?[^()]*,\s*['"][tT]['"]\s*\)""", text), path
