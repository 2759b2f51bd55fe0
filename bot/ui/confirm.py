"""Delete confirmations: one pair of restart-proof buttons for every kind of item.

``/goal delete``, ``/tour delete`` and ``/release delete`` answer (ephemerally) with a "Delete" and
a "Keep it" button whose custom_ids carry the item (``roadie:<kind>:delete:<id>``), so a
confirmation still works after a restart. What deleting each kind means is wired in ``bot/features.py``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import discord

from bot.ui.components import PersistentView
from bot.ui.context import bot_of
from bot.ui.errors import reply_error
from bot.ui.ids import CustomId

DeleteHandler = Callable[[discord.Interaction, int], Awaitable[str]]
"""Deletes item ``id`` for the interaction's user (services check permissions) and returns the
confirmation text; raises the services' errors."""


DELETE_ID = CustomId("roadie:{kind}:delete:{id}", kind="[a-z]+")
KEEP_ID = CustomId("roadie:{kind}:keep:{id}", kind="[a-z]+")


class ConfirmDelete(discord.ui.DynamicItem[discord.ui.Button], template=DELETE_ID.template):
    """The "Delete" button."""

    def __init__(self, kind: str, item_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete", style=discord.ButtonStyle.danger, custom_id=DELETE_ID.format(kind=kind, id=item_id)
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
            text = await bot_of(interaction).delete_handlers[self.kind](interaction, self.item_id)
        except Exception as exc:  # shown to the user; logged when unexpected
            await reply_error(interaction, exc)
            return
        await interaction.response.edit_message(content=text, embed=None, view=None)


class Keep(discord.ui.DynamicItem[discord.ui.Button], template=KEEP_ID.template):
    """The "Keep it" button: changes nothing."""

    def __init__(self, kind: str, item_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Keep it", style=discord.ButtonStyle.secondary, custom_id=KEEP_ID.format(kind=kind, id=item_id)
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
