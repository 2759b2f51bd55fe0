"""Paged lists: Previous / Next buttons over embeds rendered on demand.

Only the user who asked can turn pages (others get an ephemeral hint). The view times out after
``timeout`` seconds and then leaves the message as is. Each page is one embed within Discord's
limits (see :func:`paginate_lines`). Pages are rendered when shown, so a list of 10,000 items costs
one page of work per click, not the whole list.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import discord

from bot.ui.errors import reply_error
from bot.ui.format import EMBED_DESCRIPTION_MAX, truncate

PageRenderer = Callable[[int], Awaitable[discord.Embed]]
"""Renders page ``index`` (0-based) as an embed."""


def paginate_lines(lines: list[str], *, per_page: int = 10, max_chars: int = EMBED_DESCRIPTION_MAX - 96) -> list[str]:
    """Group ``lines`` into page bodies of at most ``per_page`` lines and ``max_chars`` characters."""
    pages: list[str] = []
    cur: list[str] = []
    size = 0
    for line in lines:
        line = truncate(line, max_chars)
        if cur and (len(cur) >= per_page or size + len(line) + 1 > max_chars):
            pages.append("\n".join(cur))
            cur, size = [], 0
        cur.append(line)
        size += len(line) + 1
    if cur:
        pages.append("\n".join(cur))
    return pages or [""]


class Paginator(discord.ui.View):
    """Previous/Next buttons over ``page_count`` pages rendered by ``render`` when shown."""

    def __init__(self, page_count: int, render: PageRenderer, *, owner_id: int, timeout: float = 600) -> None:
        super().__init__(timeout=timeout)
        self.page_count = page_count
        self.render = render
        self.owner_id = owner_id
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= self.page_count - 1
        self.counter.label = f"{self.index + 1}/{self.page_count}"

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message(
                "Only the person who ran the command can turn these pages; run it yourself to browse.", ephemeral=True
            )
            return False
        return True

    async def on_error(self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item) -> None:
        await reply_error(interaction, error)

    async def _show(self, interaction: discord.Interaction, index: int) -> None:
        self.index = max(0, min(self.page_count - 1, index))
        self._sync()
        await interaction.response.edit_message(embed=await self.render(self.index), view=self)

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]) -> None:
        await self._show(interaction, self.index - 1)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]) -> None:
        await interaction.response.defer()

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]) -> None:
        await self._show(interaction, self.index + 1)


async def send_paginated(
    interaction: discord.Interaction, page_count: int, render: PageRenderer, *, ephemeral: bool = False
) -> None:
    """Answer ``interaction`` with page 1 (rendered now) and, for more than one page, the buttons."""
    first = await render(0)
    if page_count <= 1:
        await interaction.response.send_message(embed=first, ephemeral=ephemeral)
    else:
        await interaction.response.send_message(
            embed=first, ephemeral=ephemeral, view=Paginator(page_count, render, owner_id=interaction.user.id)
        )


async def send_pages(interaction: discord.Interaction, pages: list[discord.Embed], *, ephemeral: bool = False) -> None:
    """:func:`send_paginated` over ready-made pages."""

    async def render(i: int) -> discord.Embed:
        return pages[i]

    await send_paginated(interaction, len(pages), render, ephemeral=ephemeral)
