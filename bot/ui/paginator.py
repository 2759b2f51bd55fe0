"""A simple paged list: Previous / Next buttons over pre-rendered embeds.

Only the user who asked can turn pages (others get an ephemeral hint). The view times out after
``timeout`` seconds and then leaves the message as is. Each page is one embed already within
Discord's limits (see :func:`paginate_lines`).
"""

from __future__ import annotations

import discord

from bot.ui.format import EMBED_DESCRIPTION_MAX, truncate


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
    """Pages of embeds with Previous/Next buttons, for the invoking user."""

    def __init__(self, pages: list[discord.Embed], *, owner_id: int, timeout: float = 600) -> None:
        super().__init__(timeout=timeout)
        self.pages = pages
        self.owner_id = owner_id
        self.index = 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1
        self.counter.label = f"{self.index + 1}/{len(self.pages)}"

    @property
    def page(self) -> discord.Embed:
        """The embed currently shown."""
        return self.pages[self.index]

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            await interaction.response.send_message("Only the person who ran the command can turn these pages; "
                                                    "run it yourself to browse.", ephemeral=True)
            return False
        return True

    @discord.ui.button(label="◀ Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]) -> None:
        self.index = max(0, self.index - 1)
        self._sync()
        await interaction.response.edit_message(embed=self.page, view=self)

    @discord.ui.button(label="1/1", style=discord.ButtonStyle.secondary, disabled=True)
    async def counter(self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]) -> None:
        await interaction.response.defer()

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _button: discord.ui.Button[Paginator]) -> None:
        self.index = min(len(self.pages) - 1, self.index + 1)
        self._sync()
        await interaction.response.edit_message(embed=self.page, view=self)

    @classmethod
    def maybe(cls, pages: list[discord.Embed], *, owner_id: int) -> Paginator | None:
        """A paginator when there is more than one page, else None (no buttons needed)."""
        return cls(pages, owner_id=owner_id) if len(pages) > 1 else None
