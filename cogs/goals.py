"""``/goal``: career goals with targets, progress and due dates."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import METRIC_MAX, NOTE_MAX, TITLE_MAX
from bot.services import clock, goals, settings
from bot.ui import charts
from bot.ui import goals as ui
from bot.ui.confirm import confirm_view
from bot.ui.paginator import send_list
from cogs._common import NumberText, RefText, WhenText, actor_of, bot_of, check_bot_can_post, guild_id_of

DATE_HELP = "e.g. 2027-06-01, 'next friday', 'in 3 weeks' (server time zone)"


@app_commands.guild_only()
class GoalsCog(commands.GroupCog, group_name="goal", group_description="Career goals with targets and due dates"):
    """Career goals: add, list, progress, done, edit, delete."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def _goal_choices(
        self, interaction: discord.Interaction, current: str, status: str | None = None
    ) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await goals.autocomplete(s, guild_id_of(interaction), current, status=status)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]

    @app_commands.command(name="add", description="Add a career goal, e.g. '10k monthly listeners by June'")
    @app_commands.describe(
        title="What you want to achieve",
        due=f"Due date/time, {DATE_HELP}",
        metric="What you measure, e.g. monthly listeners",
        target="The number to reach, e.g. 10000 or 10k",
        owner="Who owns it (default: you)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, TITLE_MAX],
        due: WhenText | None = None,
        metric: app_commands.Range[str, 1, METRIC_MAX] | None = None,
        target: NumberText | None = None,
        owner: discord.Member | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        if due is not None:
            async with bot_of(interaction).uow() as s:
                nudge_channel = (await settings.get_config(s, gid)).nudge_channel_id
            if nudge_channel is None:  # its nudges will come here
                check_bot_can_post(interaction, None)
        async with bot_of(interaction).uow() as s:
            goal = await goals.add_goal(
                s,
                gid,
                title=title,
                author_id=interaction.user.id,
                channel_id=interaction.channel_id or 0,
                now=clock.utcnow(),
                owner_id=owner.id if owner else None,
                due=due,
                metric=metric,
                target=target,
            )
            planned = await goals.pending_nudges(s, goal)
            cfg = await settings.get_config(s, gid)
        await interaction.response.send_message(ui.added_text(goal), embed=ui.goal_embed(goal, cfg.tz, nudges=planned))

    @app_commands.command(name="list", description="List this server's goals")
    @app_commands.describe(status="open (default), done or all")
    @app_commands.choices(status=[app_commands.Choice(name=n, value=n) for n in ("open", "done", "all")])
    async def list_(self, interaction: discord.Interaction, status: app_commands.Choice[str] | None = None) -> None:
        await send_list(interaction, "goal", status.value if status else "open")

    @app_commands.command(name="progress", description="Record where a goal stands now (the new total)")
    @app_commands.describe(
        goal="The goal (#number or title)",
        value="Current value, e.g. 4200 or 4.2k",
        note="Optional note, e.g. 'after the Spotify pitch'",
    )
    async def progress(
        self,
        interaction: discord.Interaction,
        goal: RefText,
        value: NumberText,
        note: app_commands.Range[str, 1, NOTE_MAX] | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            res = await goals.record_progress(
                s,
                gid,
                goal,
                value,
                author_id=interaction.user.id,
                now=clock.utcnow(),
                note=note,
                actor=actor_of(interaction),
            )
            cfg = await settings.get_config(s, gid)
            history = await goals.recent_progress(s, res.goal)
        await interaction.response.send_message(
            ui.progress_text(res), embed=ui.goal_embed(res.goal, cfg.tz, history=history)
        )

    @app_commands.command(name="done", description="Mark a goal as achieved")
    @app_commands.describe(goal="The goal (#number or title)")
    async def done(self, interaction: discord.Interaction, goal: RefText) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            g = await goals.complete_goal(s, gid, goal, now=clock.utcnow(), actor=actor_of(interaction))
            cfg = await settings.get_config(s, gid)
            history = await goals.recent_progress(s, g)
        await interaction.response.send_message(ui.done_text(g), embed=ui.goal_embed(g, cfg.tz, history=history))

    @app_commands.command(name="edit", description="Change a goal's title, due date, target or owner")
    @app_commands.describe(
        goal="The goal (#number or title)",
        title="New title",
        due=f"New due date, {DATE_HELP}",
        metric="New metric",
        target="New target number",
        owner="New owner",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        goal: RefText,
        title: app_commands.Range[str, 1, TITLE_MAX] | None = None,
        due: WhenText | None = None,
        metric: app_commands.Range[str, 1, METRIC_MAX] | None = None,
        target: NumberText | None = None,
        owner: discord.Member | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            g = await goals.edit_goal(
                s,
                gid,
                goal,
                now=clock.utcnow(),
                title=title,
                due=due,
                metric=metric,
                target=target,
                owner_id=owner.id if owner else None,
                actor=actor_of(interaction),
            )
            planned = await goals.pending_nudges(s, g)
            cfg = await settings.get_config(s, gid)
            history = await goals.recent_progress(s, g)
        await interaction.response.send_message(
            ui.updated_text(g), embed=ui.goal_embed(g, cfg.tz, nudges=planned, history=history)
        )

    @app_commands.command(name="delete", description="Delete a goal (asks for confirmation)")
    @app_commands.describe(goal="The goal (#number or title)")
    async def delete(self, interaction: discord.Interaction, goal: RefText) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            g = await goals.get_goal(s, gid, goal)
            await goals.require_can_change(s, g, actor_of(interaction))  # refuse now, not at the click
            cfg = await settings.get_config(s, gid)
        view = confirm_view(ui.DELETE_KIND, g.id)
        await interaction.response.send_message(
            ui.delete_question(g),
            embed=ui.goal_embed(g, cfg.tz),
            view=view,
            ephemeral=True,
        )

    @app_commands.command(name="chart", description="A goal's progress over time against its target and due date")
    @app_commands.describe(goal="The goal (#number or title)")
    async def chart(self, interaction: discord.Interaction, goal: RefText) -> None:
        async with bot_of(interaction).uow() as s:
            data = await goals.chart_data(s, guild_id_of(interaction), goal, now=clock.utcnow())
        if data.target is None or not data.points:
            await interaction.response.send_message(charts.no_goal_chart(data), ephemeral=True)
            return
        await charts.send_chart(interaction, charts.draw_goal_burnup, data)

    @progress.autocomplete("goal")
    @done.autocomplete("goal")
    async def _open_goal_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._goal_choices(interaction, current, status="open")

    @edit.autocomplete("goal")
    @delete.autocomplete("goal")
    @chart.autocomplete("goal")
    async def _any_goal_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return await self._goal_choices(interaction, current)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (its components are wired in ``bot/features.py``)."""
    await bot.add_cog(GoalsCog(bot))
