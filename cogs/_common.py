"""Helpers shared by the cogs: session access, permission checks, guild ids."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.services import errors
from bot.ui.context import actor_of, bot_of, guild_id_of

__all__ = [
    "ClockText",
    "CodeText",
    "NameText",
    "NumberText",
    "RefText",
    "WhenText",
    "ZoneText",
    "actor_of",
    "bot_of",
    "can_manage",
    "check_bot_can_post",
    "guild_id_of",
]

# Option lengths: our own bounds on what people type (not Discord limits: a string option may be 6000).
REF_MAX = 200  # an item: "#3" or (part of) its title
WHEN_MAX = 100  # a date or time, e.g. "next friday 18:00" or "2027-03-14 20:00"
NUMBER_MAX = 30  # "10k", "4.2k"
CLOCK_MAX = 10  # "19:30"
ZONE_MAX = 64  # an IANA zone name
NAME_MAX = 100  # a city, country, distributor, schedule reference
CODE_MAX = 20  # a UPC/EAN or an ISRC
RefText = app_commands.Range[str, 1, REF_MAX]
WhenText = app_commands.Range[str, 1, WHEN_MAX]
NumberText = app_commands.Range[str, 1, NUMBER_MAX]
ClockText = app_commands.Range[str, 1, CLOCK_MAX]
ZoneText = app_commands.Range[str, 1, ZONE_MAX]
NameText = app_commands.Range[str, 1, NAME_MAX]
CodeText = app_commands.Range[str, 1, CODE_MAX]


def can_manage(interaction: discord.Interaction) -> bool:
    """True when the user has Manage Server here (Discord computes ``permissions`` per interaction)."""
    return bool(interaction.permissions.manage_guild)


def check_bot_can_post(
    interaction: discord.Interaction,
    channel: discord.abc.GuildChannel | discord.Thread | discord.app_commands.AppCommandChannel | None,
) -> int:
    """Id of ``channel`` (default: the current channel) after checking Roadie can post there.

    Raises:
        InvalidInput: Roadie lacks View Channel / Send Messages in that channel.
    """
    if channel is None:
        perms = interaction.app_permissions  # Roadie's permissions in the current channel
        cid = interaction.channel_id
        is_thread = isinstance(interaction.channel, discord.Thread)
        mention = "this channel"
    else:
        guild = interaction.guild
        resolved = guild.get_channel_or_thread(channel.id) if guild else None
        if resolved is None or guild is None or guild.me is None:
            raise errors.InvalidInput(
                f"Roadie can't see <#{channel.id}>. Give it View Channel and Send Messages there, "
                "or pick another channel."
            )
        perms = resolved.permissions_for(guild.me)
        cid = channel.id
        is_thread = isinstance(resolved, discord.Thread)
        mention = f"<#{channel.id}>"
    can_send = perms.send_messages_in_threads if is_thread else perms.send_messages
    if not (perms.view_channel and can_send):
        raise errors.InvalidInput(
            f"Roadie can't post in {mention}. Give it View Channel and Send Messages there, or pick another channel."
        )
    assert cid is not None
    return cid
