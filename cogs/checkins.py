"""``/checkin``: structured manager check-ins, weekly prompts, history, digests and the team."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import Checkin
from bot.services import checkins as svc
from bot.services.clock import utcnow
from bot.services.settings import get_config
from bot.ui.errors import reply_error
from bot.ui.format import FIELD_VALUE_MAX, plain, truncate
from bot.ui.paginator import ListGone, Page, PageButton, clamp, paginate_lines, register_list, send_list
from cogs._common import actor_of, bot_of, check_bot_can_post, guild_id_of

CHECKIN_COLOUR = discord.Colour.green()
DAY_CHOICES = [app_commands.Choice(name=d, value=i) for i, d in enumerate(svc.WEEKDAYS)]
WHAT_CHOICES = [
    app_commands.Choice(name="check-in prompt (pings the role, follows up after 24 h)", value="prompt"),
    app_commands.Choice(name="weekly digest", value="digest"),
]


def checkin_embed(c: Checkin, author: discord.abc.User | None = None) -> discord.Embed:
    """A posted check-in: wins, blockers, next steps, link; attributed to its author."""
    e = discord.Embed(
        title="📝 Check-in",
        description=f"from <@{c.author_id}> · <t:{int(c.created_at.timestamp())}:f>",
        colour=CHECKIN_COLOUR,
    )
    if author is not None:
        e.set_author(name=truncate(author.display_name, 256), icon_url=author.display_avatar.url)
    e.add_field(name="🏆 Wins", value=truncate(plain(c.wins), FIELD_VALUE_MAX), inline=False)
    if c.blockers:
        e.add_field(name="🧱 Blockers", value=truncate(plain(c.blockers), FIELD_VALUE_MAX), inline=False)
    e.add_field(name="➡️ Next steps", value=truncate(plain(c.next_steps), FIELD_VALUE_MAX), inline=False)
    if c.link:
        e.add_field(name="🔗 Link", value=truncate(c.link, FIELD_VALUE_MAX), inline=False)
    return e


class CheckinModal(discord.ui.Modal):
    """The check-in form (Discord modal limits: title ≤ 45, ≤ 5 inputs, label ≤ 45, value ≤ 4000)."""

    wins = discord.ui.TextInput(
        label="Wins",
        style=discord.TextStyle.paragraph,
        max_length=svc.FIELD_MAX,
        placeholder="What went well since the last check-in?",
    )
    blockers = discord.ui.TextInput(
        label="Blockers",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=svc.FIELD_MAX,
        placeholder="What's in the way? (optional)",
    )
    next_steps = discord.ui.TextInput(
        label="Next steps",
        style=discord.TextStyle.paragraph,
        max_length=svc.FIELD_MAX,
        placeholder="What's next, and by when?",
    )
    link = discord.ui.TextInput(
        label="Link (optional)", required=False, max_length=svc.LINK_MAX, placeholder="https://…"
    )

    def __init__(self, schedule_id: int | None = None) -> None:
        super().__init__(title="Check-in", custom_id=f"roadie:checkin:modal:{schedule_id or 0}", timeout=None)
        self.schedule_id = schedule_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            c = await svc.post_checkin(
                s,
                guild_id_of(interaction),
                author_id=interaction.user.id,
                wins=self.wins.value,
                blockers=self.blockers.value,
                next_steps=self.next_steps.value,
                link=self.link.value,
                channel_id=interaction.channel_id or 0,
                now=utcnow(),
                schedule_id=self.schedule_id,
            )
        await interaction.response.send_message(embed=checkin_embed(c, interaction.user))

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:  # type: ignore[override]
        await reply_error(interaction, error)


class OpenCheckin(discord.ui.DynamicItem[discord.ui.Button], template=r"roadie:checkin:open:(?P<sid>\d+)"):
    """The "Post my check-in" button on prompts; opens the form. Works after restarts."""

    def __init__(self, schedule_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Post my check-in",
                style=discord.ButtonStyle.primary,
                custom_id=f"roadie:checkin:open:{schedule_id}",
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


async def _history_page(interaction: discord.Interaction, arg: str, index: int) -> Page:
    """Page ``index`` of ``/checkin history`` (``arg``: ``<member id or 0>.<limit>``), re-read now."""
    member_text, _, limit_text = arg.partition(".")
    if not (member_text.isdigit() and limit_text.isdigit()):
        raise ListGone("This list can't be paged any more; run `/checkin history` again.")
    member_id, limit = int(member_text) or None, int(limit_text)
    async with bot_of(interaction).uow() as s:
        rows = await svc.history(s, guild_id_of(interaction), member_id=member_id, limit=limit)
    if not rows:
        if interaction.type == discord.InteractionType.component:
            raise ListGone("The check-ins on this list are gone. Run `/checkin history` again.")
        empty = discord.Embed(
            title="Check-ins", description="No check-ins yet. Post one with `/checkin post`.", colour=CHECKIN_COLOUR
        )
        return Page(empty, 0, 1)
    lines = []
    for c in rows:
        text = f"**<t:{int(c.created_at.timestamp())}:d>** <@{c.author_id}>\n🏆 {plain(truncate(c.wins, 200))}"
        if c.blockers:
            text += f"\n🧱 {plain(truncate(c.blockers, 150))}"
        text += f"\n➡️ {plain(truncate(c.next_steps, 200))}"
        lines.append(text)
    bodies = paginate_lines(lines, per_page=5)
    index = clamp(index, len(bodies))
    e = discord.Embed(title="Check-ins", description=bodies[index], colour=CHECKIN_COLOUR)
    e.set_footer(text=f"Page {index + 1}/{len(bodies)} · {len(rows)} check-in(s)")
    return Page(e, index, len(bodies))


@app_commands.guild_only()
class CheckinsCog(commands.GroupCog, group_name="checkin", group_description="Manager check-ins and weekly prompts"):
    """Check-ins."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="post", description="Post a check-in: wins, blockers, next steps")
    async def post(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(CheckinModal())

    @app_commands.command(name="schedule", description="Weekly check-in prompt (or digest) at a local time; managers")
    @app_commands.describe(
        day="Day of the week",
        time="HH:MM in the server's time zone, e.g. 10:00",
        channel="Where to post (default: here)",
        role="Role to ping with the prompt",
        what="A check-in prompt (default) or a weekly digest",
    )
    @app_commands.choices(day=DAY_CHOICES, what=WHAT_CHOICES)
    async def schedule(
        self,
        interaction: discord.Interaction,
        day: app_commands.Choice[int],
        time: app_commands.Range[str, 1, 10],
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
        what: app_commands.Choice[str] | None = None,
    ) -> None:
        channel_id = check_bot_can_post(interaction, channel)
        gid = guild_id_of(interaction)
        if role is not None and role.id == gid:
            await interaction.response.send_message("⚠️ Pick a role to ping, not @everyone.", ephemeral=True)
            return
        async with bot_of(interaction).sessionmaker() as s:
            sched, first = await svc.add_schedule(
                s,
                gid,
                weekday=day.value,
                time_text=time,
                channel_id=channel_id,
                actor=actor_of(interaction),
                now=utcnow(),
                role_id=role.id if role else None,
                kind=what.value if what else "prompt",
            )
            cfg = await get_config(s, gid)
        bot_of(interaction).dispatcher.notify(first)
        ping = f", pinging <@&{sched.role_id}>" if sched.role_id else ""
        await interaction.response.send_message(
            f"🗓️ Schedule #{sched.number}: {sched.kind} {svc.describe(sched)} ({cfg.timezone}) in "
            f"<#{channel_id}>{ping}. First one <t:{int(first.timestamp())}:F> (<t:{int(first.timestamp())}:R>)."
        )

    @app_commands.command(name="unschedule", description="Stop a weekly prompt or digest")
    @app_commands.describe(schedule="The schedule (#number)")
    async def unschedule(self, interaction: discord.Interaction, schedule: app_commands.Range[str, 1, 100]) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            sched = await svc.remove_schedule(
                s, guild_id_of(interaction), schedule, actor=actor_of(interaction), now=utcnow()
            )
        await interaction.response.send_message(
            f"🛑 Schedule #{sched.number} ({sched.kind} {svc.describe(sched)}) stopped."
        )

    @app_commands.command(name="schedules", description="List weekly prompts and digests")
    async def schedules(self, interaction: discord.Interaction) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).sessionmaker() as s:
            rows = await svc.list_schedules(s, gid)
            cfg = await get_config(s, gid)
        if not rows:
            await interaction.response.send_message(
                "No schedules. A manager can add one with `/checkin schedule`.", ephemeral=True
            )
            return
        lines = []
        for sched, nxt in rows:
            role = f" · pings <@&{sched.role_id}>" if sched.role_id else ""
            when = f" · next <t:{int(nxt.timestamp())}:F>" if nxt else ""
            lines.append(f"`#{sched.number}` {sched.kind} {svc.describe(sched)} in <#{sched.channel_id}>{role}{when}")
        e = discord.Embed(
            title="Check-in schedules", description=truncate("\n".join(lines), 4096), colour=CHECKIN_COLOUR
        )
        e.set_footer(text=f"Times in {cfg.timezone}")
        await interaction.response.send_message(embed=e, ephemeral=True)

    @app_commands.command(name="history", description="Recent check-ins, optionally of one member")
    @app_commands.describe(member="Only this member's check-ins", limit="How many (1-200, default 20)")
    async def history(
        self,
        interaction: discord.Interaction,
        member: discord.Member | None = None,
        limit: app_commands.Range[int, 1, 200] = 20,
    ) -> None:
        await send_list(interaction, "checkins", f"{member.id if member else 0}.{limit}")

    @app_commands.command(name="digest", description="Sum up a period: check-ins, goals, shows, release tasks")
    @app_commands.describe(days="How many days back (and ahead for shows and tasks); default 7")
    async def digest(self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 90] = 7) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).sessionmaker() as s:
            d = await svc.build_digest(s, gid, days=days, now=utcnow())
            cfg = await get_config(s, gid)
        await interaction.response.send_message(svc.digest_text(d, cfg.tz))

    @app_commands.command(name="team-add", description="Count a member in the check-in team (managers)")
    @app_commands.describe(member="The member")
    async def team_add(self, interaction: discord.Interaction, member: discord.Member) -> None:
        if member.bot:
            await interaction.response.send_message("⚠️ Bots don't check in; pick a person.", ephemeral=True)
            return
        async with bot_of(interaction).sessionmaker() as s:
            members = await svc.set_team_member(
                s, guild_id_of(interaction), member.id, True, actor=actor_of(interaction), now=utcnow()
            )
        await interaction.response.send_message(f"👥 <@{member.id}> is on the check-in team ({_people(len(members))}).")

    @app_commands.command(name="team-remove", description="Stop counting a member in the check-in team (managers)")
    @app_commands.describe(member="The member")
    async def team_remove(self, interaction: discord.Interaction, member: discord.Member) -> None:
        async with bot_of(interaction).sessionmaker() as s:
            members = await svc.set_team_member(
                s, guild_id_of(interaction), member.id, False, actor=actor_of(interaction), now=utcnow()
            )
        await interaction.response.send_message(
            f"👥 <@{member.id}> is off the check-in team ({_people(len(members))})."
        )

    @unschedule.autocomplete("schedule")
    async def _schedule_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).sessionmaker() as s:
            pairs = await svc.schedule_autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the cog and the restart-proof "Post my check-in" button."""
    register_list("checkins", _history_page)
    bot.add_dynamic_items(OpenCheckin, PageButton)
    await bot.add_cog(CheckinsCog(bot))
