"""Markdown escaping for text Roadie writes into Discord messages.

Services render nudge text (Discord Markdown is the format of that text), so they need this
without depending on a client; it delegates to discord.py's pure function, the reference for
which characters Discord treats as Markdown, and is the one place services reach into discord.
"""

from __future__ import annotations

from discord.utils import escape_markdown as _escape


def escape_markdown(text: str) -> str:
    """``text`` with Discord Markdown made literal (bold, code, spoilers, headings, quotes, links).

    Mentions are not touched: they are neutralised by ``allowed_mentions``, not by escaping.
    """
    return _escape(text, as_needed=False)


def code(text: str) -> str:
    """``text`` as an inline code span: the user's text shown literally inside Roadie's own Markdown.

    Inside a code span nothing is Markdown, so nothing is escaped (a backslash would show); only a
    backtick could end the span early, so backticks become ``ˋ`` (U+02CB).
    """
    return f"`{text.replace('`', 'ˋ')}`"
