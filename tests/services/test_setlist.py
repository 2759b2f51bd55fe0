"""Songs and set lists on a real SQLite file: catalogue with release tracks, matching, slot, the return CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from bot.db.models import SetlistEntry, Song
from bot.services import releases as rel
from bot.services import setlist as sl
from bot.services import settings, tours
from bot.services.errors import Forbidden, InvalidInput
from bot.services.permissions import Actor

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
G1 = 111
AUTHOR, OTHER = Actor(5), Actor(6)


async def add_show(session, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("date_text", "2027-04-03")
    kw.setdefault("city", "Berlin")
    kw.setdefault("venue", "Huxleys")
    kw.setdefault("timezone", "Europe/Berlin")
    f = tours.parse_fields(await settings.get_config(session, G1), NOW.date(), **kw)
    return await tours.add_show(session, G1, f, author_id=AUTHOR.user_id, channel_id=50, now=NOW)


def test_durations() -> None:
    assert sl.parse_duration("3:45") == 225
    assert sl.parse_duration("12:05") == 725
    assert sl.parse_duration("1:00:00") == 3600
    assert sl.format_duration(225) == "3:45" and sl.format_duration(3725) == "1:02:05"
    for bad in ("3.45", "3:75", "225", "0:00", "1:00:01", "abc"):
        with pytest.raises(InvalidInput):
            sl.parse_duration(bad)


async def test_catalogue_release_tracks_and_song_add_updates(session) -> None:
    await rel.add_release(session, G1, title="Night Drive", date_text="2027-05-01", author_id=5, channel_id=50, now=NOW)
    await rel.set_track(session, G1, "#1", title="Night Drive", now=NOW, isrc="GB-XYZ-27-00001")
    await rel.set_track(session, G1, "#1", title="Headlights", now=NOW)
    song, created = await sl.add_song(session, G1, title="Old Favourite", duration="4:10", writers="A. Writer", now=NOW)
    assert (song.number, created, song.duration_s) == (1, True, 250)
    # the same title again updates; a release track's title makes it a song, keeping its ISRC
    again, created = await sl.add_song(session, G1, title="old favourite", isrc="GBXYZ2700009", now=NOW)
    assert (again.id, created, again.isrc, again.duration_s) == (song.id, False, "GBXYZ2700009", 250)
    track_song, created = await sl.add_song(session, G1, title="NIGHT DRIVE", duration="3:45", now=NOW)
    assert (track_song.title, track_song.isrc, created) == ("Night Drive", "GBXYZ2700001", True)
    cat = await sl.catalogue(session, G1)
    assert [(e.title, e.song is not None, e.isrc) for e in cat] == [
        ("Headlights", False, None),
        ("Night Drive", True, "GBXYZ2700001"),
        ("Old Favourite", True, "GBXYZ2700009"),
    ]


async def test_set_list_matching_slot_and_refusals(session) -> None:
    show = await add_show(session, set_time="21:00", curfew="22:00")
    await sl.add_song(session, G1, title="Opener", duration="4:00", now=NOW)
    await sl.add_song(session, G1, title="Ballad", duration="5:30", now=NOW)
    text = "1. Opener\n\n2) ballad\n- Brand New Song\n• Opener\n"
    res = await sl.set_setlist(session, G1, show.id, text, actor=AUTHOR, now=NOW)
    assert [s.title for s in res.songs] == ["Opener", "Ballad", "Brand New Song", "Opener"]
    assert [s.title for s in res.added] == ["Brand New Song"]
    assert (res.total_s, res.unknown, res.slot_s) == (810, 1, 3600)
    # 300 lines: refused, nothing changes
    with pytest.raises(InvalidInput, match="300 lines; a set list holds at most 100"):
        await sl.set_setlist(session, G1, show.id, "\n".join(f"Song {i}" for i in range(300)), actor=AUTHOR, now=NOW)
    assert len((await session.scalars(select(SetlistEntry))).all()) == 4
    with pytest.raises(Forbidden):
        await sl.set_setlist(session, G1, show.id, "Opener", actor=OTHER, now=NOW)
    # curfew after midnight: set 23:30, curfew 00:30 -> a 60-minute slot
    late = await add_show(session, date_text="2027-04-04", set_time="23:30", curfew="00:30")
    assert sl.slot_seconds(late) == 3600
    with pytest.raises(InvalidInput, match="Curfew 20:00 is before Set 21:00"):
        await add_show(session, set_time="21:00", curfew="20:00")
    # copy
    _src, copied = await sl.copy_setlist(session, G1, "#1", "#2", actor=AUTHOR)
    assert [s.title for s in copied.songs] == ["Opener", "Ballad", "Brand New Song", "Opener"]


async def test_report_csv_reads_back(session) -> None:
    a = await add_show(session, date_text="2027-03-05", city="Leipzig", venue="Conne Island", country="Germany")
    b = await add_show(session, date_text="2027-03-06", city="Wien", venue="Arena", country="Austria")
    c = await add_show(session, date_text="2027-03-07", city="Graz", venue="PPC")
    await sl.add_song(session, G1, title="Opener", duration="4:00", isrc="GB-XYZ-27-00001", writers="A, B", now=NOW)
    for show in (a, b, c):
        await sl.set_setlist(session, G1, show.id, "Opener\nZoë's Song", actor=AUTHOR, now=NOW)
    await tours.cancel_show(session, G1, "#3", now=NOW)
    start, end, rows = await sl.report(session, G1, from_text="2027-03-01", to_text="2027-03-31", now=NOW)
    assert (str(start), str(end)) == ("2027-03-01", "2027-03-31")
    back = list(csv.reader(io.StringIO(sl.report_csv(rows).decode("utf-8-sig"))))
    assert back == [
        ["date", "venue", "city", "country", "song", "writers", "isrc", "duration"],
        ["2027-03-05", "Conne Island", "Leipzig", "Germany", "Opener", "A, B", "GBXYZ2700001", "4:00"],
        ["2027-03-05", "Conne Island", "Leipzig", "Germany", "Zoë's Song", "", "", ""],
        ["2027-03-06", "Arena", "Wien", "Austria", "Opener", "A, B", "GBXYZ2700001", "4:00"],
        ["2027-03-06", "Arena", "Wien", "Austria", "Zoë's Song", "", "", ""],
    ]
    _s, _e, only_first = await sl.report(session, G1, from_text="2027-03-05", to_text="2027-03-05", now=NOW)
    assert len(only_first) == 2
    with pytest.raises(InvalidInput, match="is after"):
        await sl.report(session, G1, from_text="2027-03-10", to_text="2027-03-01", now=NOW)
    assert len((await session.scalars(select(Song))).all()) == 2
    # removing a song is for managers; past set lists keep it
    with pytest.raises(Forbidden, match="Only managers can remove songs"):
        await sl.remove_song(session, G1, "opener", actor=AUTHOR, now=NOW)
    await sl.remove_song(session, G1, "opener", actor=Actor(1, manage_guild=True), now=NOW)
    assert [e.title for e in await sl.catalogue(session, G1)] == ["Zoë's Song"]
    _s, _e, rows = await sl.report(session, G1, from_text=None, to_text="2027-03-31", now=NOW)
    assert [r.song.title for r in rows][:2] == ["Opener", "Zoë's Song"]


async def test_curfew_keeps_its_moment_when_the_show_is_rezoned_keeping_the_instant(session) -> None:
    """`/tour edit timezone:… keep:instant` (#13) re-reads the curfew too, so the slot stays the same."""
    show = await add_show(session, set_time="21:00", curfew="22:30")  # Berlin, CEST: 19:00-20:30 UTC
    before = tours.curfew_at(show)
    f = tours.ShowFields(timezone="America/New_York")
    show = await tours.edit_show(session, G1, "#1", f, now=NOW, keep_instant=True)
    assert (show.set_time, show.curfew, show.timezone) == (time(15, 0), time(16, 30), "America/New_York")
    assert tours.curfew_at(show) == before == datetime(2027, 4, 3, 20, 30, tzinfo=UTC)
    assert sl.slot_seconds(show) == 5400
    with pytest.raises(InvalidInput, match="give it with `timezone:` only"):
        await tours.edit_show(
            session, G1, "#1", tours.ShowFields(timezone="Asia/Tokyo", curfew=time(23)), now=NOW, keep_instant=True
        )
