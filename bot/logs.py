"""Logging: one line per event, and a filter that blanks the token wherever it might appear."""

from __future__ import annotations

import logging
import sys


class RedactingFormatter(logging.Formatter):
    """A formatter that replaces ``secret`` with ``[redacted]`` in the whole formatted record,
    message and traceback alike."""

    def __init__(self, fmt: str, secret: str) -> None:
        super().__init__(fmt)
        self.secret = secret

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace(self.secret, "[redacted]") if self.secret else text


def setup_logging(level: str, token: str = "") -> None:
    """Configure the root logger: ``time level logger: message`` on stderr, token redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("discord.gateway").setLevel(logging.WARNING if level.upper() != "DEBUG" else logging.DEBUG)
