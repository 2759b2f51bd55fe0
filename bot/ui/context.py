"""Who and where an interaction is, as the services see it (shared by cogs and component callbacks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.services.permissions import Actor

if TYPE_CHECKING:
    from bot.roadie import Roadie


def bot_of(interaction: discord.Interaction) -> Roadie:
    """The Roadie instance handling ``interaction`` (``bot_of(i).uow()`` opens its unit of work)."""
    return interaction.client  # type: ignore[return-value]


def guild_id_of(interaction: discord.Interaction) -> int:
    """The guild the interaction came from (commands are guild-only, so always set)."""
    assert interaction.guild_id is not None
    return interaction.guild_id


def actor_of(interaction: discord.Interaction) -> Actor:
    """The member behind ``interaction``, as the services see them (id, role ids, Manage Server)."""
    roles = getattr(interaction.user, "roles", None) or []
    return Actor(interaction.user.id, frozenset(r.id for r in roles), bool(interaction.permissions.manage_guild))
