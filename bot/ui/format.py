"""Text helpers that keep user text inside Discord's limits and render times for every reader.

Limits (Discord API docs, "Message" / "Embed Limits"): content 2000 chars; embed title 256,
description 4096, field name 256, field value 1024, footer 2048, 25 fields, 6000 chars per
message; autocomplete choice name 1..100 chars.
"""

from __future__ import annotations

from datetime import datetime

from bot.textfmt import escape_markdown

CONTENT_MAX = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
CHOICE_NAME_MAX = 100


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def plain(text: str) -> str:
    """User text made inert for Markdown (no formatting, links or code breaking out).

    Mentions are neutralised by ``allowed_mentions`` (parse nothing), not here.
    """
    return escape_markdown(text)


def ts(dt: datetime, style: str = "F") -> str:
    """A Discord timestamp ``<t:UNIX:style>``; each reader sees it in their own zone.

    Styles (Discord API docs): t, T, d, D, f, F, R.
    """
    return f"<t:{int(dt.timestamp())}:{style}>"


def when(dt: datetime) -> str:
    """``<t:…:F> (<t:…:R>)``: full date and time plus "in 3 days"."""
    return f"{ts(dt, 'F')} ({ts(dt, 'R')})"


def progress_bar(fraction: float, width: int = 12) -> str:
    """``▰▰▰▰▱▱▱▱▱▱▱▱ 33%`` for ``fraction`` in 0..1 (clamped)."""
    f = max(0.0, min(1.0, fraction))
    filled = round(f * width)
    return "▰" * filled + "▱" * (width - filled) + f" {round(f * 100)}%"
