"""SQLAlchemy 2 models. Every row that belongs to a server carries ``guild_id``.

Times are UTC-aware (:class:`~bot.db.types.UTCDateTime`); Discord ids are 64-bit integers.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

from bot.db.types import UTCDateTime

# Lengths shared by models and slash-command options (option max_length).
TITLE_MAX = 200
TEXT_MAX = 1000
METRIC_MAX = 40
NOTE_MAX = 300


class Base(AsyncAttrs, DeclarativeBase):
    """Declarative base for all Roadie tables."""


# --- statuses: stored as their string values (String(16) columns); compare equal to plain strings


class NudgeStatus(StrEnum):
    """A nudge's delivery state: pending -> sending (claimed) -> sent, or cancelled / failed /
    skipped (stale: no longer meaningful, ``Nudge.skip_reason`` says why)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"
    SKIPPED = "skipped"


class GoalStatus(StrEnum):
    """A goal is open until done; ``deleted`` goes with ``deleted_at`` (see :class:`SoftDelete`)."""

    OPEN = "open"
    DONE = "done"
    DELETED = "deleted"


class ReminderStatus(StrEnum):
    """A reminder waits (pending) until its nudge is sent or fails, unless it is cancelled."""

    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ShowStatus(StrEnum):
    """A show is confirmed, on hold (with a rank: 1st, 2nd, 3rd hold) or cancelled."""

    CONFIRMED = "confirmed"
    HOLD = "hold"
    CANCELLED = "cancelled"


# --- shared columns


class NumberedItem:
    """The columns every numbered guild item shares (goals, reminders, shows, releases, check-in
    schedules): its row ``id``, the ``guild_id`` it belongs to, the ``number`` (#N) users see per
    guild, the folded ``search_key`` autocomplete matches (``bot.services.refs.fold``), who made it
    and when. ``search_key_max`` is the key's column length (per table, as migrated)."""

    search_key_max: ClassVar[int] = TITLE_MAX

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @declared_attr
    def search_key(cls) -> Mapped[str]:
        return mapped_column(String(cls.search_key_max))


class SoftDelete:
    """The one soft-delete rule: an item is deleted when ``deleted_at`` (UTC) is set. Its row and
    everything hanging off it are kept (nothing a user stored is destroyed, its #N is never reused),
    it is hidden from every list, lookup and autocomplete (filter with :meth:`visible`), and its
    nudges are cancelled by the service that deletes it."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @classmethod
    def visible(cls) -> Any:
        """The WHERE clause that keeps deleted items out: ``deleted_at IS NULL``."""
        return cls.deleted_at.is_(None)

    @property
    def is_deleted(self) -> bool:
        """Whether :meth:`soft_delete` was applied."""
        return self.deleted_at is not None

    def soft_delete(self, now: datetime) -> None:
        """Mark deleted at ``now`` (UTC); the caller cancels its nudges."""
        self.deleted_at = now


class AppState(Base):
    """Key/value facts about the bot itself (e.g. the hash of the last command sync)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class GuildSettings(Base):
    """Per-guild settings. A guild without a row uses the defaults."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # None: not chosen, the time zone decides (bot.services.settings.default_date_order)
    date_order: Mapped[str | None] = mapped_column(String(16), nullable=True, default=None)
    nudge_channel_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)  # ISO 4217 default for money options
    business_channel_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # deal nudges only


class Goal(NumberedItem, SoftDelete, Base):
    """A career goal, optionally measurable (``target`` in units of ``metric``) and dated."""

    __tablename__ = "goals"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_goals_guild_number"),
        Index("ix_goals_guild_status", "guild_id", "status"),
    )

    title: Mapped[str] = mapped_column(String(TITLE_MAX))  # search_key: bot.services.refs.fold(title)
    metric: Mapped[str | None] = mapped_column(String(METRIC_MAX), nullable=True)
    target: Mapped[float | None] = mapped_column(Float, nullable=True)
    current: Mapped[float | None] = mapped_column(Float, nullable=True)
    owner_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)  # where it was created
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    due_has_time: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=GoalStatus.OPEN)  # a GoalStatus
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    progress: Mapped[list[GoalProgress]] = relationship(
        back_populates="goal",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="GoalProgress.id",
    )

    def soft_delete(self, now: datetime) -> None:
        """Mark deleted (``deleted_at``); the status says so too, as goals always have."""
        super().soft_delete(now)
        self.status = GoalStatus.DELETED


class GoalProgress(Base):
    """One measurement toward a goal's target."""

    __tablename__ = "goal_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX), nullable=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    goal: Mapped[Goal] = relationship(back_populates="progress")


class Reminder(NumberedItem, Base):
    """A one-off reminder; its delivery is a :class:`Nudge` row."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_reminders_guild_number"),
        Index("ix_reminders_guild_status", "guild_id", "status"),
    )

    search_key_max = TEXT_MAX  # bot.services.refs.fold(text)

    text: Mapped[str] = mapped_column(String(TEXT_MAX))
    channel_id: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=ReminderStatus.PENDING)  # a ReminderStatus


class Nudge(Base):
    """A message Roadie owes a channel at ``due_at`` (UTC). The source of truth for delivery.

    ``kind`` + ``ref_id`` say what it is about (``reminder``/reminders.id, ``goal_due``/goals.id);
    ``offset_days`` distinguishes the 7-day/1-day/on-the-day goal nudges. ``status`` moves
    pending -> sending (claimed) -> sent, or -> cancelled / failed / skipped (stale, see ``skip_reason``).
    ``nonce`` is stable per row so a resend after a crash is de-duplicated by Discord (``enforce_nonce``).
    ``batch_id`` is set when the row is claimed: rows delivered together in one message (same channel,
    due in the same second) share it (the id of the batch's first row), and the message's nonce is
    derived from it, so a resend of the batch after a crash is de-duplicated too (see
    ``bot.services.nudge_batches``).
    """

    __tablename__ = "nudges"
    __table_args__ = (
        Index("ix_nudges_status_due", "status", "due_at"),
        Index("ix_nudges_ref", "kind", "ref_id"),
        Index("ix_nudges_batch", "batch_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    offset_days: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default=NudgeStatus.PENDING)  # a NudgeStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    skip_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)  # status "skipped": why
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # who the delivered message pinged ("1,2"; set when rendered): who may snooze it, whom a snooze pings
    pinged_user_ids: Mapped[str | None] = mapped_column(String(500), nullable=True)

    @property
    def pinged(self) -> tuple[int, ...]:
        """The user ids this nudge's message pinged (empty before delivery or when it pinged nobody)."""
        return tuple(int(x) for x in (self.pinged_user_ids or "").split(",") if x)

    @property
    def nonce(self) -> str:
        """Stable Discord nonce of the message carrying this nudge (≤ 25 chars, Discord API docs):
        its batch's (the batch's first row id), or its own before it was claimed."""
        return f"roadie-n{self.batch_id or self.id}"


class Show(NumberedItem, SoftDelete, Base):
    """A show on the tour: a local date and local times at the venue, in the venue's zone.

    ``date`` and the times are the venue's wall clock (never converted), so a show can't shift
    day when rendered; UTC instants are derived with ``timezone`` only for Discord timestamps and
    nudges. ``status`` is ``hold`` (with ``hold_rank`` 1, 2, 3…), ``confirmed`` or ``cancelled``;
    deleted shows are kept with ``deleted_at`` set. ``uid`` is the iCalendar UID (imported, or
    generated) used to match re-imports and to export a stable UID.
    """

    __tablename__ = "shows"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_shows_guild_number"),
        Index("ix_shows_guild_date", "guild_id", "date"),
        Index("ix_shows_guild_uid", "guild_id", "uid"),
    )

    search_key_max = 300  # fold("venue city")

    uid: Mapped[str] = mapped_column(String(255))
    date: Mapped[date] = mapped_column(Date)
    city: Mapped[str] = mapped_column(String(100))
    venue: Mapped[str] = mapped_column(String(150))
    country: Mapped[str | None] = mapped_column(String(100), nullable=True)
    region: Mapped[str | None] = mapped_column(String(100), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    load_in: Mapped[time | None] = mapped_column(Time, nullable=True)
    soundcheck: Mapped[time | None] = mapped_column(Time, nullable=True)
    doors: Mapped[time | None] = mapped_column(Time, nullable=True)
    set_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    curfew: Mapped[time | None] = mapped_column(Time, nullable=True)  # venue time the set must end by
    status: Mapped[str] = mapped_column(String(16), default=ShowStatus.CONFIRMED)  # a ShowStatus
    hold_rank: Mapped[int | None] = mapped_column(Integer, nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ticket_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    notes: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    support: Mapped[str | None] = mapped_column(String(300), nullable=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    discord_event_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # its Scheduled Event


class Release(NumberedItem, SoftDelete, Base):
    """A single, EP or album with a release date (a calendar date in the guild's zone)."""

    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_releases_guild_number"),
        Index("ix_releases_guild_date", "guild_id", "release_date"),
    )

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    kind: Mapped[str] = mapped_column(String(16))  # single | ep | album
    release_date: Mapped[date] = mapped_column(Date)
    distributor: Mapped[str | None] = mapped_column(String(100), nullable=True)
    upc: Mapped[str | None] = mapped_column(String(14), nullable=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)

    tasks: Mapped[list[ReleaseTask]] = relationship(
        back_populates="release",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReleaseTask.position",
    )


class ReleaseTask(Base):
    """A checklist task. Due ``days_before`` the release date (negative: after), or on ``due_date``.

    ``position`` is the task's #N within its release. ``done_by``/``done_at`` record the tick.
    """

    __tablename__ = "release_tasks"
    __table_args__ = (UniqueConstraint("release_id", "position", name="uq_release_tasks_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    search_key: Mapped[str] = mapped_column(String(TITLE_MAX))
    section: Mapped[str] = mapped_column(String(32))
    days_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    owner_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    key: Mapped[str | None] = mapped_column(String(40), nullable=True)  # template task key, e.g. masters-delivered
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX), nullable=True)  # why it was ticked (automatic ticks)
    done_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    release: Mapped[Release] = relationship(back_populates="tasks")


class GuildRole(Base):
    """Maps a Roadie role (``manager``, ``artist``, ``producer``, ``label``) to a Discord role."""

    __tablename__ = "guild_roles"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    role_id: Mapped[int] = mapped_column(BigInteger)


class CheckinSchedule(NumberedItem, SoftDelete, Base):
    """A weekly rule: a check-in prompt (or a digest) every ``weekday`` (0 = Monday) at
    ``local_time`` in the guild's zone, posted in ``channel_id``, pinging ``role_id`` (prompts).

    ``last_prompt_at`` (UTC) is when the latest prompt went out; the next one is a nudge row.
    """

    __tablename__ = "checkin_schedules"
    __table_args__ = (UniqueConstraint("guild_id", "number", name="uq_checkin_schedules_guild_number"),)

    search_key_max = 100

    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)  # (indexed here, as migrated)
    kind: Mapped[str] = mapped_column(String(16), default="prompt")  # prompt | digest
    weekday: Mapped[int] = mapped_column(Integer)
    local_time: Mapped[time] = mapped_column(Time)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    role_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    last_prompt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Checkin(Base):
    """A structured update: wins, blockers, next steps and an optional link."""

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_guild_created", "guild_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    author_id: Mapped[int] = mapped_column(BigInteger)
    wins: Mapped[str] = mapped_column(String(1000))
    blockers: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    next_steps: Mapped[str] = mapped_column(String(1000))
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    schedule_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the private wellbeing pulse (1-5, None: not answered): shown only to its author and managers
    pulse: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PulseAlert(Base):
    """Managers were told that ``member_id``'s two latest pulses were low (≤ 2), once per low streak.

    ``checkin_id`` is the check-in that made it two. ``channel_id`` is the business channel the
    nudge went to (None: there was none, so the next manager to use ``/checkin`` sees an ephemeral
    notice, and ``noticed_at`` records when). The member is named; nothing they wrote is.
    """

    __tablename__ = "pulse_alerts"
    __table_args__ = (Index("ix_pulse_alerts_guild_noticed", "guild_id", "noticed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class GuildEvents(Base):
    """Per guild: whether confirmed shows become Discord Scheduled Events (``enabled``, default on),
    the act's name for event titles (None: the server's name), and when Roadie last said it lacks
    Manage Events (``warned_at``; said once, cleared when an event goes through again)."""

    __tablename__ = "guild_events"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    act_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NudgeSnooze(Base):
    """A delivered nudge, snoozed once (``nudge_id`` is unique): by whom, to which ``choice``
    (``1h``, ``tomorrow``, ``week``) and ``due_at`` (UTC). The snoozed copy is a new nudge
    (kind ``snoozed``, ``ref_id`` = this row) that posts ``content`` (the message as it was) again,
    pinging ``user_ids`` (whoever the original pinged)."""

    __tablename__ = "nudge_snoozes"
    __table_args__ = (UniqueConstraint("nudge_id", name="uq_nudge_snoozes_nudge"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    nudge_id: Mapped[int] = mapped_column(ForeignKey("nudges.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    choice: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_ids: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TeamMember(Base):
    """An explicit team membership: ``active`` True (added) or False (removed: never counted)."""

    __tablename__ = "team_members"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReleaseTrack(Base):
    """A track of a release, in order, with its ISRC (ISO 3901: CC-XXX-YY-NNNNN)."""

    __tablename__ = "release_tracks"
    __table_args__ = (UniqueConstraint("release_id", "position", name="uq_release_tracks_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    isrc: Mapped[str | None] = mapped_column(String(12), nullable=True)


class SessionStatus(StrEnum):
    """A studio session is booked until cancelled (a cancelled one gets no nudges and no costs)."""

    BOOKED = "booked"
    CANCELLED = "cancelled"


class StudioSession(NumberedItem, Base):
    """A recording session for a release at a studio, on a local ``date`` from ``start`` to ``end``
    in ``timezone`` (the server's unless given). ``start_at``/``end_at`` are the UTC instants (an end
    at or before the start is on the next day). ``day_rate_minor`` is in the release budget's
    currency (integer minor units). ``costs_posted_at`` is set once the day rate and fees became
    budget expenses (after the session's day passed). ``status``: ``booked`` or ``cancelled``.
    """

    __tablename__ = "studio_sessions"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_studio_sessions_guild_number"),
        Index("ix_studio_sessions_guild_start", "guild_id", "start_at"),
    )
    search_key_max = 300  # fold("studio release title")

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    studio: Mapped[str] = mapped_column(String(100))
    studio_key: Mapped[str] = mapped_column(String(100))  # fold(studio): overlap check
    date: Mapped[date] = mapped_column(Date)
    start: Mapped[time] = mapped_column(Time)
    end: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    engineer_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    engineer_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    day_rate_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    notes: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=SessionStatus.BOOKED)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    costs_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    musicians: Mapped[list[SessionMusician]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SessionMusician.call_at, SessionMusician.id",
    )


class SessionMusician(Base):
    """A session musician: a member (``user_id``) or a name, an instrument, a call time (UTC
    instant; local wall clock in the session's zone) and a fee (minor units, budget currency)."""

    __tablename__ = "session_musicians"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("studio_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    name_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    instrument: Mapped[str] = mapped_column(String(60))
    call_time: Mapped[time | None] = mapped_column(Time, nullable=True)  # None: the session's start
    call_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fee_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    session: Mapped[StudioSession] = relationship(back_populates="musicians")


class TrackStageChange(Base):
    """One move of a track to a production stage (the latest is where it stands); history kept."""

    __tablename__ = "track_stage_changes"
    __table_args__ = (Index("ix_track_stage_changes_track", "track_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("release_tracks.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX), nullable=True)
    by_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Budget(Base):
    """A release's recording budget: one currency (ISO 4217), fixed by the first ``/budget set``."""

    __tablename__ = "budgets"

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BudgetLine(Base):
    """A budget line (``studio``, ``musicians``, …) with its amount in minor units.

    ``alert_level`` (0, 90 or 100) is the highest threshold already nudged for; it drops back when
    spending falls (or the amount rises) below it, so the next crossing nudges again.
    """

    __tablename__ = "budget_lines"
    __table_args__ = (UniqueConstraint("release_id", "line", name="uq_budget_lines_release_line"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    line: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    alert_level: Mapped[int] = mapped_column(Integer, default=0)


class Expense(Base):
    """Money spent on a release's budget line (minor units of the budget currency).

    ``number`` is the expense's #N within its release. Expenses posted from a studio session carry
    ``session_id`` (and ``musician_id`` for a fee; none for the day rate). Removed ones keep the row
    with ``deleted_at``.
    """

    __tablename__ = "expenses"
    __table_args__ = (
        UniqueConstraint("release_id", "number", name="uq_expenses_release_number"),
        Index("ix_expenses_session", "session_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    line: Mapped[str] = mapped_column(String(16))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    what: Mapped[str] = mapped_column(String(200))
    search_key: Mapped[str] = mapped_column(String(200))
    spent_on: Mapped[date] = mapped_column(Date)
    session_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    musician_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# --- tour business: settlement, guest list, advancing, set lists ----------------------------------


class ShowTerms(Base):
    """The deal a show is settled against (one per show). Money in integer minor units of ``currency``.

    ``kind``: ``guarantee`` | ``door`` | ``versus`` | ``plus`` (see :mod:`bot.services.settlement`).
    ``percentage_bp`` is the artist's percentage in hundredths of a percent (``8000`` = 80.00 %).
    """

    __tablename__ = "show_terms"

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    guarantee_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    percentage_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    break_even_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    set_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Settlement(Base):
    """The night's settlement of a show (one per show; settling again replaces it).

    The terms are copied in (``kind`` … ``break_even_minor``) so a later change of terms never
    rewrites a settled night. Money in integer minor units of ``currency``; ``comps`` is a count of
    complimentary tickets.
    """

    __tablename__ = "settlements"

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    guarantee_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    percentage_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    break_even_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tickets_sold: Mapped[int] = mapped_column(Integer)
    gross_minor: Mapped[int] = mapped_column(BigInteger)
    expenses_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    merch_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    comps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payout_minor: Mapped[int] = mapped_column(BigInteger)
    settled_by: Mapped[int] = mapped_column(BigInteger)
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuestList(Base):
    """A show's guest list settings: the allowance per member and when it closed (UTC, or None)."""

    __tablename__ = "guest_lists"

    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    per_member: Mapped[int] = mapped_column(Integer, default=2)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class Guest(Base):
    """A guest on a show's list, requested by a member; counts ``1 + plus_ones`` of their allowance."""

    __tablename__ = "guests"
    __table_args__ = (UniqueConstraint("show_id", "number", name="uq_guests_show_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    search_key: Mapped[str] = mapped_column(String(100))
    plus_ones: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    requested_by: Mapped[int] = mapped_column(BigInteger)
    requested_by_name: Mapped[str] = mapped_column(String(100))  # display name when asked (for the box office)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdvanceItem(Base):
    """An advance checklist item of a show: due ``days_before`` the show's (venue) date, or on
    ``due_date``. ``position`` is its #N within the show; ``done_by``/``done_at`` record the tick."""

    __tablename__ = "advance_items"
    __table_args__ = (UniqueConstraint("show_id", "position", name="uq_advance_items_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    search_key: Mapped[str] = mapped_column(String(TITLE_MAX))
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    days_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    custom: Mapped[bool] = mapped_column(Boolean, default=False)
    done_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AdvanceContact(Base):
    """Who to call for a show: a role (promoter, production, ...), a name, phone (E.164) and e-mail."""

    __tablename__ = "advance_contacts"
    __table_args__ = (UniqueConstraint("show_id", "number", name="uq_advance_contacts_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    search_key: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)


class Song(SoftDelete, Base):
    """A song of the server's catalogue (``/song``; release tracks join it when a set list or
    ``/song add`` names them). ``duration_s`` in seconds; removed songs are kept (``deleted_at``)
    so past set lists and live-performance reports still name them."""

    __tablename__ = "songs"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_songs_guild_number"),
        Index("ix_songs_guild_key", "guild_id", "search_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    search_key: Mapped[str] = mapped_column(String(TITLE_MAX))
    duration_s: Mapped[int | None] = mapped_column(Integer, nullable=True)
    isrc: Mapped[str | None] = mapped_column(String(12), nullable=True)
    writers: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SetlistEntry(Base):
    """The song at ``position`` (1, 2, …) of a show's set list."""

    __tablename__ = "setlist_entries"
    __table_args__ = (UniqueConstraint("show_id", "position", name="uq_setlist_entries_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
    song_id: Mapped[int] = mapped_column(ForeignKey("songs.id", ondelete="CASCADE"), index=True)


# --- promotion (issue #17): outlets, pitches with their history and results


class OutletKind(StrEnum):
    """What kind of media an outlet is."""

    RADIO = "radio"
    PRESS = "press"
    BLOG = "blog"
    PLAYLIST = "playlist"
    PODCAST = "podcast"
    TV = "tv"
    INFLUENCER = "influencer"
    OTHER = "other"


class PitchStatus(StrEnum):
    """Where a pitch stands: to-pitch -> pitched -> followed-up -> replied -> accepted -> published /
    added (playlist) / aired (radio/TV); or passed / no-reply."""

    TO_PITCH = "to-pitch"
    PITCHED = "pitched"
    FOLLOWED_UP = "followed-up"
    REPLIED = "replied"
    ACCEPTED = "accepted"
    PUBLISHED = "published"
    ADDED = "added"
    AIRED = "aired"
    PASSED = "passed"
    NO_REPLY = "no-reply"


class ResultKind(StrEnum):
    """What came of a pitch: spins (airplay), followers (playlist), audience (reach), article (a link)."""

    SPINS = "spins"
    FOLLOWERS = "followers"
    AUDIENCE = "audience"
    ARTICLE = "article"


class Outlet(NumberedItem, SoftDelete, Base):
    """A media contact of the server: a station, publication, blog, playlist, podcast, show or person."""

    __tablename__ = "promo_outlets"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_promo_outlets_guild_number"),
        Index("ix_promo_outlets_guild_email", "guild_id", "email"),
    )

    search_key_max = 200  # bot.services.refs.fold(name)

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # an OutletKind
    contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)  # lower-cased
    handle: Mapped[str | None] = mapped_column(String(300), nullable=True)
    region: Mapped[str | None] = mapped_column(String(100), nullable=True)
    notes: Mapped[str | None] = mapped_column(String(1000), nullable=True)


class Pitch(NumberedItem, Base):
    """A release pitched to an outlet. ``owner_id`` is who follows it up (who pitched it).

    ``pitched_at`` (UTC) starts the follow-up clock; ``followup_due_at`` (UTC) is when the next
    follow-up step is due (None: nothing planned) and ``followup_stage`` says which: 0 the
    follow-up nudge, 1 the ``no-reply`` transition, 2 done.
    """

    __tablename__ = "promo_pitches"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_promo_pitches_guild_number"),
        UniqueConstraint("release_id", "outlet_id", name="uq_promo_pitches_release_outlet"),
        Index("ix_promo_pitches_release_due", "release_id", "followup_due_at"),
    )

    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("promo_outlets.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=PitchStatus.PITCHED)  # a PitchStatus
    pitched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX), nullable=True)
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    followup_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    followup_stage: Mapped[int] = mapped_column(Integer, default=0)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    outlet: Mapped[Outlet] = relationship(lazy="joined")
    events: Mapped[list[PitchEvent]] = relationship(
        back_populates="pitch", cascade="all, delete-orphan", passive_deletes=True, order_by="PitchEvent.id"
    )
    results: Mapped[list[PitchResult]] = relationship(
        back_populates="pitch", cascade="all, delete-orphan", passive_deletes=True, order_by="PitchResult.id"
    )


class PitchEvent(Base):
    """One status change of a pitch: who (None: Roadie itself) and when (UTC), with a note/link."""

    __tablename__ = "promo_pitch_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("promo_pitches.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # a PitchStatus
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX), nullable=True)
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    pitch: Mapped[Pitch] = relationship(back_populates="events")


class PitchResult(Base):
    """What came of a pitch: ``kind`` (a ResultKind), a whole-number ``value``, an optional link."""

    __tablename__ = "promo_pitch_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pitch_id: Mapped[int] = mapped_column(ForeignKey("promo_pitches.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    author_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    pitch: Mapped[Pitch] = relationship(back_populates="results")


class PromoSettings(Base):
    """Per-guild promotion settings: days before a pitch is followed up (``/promo follow-up``)."""

    __tablename__ = "promo_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    follow_up_days: Mapped[int] = mapped_column(Integer, default=7)


class DealStatus(StrEnum):
    """Where a deal stands: lead -> offer -> negotiating -> signed -> active -> completed (the
    pipeline), or declined / expired. Declined, expired and completed deals are closed: no nudges."""

    LEAD = "lead"
    OFFER = "offer"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    ACTIVE = "active"
    COMPLETED = "completed"
    DECLINED = "declined"
    EXPIRED = "expired"


class Deal(NumberedItem, SoftDelete, Base):
    """A negotiation or contract (show offer, record deal, sync licence, ...): confidential.

    Only managers and ``owner_id`` see or change it. Money is exact: ``value_minor`` and
    ``guarantee_minor`` are integer minor units of ``currency`` (ISO 4217); ``percentage_bp`` is the
    show offer's percentage in basis points (``12.50 %`` -> 1250). ``show_id`` links a show offer to
    its show. ``status`` is a :class:`DealStatus`; every change is a :class:`DealStatusChange`.
    Deleted deals are kept with ``deleted_at`` set (:class:`SoftDelete`).
    """

    __tablename__ = "deals"
    __table_args__ = (
        UniqueConstraint("guild_id", "number", name="uq_deals_guild_number"),
        Index("ix_deals_guild_status", "guild_id", "status"),
    )

    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    kind: Mapped[str] = mapped_column(String(16))
    counterparty: Mapped[str] = mapped_column(String(TITLE_MAX))
    status: Mapped[str] = mapped_column(String(16), default=DealStatus.LEAD)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    value_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    guarantee_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    percentage_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    settle_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="SET NULL"), nullable=True)
    owner_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    history: Mapped[list[DealStatusChange]] = relationship(
        back_populates="deal", cascade="all, delete-orphan", passive_deletes=True, order_by="DealStatusChange.id"
    )
    dates: Mapped[list[DealDate]] = relationship(
        back_populates="deal", cascade="all, delete-orphan", passive_deletes=True, order_by="DealDate.position"
    )


class DealStatusChange(Base):
    """One step of a deal's history: ``from_status`` (None when created) -> ``to_status``, by whom, when, why."""

    __tablename__ = "deal_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(NOTE_MAX), nullable=True)
    actor_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    deal: Mapped[Deal] = relationship(back_populates="history")


class DealDate(Base):
    """A deal's key date (a calendar date in the guild's zone): ``what`` is ``offer-expires``, ...,
    or ``other`` with a ``label``. ``position`` is its #N within the deal. Nudged 14 and 3 days
    before and on the day at 09:00 guild time, in the business channel."""

    __tablename__ = "deal_dates"
    __table_args__ = (UniqueConstraint("deal_id", "position", name="uq_deal_dates_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    what: Mapped[str] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    date: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    deal: Mapped[Deal] = relationship(back_populates="dates")


class TrackSplit(Base):
    """One party's share of a track: a member (``member_id``) or a ``name`` (exactly one is the key).

    ``party_key`` is ``u:<member id>`` or ``n:<folded name>`` (one row per party per track);
    ``name`` is the name shown and written to the split sheet (a member's display name when set).
    ``share_bp`` is the share in basis points, exact: ``33.33 %`` -> 3333; a track is complete at
    10000. ``role`` is ``songwriter``, ``composer``, ``lyricist``, ``producer``, ``performer`` or
    ``publisher``.
    """

    __tablename__ = "track_splits"
    __table_args__ = (UniqueConstraint("track_id", "party_key", name="uq_track_splits_party"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("release_tracks.id", ondelete="CASCADE"), index=True)
    party_key: Mapped[str] = mapped_column(String(120))
    member_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    share_bp: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
