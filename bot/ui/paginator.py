"""Paged lists whose Previous / Next buttons keep working after a restart and after any time.

The page buttons are one :class:`discord.ui.DynamicItem` (:class:`PageButton`) whose ``custom_id``
carries the whole state: ``roadie:page:<list>:<arg>:<page>`` (e.g. ``roadie:page:tour:upcoming:2``,
at most 100 characters, Discord API docs "Button"). A click re-reads the data through the list's
:data:`PageSource` (wired in ``bot/features.py``), so a fresh process (no in-memory view) serves it and the page shows
what is stored now. Views have no timeout (discord.py view timeouts run on the monotonic clock and
would kill the buttons after a while). A list whose data is gone answers the click ephemerally.

Only the member who ran the command turns the pages of a public list (the message's interaction
metadata says who that was); others get an ephemeral hint. Each page is one embed within
Discord's limits (see :func:`paginate_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import discord

from bot.services.errors import NotFound
from bot.ui.components import PersistentView
from bot.ui.errors import reply_error
from bot.ui.format import CUSTOM_ID_MAX, EMBED_DESCRIPTION_MAX, truncate

PAGE_TEMPLATE = r"roadie:page:(?P<list>[a-z_]+):(?P<arg>[^:]*):(?P<page>\d+)(?P<here>:at)?"
"""The pager's custom_id: list name, one list argument (no ``:``), the 0-based page to show;
``:at`` marks the (disabled) page counter."""
NOT_OWNER = "Only the person who ran the command can turn these pages; run it yourself to browse."


class ListGone(NotFound):
    """Raised by a :data:`PageSource` when the list a message showed no longer exists or is empty."""


@dataclass(frozen=True)
class Page:
    """One rendered page: the embed, the page shown (0-based, clamped) and how many pages there are now."""

    embed: discord.Embed
    index: int
    page_count: int


PageSource = Callable[[discord.Interaction, str, int], Awaitable[Page]]
"""``source(interaction, arg, index)`` re-reads the list ``arg`` names (scoped to the interaction's
guild) and renders page ``index`` (clamped to the pages there are now); raises :class:`ListGone`
(or another service error) when it can't. Each feature wires its lists in ``bot/features.py``
(``Feature.lists``: ``(name, source)``, the name ``[a-z_]+`` and part of stable custom_ids: never
rename one); the bot holds them as ``page_sources``."""


def _source(interaction: discord.Interaction, name: str) -> PageSource | None:
    return getattr(interaction.client, "page_sources", {}).get(name)


def clamp(index: int, page_count: int) -> int:
    """``index`` within ``0..page_count-1`` (a list may have shrunk since its message was posted)."""
    return max(0, min(index, max(page_count, 1) - 1))


def pages_for(total: int, per_page: int) -> int:
    """How many pages ``total`` items take at ``per_page`` a page (at least 1)."""
    return max(1, -(-total // per_page))


def page_custom_id(name: str, arg: str, page: int, *, counter: bool = False) -> str:
    """``roadie:page:<name>:<arg>:<page>`` (``:at`` for the counter).

    Raises:
        ValueError: ``arg`` contains ``:`` or the id would exceed 100 characters.
    """
    if ":" in arg:
        raise ValueError(f"pager argument {arg!r} must not contain ':'")
    cid = f"roadie:page:{name}:{arg}:{page}{':at' if counter else ''}"
    if len(cid) > CUSTOM_ID_MAX:
        raise ValueError(f"custom_id {cid!r} is longer than {CUSTOM_ID_MAX} characters")
    return cid


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


class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=PAGE_TEMPLATE):
    """◀ Previous / counter / Next ▶ of every paged list; the custom_id holds list, argument and page."""

    def __init__(self, name: str, arg: str, page: int, *, label: str, disabled: bool = False, counter: bool = False):
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=page_custom_id(name, arg, page, counter=counter),
            )
        )
        self.name, self.arg, self.page = name, arg, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item,  # type: ignore[override]
        match: re.Match[str],
    ) -> PageButton:
        return cls(match["list"], match["arg"], int(match["page"]), label="…", counter=bool(match["here"]))

    async def interaction_check(self, interaction: discord.Interaction) -> bool:  # type: ignore[override]
        owner = owner_of(interaction.message)
        if owner is not None and owner != interaction.user.id:
            await interaction.response.send_message(NOT_OWNER, ephemeral=True)
            return False
        return True

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        try:
            source = _source(interaction, self.name)
            if source is None:
                raise ListGone("This list can't be paged any more; run its command again.")
            page = await source(interaction, self.arg, self.page)
        except Exception as exc:  # shown to the user (ephemerally); logged when unexpected
            await reply_error(interaction, exc)
            return
        await interaction.response.edit_message(embed=page.embed, view=pager_view(self.name, self.arg, page))


def owner_of(message: discord.Message | None) -> int | None:
    """Who ran the command that posted ``message`` (Discord's interaction metadata), or None if unknown."""
    meta = getattr(message, "interaction_metadata", None) if message is not None else None
    user = getattr(meta, "user", None)
    return user.id if user is not None else None


def pager_view(name: str, arg: str, page: Page) -> PersistentView | None:
    """The Previous / counter / Next row for ``page`` of list ``name`` (None for a single page).

    ``timeout=None``: the buttons live as long as the message; every item is a :class:`PageButton`.
    """
    if page.page_count <= 1:
        return None
    i, last = page.index, page.page_count - 1
    return PersistentView(
        PageButton(name, arg, max(i - 1, 0), label="◀ Previous", disabled=i == 0),
        PageButton(name, arg, i, label=f"{i + 1}/{page.page_count}", disabled=True, counter=True),
        PageButton(name, arg, min(i + 1, last), label="Next ▶", disabled=i >= last),
    )


async def send_list(
    interaction: discord.Interaction,
    name: str,
    arg: str = "",
    *,
    ephemeral: bool = False,
    file: discord.File | None = None,
) -> None:
    """Answer ``interaction`` with page 1 of list ``name`` and, for more than one page, its buttons
    (and ``file``, e.g. a .csv of the whole list, attached once).

    Raises:
        whatever the list's :data:`PageSource` raises (the tree's error handler answers the user).
    """
    source = _source(interaction, name)
    if source is None:
        raise KeyError(f"list {name!r} is not wired in bot/features.py")
    page = await source(interaction, arg, 0)
    kwargs: dict[str, object] = {"embed": page.embed, "ephemeral": ephemeral}
    view = pager_view(name, arg, page)
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    await interaction.response.send_message(**kwargs)  # type: ignore[arg-type]
