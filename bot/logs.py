"""Logging: one line per event, and a filter that blanks the token wherever it might appear."""

from __future__ import annotations

import logging
import sys


class RedactFilter(logging.Filter):
    """Replace every occurrence of ``secret`` in a record's final message with ``[redacted]``."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret and self.secret in record.getMessage():
            record.msg = record.getMessage().replace(self.secret, "[redacted]")
            record.args = ()
        return True


def setup_logging(level: str, token: str = "") -> None:
    """Configure the root logger: ``time level logger: message`` on stderr, token redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    if token:
        handler.addFilter(RedactFilter(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("discord.gateway").setLevel(logging.WARNING if level.upper() != "DEBUG" else logging.DEBUG)
