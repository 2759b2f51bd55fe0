"""Shared constants of the Discord double: permission bits, intents, callback types, refusals."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from aiohttp import web

from . import validation as V

DISCORD_EPOCH_MS = 1420070400000

# permission bits
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
ALL_PERMISSIONS = (1 << 51) - 1
DEFAULT_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY | USE_APPLICATION_COMMANDS | MENTION_EVERYONE
)
MANAGE_EVENTS = 1 << 33
# the bot's managed integration role (what Roadie's invite link asks for: Manage Events for show events)
DEFAULT_BOT_PERMISSIONS = DEFAULT_PERMISSIONS | ATTACH_FILES | ADD_REACTIONS | MANAGE_EVENTS

# gateway intents
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_MESSAGE_CONTENT = 1 << 15

# callback types
CB_PONG, CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE, CB_AUTOCOMPLETE, CB_MODAL = (
    1,
    4,
    5,
    6,
    7,
    8,
    9,
)
ALLOWED_CALLBACKS = {
    2: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_MODAL},
    3: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE, CB_MODAL},
    4: {CB_AUTOCOMPLETE},
    5: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE},
}

# keys on stored message dicts that are not part of Discord's message object
_EXTRA_KEYS = ("ephemeral", "interaction_id", "allowed_mentions", "deleted", "files")

MENTION_USER_RE = re.compile(r"<@!?(\d{15,21})>")
MENTION_ROLE_RE = re.compile(r"<@&(\d{15,21})>")
MENTION_EVERYONE_RE = re.compile(r"@(everyone|here)")


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    h = {"Content-Type": "application/json"}
    if headers:
        h.update(headers)
    return web.Response(status=status, body=json.dumps(data).encode(), headers=h)


class Reject(Exception):
    """Raised inside a route handler to refuse a request the way Discord would."""

    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors


def _form_reject(errors: V.ErrorList) -> Reject:
    return Reject(400, 50035, "Invalid Form Body", V.form_errors(errors))
