"""Reading dates people type, in the guild's zone, with a fixed 'now'."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.errors import InvalidInput
from bot.timeparse import format_local, parse_future, parse_when

BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Mon 30 Nov 2026 14:00 in Berlin


def p(text: str, tz: ZoneInfo = BERLIN, order: str = "day-first", now: datetime = NOW) -> str:
    w = parse_when(text, tz=tz, date_order=order, now=now)
    return f"{format_local(w.utc, tz)} {'T' if w.has_time else 'D'}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-14", "Sun 14 Mar 2027 09:00 D"),
        ("2027-03-14 20:00", "Sun 14 Mar 2027 20:00 T"),
        ("2027-03-14T20:00", "Sun 14 Mar 2027 20:00 T"),
        ("tomorrow 9am", "Tue 1 Dec 2026 09:00 T"),
        ("tomorrow", "Tue 1 Dec 2026 09:00 D"),
        ("in 3 days", "Thu 3 Dec 2026 14:00 T"),
        ("next friday 18:00", "Fri 4 Dec 2026 18:00 T"),
        ("in 10 seconds", "Mon 30 Nov 2026 14:00 T"),
        ("9am", "Tue 1 Dec 2026 09:00 T"),  # passed today -> tomorrow
        ("18:30", "Mon 30 Nov 2026 18:30 T"),  # still ahead today
        ("noon", "Tue 1 Dec 2026 12:00 T"),
        ("03/04/2027", "Sat 3 Apr 2027 09:00 D"),
        ("03/04/2027 20:15", "Sat 3 Apr 2027 20:15 T"),
        ("3.4.27", "Sat 3 Apr 2027 09:00 D"),
    ],
)
def test_reads_common_forms(text: str, expected: str) -> None:
    assert p(text) == expected


def test_month_first_reads_the_other_way() -> None:
    assert p("03/04/2027", order="month-first") == "Thu 4 Mar 2027 09:00 D"


def test_numeric_date_never_flips() -> None:
    with pytest.raises(InvalidInput) as err:
        p("13/04/2027", order="month-first")
    assert "has no month 13" in str(err.value)
    assert "month-first" in str(err.value)
    with pytest.raises(InvalidInput):
        p("31/02/2027")


def test_in_seconds_is_exact() -> None:
    w = parse_when("in 10 seconds", tz=BERLIN, date_order="day-first", now=NOW)
    assert (w.utc - NOW).total_seconds() == 10


def test_unreadable_says_what_to_type() -> None:
    with pytest.raises(InvalidInput) as err:
        p("when the moon is blue")
    assert str(err.value) == (
        "Couldn't read `when the moon is blue` as a date or time. Try e.g. "
        "`2027-03-14 20:00`, `tomorrow 9am`, `next friday 18:00` or `in 3 days`."
    )


def test_past_is_refused_with_what_was_understood() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_future("2026-11-29 10:00", tz=BERLIN, date_order="day-first", now=NOW)
    assert str(err.value).startswith(
        "`2026-11-29 10:00` is Sun 29 Nov 2026 10:00 (Europe/Berlin), which has already passed."
    )


def test_date_only_today_allowed_for_goals() -> None:
    w = parse_future("2026-11-30", tz=BERLIN, date_order="day-first", now=NOW, allow_today=True)
    assert w.local.date().isoformat() == "2026-11-30"
    with pytest.raises(InvalidInput):
        parse_future("2026-11-30", tz=BERLIN, date_order="day-first", now=NOW)


def test_bad_clock_values() -> None:
    with pytest.raises(InvalidInput):
        p("25:00")
    with pytest.raises(InvalidInput):
        p("13pm")


def test_dst_wall_time_kept() -> None:
    # New York springs forward on 14 Mar 2027: 09:00 local is 13:00 UTC after, 14:00 UTC before.
    before = parse_when("2027-03-13 09:00", tz=NY, date_order="month-first", now=NOW)
    after = parse_when("2027-03-15 09:00", tz=NY, date_order="month-first", now=NOW)
    assert before.utc.hour == 14
    assert after.utc.hour == 13


def test_format_is_unambiguous() -> None:
    assert format_local(datetime(2027, 4, 3, 8, 0, tzinfo=UTC), ZoneInfo("UTC")) == "Sat 3 Apr 2027 08:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 1.5 hours", "Mon 30 Nov 2026 15:30 T"),
        ("in 2 hours 30 minutes", "Mon 30 Nov 2026 16:30 T"),
        ("in an hour", "Mon 30 Nov 2026 15:00 T"),
        ("next friday 6:30pm", "Fri 4 Dec 2026 18:30 T"),
        ("tomorrow 12:15am", "Tue 1 Dec 2026 00:15 T"),
    ],
)
def test_reads_trickier_forms_exactly(text: str, expected: str) -> None:
    assert p(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow 25:00", "`25:00` is not a time of day (use 00:00 to 23:59)."),
        ("tomorrow 9:75", "`9:75` is not a time of day (use 00:00 to 23:59)."),
        ("tomorrow 0pm", "`0pm` is not a time: with am/pm the hour is 1 to 12."),
        ("tomorrow at 7", "`at 7` could be morning or evening: write `7am`, `7pm` or `07:00`."),
        ("in 2 hours ago", "`in 2 hours ago` says both *in* and *ago*. Try e.g. `in 2 hours`."),
        ("9999-12-31 20:00", "`9999-12-31 20:00` is outside the dates Roadie can handle."),
        ("2040-01-01", "`2040-01-01` is Sun 1 Jan 2040, more than 10 years away. Give a nearer date."),
        ("in -5 minutes", "`in -5 minutes` is in the past."),
    ],
)
def test_refuses_what_it_would_otherwise_misread(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        p(text)
    assert str(err.value).startswith(message)


def test_fast_day_words_read_like_dateparser() -> None:
    """today/tomorrow/next <weekday> (+ a clock) skip dateparser: the same answers, every weekday and zone."""
    import dateparser

    from bot import timeparse

    phrases = ["tomorrow", "tomorrow 9am", "today 23:59", "tomorrow at 6:30pm", "tomorrow, 18:00", "next friday"]
    phrases += [f"next {d} 18:00" for d in ("monday", "wednesday", "friday", "sunday")]
    for tz in (BERLIN, ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")):
        for day in range(7):
            now = NOW + timedelta(days=day)
            now_local = now.astimezone(tz)
            for text in phrases:
                fast = timeparse._day_word(text, now_local, time(9, 0), tz)
                assert fast is not None, text
                slow = dateparser.parse(
                    text,
                    languages=["en"],
                    settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now_local.replace(tzinfo=None)},
                )
                want = slow.date() if slow else None
                assert fast.local.date() == want, (text, now_local, fast.local, slow)
    assert timeparse._day_word("tomorrow evening", NOW, time(9, 0), BERLIN) is None
