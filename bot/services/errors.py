"""Domain errors. Their message is shown to the user as is (ephemeral), so phrase it as help."""

from __future__ import annotations


class RoadieError(Exception):
    """Base of every error a user can cause; ``str(err)`` is the user-facing message."""


class NotFound(RoadieError):
    """The referenced item does not exist in this guild."""


class InvalidInput(RoadieError):
    """The input cannot be used; the message says what was understood and what to type."""


class Forbidden(RoadieError):
    """The user may not do this."""
