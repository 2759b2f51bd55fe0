"""Test double of Discord (REST + gateway) for discord.py bots. See :mod:`tests.double.server`."""

from .server import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_PERMISSIONS,
    DiscordDouble,
    InteractionResult,
    Reject,
)
from .sharding import ShardedDiscordDouble, shard_of

__all__ = [
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_PERMISSIONS",
    "DiscordDouble",
    "InteractionResult",
    "Reject",
    "ShardedDiscordDouble",
    "shard_of",
]
