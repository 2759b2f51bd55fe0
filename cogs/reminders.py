"""``/remind``: one-off reminders delivered once, on time, across restarts."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import TEXT_MAX
from bot.services import clock, reminders, settings
from bot.ui import reminders as ui
from bot.ui.paginator import send_list
from cogs._common import RefText, WhenText, actor_of, bot_of, check_bot_can_post, guild_id_of


@app_commands.guild_only()
class RemindersCog(commands.GroupCog, group_name="remind", group_description="One-off reminders"):
    """One-off reminders."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="add", description="Remind this channel (or another) at a time")
    @app_commands.describe(
        when="e.g. 'tomorrow 9am', 'in 2 hours', '2027-03-14 20:00' (server time zone)",
        text="What to remind about",
        channel="Where to post it (default: here)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        when: WhenText,
        text: app_commands.Range[str, 1, TEXT_MAX],
        channel: discord.TextChannel | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        channel_id = check_bot_can_post(interaction, channel)
        async with bot_of(interaction).uow() as s:
            rem = await reminders.add_reminder(
                s, gid, text=text, when=when, channel_id=channel_id, author_id=interaction.user.id, now=clock.utcnow()
            )
            cfg = await settings.get_config(s, gid)
        await interaction.response.send_message(ui.added_text(rem, cfg))

    @app_commands.command(name="list", description="List pending reminders")
    async def list_(self, interaction: discord.Interaction) -> None:
        await send_list(interaction, "reminder", ephemeral=True)

    @app_commands.command(name="cancel", description="Cancel a pending reminder")
    @app_commands.describe(reminder="The reminder (#number or text)")
    async def cancel(self, interaction: discord.Interaction, reminder: RefText) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).uow() as s:
            rem = await reminders.cancel_reminder(s, gid, reminder, actor=actor_of(interaction))
        await interaction.response.send_message(ui.cancelled_text(rem))

    @cancel.autocomplete("reminder")
    async def _reminder_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).uow() as s:
            pairs = await reminders.autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (its page buttons are wired in ``bot/features.py``)."""
    await bot.add_cog(RemindersCog(bot))
