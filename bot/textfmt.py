"""Roadie's message conventions, in one Discord-free module (services and ``bot/ui`` both use it).

Discord's limits as named constants, the one way to write a Discord timestamp, Markdown
escaping, the page footer and the colour palette. It imports nothing from discord, so a service
that renders nudge text stays Discord-free; ``bot.ui.format`` re-exports it for the UI side.

Limits (Discord API docs: "Message Resource", "Embed Limits", "Application Commands",
"Message Components"; over them Discord answers HTTP 400, code 50035).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# --- messages and embeds
CONTENT_MAX = 2000  # message content, characters
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
EMBED_TOTAL_MAX = 6000  # all embed text of one message together
NONCE_MAX = 25  # message nonce (used with enforce_nonce)
# --- application commands
CHOICES_MAX = 25  # autocomplete choices per answer
CHOICE_NAME_MAX = 100
OPTION_DESCRIPTION_MAX = 100
OPTION_STRING_MAX = 6000  # a string option's max_length
# --- components
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_LABEL_MAX = 100
SELECT_VALUE_MAX = 100
SELECT_DESCRIPTION_MAX = 100
MODAL_TITLE_MAX = 45
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
ATTACHMENT_DESCRIPTION_MAX = 1024  # alt text


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def percent(fraction: float) -> int:
    """``fraction`` (0..1) as a whole percentage, rounded half to even (0.335 -> 34)."""
    return round(fraction * 100)


# --- timestamps

TIMESTAMP_STYLES = frozenset("tTdDfFR")
"""Discord timestamp styles (API docs, "Message Formatting"): t 16:20, T 16:20:30, d 20/04/2021,
D 20 April 2021, f 20 April 2021 16:20, F Tuesday, 20 April 2021 16:20, R "in 2 months"."""


def ts(dt: datetime, style: str = "F") -> str:
    """A Discord timestamp ``<t:UNIX:style>`` for the aware ``dt``; each reader sees it in their own zone.

    Raises:
        ValueError: ``style`` is not one of :data:`TIMESTAMP_STYLES`, or ``dt`` is naive.
    """
    if style not in TIMESTAMP_STYLES:
        raise ValueError(f"unknown Discord timestamp style {style!r}")
    if dt.tzinfo is None:
        raise ValueError("ts() needs an aware datetime (UTC)")
    return f"<t:{int(dt.timestamp())}:{style}>"


def when(dt: datetime) -> str:
    """``<t:…:F> (<t:…:R>)``: full date and time plus "in 3 days"."""
    return f"{ts(dt, 'F')} ({ts(dt, 'R')})"


# --- Markdown

_URL = r"(?P<url><[^: >]+:\/[^ >]+>|(?:https?|steam):\/\/[^\s<]+[^<.,:;\"\'\]\s])"
_MARKDOWN = r"(?P<markdown>[_\\~|\*`]|^>(?:>>)?\s|\[.+\]\(.+\)|^#{1,3}|^\s*-)"
_ESCAPE_RE = re.compile(f"(?:{_URL}|{_MARKDOWN})", re.MULTILINE)


def escape_markdown(text: str) -> str:
    """``text`` with Discord Markdown made literal: ``_ \\ ~ | * ``` `` get a backslash, as do quotes
    (``> ``), headings (``#``), list dashes and ``[masked](links)``; bare URLs are left intact so
    they stay clickable. (The same rule as discord.py's ``escape_markdown``, without importing it.)

    Mentions are not touched: they are neutralised by ``allowed_mentions``, not by escaping.
    """

    def repl(m: re.Match[str]) -> str:
        return m["url"] or "\\" + m["markdown"]

    return _ESCAPE_RE.sub(repl, text)


# --- pages and colours


def page_footer(index: int, page_count: int, *details: str) -> str:
    """``Page 2/5 · 42 goal(s) · times in Europe/Berlin``: ``index`` is 0-based; empty details are skipped."""
    return " · ".join([f"Page {index + 1}/{page_count}", *(d for d in details if d)])


@dataclass(frozen=True)
class Palette:
    """Embed colours per feature, as 0xRRGGBB integers (what Discord's ``color`` field holds)."""

    goals: int = 0xF1C40F  # gold
    tours: int = 0xA84300  # dark orange
    releases: int = 0x9B59B6  # purple
    checkins: int = 0x2ECC71  # green
    reminders: int = 0x1ABC9C  # teal
    settings: int = 0x5865F2  # blurple
    studio: int = 0x11806A  # dark teal
    budget: int = 0xC27C0E  # dark gold
    advance: int = 0x206694  # dark blue
    guestlist: int = 0x992D22  # dark red
    setlist: int = 0xE91E63  # magenta
    settlement: int = 0x1F8B4C  # dark green
    promo: int = 0xEB459E  # fuchsia
    deals: int = 0x607D8B  # blue grey
    splits: int = 0x3498DB  # blue


COLOURS = Palette()


def code(text: str) -> str:
    """``text`` as an inline code span: the user's text shown literally inside Roadie's own Markdown.

    Inside a code span nothing is Markdown, so nothing is escaped (a backslash would show); only a
    backtick could end the span early, so backticks become ``ˋ`` (U+02CB).
    """
    return f"`{text.replace('`', 'ˋ')}`"


_CODE_SPAN = re.compile(r"(`[^`\n]*`)")


def escape_outside_code(text: str) -> str:
    """``text`` with Markdown made literal everywhere except inside its inline code spans.

    For Roadie's own sentences that quote the user's text in code spans (built with :func:`code`)
    and may carry other user text (a city name) outside them: the spans stay code, the rest is
    escaped, so neither Roadie's formatting nor the user's shows as literal backslashes.
    """
    return "".join(part if _CODE_SPAN.fullmatch(part) else escape_markdown(part) for part in _CODE_SPAN.split(text))
