"""The snooze row on delivered nudge messages that ping people: ``1 h``, ``Tomorrow 09:00``,
``Next week``. Persistent (a ``DynamicItem`` per button; the choice and the message's first nudge
id live in the ``custom_id``), so it works after restarts and after any time.

Clicks on one message are serialised in this process (a double click within milliseconds is
answered twice with the same time and schedules one snooze); the database's unique
``nudge_snoozes.nudge_id`` is the last word across processes.
"""

from __future__ import annotations

import asyncio
import re
import weakref

import discord

from bot.services import clock, snooze
from bot.ui.context import actor_of, bot_of, guild_id_of
from bot.ui.errors import reply_error
from bot.ui.format import ts
from bot.ui.ids import CustomId

SNOOZE_ID = CustomId("roadie:snooze:{choice}:{nid}", choice="|".join(snooze.CHOICES))
LABELS = {"1h": "1 h", "tomorrow": "Tomorrow 09:00", "week": "Next week"}
_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()


def _lock(message_id: int) -> asyncio.Lock:
    lock = _locks.get(message_id)
    if lock is None:
        lock = asyncio.Lock()
        _locks[message_id] = lock
    return lock


def result_text(r: snooze.SnoozeResult) -> str:
    """The clicker's ephemeral answer."""
    when = f"{ts(r.until, 'F')} ({ts(r.until, 'R')})"
    if r.already:
        return f"💤 Already snoozed until {when}: a nudge is snoozed only once."
    what = "this nudge" if r.count == 1 else f"{r.count} nudges"
    return f"💤 Snoozed {what} until {when}; Roadie will ping again then."


class SnoozeButton(discord.ui.DynamicItem[discord.ui.Button], template=SNOOZE_ID.template):
    """One snooze choice for the nudges of the message it is on (``nid``: the message's first nudge)."""

    def __init__(self, choice: str, nudge_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=LABELS[choice],
                emoji="💤" if choice == "1h" else None,
                style=discord.ButtonStyle.secondary,
                custom_id=SNOOZE_ID.format(choice=choice, nid=nudge_id),
            )
        )
        self.choice, self.nudge_id = choice, nudge_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> SnoozeButton:
        return cls(match["choice"], int(match["nid"]))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        message = interaction.message
        message_id = message.id if message is not None else 0
        try:
            async with _lock(message_id):
                async with bot_of(interaction).uow() as s:
                    r = await snooze.snooze(
                        s,
                        guild_id_of(interaction),
                        message_id=message_id,
                        lead_nudge_id=self.nudge_id,
                        choice=self.choice,
                        content=message.content if message is not None else "",
                        actor=actor_of(interaction),
                        now=clock.utcnow(),
                    )
        except Exception as exc:  # one place answers every error ephemerally
            await reply_error(interaction, exc)
            return
        await interaction.response.send_message(result_text(r), ephemeral=True)


def snooze_buttons(nudge_id: int) -> list[SnoozeButton]:
    """The row for a message whose first nudge is ``nudge_id``."""
    return [SnoozeButton(c, nudge_id) for c in snooze.CHOICES]
