"""The /promo campaign pages stay within Discord's embed limits whatever was stored (longest names and
links, hundreds of pitches)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db.models import Outlet, Pitch, PitchEvent, PitchResult, Release
from bot.services import promo
from bot.textfmt import EMBED_TOTAL_MAX, FIELD_VALUE_MAX
from bot.ui import promo as ui

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)


def big_campaign(n: int) -> promo.Campaign:
    release = Release(id=1, number=1, title="R" * 200, kind="album", guild_id=1)
    pitches = []
    for i in range(n):
        o = Outlet(id=i, number=i + 1, name=f"{i} " + "N" * 198, kind="press")
        p = Pitch(
            id=i,
            number=i + 1,
            owner_id=10**17 + i,
            status="published" if i % 2 else "pitched",
            pitched_at=NOW,
            followup_due_at=NOW + timedelta(days=1) if i % 2 == 0 else None,
            followup_stage=0,
        )
        p.outlet = o
        p.events = [PitchEvent(status="pitched", created_at=NOW, link="https://x.example/" + "a" * 480)]
        p.results = [PitchResult(kind="audience", value=10**12, created_at=NOW, link="https://y.example/" + "b" * 480)]
        pitches.append(p)
    c = promo.Campaign(
        release=release,
        by_status={s: n for s in ("pitched", "published", "added", "aired", "replied", "accepted")},
        by_kind={k: n for k in ("radio", "press", "blog", "playlist", "podcast", "tv", "influencer", "other")},
        funnel=promo.funnel_counts(pitches),
        links=[(NOW, p.outlet.name, p.events[0].link or "") for p in pitches],
        reach=10**12 * n,
        spins=0,
        due_week=[(p, NOW) for p in pitches if p.followup_due_at],
        pitches=pitches,
    )
    return c


def test_every_campaign_page_fits_discords_limits() -> None:
    c = big_campaign(300)
    count = ui.campaign_page_count(c)
    assert count == 31
    for i in range(count):
        e = ui.campaign_page(c, i)
        assert len(e) <= EMBED_TOTAL_MAX, (i, len(e))
        assert all(len(f.value or "") <= FIELD_VALUE_MAX for f in e.fields)
        assert len(e.description or "") <= 4096
    summary = ui.campaign_page(c, 0)
    assert [f.name for f in summary.fields] == [
        "Funnel",
        "By status",
        "By outlet kind",
        "Total reach",
        "Latest coverage",
        "Due for follow-up this week",
    ]
    _, view = ui.page_and_view(c, 30)
    assert [b.custom_id for b in view.children] == ["roadie:promo:page:1:29:prev", "roadie:promo:page:1:30:next"]
