"""Splits on a real SQLite file: exact totals, who may edit, the split sheet that reads back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.db.models import GuildRole, TrackSplit
from bot.services import releases as rel
from bot.services import splits
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
G1 = 111
MANAGER_ROLE, LABEL_ROLE, ARTIST_ROLE = 71, 73, 72
LABEL = Actor(40, frozenset({LABEL_ROLE}))
ARTIST = Actor(30, frozenset({ARTIST_ROLE}))
MANAGER = Actor(10, manage_guild=True)


@pytest.fixture
async def release(session):  # type: ignore[no-untyped-def]
    session.add(GuildRole(guild_id=G1, kind="label", role_id=LABEL_ROLE))
    session.add(GuildRole(guild_id=G1, kind="artist", role_id=ARTIST_ROLE))
    r, _ = await rel.add_release(
        session, G1, title="Night Drive", date_text="2027-04-02", kind="ep", author_id=5, channel_id=50, now=NOW
    )
    await rel.set_track(session, G1, "#1", title="Night Drive", isrc="GB-XYZ-27-00001", now=NOW)
    await rel.set_track(session, G1, "#1", title="Tail Lights", now=NOW)
    return r


async def put(session, track, share, *, actor=LABEL, **party):  # type: ignore[no-untyped-def]
    return await splits.set_split(session, G1, "#1", track, share, actor=actor, now=NOW, **party)


async def test_thirds_total_exactly_100(session, release) -> None:
    await put(session, "#1", "33.33", member_id=1, member_name="Ana Ruiz")
    await put(session, "#1", "33.33", name="Ben Okafor", role="composer")
    _, ts, _, created = await put(session, "night drive", "33.34", name="Cara Lind", role="lyricist")
    assert created and ts.total_bp == 10000 and ts.complete
    assert sum(splits.bp_to_decimal(s.share_bp) for s in ts.splits) == Decimal("100.00")
    # the same party again changes its share (member by id, name case-insensitively)
    _, ts, split, created = await put(session, "#1", "30", name="ben okafor")
    assert not created and split.share_bp == 3000 and split.role == "composer"
    assert (ts.total_bp, splits.describe_difference(ts.total_bp)) == (9667, "3.33 % missing")
    _, ts, _, _ = await put(session, "#1", "38.00", member_id=1, member_name="Ana R.")
    assert (ts.total_bp, splits.describe_difference(ts.total_bp)) == (10134, "+1.34 % over")
    assert len(ts.splits) == 3


async def test_bad_shares_and_parties_store_nothing(session, release) -> None:
    for share in ("0", "0.00", "100.01", "150", "33.333", "-5", "abc", ""):
        with pytest.raises(InvalidInput):
            await put(session, "#1", share, name="Ana")
    with pytest.raises(InvalidInput):
        await put(session, "#1", "50", name="Ana", member_id=1, member_name="Ana")  # both
    with pytest.raises(InvalidInput):
        await put(session, "#1", "50")  # neither
    with pytest.raises(InvalidInput):
        await put(session, "#1", "50", name="Ana", role="drummer")
    with pytest.raises(NotFound):
        await put(session, "#9", "50", name="Ana")
    with pytest.raises(NotFound):
        await splits.set_split(session, G1, "#7", "#1", "50", actor=LABEL, now=NOW, name="Ana")
    assert (await session.scalars(select(TrackSplit))).all() == []


async def test_only_managers_and_the_label_edit_everyone_sees(session, release) -> None:
    with pytest.raises(Forbidden) as err:
        await put(session, "#1", "50", name="Ana", actor=ARTIST)
    assert str(err.value) == "Only managers and the label can change splits (roles: see `/settings show`)."
    await put(session, "#1", "50", name="Ana", actor=MANAGER)
    await put(session, "#1", "50", name="Ben", actor=LABEL)
    with pytest.raises(Forbidden):
        await splits.remove_split(session, G1, "#1", "#1", "Ana", actor=ARTIST)
    _, items = await splits.overview(session, G1, "#1")  # no actor needed: visible to the team
    assert [(ts.track.position, ts.total_bp) for ts in items] == [(2, 0), (1, 10000)]  # incomplete first
    _, ts, removed = await splits.remove_split(session, G1, "#1", "#1", "ana", actor=LABEL)
    assert removed.name == "Ana" and [s.name for s in ts.splits] == ["Ben"]
    with pytest.raises(NotFound):
        await splits.remove_split(session, G1, "#1", "#1", "Zed", actor=LABEL)


async def test_sheet_refused_until_every_track_totals_100_then_reads_back(session, release) -> None:
    await put(session, "#1", "33.33", member_id=1, member_name="Ana Ruiz", role="songwriter")
    await put(session, "#1", "33.33", name="Ben Okafor, Jr.", role="composer")  # a comma: CSV quoting
    await put(session, "#1", "35.17", name="Cara Lind", role="publisher")
    await put(session, "#2", "98", name="Ana Ruiz", role="performer")
    with pytest.raises(InvalidInput) as err:
        await splits.sheet(session, G1, "#1")
    assert str(err.value) == (
        "The split sheet needs every track to total exactly 100.00 %. Fix these with `/split set` or `/split remove`:\n"
        "• #1 Night Drive: 101.83 % (+1.83 % over)\n"
        "• #2 Tail Lights: 98.00 % (2.00 % missing)"
    )
    await put(session, "#1", "33.34", name="Cara Lind")
    await put(session, "#2", "2", name="Dee Producer", role="producer")
    _, text, count = await splits.sheet(session, G1, "#1")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["track", "ISRC", "party", "role", "share"],
        ["Night Drive", "GBXYZ2700001", "Cara Lind", "publisher", "33.34"],
        ["Night Drive", "GBXYZ2700001", "Ana Ruiz", "songwriter", "33.33"],
        ["Night Drive", "GBXYZ2700001", "Ben Okafor, Jr.", "composer", "33.33"],
        ["Tail Lights", "", "Ana Ruiz", "performer", "98.00"],
        ["Tail Lights", "", "Dee Producer", "producer", "2.00"],
    ]
    assert count == 5
    totals: dict[str, Decimal] = {}
    for row in csv.DictReader(io.StringIO(text)):
        totals[row["track"]] = totals.get(row["track"], Decimal(0)) + Decimal(row["share"])
    assert totals == {"Night Drive": Decimal("100.00"), "Tail Lights": Decimal("100.00")}


async def test_sheet_needs_tracks_and_autocomplete(session, release) -> None:
    r2, _ = await rel.add_release(
        session, G1, title="Empty", date_text="2027-05-02", author_id=5, channel_id=50, now=NOW
    )
    with pytest.raises(NotFound) as err:
        await splits.sheet(session, G1, f"#{r2.number}")
    assert "has no tracks yet" in str(err.value)
    assert await splits.track_autocomplete(session, G1, "#1", "tail") == [("#2 · Tail Lights", "#2")]
    _, _, s, _ = await put(session, "#2", "12.5", name="Ana Ruiz", role="performer")
    assert await splits.party_autocomplete(session, G1, "#1", "#2", "") == [
        ("Ana Ruiz · performer · 12.50 %", f"id:{s.id}")
    ]
    assert await splits.party_autocomplete(session, G1, "#1", "#9", "") == []
