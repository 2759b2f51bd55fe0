"""What ``/checkin`` shows: the check-in form, its restart-proof "Post my check-in" button, the
posted check-in, schedules, history pages and the team replies.

Modal limits (Discord API docs): title ≤ 45 chars, ≤ 5 inputs, label ≤ 45, paragraph value ≤ 4000.
"""

from __future__ import annotations

import re
from datetime import datetime

import discord

from bot.db.models import Checkin, CheckinSchedule
from bot.services import checkins, clock, pulse
from bot.services.settings import GuildConfig
from bot.ui import pulse as pulse_ui
from bot.ui.context import bot_of, guild_id_of
from bot.ui.errors import reply_error
from bot.ui.format import (
    COLOURS,
    EMBED_DESCRIPTION_MAX,
    EMBED_TITLE_MAX,
    FIELD_VALUE_MAX,
    page_footer,
    plain,
    truncate,
    ts,
)
from bot.ui.ids import CustomId
from bot.ui.paginator import ListGone, Page, clamp, paginate_lines

CHECKIN_COLOUR = discord.Colour(COLOURS.checkins)
CHECKINS_PER_PAGE = 5
NOT_EVERYONE = "⚠️ Pick a role to ping, not @everyone."
NO_BOTS = "⚠️ Bots don't check in; pick a person."
NO_SCHEDULES = "No schedules. A manager can add one with `/checkin schedule`."


def checkin_embed(c: Checkin, author: discord.abc.User | None = None) -> discord.Embed:
    """A posted check-in: wins, blockers, next steps, link; attributed to its author."""
    e = discord.Embed(
        title="📝 Check-in", description=f"from <@{c.author_id}> · {ts(c.created_at, 'f')}", colour=CHECKIN_COLOUR
    )
    if author is not None:
        e.set_author(name=truncate(author.display_name, EMBED_TITLE_MAX), icon_url=author.display_avatar.url)
    e.add_field(name="🏆 Wins", value=truncate(plain(c.wins), FIELD_VALUE_MAX), inline=False)
    if c.blockers:
        e.add_field(name="🧱 Blockers", value=truncate(plain(c.blockers), FIELD_VALUE_MAX), inline=False)
    e.add_field(name="➡️ Next steps", value=truncate(plain(c.next_steps), FIELD_VALUE_MAX), inline=False)
    if c.link:
        e.add_field(name="🔗 Link", value=truncate(c.link, FIELD_VALUE_MAX), inline=False)
    return e


MODAL_ID = CustomId("roadie:checkin:modal:{sid}")  # 0: opened with /checkin post, not from a prompt
_MODAL_RE = re.compile(MODAL_ID.template)


class CheckinModal(discord.ui.Modal):
    """The check-in form. It only draws the form: every submission, also one of a form opened
    before a restart, is served by :func:`handle_modal_submit` from the custom_ids (the form is
    unregistered from discord.py's in-memory modal store as soon as it is shown; see :func:`open_form`).
    """

    wins = discord.ui.TextInput(
        label="Wins",
        custom_id="wins",
        style=discord.TextStyle.paragraph,
        max_length=checkins.FIELD_MAX,
        placeholder="What went well since the last check-in?",
    )
    blockers = discord.ui.TextInput(
        label="Blockers",
        custom_id="blockers",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=checkins.FIELD_MAX,
        placeholder="What's in the way? (optional)",
    )
    next_steps = discord.ui.TextInput(
        label="Next steps",
        custom_id="next_steps",
        style=discord.TextStyle.paragraph,
        max_length=checkins.FIELD_MAX,
        placeholder="What's next, and by when?",
    )
    link = discord.ui.TextInput(
        label="Link (optional)",
        custom_id="link",
        required=False,
        max_length=checkins.LINK_MAX,
        placeholder="https://…",
    )
    pulse = discord.ui.TextInput(  # the private wellbeing pulse: stored, never in the public embed
        label=pulse_ui.FIELD_LABEL,
        custom_id="pulse",
        required=False,
        max_length=10,
        placeholder=pulse_ui.PLACEHOLDER,
    )

    def __init__(self, schedule_id: int | None = None) -> None:
        super().__init__(title="Check-in", custom_id=MODAL_ID.format(sid=schedule_id or 0), timeout=None)
        self.schedule_id = schedule_id


async def open_form(interaction: discord.Interaction, schedule_id: int | None = None) -> None:
    """Answer ``interaction`` with the check-in form. The form is then dropped from discord.py's
    modal store (``Modal.stop()``), so the submission is served by :func:`handle_modal_submit`
    whichever process receives it: a form opened before a restart still posts."""
    modal = CheckinModal(schedule_id)
    await interaction.response.send_modal(modal)
    modal.stop()


def _submitted(components: list[dict] | None, out: dict[str, str]) -> dict[str, str]:  # type: ignore[type-arg]
    """``{custom_id: value}`` of the text inputs in a MODAL_SUBMIT's components (action rows or labels)."""
    for c in components or []:
        if "value" in c and c.get("custom_id"):
            out[str(c["custom_id"])] = str(c["value"] or "")
        _submitted(c.get("components"), out)
        if isinstance(c.get("component"), dict):
            _submitted([c["component"]], out)
    return out


async def handle_modal_submit(interaction: discord.Interaction) -> bool:
    """Store and post the check-in a submitted form carries; True when ``interaction`` was one.

    Errors (e.g. an empty "Wins", a link that isn't http(s)) are answered ephemerally.
    """
    if interaction.type != discord.InteractionType.modal_submit:
        return False
    m = _MODAL_RE.fullmatch(str((interaction.data or {}).get("custom_id", "")))
    if m is None:
        return False
    values = _submitted((interaction.data or {}).get("components"), {})  # type: ignore[arg-type]
    value, dropped = pulse.parse_pulse(values.get("pulse"))
    now = clock.utcnow()
    try:
        async with bot_of(interaction).uow() as s:
            c = await checkins.post_checkin(
                s,
                guild_id_of(interaction),
                author_id=interaction.user.id,
                wins=values.get("wins", ""),
                blockers=values.get("blockers"),
                next_steps=values.get("next_steps", ""),
                link=values.get("link"),
                channel_id=interaction.channel_id or 0,
                now=now,
                schedule_id=int(m["sid"]) or None,
            )
            await pulse.record(s, c, value, now=now)
    except Exception as exc:  # shown to the user (ephemerally); logged when unexpected
        await reply_error(interaction, exc)
        return True
    await interaction.response.send_message(embed=checkin_embed(c, interaction.user))  # never the pulse
    note = pulse_ui.saved_note(value, dropped)
    if note:
        await interaction.followup.send(note, ephemeral=True)
    return True


OPEN_ID = CustomId("roadie:checkin:open:{sid}")


class OpenCheckin(discord.ui.DynamicItem[discord.ui.Button], template=OPEN_ID.template):
    """The "Post my check-in" button on prompts; opens the form. Works after restarts."""

    def __init__(self, schedule_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Post my check-in",
                style=discord.ButtonStyle.primary,
                custom_id=OPEN_ID.format(sid=schedule_id),
            )
        )
        self.schedule_id = schedule_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> OpenCheckin:
        return cls(int(match["sid"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await open_form(interaction, self.schedule_id)


def scheduled_text(sched: CheckinSchedule, first: datetime, cfg: GuildConfig) -> str:
    """The reply to ``/checkin schedule``: what, when (server zone), where, whom it pings, the first time."""
    ping = f", pinging <@&{sched.role_id}>" if sched.role_id else ""
    return (
        f"🗓️ Schedule #{sched.number}: {sched.kind} {checkins.describe(sched)} ({cfg.timezone}) in "
        f"<#{sched.channel_id}>{ping}. First one {ts(first, 'F')} ({ts(first, 'R')})."
    )


def unscheduled_text(sched: CheckinSchedule) -> str:
    """The reply to ``/checkin unschedule``."""
    return f"🛑 Schedule #{sched.number} ({sched.kind} {checkins.describe(sched)}) stopped."


def schedules_embed(rows: list[tuple[CheckinSchedule, datetime | None]], cfg: GuildConfig) -> discord.Embed:
    """``/checkin schedules``: one line per schedule with its next time."""
    lines = []
    for sched, nxt in rows:
        role = f" · pings <@&{sched.role_id}>" if sched.role_id else ""
        nxt_text = f" · next {ts(nxt, 'F')}" if nxt else ""
        lines.append(
            f"`#{sched.number}` {sched.kind} {checkins.describe(sched)} in <#{sched.channel_id}>{role}{nxt_text}"
        )
    e = discord.Embed(
        title="Check-in schedules",
        description=truncate("\n".join(lines), EMBED_DESCRIPTION_MAX),
        colour=CHECKIN_COLOUR,
    )
    e.set_footer(text=f"Times in {cfg.timezone}")
    return e


def empty_history_embed() -> discord.Embed:
    """``/checkin history`` when there is none."""
    return discord.Embed(
        title="Check-ins", description="No check-ins yet. Post one with `/checkin post`.", colour=CHECKIN_COLOUR
    )


def history_pages(rows: list[Checkin]) -> list[discord.Embed]:
    """``/checkin history``: :data:`CHECKINS_PER_PAGE` check-ins a page, newest first."""
    lines = []
    for c in rows:
        text = f"**{ts(c.created_at, 'd')}** <@{c.author_id}>\n🏆 {plain(truncate(c.wins, 200))}"
        if c.blockers:
            text += f"\n🧱 {plain(truncate(c.blockers, 150))}"
        text += f"\n➡️ {plain(truncate(c.next_steps, 200))}"
        lines.append(text)
    bodies = paginate_lines(lines, per_page=CHECKINS_PER_PAGE)
    return [
        discord.Embed(title="Check-ins", description=b, colour=CHECKIN_COLOUR).set_footer(
            text=page_footer(i, len(bodies), f"{len(rows)} check-in(s)")
        )
        for i, b in enumerate(bodies)
    ]


def people(n: int) -> str:
    """``1 person`` / ``3 people``."""
    return "1 person" if n == 1 else f"{n} people"


def team_text(member_id: int, on_team: bool, size: int) -> str:
    """The reply to ``/checkin team-add`` / ``team-remove``."""
    return f"👥 <@{member_id}> is {'on' if on_team else 'off'} the check-in team ({people(size)})."


LIST_GONE = "The check-ins on this list are gone. Run `/checkin history` again."
"""A page button pressed on a list whose items are all gone (answered ephemerally)."""
LIST_STALE = "This list can't be paged any more; run `/checkin history` again."
"""A page button whose custom_id no longer names a list (answered ephemerally)."""


async def history_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
    """Page ``index`` of ``/checkin history`` (``arg``: ``<member id or 0>.<limit>``), re-read now
    (the pager's :data:`PageSource`, ``checkins``)."""
    member_text, _, limit_text = arg.partition(".")
    if not (member_text.isdigit() and limit_text.isdigit()):
        raise ListGone(LIST_STALE)
    async with bot_of(interaction).uow() as s:
        rows = await checkins.history(
            s, guild_id_of(interaction), member_id=int(member_text) or None, limit=int(limit_text)
        )
    if not rows:
        if interaction.type == discord.InteractionType.component:
            raise ListGone(LIST_GONE)
        return Page(empty_history_embed(), 0, 1)
    pages = history_pages(rows)
    index = clamp(index, len(pages))
    return Page(pages[index], index, len(pages))


def digest_embed(d: checkins.Digest, cfg: GuildConfig) -> discord.Embed:
    """``/checkin digest``: the sections of :func:`bot.services.checkins.digest_embed` (≤ 6000 chars)."""
    return discord.Embed.from_dict(checkins.digest_embed(d, cfg.tz, COLOURS.checkins))  # type: ignore[arg-type]
