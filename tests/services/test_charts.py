"""Charts from known data on a real migrated SQLite file: the PNG decodes, has the chart's size, is
not blank, stays ≤ 1 MB, and its alt text names the goal/release and says what it shows."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.money import format_money
from bot.services import budget, goals, promo, releases, settings, tours
from bot.services.permissions import Actor
from bot.ui import charts
from bot.uow import UnitOfWork

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
G = 111
ALICE = 1
W, H = int(charts.SIZE[0] * charts.DPI), int(charts.SIZE[1] * charts.DPI)


def check_png(chart: charts.Chart) -> Image.Image:
    """Decodes as a PNG of the chart's size, ≤ 1 MB, with real drawing on it (not one flat colour)."""
    assert chart.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(chart.png) <= charts.PNG_MAX_BYTES
    img = Image.open(io.BytesIO(chart.png))
    img.load()
    assert img.format == "PNG" and img.size == (W, H)
    rgb = img.convert("RGB")
    colours = rgb.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 20  # not blank
    white = max(colours)[0] / (W * H)
    assert white < 0.97  # the card is mostly white, but something substantial is drawn on it
    assert 0 < len(chart.alt) <= 1024
    return rgb


def has_colour(img: Image.Image, hex_colour: str, at_least: int = 30) -> bool:
    want = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(n for n, c in img.getcolors(maxcolors=1 << 20) or [] if c == want) >= at_least


async def test_goal_burnup_from_recorded_values(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await goals.add_goal(
            s,
            G,
            title="10k monthly listeners",
            author_id=ALICE,
            channel_id=50,
            now=NOW,
            due="2027-06-01",
            metric="monthly listeners",
            target="10k",
        )
    for days, value in ((7, "2000"), (21, "3500"), (35, "4200")):
        async with UnitOfWork(sessionmaker) as s:
            await goals.record_progress(s, G, "#1", value, author_id=ALICE, now=NOW + timedelta(days=days))
    async with UnitOfWork(sessionmaker) as s:
        data = await goals.chart_data(s, G, "#1", now=NOW + timedelta(days=36))
    assert [v for _, v in data.points] == [2000.0, 3500.0, 4200.0]
    chart = charts.draw_goal_burnup(data)
    img = check_png(chart)
    assert has_colour(img, charts.OKABE_ITO["blue"])  # the recorded line
    assert chart.filename == "goal-1-burnup.png"
    # 5800 to go between 5 Apr 12:00 UTC and 1 Jun 09:00 (the server's zone: UTC here): 56.875 days
    per_week = 5800 / ((datetime(2027, 6, 1, 9, tzinfo=UTC) - (NOW + timedelta(days=35))).total_seconds() / 86400) * 7
    assert chart.alt == (
        "Burn-up chart of goal #1 10k monthly listeners: monthly listeners went from 0 to 4,200 over 3 recorded "
        f"value(s), against a target of 10,000, due 01 Jun 2027. To make it, it needs about {per_week:,.0f} more per "
        "week until the due date."
    )
    assert f"{per_week:,.0f}" == "714"


async def test_goal_without_values_is_text_not_a_chart(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await goals.add_goal(s, G, title="Sync deal", author_id=ALICE, channel_id=50, now=NOW, target="1")
        data = await goals.chart_data(s, G, "#1", now=NOW)
    with pytest.raises(ValueError):
        charts.draw_goal_burnup(data)
    assert charts.no_goal_chart(data) == (
        "📈 Goal #1 has no recorded progress yet. Record some with `/goal progress goal:#1`."
    )


async def test_release_timeline_done_open_overdue(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await settings.set_timezone(s, G, "Europe/Berlin", can_manage=True)
        await releases.add_release(
            s, G, title="Night Drive", date_text="2027-04-02", author_id=ALICE, channel_id=50, now=NOW
        )
    async with UnitOfWork(sessionmaker) as s:
        r = await releases.get_release(s, G, "#1")
        first_two = [t.position for t in releases.ordered_tasks(r)[:2]]
    async with UnitOfWork(sessionmaker) as s:
        await releases.tick(s, G, "#1", f"#{first_two[0]}", actor_id=ALICE, now=NOW, done=True)
    async with UnitOfWork(sessionmaker) as s:
        data = await releases.timeline_data(s, G, "#1", now=NOW)
    states = {t.state for t in data.tasks}
    assert states == {"done", "open", "overdue"}
    n_done = sum(t.state == "done" for t in data.tasks)
    n_over = sum(t.due < data.today and t.state != "done" for t in data.tasks)
    assert n_done == 1 and n_over == sum(t.state == "overdue" for t in data.tasks)
    chart = charts.draw_release_timeline(data)
    img = check_png(chart)
    assert has_colour(img, charts.OKABE_ITO["vermillion"])  # overdue markers
    assert chart.alt.startswith("Timeline of release #1 Night Drive (release day 02 Apr 2027): ")
    assert f"1 done, {len(data.tasks) - 1 - n_over} open, {n_over} overdue; today is 01 Mar 2027." in chart.alt


async def test_tour_chart_per_week_confirmed_and_holds(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        cfg = await settings.get_config(s, G)
        for day, city, status in (
            ("2027-04-03", "Berlin", "confirmed"),
            ("2027-04-04", "Hamburg", "hold"),
            ("2027-04-12", "Prague", "confirmed"),
            ("2027-04-13", "Vienna", "cancelled"),
            ("2027-04-28", "Paris", "hold-2"),
        ):
            f = tours.parse_fields(cfg, NOW.date(), date_text=day, city=city, venue="Club", status=status)
            await tours.add_show(s, G, f, author_id=ALICE, channel_id=50, now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        data = await tours.chart_data(s, G, "upcoming", now=NOW)
    assert data.period == "week"
    assert [(f"{d:%m-%d}", c, h) for d, c, h in data.buckets] == [
        ("03-29", 1, 1),
        ("04-05", 0, 0),
        ("04-12", 1, 0),
        ("04-19", 0, 0),
        ("04-26", 0, 1),
    ]
    chart = charts.draw_tour_bars(data, "The Night Shift")
    check_png(chart)
    assert chart.alt == (
        "Bar chart of upcoming shows per week from 29 Mar to 26 Apr: 2 confirmed and 2 on hold; "
        "the busiest week (29 Mar) has 2."
    )


async def test_budget_chart_exact_labels_and_overrun(sessionmaker) -> None:
    async with UnitOfWork(sessionmaker) as s:
        await releases.add_release(
            s, G, title="Night Drive", date_text="2027-06-04", author_id=ALICE, channel_id=50, now=NOW
        )
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "studio", "1,000.10", currency="EUR", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        await budget.set_line(s, G, "#1", "mixing", "300", now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        await budget.spend(s, G, "#1", "mixing", "350.05", "mix", author_id=ALICE, now=NOW)
    async with UnitOfWork(sessionmaker) as s:
        data = await budget.chart_data(s, G, "#1", now=NOW)
    chart = charts.draw_budget_bars(data, lambda a: format_money(a, "EUR", "en-US"))
    img = check_png(chart)
    assert has_colour(img, charts.OKABE_ITO["vermillion"])  # the overrun bar
    assert chart.alt == (
        "Bar chart of the budget of release #1 Night Drive: budget vs spent for 2 line(s) (studio, mixing); "
        "€350.05 spent of €1,300.10; over budget: mixing."
    )


async def test_promo_funnel_counts_and_shares(sessionmaker) -> None:
    manager = Actor(ALICE, manage_guild=True)
    async with UnitOfWork(sessionmaker) as s:
        await releases.add_release(
            s, G, title="Night Drive", date_text="2027-06-04", author_id=ALICE, channel_id=50, now=NOW
        )
    async with UnitOfWork(sessionmaker) as s:
        data = await promo.chart_data(s, G, "#1", now=NOW)
    assert data.funnel[0] == ("pitched", 0)
    with pytest.raises(ValueError):
        charts.draw_promo_funnel(data)
    assert charts.no_promo_chart(1) == (
        "📣 Release #1's campaign has no pitches yet, so there is no funnel to chart. "
        "Log one with `/promo pitch release:#1`."
    )
    for i, name in enumerate(("Radio X", "Loud Blog", "Indie Mag", "Night FM")):
        async with UnitOfWork(sessionmaker) as s:
            await promo.add_outlet(
                s, G, promo.parse_outlet_fields(name=name, kind="radio"), author_id=ALICE, now=NOW, actor=manager
            )
            await promo.add_pitch(
                s,
                G,
                "#1",
                f"#{i + 1}",
                date_text=None,
                note=None,
                author_id=ALICE,
                channel_id=50,
                now=NOW,
                actor=manager,
            )
    moves = (("#1", "replied"), ("#1", "accepted"), ("#1", "published"), ("#2", "replied"), ("#3", "passed"))
    for ref, status in moves:
        async with UnitOfWork(sessionmaker) as s:
            await promo.update_pitch(s, G, ref, status, note=None, link=None, now=NOW, actor=manager)
    async with UnitOfWork(sessionmaker) as s:
        data = await promo.chart_data(s, G, "#1", now=NOW)
    assert data.funnel == (("pitched", 4), ("replied", 3), ("accepted", 1), ("published/added/aired", 1))
    chart = charts.draw_promo_funnel(data)
    img = check_png(chart)
    for colour in ("sky", "blue", "green", "orange"):  # one Okabe-Ito colour per stage
        assert has_colour(img, charts.OKABE_ITO[colour])
    assert chart.filename == "promo-release-1-funnel.png"
    assert chart.alt == (
        "Funnel chart of the promo campaign of release #1 Night Drive: 4 pitched, 3 replied, 1 accepted, "
        "1 published/added/aired; 25% of the pitches reached published/added/aired."
    )


def test_matplotlib_is_not_imported_by_the_bot_at_start_up() -> None:
    import subprocess

    code = "import bot.roadie, bot.features, bot.ui.charts, sys; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
