"""``/checkin``: structured manager check-ins, weekly prompts, history, digests and the team."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.services import checkins, clock, pulse, settings
from bot.ui import checkins as ui
from bot.ui import pulse as pulse_ui
from bot.ui.paginator import send_list
from cogs._common import ClockText, NameText, actor_of, bot_of, check_bot_can_post, guild_id_of

HISTORY_MAX, DIGEST_DAYS_MAX = 200, 90  # our bounds: check-ins listed, days a digest covers
DAY_CHOICES = [app_commands.Choice(name=d, value=i) for i, d in enumerate(checkins.WEEKDAYS)]
WHAT_CHOICES = [
    app_commands.Choice(name="check-in prompt (pings the role, follows up after 24 h)", value="prompt"),
    app_commands.Choice(name="weekly digest", value="digest"),
]


@app_commands.guild_only()
class CheckinsCog(commands.GroupCog, group_name="checkin", group_description="Manager check-ins and weekly prompts"):
    """Check-ins."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Check-in form submissions (also of forms opened before a restart); see ``ui.handle_modal_submit``."""
        await ui.handle_modal_submit(interaction)

    @app_commands.command(name="post", description="Post a check-in: wins, blockers, next steps")
    async def post(self, interaction: discord.Interaction) -> None:
        await ui.open_form(interaction)

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
        time: ClockText,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
        what: app_commands.Choice[str] | None = None,
    ) -> None:
        channel_id = check_bot_can_post(interaction, channel)
        gid = guild_id_of(interaction)
        if role is not None and role.id == gid:
            await interaction.response.send_message(ui.NOT_EVERYONE, ephemeral=True)
            return
        async with bot_of(interaction).uow() as s:
            sched, first = await checkins.add_schedule(
                s,
                gid,
                weekday=day.value,
                time_text=time,
                channel_id=channel_id,
                actor=actor_of(interaction),
                now=clock.utcnow(),
                role_id=role.id if role else None,
                kind=what.value if what else "prompt",
            )
            cfg = await settings.get_config(s, gid)
        await interaction.response.send_message(ui.scheduled_text(sched, first, cfg))

    @app_commands.command(name="unschedule", description="Stop a weekly prompt or digest")
    @app_commands.describe(schedule="The schedule (#number)")
    async def unschedule(self, interaction: discord.Interaction, schedule: NameText) -> None:
        async with bot_of(interaction).uow() as s:
            sched = await checkins.remove_schedule(
                s, guild_id_of(interaction), schedule, actor=actor_of(interaction), now=clock.utcnow()
            )
        await interaction.response.send_message(ui.unscheduled_text(sched))

    @app_commands.command(name="schedules", description="List weekly prompts and digests")
    async def schedules(self, interaction: discord.Interaction) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            rows = await checkins.list_schedules(s, gid)
            cfg = await settings.get_config(s, gid)
        if not rows:
            await interaction.response.send_message(ui.NO_SCHEDULES, ephemeral=True)
            return
        await interaction.response.send_message(embed=ui.schedules_embed(rows, cfg), ephemeral=True)

    @app_commands.command(name="history", description="Recent check-ins, optionally of one member")
    @app_commands.describe(member="Only this member's check-ins", limit="How many (1-200, default 20)")
    async def history(
        self,
        interaction: discord.Interaction,
        member: discord.Member | None = None,
        limit: app_commands.Range[int, 1, HISTORY_MAX] = 20,
    ) -> None:
        await send_list(interaction, "checkins", f"{member.id if member else 0}.{limit}")

    @app_commands.command(name="digest", description="Sum up a period: check-ins, goals, shows, release tasks")
    @app_commands.describe(
        days="How many days back (and ahead for shows and tasks); default 7",
        private="Only you see it; a manager's private digest also lists deal key dates (default: posted)",
    )
    async def digest(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, DIGEST_DAYS_MAX] = 7,
        private: bool = False,
    ) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            d = await checkins.build_digest(
                s, gid, days=days, now=clock.utcnow(), private_for=actor_of(interaction) if private else None
            )
            cfg = await settings.get_config(s, gid)
        await interaction.response.send_message(embed=ui.digest_embed(d, cfg), ephemeral=private)

    @app_commands.command(name="team-add", description="Count a member in the check-in team (managers)")
    @app_commands.describe(member="The member")
    async def team_add(self, interaction: discord.Interaction, member: discord.Member) -> None:
        if member.bot:
            await interaction.response.send_message(ui.NO_BOTS, ephemeral=True)
            return
        await self._set_team(interaction, member, True)

    @app_commands.command(name="team-remove", description="Stop counting a member in the check-in team (managers)")
    @app_commands.describe(member="The member")
    async def team_remove(self, interaction: discord.Interaction, member: discord.Member) -> None:
        await self._set_team(interaction, member, False)

    async def _set_team(self, interaction: discord.Interaction, member: discord.Member, active: bool) -> None:
        async with bot_of(interaction).uow() as s:
            members = await checkins.set_team_member(
                s, guild_id_of(interaction), member.id, active, actor=actor_of(interaction), now=clock.utcnow()
            )
        await interaction.response.send_message(ui.team_text(member.id, active, len(members)))

    @app_commands.command(name="pulse", description="Your private wellbeing pulse, last 8 weeks (managers: a member's)")
    @app_commands.describe(member="Managers only: whose pulse (default: yours)")
    async def pulse_(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        target = member.id if member else interaction.user.id
        async with bot_of(interaction).uow() as s:
            h = await pulse.history(
                s, guild_id_of(interaction), target, actor=actor_of(interaction), now=clock.utcnow()
            )
        own = target == interaction.user.id
        await interaction.response.send_message(pulse_ui.history_text(h, own), ephemeral=True)

    @commands.Cog.listener()
    async def on_app_command_completion(self, interaction: discord.Interaction, command: object) -> None:
        """After any /checkin command a manager ran (a message was sent, so a follow-up can go
        with it): the low-pulse notices that had no business channel, ephemerally, once."""
        name = getattr(command, "qualified_name", "")
        if not name.startswith("checkin ") or name == "checkin post" or interaction.guild_id is None:
            return
        async with bot_of(interaction).uow() as s:
            members = await pulse.take_notices(s, interaction.guild_id, actor_of(interaction), now=clock.utcnow())
        if members:
            await interaction.followup.send(pulse_ui.notice_text(members), ephemeral=True)

    @unschedule.autocomplete("schedule")
    async def _schedule_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await checkins.schedule_autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (the "Post my check-in" button is wired in ``bot/features.py``)."""
    await bot.add_cog(CheckinsCog(bot))
