"""Test double of Discord (REST + gateway) for discord.py bots. See :mod:`tests.double.server`."""

from .server import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_PERMISSIONS,
    DiscordDouble,
    InteractionResult,
    Reject,
)

__all__ = ["DEFAULT_BOT_PERMISSIONS", "DEFAULT_PERMISSIONS", "DiscordDouble", "InteractionResult", "Reject"]
