"""Helpers shared by the cogs: who and where (from bot.ui.context), permission checks, named option lengths."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.ui.context import actor_of, bot_of, check_bot_can_post, guild_id_of

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
