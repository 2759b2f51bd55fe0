"""Songs and set lists: a catalogue per server, each show's running order, the live-performance return.

The catalogue is the server's songs (``/song add``) plus the release tracks already stored; a
release track becomes a song (keeping its ISRC) the first time ``/song add`` or a set list names it,
so every set list entry points at a song. Durations are whole seconds, written ``3:45``. A show's
set list is one song per line; lines are matched to the catalogue by title (case-insensitive);
unknown titles are added as new songs and listed in the reply. The slot is set time → curfew.

``/setlist report`` is the live-performance return performing-rights societies ask for (PRS
"Setlists", GEMA "Musikfolge", ASCAP OnStage / BMI Live): every song performed per show, with
writers, ISRC and duration, as CSV.

Discord-free; nothing here commits (the caller's unit of work does).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import csvsafe
from bot.db.models import TITLE_MAX, Release, ReleaseTrack, SetlistEntry, Show, ShowStatus, Song
from bot.services import refs, tours
from bot.services.errors import InvalidInput, NotFound
from bot.services.permissions import Actor, require_manager
from bot.services.releases import parse_isrc
from bot.services.settings import get_config
from bot.timeparse import parse_when

MAX_SONGS = 100  # per set list
MAX_DURATION = 60 * 60
WRITERS_MAX = 300
LIST_HINT = "`/song list`"
_DURATION_RE = re.compile(r"^(?:(?P<h>\d{1,2}):)?(?P<m>\d{1,2}):(?P<s>\d{2})$")
_BULLET_RE = re.compile(r"^\s*(?:\d{1,3}\s*[.)]\s*|[-*•·]\s+)")
REPORT_COLUMNS = ("date", "venue", "city", "country", "song", "writers", "isrc", "duration")


def parse_duration(text: str) -> int:
    """``"3:45"`` -> 225 seconds (``m:ss``, or ``h:mm:ss``), at most an hour.

    Raises:
        InvalidInput: any other shape, seconds ≥ 60, zero, or over an hour.
    """
    m = _DURATION_RE.match(text.strip())
    if not m or int(m["s"]) >= 60 or (m["h"] is not None and int(m["m"]) >= 60):
        raise InvalidInput(f"`{text.strip()[:20]}` isn't a duration: write minutes and seconds like `3:45`.")
    seconds = int(m["h"] or 0) * 3600 + int(m["m"]) * 60 + int(m["s"])
    if not 0 < seconds <= MAX_DURATION:
        raise InvalidInput("A song's duration must be more than 0:00 and at most 60:00.")
    return seconds


def format_duration(seconds: int | None) -> str:
    """225 -> ``3:45``; 3725 -> ``1:02:05``; None -> ``""``."""
    if seconds is None:
        return ""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _title(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput("A song title can't be empty.")
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput(f"The title `{cleaned[:40]}…` is {len(cleaned)} characters; keep it to {TITLE_MAX}.")
    return cleaned


async def _songs_by_key(session: AsyncSession, guild_id: int) -> dict[str, Song]:
    rows = await session.scalars(select(Song).where(Song.guild_id == guild_id).order_by(Song.number))
    out: dict[str, Song] = {}
    for s in rows:
        if s.search_key not in out or (out[s.search_key].is_deleted and not s.is_deleted):
            out[s.search_key] = s
    return out


async def _release_tracks(session: AsyncSession, guild_id: int) -> dict[str, ReleaseTrack]:
    rows = await session.scalars(
        select(ReleaseTrack)
        .join(Release, Release.id == ReleaseTrack.release_id)
        .where(Release.guild_id == guild_id, Release.visible())
        .order_by(Release.release_date, ReleaseTrack.position)
    )
    out: dict[str, ReleaseTrack] = {}
    for t in rows:
        out.setdefault(refs.fold(t.title), t)
    return out


async def _new_song(session: AsyncSession, guild_id: int, title: str, now: datetime, isrc: str | None = None) -> Song:
    song = Song(
        guild_id=guild_id,
        number=await refs.next_number(session, Song, guild_id),
        title=title,
        search_key=refs.fold(title),
        isrc=isrc,
        created_at=now,
    )
    session.add(song)
    await session.flush()
    return song


async def add_song(
    session: AsyncSession,
    guild_id: int,
    *,
    title: str,
    duration: str | None = None,
    isrc: str | None = None,
    writers: str | None = None,
    now: datetime,
) -> tuple[Song, bool]:
    """``/song add``: a new song, or (same title, release tracks included) an update of that song.
    Returns (song, created). Not committed.

    Raises:
        InvalidInput: bad title, duration, ISRC or writers.
    """
    clean = _title(title)
    secs = parse_duration(duration) if duration else None
    code = parse_isrc(isrc) if isrc else None
    who = " ".join((writers or "").split()) or None
    if who and len(who) > WRITERS_MAX:
        raise InvalidInput(f"Writers are {len(who)} characters; keep them to {WRITERS_MAX}.")
    key = refs.fold(clean)
    song = (await _songs_by_key(session, guild_id)).get(key)
    created = song is None or song.is_deleted
    if song is None:
        track = (await _release_tracks(session, guild_id)).get(key)
        song = await _new_song(session, guild_id, track.title if track else clean, now, track.isrc if track else None)
    song.deleted_at = None  # a removed song added again is back in the catalogue
    if secs is not None:
        song.duration_s = secs
    if code is not None:
        song.isrc = code
    if who is not None:
        song.writers = who
    await session.flush()
    return song, created


@dataclass(frozen=True)
class CatalogueEntry:
    """A line of ``/song list``: a song, or a release track not yet a song (``song`` None)."""

    title: str
    song: Song | None
    isrc: str | None
    duration_s: int | None
    writers: str | None


async def catalogue(session: AsyncSession, guild_id: int) -> list[CatalogueEntry]:
    """The server's songs (not removed) and the release tracks not yet among them, by title."""
    songs = {k: s for k, s in (await _songs_by_key(session, guild_id)).items() if not s.is_deleted}
    out = [CatalogueEntry(s.title, s, s.isrc, s.duration_s, s.writers) for s in songs.values()]
    for key, t in (await _release_tracks(session, guild_id)).items():
        if key not in songs:
            out.append(CatalogueEntry(t.title, None, t.isrc, None, None))
    return sorted(out, key=lambda e: refs.fold(e.title))


async def get_song(session: AsyncSession, guild_id: int, ref: str) -> Song:
    """The song ``ref`` (``#N`` or title) names (not removed).

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    return await refs.resolve(session, Song, guild_id, ref, noun="song", list_hint=LIST_HINT, visible=[Song.visible()])


async def remove_song(session: AsyncSession, guild_id: int, ref: str, *, actor: Actor | None, now: datetime) -> Song:
    """``/song remove`` (managers: the catalogue is shared): hidden from the catalogue; past set
    lists keep it. Not committed.

    Raises:
        Forbidden: not a manager.  NotFound / InvalidInput: unknown song.
    """
    await require_manager(session, guild_id, actor, "remove songs from the catalogue")
    song = await get_song(session, guild_id, ref)
    song.soft_delete(now)
    await session.flush()
    return song


async def song_autocomplete(session: AsyncSession, guild_id: int, query: str, limit: int = 25) -> list[tuple[str, str]]:
    """(label, value) pairs: ``#4 · Night Drive (3:45)``, ``#4``."""
    q = select(Song).where(Song.guild_id == guild_id, Song.visible())
    cond = refs.search_filter(Song, query)
    if cond is not None:
        q = q.where(cond)
    rows = await session.scalars(q.order_by(Song.search_key).limit(limit))
    return [
        (
            refs.choice_label(s.number, s.title, f" ({format_duration(s.duration_s)})" if s.duration_s else ""),
            f"#{s.number}",
        )
        for s in rows
    ]


async def title_autocomplete(session: AsyncSession, guild_id: int, query: str, limit: int = 25) -> list[str]:
    """Catalogue titles (songs and release tracks) containing ``query``, for ``/song add title``
    (picking one updates it; typing a new one adds it). Each ≤ 100 characters (a choice's limit)."""
    key = refs.fold(query)
    titles = [e.title for e in await catalogue(session, guild_id) if not key or key in refs.fold(e.title)]
    return [t for t in titles if len(t) <= 100][:limit]


def parse_lines(text: str) -> list[str]:
    """The modal's text -> titles, one per non-empty line; list numbering (``1.``, ``2)``) and
    bullets (``-``, ``•``) are dropped.

    Raises:
        InvalidInput: more than :data:`MAX_SONGS` songs, or a title over 200 characters.
    """
    titles = []
    for raw in text.splitlines():
        line = _BULLET_RE.sub("", raw).strip()
        if line:
            titles.append(line)
    if len(titles) > MAX_SONGS:
        raise InvalidInput(
            f"That set list has {len(titles)} lines; a set list holds at most {MAX_SONGS} songs. Nothing was saved."
        )
    return [_title(t) for t in titles]


@dataclass(frozen=True)
class Setlist:
    """A show's set list: songs in order, the new songs a save added, and the slot (seconds)."""

    show: Show
    songs: list[Song]
    added: list[Song]
    slot_s: int | None

    @property
    def total_s(self) -> int:
        """The sum of the known durations (seconds)."""
        return sum(s.duration_s or 0 for s in self.songs)

    @property
    def unknown(self) -> int:
        """Songs without a duration."""
        return sum(1 for s in self.songs if s.duration_s is None)


def slot_seconds(show: Show) -> int | None:
    """Set time to curfew, in seconds (DST- and after-midnight-aware), or None without both."""
    times = {k: at for k, _t, at, _late in tours.schedule_times(show)}
    curfew = tours.curfew_at(show)
    if "set_time" not in times or curfew is None:
        return None
    return int((curfew - times["set_time"]).total_seconds())


async def songs_of(session: AsyncSession, show: Show) -> list[Song]:
    """The show's set list in order."""
    rows = await session.execute(
        select(Song)
        .join(SetlistEntry, SetlistEntry.song_id == Song.id)
        .where(SetlistEntry.show_id == show.id)
        .order_by(SetlistEntry.position)
    )
    return list(rows.scalars())


async def _replace(session: AsyncSession, show: Show, songs: list[Song]) -> None:
    await session.execute(delete(SetlistEntry).where(SetlistEntry.show_id == show.id))
    session.add_all(
        SetlistEntry(show_id=show.id, guild_id=show.guild_id, position=n, song_id=s.id)
        for n, s in enumerate(songs, start=1)
    )
    await session.flush()


async def show_for_edit(session: AsyncSession, guild_id: int, show_ref: str, *, actor: Actor | None) -> Show:
    """The show whose set list ``actor`` is about to set (checked before the modal opens).

    Raises:
        NotFound / InvalidInput: unknown show.  Forbidden: not its author nor a manager.
    """
    show = await tours.get_show(session, guild_id, show_ref)
    await tours.require_can_change(session, show, actor)
    return show


async def set_setlist(
    session: AsyncSession, guild_id: int, show_id: int, text: str, *, actor: Actor | None, now: datetime
) -> Setlist:
    """Save the modal's text as the show's set list (replacing it); unknown titles become songs.
    Not committed.

    Raises:
        NotFound: the show is gone.  Forbidden: not its author nor a manager.
        InvalidInput: over :data:`MAX_SONGS` lines or an over-long title (nothing saved).
    """
    show = await session.scalar(select(Show).where(Show.id == show_id, Show.guild_id == guild_id, Show.visible()))
    if show is None:
        raise NotFound(f"That show no longer exists. See {tours.LIST_HINT}.")
    await tours.require_can_change(session, show, actor)
    titles = parse_lines(text)
    by_key = await _songs_by_key(session, guild_id)
    tracks = await _release_tracks(session, guild_id)
    songs: list[Song] = []
    added: list[Song] = []
    for title in titles:
        key = refs.fold(title)
        song = by_key.get(key)
        if song is None:
            track = tracks.get(key)
            song = await _new_song(
                session, guild_id, track.title if track else title, now, track.isrc if track else None
            )
            by_key[key] = song
            if track is None:
                added.append(song)
        elif song.is_deleted:
            song.deleted_at = None  # named in a set list: back in the catalogue
        songs.append(song)
    await _replace(session, show, songs)
    return Setlist(show, songs, added, slot_seconds(show))


async def get_setlist(session: AsyncSession, guild_id: int, show_ref: str) -> Setlist:
    """``/setlist show``.

    Raises:
        NotFound / InvalidInput: unknown show.
    """
    show = await tours.get_show(session, guild_id, show_ref)
    return Setlist(show, await songs_of(session, show), [], slot_seconds(show))


async def current_text(session: AsyncSession, show: Show) -> str:
    """The show's set list as modal text (one title per line), to edit it."""
    return "\n".join(s.title for s in await songs_of(session, show))


async def copy_setlist(
    session: AsyncSession, guild_id: int, from_ref: str, to_ref: str, *, actor: Actor | None
) -> tuple[Show, Setlist]:
    """``/setlist copy``: replace ``to``'s set list with ``from``'s. Not committed.

    Raises:
        NotFound / InvalidInput: unknown show, the same show, or an empty source.
        Forbidden: not ``to``'s author nor a manager.
    """
    src = await tours.get_show(session, guild_id, from_ref)
    dst = await tours.get_show(session, guild_id, to_ref)
    if src.id == dst.id:
        raise InvalidInput("Pick two different shows to copy between.")
    await tours.require_can_change(session, dst, actor)
    songs = await songs_of(session, src)
    if not songs:
        raise InvalidInput(f"Show #{src.number} has no set list yet; set one with `/setlist set show:#{src.number}`.")
    await _replace(session, dst, songs)
    return src, Setlist(dst, songs, [], slot_seconds(dst))


@dataclass(frozen=True)
class Performed:
    """One row of the live-performance return: a song performed at a show."""

    show: Show
    song: Song


def parse_day(text: str, tz, date_order: str, now: datetime) -> date:  # type: ignore[no-untyped-def]
    """A report bound: a date read like other dates, in the server's zone."""
    return parse_when(text, tz=tz, date_order=date_order, now=now).local.date()


async def report(
    session: AsyncSession, guild_id: int, *, from_text: str | None, to_text: str | None, now: datetime
) -> tuple[date | None, date, list[Performed]]:
    """``/setlist report``: songs performed at shows from ``from`` to ``to`` (inclusive; default all
    shows up to today), not cancelled, in date order. Returns (from, to, rows).

    Raises:
        InvalidInput: an unreadable date, or ``from`` after ``to``.
    """
    cfg = await get_config(session, guild_id)
    start = parse_day(from_text, cfg.tz, cfg.date_order, now) if from_text else None
    end = parse_day(to_text, cfg.tz, cfg.date_order, now) if to_text else now.astimezone(cfg.tz).date()
    if start is not None and start > end:
        raise InvalidInput(f"`from` ({tours.format_day(start)}) is after `to` ({tours.format_day(end)}).")
    q = (
        select(Show, Song)
        .join(SetlistEntry, SetlistEntry.show_id == Show.id)
        .join(Song, Song.id == SetlistEntry.song_id)
        .where(Show.guild_id == guild_id, Show.visible(), Show.status != ShowStatus.CANCELLED, Show.date <= end)
        .order_by(Show.date, Show.number, SetlistEntry.position)
    )
    if start is not None:
        q = q.where(Show.date >= start)
    rows = [Performed(show, song) for show, song in (await session.execute(q)).all()]
    return start, end, rows


def report_csv(rows: list[Performed]) -> bytes:
    """The return as CSV: date, venue, city, country, song, writers, isrc, duration (``m:ss``);
    UTF-8 with a BOM for spreadsheets."""
    buf = io.StringIO()
    w = csvsafe.writer(buf)
    w.writerow(REPORT_COLUMNS)
    for r in rows:
        w.writerow(
            [
                r.show.date.isoformat(),
                r.show.venue,
                r.show.city,
                r.show.country or "",
                r.song.title,
                r.song.writers or "",
                r.song.isrc or "",
                format_duration(r.song.duration_s),
            ]
        )
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
