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
from bot.ui.paginator import paginate_lines

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


class CheckinModal(discord.ui.Modal):
    """The check-in form; submitting stores the check-in (one unit of work) and posts it."""

    wins = discord.ui.TextInput(
        label="Wins",
        style=discord.TextStyle.paragraph,
        max_length=checkins.FIELD_MAX,
        placeholder="What went well since the last check-in?",
    )
    blockers = discord.ui.TextInput(
        label="Blockers",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=checkins.FIELD_MAX,
        placeholder="What's in the way? (optional)",
    )
    next_steps = discord.ui.TextInput(
        label="Next steps",
        style=discord.TextStyle.paragraph,
        max_length=checkins.FIELD_MAX,
        placeholder="What's next, and by when?",
    )
    link = discord.ui.TextInput(
        label="Link (optional)", required=False, max_length=checkins.LINK_MAX, placeholder="https://…"
    )
    pulse = discord.ui.TextInput(
        label=pulse_ui.FIELD_LABEL, required=False, max_length=10, placeholder=pulse_ui.PLACEHOLDER
    )

    def __init__(self, schedule_id: int | None = None) -> None:
        super().__init__(title="Check-in", custom_id=MODAL_ID.format(sid=schedule_id or 0), timeout=None)
        self.schedule_id = schedule_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        value, dropped = pulse.parse_pulse(self.pulse.value)
        now = clock.utcnow()
        async with bot_of(interaction).uow() as s:
            c = await checkins.post_checkin(
                s,
                guild_id_of(interaction),
                author_id=interaction.user.id,
                wins=self.wins.value,
                blockers=self.blockers.value,
                next_steps=self.next_steps.value,
                link=self.link.value,
                channel_id=interaction.channel_id or 0,
                now=now,
                schedule_id=self.schedule_id,
            )
            await pulse.record(s, c, value, now=now)
        await interaction.response.send_message(embed=checkin_embed(c, interaction.user))  # never the pulse
        note = pulse_ui.saved_note(value, dropped)
        if note:
            await interaction.followup.send(note, ephemeral=True)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await reply_error(interaction, error)


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
        await interaction.response.send_modal(CheckinModal(self.schedule_id))


def scheduled_text(sched: CheckinSchedule, first: datetime, cfg: GuildConfig) -> str:
    """The reply to ``/checkin schedule``: what, when (server zone), where, whom it pings, the first time."""
    ping = f", pinging <@&{sched.role_id}>" if sched.role_id else ""
    return (
        f"🗓️ Schedule #{sched.number}: {sched.kind} every {checkins.describe(sched)} ({cfg.timezone}) in "
        f"<#{sched.channel_id}>{ping}. First one {ts(first, 'F')} ({ts(first, 'R')})."
    )


def unscheduled_text(sched: CheckinSchedule) -> str:
    """The reply to ``/checkin unschedule``."""
    return f"🛑 Schedule #{sched.number} ({checkins.describe(sched)}) stopped."


def schedules_embed(rows: list[tuple[CheckinSchedule, datetime | None]], cfg: GuildConfig) -> discord.Embed:
    """``/checkin schedules``: one line per schedule with its next time."""
    lines = []
    for sched, nxt in rows:
        role = f" · pings <@&{sched.role_id}>" if sched.role_id else ""
        nxt_text = f" · next {ts(nxt, 'F')}" if nxt else ""
        lines.append(
            f"`#{sched.number}` {sched.kind} · {checkins.describe(sched)} in <#{sched.channel_id}>{role}{nxt_text}"
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


def digest_embed(d: checkins.Digest, cfg: GuildConfig) -> discord.Embed:
    """``/checkin digest``: the sections of :func:`bot.services.checkins.digest_embed` (≤ 6000 chars)."""
    return discord.Embed.from_dict(checkins.digest_embed(d, cfg.tz, COLOURS.checkins))  # type: ignore[arg-type]
