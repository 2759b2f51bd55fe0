"""Charts end to end: deferred, then a PNG attachment arrives with its alt text (description)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import ANA, BEN, GENERAL, GUILD

TODAY = datetime.now(UTC).date()
NEXT_YEAR = TODAY.year + 1


async def chart_of(double: DiscordDouble, name: str, options: dict) -> dict:  # type: ignore[type-arg]
    res = await double.invoke(GUILD, GENERAL, ANA, name, options)
    assert res.type == 5  # deferred before drawing
    await res.wait_final(timeout=30)
    msg = res.followups[0] if res.followups else res.message
    [att] = msg["attachments"]
    img = Image.open(io.BytesIO(bytes(att["content"])))
    assert img.format == "PNG" and img.size == (900, 500)
    assert len(att["content"]) <= 1_000_000
    return att


async def test_goal_chart_and_release_timeline_arrive_with_alt_text(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(
        GUILD, GENERAL, ANA, "goal add", {"title": "Sold-out run", "target": "1000", "due": f"{NEXT_YEAR}-06-01"}
    )
    res = await double.invoke(GUILD, GENERAL, ANA, "goal chart", {"goal": "#1"})
    assert res.ephemeral and res.content == (
        "📈 Goal #1 has no recorded progress yet. Record some with `/goal progress goal:#1`."
    )
    await double.invoke(GUILD, GENERAL, ANA, "goal progress", {"goal": "#1", "value": "250"})
    att = await chart_of(double, "goal chart", {"goal": "#1"})
    assert att["filename"] == "goal-1-burnup.png"
    assert att["description"].startswith("Burn-up chart of goal #1 Sold-out run: value went from 0 to 250 over 1 ")

    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": f"{NEXT_YEAR}-09-03"})
    att = await chart_of(double, "release timeline", {"release": "#1"})
    assert att["filename"] == "release-1-timeline.png"
    assert att["description"].startswith(f"Timeline of release #1 Night Drive (release day 03 Sep {NEXT_YEAR}): ")


async def test_tour_and_budget_charts_arrive_with_alt_text(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, ANA, "tour chart", {})
    assert res.ephemeral and res.content.startswith("🎫 No upcoming shows to chart")
    d = TODAY + timedelta(days=30)
    await double.invoke(GUILD, GENERAL, ANA, "tour add", {"date": d.isoformat(), "city": "Berlin", "venue": "SO36"})
    await double.invoke(
        GUILD, GENERAL, ANA, "tour add", {"date": d.isoformat(), "city": "Köln", "venue": "Luxor", "status": "hold"}
    )
    att = await chart_of(double, "tour chart", {})
    assert att["filename"] == "tour-chart.png"
    assert att["description"].startswith("Bar chart of upcoming shows per week from ")
    assert ": 1 confirmed and 1 on hold; the busiest week" in att["description"]
    assert "Guarantee" not in att["description"]
    # a deal's guarantee shows only on a manager's chart, which is then private
    await double.invoke(
        GUILD, GENERAL, ANA, "settle terms", {"show": "#1", "kind": "guarantee", "guarantee": "2000", "currency": "EUR"}
    )
    res = await double.invoke(GUILD, GENERAL, BEN, "tour chart", {})
    await res.wait_final(timeout=30)
    [att] = (res.followups[0] if res.followups else res.message)["attachments"]
    assert "Guarantee" not in att["description"] and not res.ephemeral
    res = await double.invoke(GUILD, GENERAL, ANA, "tour chart", {})
    await res.wait_final(timeout=30)
    msg = res.followups[0] if res.followups else res.message
    assert msg["ephemeral"]
    assert msg["attachments"][0]["description"].endswith(" Guarantees: €2,000.00.")

    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": f"{NEXT_YEAR}-09-03"})
    await double.invoke(
        GUILD, GENERAL, ANA, "budget set", {"release": "#1", "line": "studio", "amount": "2000", "currency": "EUR"}
    )
    await double.invoke(
        GUILD, GENERAL, ANA, "budget spend", {"release": "#1", "line": "studio", "amount": "2500", "what": "days"}
    )
    att = await chart_of(double, "budget chart", {"release": "#1"})
    assert att["description"] == (
        "Bar chart of the budget of release #1 Night Drive: budget vs spent for 1 line(s) (studio); "
        "€2,500.00 spent of €2,000.00; over budget: studio."
    )


async def test_promo_funnel_chart_arrives_with_alt_text(double: DiscordDouble, bot: Roadie) -> None:
    await double.invoke(GUILD, GENERAL, ANA, "release add", {"title": "Night Drive", "date": f"{NEXT_YEAR}-09-03"})
    res = await double.invoke(GUILD, GENERAL, ANA, "promo chart", {"release": "#1"})
    assert res.ephemeral and res.content == (
        "📣 Release #1's campaign has no pitches yet, so there is no funnel to chart. "
        "Log one with `/promo pitch release:#1`."
    )
    for name in ("Radio X", "Loud Blog"):
        await double.invoke(GUILD, GENERAL, ANA, "promo outlet-add", {"name": name, "kind": "radio"})
    await double.invoke(GUILD, GENERAL, ANA, "promo pitch", {"release": "#1", "outlet": "#1"})
    await double.invoke(GUILD, GENERAL, ANA, "promo pitch", {"release": "#1", "outlet": "#2"})
    await double.invoke(GUILD, GENERAL, ANA, "promo update", {"pitch": "#1", "status": "replied"})
    att = await chart_of(double, "promo chart", {"release": "#1"})
    assert att["filename"] == "promo-release-1-funnel.png"
    assert att["description"] == (
        "Funnel chart of the promo campaign of release #1 Night Drive: 2 pitched, 1 replied, 0 accepted, "
        "0 published/added/aired; 0% of the pitches reached published/added/aired."
    )
