"""``/remind``: one-off reminders delivered once, on time, across restarts."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.db.models import TEXT_MAX, Reminder
from bot.services import reminders as reminder_service
from bot.services.clock import utcnow
from bot.services.settings import get_config
from bot.timeparse import format_local
from bot.ui.format import plain, truncate
from bot.ui.format import when as stamp
from bot.ui.paginator import ListGone, Page, PageButton, clamp, paginate_lines, register_list, send_list
from cogs._common import actor_of, bot_of, check_bot_can_post, guild_id_of

REMINDER_COLOUR = discord.Colour.teal()


def reminder_line(rem: Reminder, tz_key: str) -> str:
    """``#4 · Sat 3 Apr 2027 09:00 · <t:…:R> · #channel · text``."""
    from zoneinfo import ZoneInfo

    status = " · ⚠️ failed (Roadie couldn't post)" if rem.status == "failed" else ""
    return (
        f"`#{rem.number}` {format_local(rem.due_at, ZoneInfo(tz_key))} · <t:{int(rem.due_at.timestamp())}:R> · "
        f"<#{rem.channel_id}>{status}\n> {plain(truncate(rem.text, 200))}"
    )


async def _reminder_page(interaction: discord.Interaction, _arg: str, index: int) -> Page:
    """Page ``index`` of ``/remind list``, re-read now (the pager's :data:`PageSource`)."""
    gid = guild_id_of(interaction)
    async with bot_of(interaction).uow() as s:
        rems = await reminder_service.list_reminders(s, gid)
        cfg = await get_config(s, gid)
    if not rems:
        if interaction.type == discord.InteractionType.component:
            raise ListGone("The reminders on this list are gone (sent or cancelled). Run `/remind list` again.")
        empty = discord.Embed(
            title="Reminders", description="No pending reminders. Add one with `/remind add`.", colour=REMINDER_COLOUR
        )
        return Page(empty, 0, 1)
    bodies = paginate_lines([reminder_line(r, cfg.timezone) for r in rems], per_page=10)
    index = clamp(index, len(bodies))
    e = discord.Embed(title="Pending reminders", description=bodies[index], colour=REMINDER_COLOUR)
    e.set_footer(text=f"Page {index + 1}/{len(bodies)} · {len(rems)} reminder(s) · times in {cfg.timezone}")
    return Page(e, index, len(bodies))


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
        when: app_commands.Range[str, 1, 100],
        text: app_commands.Range[str, 1, TEXT_MAX],
        channel: discord.TextChannel | None = None,
    ) -> None:
        gid = guild_id_of(interaction)
        channel_id = check_bot_can_post(interaction, channel)
        async with bot_of(interaction).sessionmaker() as s:
            rem = await reminder_service.add_reminder(
                s, gid, text=text, when=when, channel_id=channel_id, author_id=interaction.user.id, now=utcnow()
            )
            cfg = await get_config(s, gid)
        bot_of(interaction).dispatcher.notify(rem.due_at)
        local = format_local(rem.due_at, cfg.tz)
        await interaction.response.send_message(
            f"⏰ Reminder #{rem.number} set for **{local}** ({cfg.timezone}) · {stamp(rem.due_at)} "
            f"in <#{channel_id}>:\n"
            f"> {plain(truncate(rem.text, 1500))}"
        )

    @app_commands.command(name="list", description="List pending reminders")
    async def list_(self, interaction: discord.Interaction) -> None:
        await send_list(interaction, "reminder", ephemeral=True)

    @app_commands.command(name="cancel", description="Cancel a pending reminder")
    @app_commands.describe(reminder="The reminder (#number or text)")
    async def cancel(self, interaction: discord.Interaction, reminder: app_commands.Range[str, 1, 200]) -> None:
        gid = guild_id_of(interaction)
        async with bot_of(interaction).sessionmaker() as s:
            rem = await reminder_service.cancel_reminder(s, gid, reminder, actor=actor_of(interaction))
        await interaction.response.send_message(
            f"🛑 Reminder #{rem.number} cancelled:\n> {plain(truncate(rem.text, 1500))}"
        )

    @cancel.autocomplete("reminder")
    async def _reminder_ac(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        async with bot_of(interaction).sessionmaker() as s:
            pairs = await reminder_service.autocomplete(s, guild_id_of(interaction), current)
        return [app_commands.Choice(name=n, value=v) for n, v in pairs]


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the cog and its restart-proof page buttons."""
    register_list("reminder", _reminder_page)
    bot.add_dynamic_items(PageButton)
    await bot.add_cog(RemindersCog(bot))
