"""Splits: who owns which share of each track of a release, exactly, and a split sheet that adds up.

A share is a percentage with at most two decimals (``33.33``), stored exactly as basis points
(``3333``; a track is complete at :data:`FULL` = 10000, i.e. 100.00 %), so 33.33 + 33.33 + 33.34 is
100.00 and never 99.99999. A party is a member (keyed by id) or a name (keyed by its folded form);
setting the same party again changes its share. Splits are visible to the team; changing them is
for managers and the ``label`` Roadie role. The ``.csv`` split sheet (track, ISRC, party, role,
share) is refused while any track doesn't total exactly 100.00 %. Discord-free; nothing here commits.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import csvsafe
from bot.db.models import Release, ReleaseTrack, TrackSplit
from bot.money import parse_percent
from bot.services import refs
from bot.services.errors import Forbidden, InvalidInput, NotFound
from bot.services.permissions import Actor, is_manager, role_map
from bot.services.releases import get_release, tracks_of
from bot.textfmt import CHOICE_NAME_MAX, truncate

ROLES = ("songwriter", "composer", "lyricist", "producer", "performer", "publisher")
FULL = 10000  # basis points in 100.00 %
NAME_MAX = 100
MAX_PARTIES = 50
SHEET_HEADER = ("track", "ISRC", "party", "role", "share")


@dataclass
class TrackSplits:
    """One track and its parties, with the exact total in basis points."""

    track: ReleaseTrack
    splits: list[TrackSplit] = field(default_factory=list)

    @property
    def total_bp(self) -> int:
        """Sum of the shares, basis points (10000 = 100.00 %)."""
        return sum(s.share_bp for s in self.splits)

    @property
    def complete(self) -> bool:
        """True when the shares total exactly 100.00 %."""
        return self.total_bp == FULL


def bp_to_decimal(bp: int) -> Decimal:
    """``3333`` -> ``Decimal("33.33")`` (exact)."""
    return (Decimal(bp) / 100).quantize(Decimal("0.01"))


def format_share(bp: int) -> str:
    """``3333`` -> ``33.33 %``."""
    return f"{bp_to_decimal(bp)} %"


def describe_difference(total_bp: int) -> str:
    """How far a total is from 100.00 %: ``+1.50 % over``, ``2.00 % missing``, or ``complete``."""
    diff = total_bp - FULL
    if diff > 0:
        return f"+{format_share(diff)} over"
    if diff < 0:
        return f"{format_share(-diff)} missing"
    return "complete"


async def require_can_edit(session: AsyncSession, guild_id: int, actor: Actor | None) -> None:
    """Raise :class:`Forbidden` unless ``actor`` is a manager or holds the mapped ``label`` role
    (None: a trusted caller)."""
    if actor is None or await is_manager(session, guild_id, actor):
        return
    label = (await role_map(session, guild_id)).get("label")
    if label is not None and label in actor.role_ids:
        return
    raise Forbidden("Only managers and the label can change splits (roles: see `/settings show`).")


def resolve_track(release: Release, tracks: list[ReleaseTrack], ref: str) -> ReleaseTrack:
    """The track of ``release`` that ``ref`` (``#N``, N, or title text) names.

    Raises:
        NotFound: no such track (the message says how to add tracks).
        InvalidInput: several tracks match.
    """
    ref = " ".join((ref or "").split())
    if not tracks:
        raise NotFound(
            f"Release #{release.number} has no tracks yet. Add them with "
            f"`/release track release:#{release.number} title:…`."
        )
    number = refs.as_number(ref)
    if number is not None:
        for t in tracks:
            if t.position == number:
                return t
    key = refs.fold(ref)
    exact = [t for t in tracks if refs.fold(t.title) == key]
    cands = exact or [t for t in tracks if key and key in refs.fold(t.title)]
    if len(cands) == 1:
        return cands[0]
    if not cands:
        raise NotFound(f"Release #{release.number} has no track matching `{ref[:60]}`. Pick one from the list.")
    raise InvalidInput(
        f"`{ref[:60]}` matches several tracks ({', '.join(f'#{t.position}' for t in cands[:5])}). "
        "Pick one from the list."
    )


async def _splits_of(session: AsyncSession, track_ids: list[int]) -> dict[int, list[TrackSplit]]:
    if not track_ids:
        return {}
    rows = await session.scalars(
        select(TrackSplit).where(TrackSplit.track_id.in_(track_ids)).order_by(TrackSplit.share_bp.desc(), TrackSplit.id)
    )
    out: dict[int, list[TrackSplit]] = {t: [] for t in track_ids}
    for r in rows:
        out[r.track_id].append(r)
    return out


def _party(member_id: int | None, member_name: str | None, name: str | None) -> tuple[str, int | None, str]:
    """(party_key, member_id, display name) for exactly one of a member or a name."""
    has_name = name is not None and name.strip() != ""
    if (member_id is None) == (not has_name):
        raise InvalidInput("Give exactly one party: a `member`, or a `name` for someone who isn't on the server.")
    if member_id is not None:
        shown = " ".join((member_name or "").split())[:NAME_MAX] or f"member {member_id}"
        return f"u:{member_id}", member_id, shown
    clean = " ".join((name or "").split())
    if len(clean) > NAME_MAX:
        raise InvalidInput(f"The name is {len(clean)} characters; keep it to {NAME_MAX}.")
    return f"n:{refs.fold(clean)}", None, clean


async def set_split(
    session: AsyncSession,
    guild_id: int,
    release_ref: str,
    track_ref: str,
    share: str,
    *,
    actor: Actor | None,
    now: datetime,
    member_id: int | None = None,
    member_name: str | None = None,
    name: str | None = None,
    role: str | None = None,
) -> tuple[Release, TrackSplits, TrackSplit, bool]:
    """Set one party's share of a track (``share``: ``"33.33"``, more than 0, at most 100, two
    decimals at most); the same party again changes its share (and role, if given; a new party's
    role defaults to ``songwriter``). ``member_name`` is the member's display name, written on the
    split sheet. Returns the release, the track's splits after the change, the split, and True
    when the party is new. Not committed.

    Raises:
        NotFound: unknown release or track.
        InvalidInput: bad share, role or party (not exactly one of member/name).
        Forbidden: ``actor`` is neither a manager nor the label.
    """
    await require_can_edit(session, guild_id, actor)
    share_bp = int(parse_percent(share, what="share", allow_zero=False) * 100)
    r = None if role is None else role.strip().lower()
    if r is not None and r not in ROLES:
        raise InvalidInput(f"Role must be one of {', '.join(f'`{x}`' for x in ROLES)}.")
    key, mid, shown = _party(member_id, member_name, name)
    release = await get_release(session, guild_id, release_ref)
    tracks = await tracks_of(session, release)
    track = resolve_track(release, tracks, track_ref)
    current = (await _splits_of(session, [track.id]))[track.id]
    split = next((s for s in current if s.party_key == key), None)
    created = split is None
    if split is None:
        if len(current) >= MAX_PARTIES:
            raise InvalidInput(f"Track #{track.position} already has {MAX_PARTIES} parties.")
        split = TrackSplit(
            guild_id=guild_id,
            release_id=release.id,
            track_id=track.id,
            party_key=key,
            member_id=mid,
            name=shown,
            role=r or "songwriter",
            share_bp=share_bp,
            author_id=actor.user_id if actor else 0,
            updated_at=now,
        )
        session.add(split)
    else:
        split.share_bp, split.updated_at, split.name = share_bp, now, shown
        if r is not None:
            split.role = r
    await session.flush()
    after = (await _splits_of(session, [track.id]))[track.id]
    return release, TrackSplits(track, after), split, created


def resolve_party(ts: TrackSplits, ref: str) -> TrackSplit:
    """The split of ``ts`` that ``ref`` names: ``id:N`` (autocomplete), a mention ``<@id>``, a member
    id, or the party's name.

    Raises:
        NotFound / InvalidInput: none or several match.
    """
    raw = " ".join((ref or "").split())
    for s in ts.splits:
        if raw == f"id:{s.id}":
            return s
    digits = raw.strip("<@!>")
    if digits.isdigit():
        for s in ts.splits:
            if s.member_id == int(digits):
                return s
    key = refs.fold(raw.lstrip("@"))
    cands = [s for s in ts.splits if refs.fold(s.name) == key] or [
        s for s in ts.splits if key and key in refs.fold(s.name)
    ]
    if len(cands) == 1:
        return cands[0]
    if not cands:
        raise NotFound(f"Track #{ts.track.position} has no party matching `{raw[:60]}`. Pick one from the list.")
    raise InvalidInput(f"`{raw[:60]}` matches several parties of track #{ts.track.position}. Pick one from the list.")


async def remove_split(
    session: AsyncSession, guild_id: int, release_ref: str, track_ref: str, party: str, *, actor: Actor | None
) -> tuple[Release, TrackSplits, TrackSplit]:
    """Remove a party from a track. Returns the release, the track's splits after, and the removed
    split. Not committed.

    Raises:
        NotFound / InvalidInput: unknown release, track or party.
        Forbidden: ``actor`` is neither a manager nor the label.
    """
    await require_can_edit(session, guild_id, actor)
    release = await get_release(session, guild_id, release_ref)
    track = resolve_track(release, await tracks_of(session, release), track_ref)
    ts = TrackSplits(track, (await _splits_of(session, [track.id]))[track.id])
    split = resolve_party(ts, party)
    await session.delete(split)
    await session.flush()
    ts.splits = [s for s in ts.splits if s.id != split.id]
    return release, ts, split


async def overview(
    session: AsyncSession, guild_id: int, release_ref: str, track_ref: str | None = None
) -> tuple[Release, list[TrackSplits]]:
    """Every track of the release (or just ``track_ref``) with its splits: tracks that don't total
    exactly 100.00 % first (in track order), then the complete ones.

    Raises:
        NotFound / InvalidInput: unknown release or track; a release without tracks.
    """
    release = await get_release(session, guild_id, release_ref)
    tracks = await tracks_of(session, release)
    if track_ref is not None:
        tracks = [resolve_track(release, tracks, track_ref)]
    elif not tracks:
        raise NotFound(
            f"Release #{release.number} has no tracks yet. Add them with "
            f"`/release track release:#{release.number} title:…`, then set their splits."
        )
    by_track = await _splits_of(session, [t.id for t in tracks])
    items = [TrackSplits(t, by_track[t.id]) for t in tracks]
    items.sort(key=lambda ts: (ts.complete, ts.track.position))
    return release, items


async def sheet(session: AsyncSession, guild_id: int, release_ref: str) -> tuple[Release, str, int]:
    """The release's split sheet as CSV text (UTF-8, header :data:`SHEET_HEADER`; shares like
    ``33.33``, no ``%``), and how many rows it has. One row per party per track, in track order.

    Raises:
        NotFound: unknown release, or no tracks.
        InvalidInput: some track doesn't total exactly 100.00 % (the message lists each one with
            its difference).
    """
    release, items = await overview(session, guild_id, release_ref)
    bad = [ts for ts in items if not ts.complete]
    if bad:
        lines = [
            f"• #{ts.track.position} {ts.track.title[:80]}: {format_share(ts.total_bp)} "
            f"({describe_difference(ts.total_bp)})"
            for ts in bad[:15]
        ]
        if len(bad) > 15:
            lines.append(f"• …and {len(bad) - 15} more")
        raise InvalidInput(
            "The split sheet needs every track to total exactly 100.00 %. Fix these with `/split set` "
            "or `/split remove`:\n" + "\n".join(lines)
        )
    buf = io.StringIO()
    w = csvsafe.writer(buf, lineterminator="\r\n")
    w.writerow(SHEET_HEADER)
    rows = 0
    for ts in sorted(items, key=lambda x: x.track.position):
        for s in ts.splits:
            w.writerow((ts.track.title, ts.track.isrc or "", s.name, s.role, str(bp_to_decimal(s.share_bp))))
            rows += 1
    return release, buf.getvalue(), rows


async def track_autocomplete(
    session: AsyncSession, guild_id: int, release_ref: str, query: str, limit: int = 25
) -> list[tuple[str, str]]:
    """(label, value) pairs for the tracks of the release ``release_ref`` names: ``#1 · Night Drive``, ``#1``."""
    if not release_ref.strip():
        return []
    try:
        release = await get_release(session, guild_id, release_ref)
    except (NotFound, InvalidInput):
        return []
    key = refs.fold(query.strip().lstrip("#"))
    out = []
    for t in await tracks_of(session, release):
        if key and key not in refs.fold(t.title) and key != str(t.position):
            continue
        out.append((refs.choice_label(t.position, t.title), f"#{t.position}"))
    return out[:limit]


async def party_autocomplete(
    session: AsyncSession, guild_id: int, release_ref: str, track_ref: str, query: str, limit: int = 25
) -> list[tuple[str, str]]:
    """(label, value) pairs for the parties of a track: ``Ana Ruiz · songwriter · 50.00 %``, ``id:12``."""
    if not release_ref.strip() or not track_ref.strip():
        return []
    try:
        release = await get_release(session, guild_id, release_ref)
        track = resolve_track(release, await tracks_of(session, release), track_ref)
    except (NotFound, InvalidInput):
        return []
    key = refs.fold(query)
    out = []
    for s in (await _splits_of(session, [track.id]))[track.id]:
        if key and key not in refs.fold(s.name):
            continue
        label = f"{s.name} · {s.role} · {format_share(s.share_bp)}"
        out.append((truncate(label, CHOICE_NAME_MAX), f"id:{s.id}"))
    return out[:limit]
