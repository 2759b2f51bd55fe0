"""Delete confirmations: one pair of restart-proof buttons for every kind of item.

``/goal delete``, ``/tour delete`` and ``/release delete`` answer (ephemerally) with a "Delete" and
a "Keep it" button whose custom_ids carry the item (``roadie:<kind>:delete:<id>``), so a
confirmation still works after a restart. Each cog registers what deleting its kind means.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import discord

from bot.ui.components import PersistentView
from bot.ui.errors import reply_error

DeleteHandler = Callable[[discord.Interaction, int], Awaitable[str]]
"""Deletes item ``id`` for the interaction's user (services check permissions) and returns the
confirmation text; raises the services' errors."""

_HANDLERS: dict[str, DeleteHandler] = {}


def register_delete(kind: str, handler: DeleteHandler) -> None:
    """Say how to delete items of ``kind`` (``goal``, ``show``, ``rel``: part of stable custom_ids)."""
    _HANDLERS[kind] = handler


class ConfirmDelete(discord.ui.DynamicItem[discord.ui.Button], template=r"roadie:(?P<kind>[a-z]+):delete:(?P<id>\d+)"):
    """The "Delete" button."""

    def __init__(self, kind: str, item_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete", style=discord.ButtonStyle.danger, custom_id=f"roadie:{kind}:delete:{item_id}"
            )
        )
        self.kind, self.item_id = kind, item_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> ConfirmDelete:
        return cls(match["kind"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            text = await _HANDLERS[self.kind](interaction, self.item_id)
        except Exception as exc:  # shown to the user; logged when unexpected
            await reply_error(interaction, exc)
            return
        await interaction.response.edit_message(content=text, embed=None, view=None)


class Keep(discord.ui.DynamicItem[discord.ui.Button], template=r"roadie:(?P<kind>[a-z]+):keep:(?P<id>\d+)"):
    """The "Keep it" button: changes nothing."""

    def __init__(self, kind: str, item_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Keep it", style=discord.ButtonStyle.secondary, custom_id=f"roadie:{kind}:keep:{item_id}"
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> Keep:
        return cls(match["kind"], int(match["id"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        await interaction.response.edit_message(content="Kept. Nothing was deleted.", embed=None, view=None)


def confirm_view(kind: str, item_id: int) -> discord.ui.View:
    """A view with the Delete / Keep it pair for one item."""
    return PersistentView(ConfirmDelete(kind, item_id), Keep(kind, item_id))
