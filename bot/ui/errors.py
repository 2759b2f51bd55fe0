"""One place that turns errors into ephemeral replies (slash commands and components alike)."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.services.errors import Forbidden, RoadieError
from bot.ui.format import CONTENT_MAX, truncate

log = logging.getLogger("roadie.errors")

APOLOGY = "Sorry, something went wrong on Roadie's side. It has been logged; please try again in a moment."


def message_for(error: BaseException) -> str | None:
    """The user-facing text for ``error``, or None when it is unexpected (a bug)."""
    original = getattr(error, "original", None) or error
    if isinstance(original, Forbidden):
        return f"🚫 {original}"
    if isinstance(original, RoadieError):
        return f"⚠️ {original}"
    if isinstance(error, app_commands.NoPrivateMessage):
        return "⚠️ Roadie's commands work inside a server, not in DMs."
    if isinstance(error, app_commands.MissingPermissions):
        perms = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"🚫 You need the **{perms}** permission for this."
    if isinstance(error, app_commands.BotMissingPermissions):
        perms = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return f"🚫 Roadie needs the **{perms}** permission here. Ask an admin to grant it."
    if isinstance(error, app_commands.TransformerError):
        return f"⚠️ `{truncate(str(error.value), 80)}` isn't a valid {error.type.name.lower()} here."
    if isinstance(error, app_commands.CheckFailure):
        return "🚫 You can't use this command here."
    return None


async def reply_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer ``interaction`` ephemerally with the error's message (or an apology, logging a bug)."""
    text = message_for(error)
    if text is None:
        cmd = (
            interaction.command.qualified_name
            if interaction.command
            else interaction.data and interaction.data.get("custom_id")
        )
        log.error(
            "interaction failed: command=%s guild=%s channel=%s user=%s",
            cmd,
            interaction.guild_id,
            interaction.channel_id,
            interaction.user.id if interaction.user else None,
            exc_info=getattr(error, "original", None) or error,
        )
        text = APOLOGY
    text = truncate(text, CONTENT_MAX)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)
