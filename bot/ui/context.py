"""Who and where an interaction is, as the services see it, and whether Roadie may post there
(shared by cogs and component callbacks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.services import errors
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
