"""Text helpers for the UI: everything from :mod:`bot.textfmt` (Discord's limits, ``ts``, ``truncate``,
the page footer, the colour palette) plus ``plain`` for user text and progress bars.

Every embed, content and component text is cut to the limits named in :mod:`bot.textfmt`
(Discord API docs, "Message" / "Embed Limits"); no other module spells a Discord limit as a number.
"""

from __future__ import annotations

from bot.textfmt import (
    ATTACHMENT_DESCRIPTION_MAX,
    AUTHOR_NAME_MAX,
    BUTTON_LABEL_MAX,
    CHOICE_NAME_MAX,
    CHOICES_MAX,
    COLOURS,
    CONTENT_MAX,
    CUSTOM_ID_MAX,
    EMBED_DESCRIPTION_MAX,
    EMBED_FIELDS_MAX,
    EMBED_TITLE_MAX,
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FOOTER_MAX,
    MODAL_TITLE_MAX,
    SELECT_DESCRIPTION_MAX,
    SELECT_LABEL_MAX,
    SELECT_OPTIONS_MAX,
    TEXT_INPUT_VALUE_MAX,
    escape_markdown,
    page_footer,
    percent,
    truncate,
    ts,
    when,
)

__all__ = [
    "ATTACHMENT_DESCRIPTION_MAX",
    "AUTHOR_NAME_MAX",
    "BUTTON_LABEL_MAX",
    "CHOICES_MAX",
    "CHOICE_NAME_MAX",
    "COLOURS",
    "CONTENT_MAX",
    "CUSTOM_ID_MAX",
    "EMBED_DESCRIPTION_MAX",
    "EMBED_FIELDS_MAX",
    "EMBED_TITLE_MAX",
    "EMBED_TOTAL_MAX",
    "FIELD_NAME_MAX",
    "FIELD_VALUE_MAX",
    "FOOTER_MAX",
    "MODAL_TITLE_MAX",
    "SELECT_DESCRIPTION_MAX",
    "SELECT_LABEL_MAX",
    "SELECT_OPTIONS_MAX",
    "TEXT_INPUT_VALUE_MAX",
    "page_footer",
    "percent",
    "plain",
    "progress_bar",
    "truncate",
    "ts",
    "when",
]


def plain(text: str) -> str:
    """User text made inert for Markdown (no formatting, links or code breaking out).

    Mentions are neutralised by ``allowed_mentions`` (parse nothing), not here.
    """
    return escape_markdown(text)


def progress_bar(fraction: float, width: int = 12) -> str:
    """``▰▰▰▰▱▱▱▱▱▱▱▱ 33%`` for ``fraction`` in 0..1 (clamped)."""
    f = max(0.0, min(1.0, fraction))
    filled = round(f * width)
    return "▰" * filled + "▱" * (width - filled) + f" {percent(f)}%"
