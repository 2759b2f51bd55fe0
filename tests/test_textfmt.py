"""bot.textfmt: Discord-free message conventions (limits, timestamps, escaping, footers, colours)."""

from __future__ import annotations

from datetime import UTC, datetime

import discord
import pytest

from bot import textfmt

SAMPLES = [
    "plain words",
    "**bold** and __underline__ and ~~strike~~ and ||spoiler|| and `code`",
    "> quoted\n>>> block quote\n# heading\n## sub\n- list item\n  - nested",
    "a [masked](https://example.com) link and https://example.com/a_b_c?x=*y* stays clickable",
    "<https://example.com/_x_> and steam://run/1_2",
    "back\\slash and under_score in the_middle",
    "Sigur Rós · Tokyo: Zepp Haneda (TYO)",
    "",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_escape_markdown_matches_discord(text: str) -> None:
    """Our few lines escape exactly what discord.py's reference escape_markdown does."""
    assert textfmt.escape_markdown(text) == discord.utils.escape_markdown(text, as_needed=False)


def test_escape_markdown_examples() -> None:
    assert textfmt.escape_markdown("**Roundhouse** _2027_") == "\\*\\*Roundhouse\\*\\* \\_2027\\_"
    assert textfmt.escape_markdown("see https://x.io/a_b") == "see https://x.io/a_b"


def test_ts_styles_and_refusals() -> None:
    dt = datetime(2027, 4, 3, 9, 0, tzinfo=UTC)
    assert textfmt.ts(dt) == "<t:1806742800:F>"
    assert textfmt.ts(dt, "R") == "<t:1806742800:R>"
    assert textfmt.when(dt) == "<t:1806742800:F> (<t:1806742800:R>)"
    with pytest.raises(ValueError):
        textfmt.ts(dt, "x")
    with pytest.raises(ValueError):
        textfmt.ts(datetime(2027, 4, 3, 9, 0), "F")  # noqa: DTZ001 (the naive datetime is the point)


def test_page_footer_and_palette() -> None:
    assert textfmt.page_footer(0, 3, "12 goal(s)", "times in Europe/Berlin") == (
        "Page 1/3 · 12 goal(s) · times in Europe/Berlin"
    )
    assert textfmt.page_footer(1, 2, "", "x") == "Page 2/2 · x"
    assert textfmt.COLOURS.goals == discord.Colour.gold().value
    assert textfmt.COLOURS.settings == discord.Colour.blurple().value


def test_limits_are_discords() -> None:
    assert (textfmt.CONTENT_MAX, textfmt.EMBED_TITLE_MAX, textfmt.EMBED_DESCRIPTION_MAX) == (2000, 256, 4096)
    assert (textfmt.FIELD_VALUE_MAX, textfmt.EMBED_TOTAL_MAX, textfmt.CHOICES_MAX) == (1024, 6000, 25)
