"""An in-process test double of Discord (REST API v10 + gateway) for discord.py 2.x bots.

Start it, point discord.py at it::

    discord.http.Route.BASE = double.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(double.gateway_url)

and drive the bot with :meth:`DiscordDouble.invoke`, :meth:`DiscordDouble.click`, ... while
asserting on :attr:`DiscordDouble.messages`, :attr:`DiscordDouble.rejections`, etc.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import math
import mimetypes
import re
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import quote

from aiohttp import WSMsgType, web

from . import validation as V
from .faults import Faults
from .ratelimit import RateLimits

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
# the bot's managed integration role (what an invite link would typically grant)
DEFAULT_BOT_PERMISSIONS = DEFAULT_PERMISSIONS | ATTACH_FILES | ADD_REACTIONS

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


class InteractionResult:
    """What the bot did in response to one interaction driven by the double.

    Attributes: ``type`` (callback type int: 4 message, 5 deferred message, 6 deferred update,
    7 update message, 8 autocomplete, 9 modal), ``message`` (message dict the response created or
    updated, kept current), ``modal`` (modal ``data`` for type 9), ``choices`` (autocomplete),
    ``followups`` (list of message dicts), ``ack_seconds``, ``interaction`` (payload sent to the bot),
    ``callback`` (raw callback body).
    """

    def __init__(self, double: DiscordDouble, interaction: dict[str, Any]):
        self._double = double
        self.interaction: dict[str, Any] = interaction
        self.id: int = int(interaction["id"])
        self.token: str = interaction["token"]
        self.type: int | None = None
        self.message: dict[str, Any] | None = None
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.followups: list[dict[str, Any]] = []
        self.callback: dict[str, Any] | None = None
        self.ack_seconds: float | None = None
        self.dispatched_at: float = 0.0
        self.original_edited: bool = False
        self.late_error: str | None = None
        self._acked = asyncio.Event()
        self._final = asyncio.Event()

    # shortcuts ----------------------------------------------------------
    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted for this interaction."""
        return self.type is not None

    @property
    def content(self) -> str | None:
        """``message["content"]`` (or None when there is no message)."""
        return None if self.message is None else self.message.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """``message["embeds"]`` (or [])."""
        return [] if self.message is None else self.message.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        """``message["components"]`` (or [])."""
        return [] if self.message is None else self.message.get("components") or []

    @property
    def ephemeral(self) -> bool:
        """Whether the response message is ephemeral."""
        return bool(self.message and self.message.get("ephemeral"))

    async def wait_final(self, timeout: float = 5.0) -> InteractionResult:  # noqa: ASYNC109 (public API takes timeout=)
        """For deferred responses (5/6): wait until @original is PATCHed or a followup arrives."""
        if self.type not in (CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE):
            return self
        try:
            await asyncio.wait_for(self._final.wait(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"interaction {self.id}: deferred (type {self.type}) but no @original edit or followup "
                f"within {timeout}s"
            ) from None
        return self

    def __repr__(self) -> str:
        return f"<InteractionResult id={self.id} type={self.type} content={self.content!r}>"


class _Connection:
    """One gateway websocket connection."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None):
        self.ws = ws
        self.zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self.queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.session: _Session | None = None
        self.writer: asyncio.Task | None = None
        self.sent: list[dict[str, Any]] = []

    async def write_loop(self) -> None:
        while True:
            payload = await self.queue.get()
            if payload is None or self.ws.closed:
                return
            self.sent.append(payload)
            data = json.dumps(payload)
            try:
                if self.zlib is not None:
                    raw = self.zlib.compress(data.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(raw)
                else:
                    await self.ws.send_str(data)
            except (ConnectionResetError, RuntimeError):
                return

    def send(self, payload: dict[str, Any]) -> None:
        self.queue.put_nowait(payload)


class _Session:
    """A gateway session (survives disconnects; resumable)."""

    def __init__(self, session_id: str, intents: int):
        self.id = session_id
        self.intents = intents
        self.seq = 0
        self.backlog: list[dict[str, Any]] = []
        self.conn: _Connection | None = None
        self.invalid = False

    def dispatch(self, event: str, data: Any) -> None:
        self.seq += 1
        payload = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.backlog.append(payload)
        if self.conn is not None:
            self.conn.send(payload)


class DiscordDouble:
    """Fake Discord: REST routes + gateway that a real discord.py client connects to.

    Build the world (``add_guild``/``add_channel``/``add_member``/``add_role``), ``await start()``,
    point discord.py at ``api_base``/``gateway_url``, start the bot, then drive it with
    ``invoke``/``autocomplete``/``click``/``submit_modal`` and assert on the recorded state:
    ``messages``, ``edits``, ``deletions``, ``commands_global``/``commands_guild``,
    ``command_writes``, ``rejections`` (4xx refusals), ``unknown_routes``, ``rate_limited`` (429s
    served), ``requests`` (every REST call), ``identify_count``/``resume_count``/``connection_count``.

    Files: an ATTACHMENT option given as ``{"filename": "t.ics", "content": b"..." (or str),
    "content_type": "text/calendar"}`` is served at a loopback ``url``/``proxy_url`` so the bot's
    ``Attachment.read()`` works. Files the bot uploads land in ``message["attachments"][i]`` with
    their raw bytes under ``"content"`` (also ``attachment_bytes(att)``) and a loopback url.

    Notes for bot tests: give the client ``guild_ready_timeout=0.05`` (READY otherwise waits 2 s)
    and override ``before_identify_hook`` if you invalidate sessions (discord.py sleeps 5 s before
    a re-IDENTIFY). Close the client before ``stop()``.
    """

    def __init__(
        self,
        application_id: int = 900000000000000001,
        bot_user_id: int | None = None,
        bot_username: str = "double-bot",
        callback_deadline: float = 3.0,
    ):
        self.application_id = int(application_id)
        self.bot_user_id = int(bot_user_id if bot_user_id is not None else application_id)
        self.bot_username = bot_username
        self.callback_deadline = callback_deadline
        self.port: int | None = None
        self.api_base = ""
        self.gateway_url = ""
        # world state
        self.users: dict[int, dict[str, Any]] = {}
        self.guilds: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.roles: dict[int, dict[int, dict[str, Any]]] = {}
        self.members: dict[int, dict[int, dict[str, Any]]] = {}
        # recorded state
        self.commands_global: list[dict[str, Any]] = []
        self.commands_guild: dict[int, list[dict[str, Any]]] = {}
        self.command_writes: list[tuple[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.user_messages: list[dict[str, Any]] = []
        self.edits: list[dict[str, Any]] = []
        self.deletions: list[dict[str, Any]] = []
        self.reactions: list[dict[str, Any]] = []
        self.rejections: list[dict[str, Any]] = []
        self.unknown_routes: list[tuple[str, str]] = []
        self.requests: list[dict[str, Any]] = []
        self.rate_limited: list[dict[str, Any]] = []
        # attachment bytes served at http://127.0.0.1:PORT/{attachments|ephemeral-attachments}/{id}/{filename}
        self.attachment_files: dict[str, dict[str, Any]] = {}
        self.cdn_requests: list[dict[str, Any]] = []
        self.gateway_log: list[dict[str, Any]] = []
        self.identify_count = 0
        self.resume_count = 0
        self.connection_count = 0
        self.ready_count = 0
        self.interactions: dict[int, InteractionResult] = {}
        self._by_token: dict[str, InteractionResult] = {}
        self._msg_by_id: dict[int, dict[str, Any]] = {}
        self._sessions: dict[str, _Session] = {}
        self._current: _Session | None = None
        self._conns: set[_Connection] = set()
        self._rate_rules: list[dict[str, Any]] = []
        self.ratelimit = RateLimits(on_served=self.rate_limited.append)  # Discord's limits: tests/double/ratelimit.py
        self.faults = Faults()  # refusals on demand: tests/double/faults.py
        self._invalidate_next_resume = False
        self._last_snowflake = 0
        self._runner: web.AppRunner | None = None
        self._changed: asyncio.Condition | None = None
        self._handler_tasks: set[asyncio.Task] = set()
        self.users[self.bot_user_id] = self._make_user(self.bot_user_id, bot_username, bot=True)

    # ================================================================ lifecycle
    async def start(self) -> DiscordDouble:
        """Bind 127.0.0.1 on a free port and start serving REST + gateway."""
        app = web.Application(
            client_max_size=64 * 1024 * 1024, middlewares=[self.ratelimit.middleware, self.faults.middleware]
        )
        app.router.add_get("/", self._ws_handler)
        app.router.add_get("/attachments/{aid}/{filename}", self._cdn_handler)
        app.router.add_get("/ephemeral-attachments/{aid}/{filename}", self._cdn_handler)
        app.router.add_route("*", "/api/v{version:\\d+}/{tail:.*}", self._http_handler)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.api_base = f"http://127.0.0.1:{self.port}/api/v10"
        self.gateway_url = f"ws://127.0.0.1:{self.port}/"
        self._changed = asyncio.Condition()
        return self

    async def stop(self) -> None:
        """Close gateway connections and shut the server down."""
        for conn in list(self._conns):
            conn.queue.put_nowait(None)
            if not conn.ws.closed:
                await conn.ws.close(code=1001)
        for conn in list(self._conns):
            if conn.writer is not None:
                conn.writer.cancel()
                try:
                    await conn.writer
                except BaseException:
                    pass
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordDouble:
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # ================================================================ ids & world building
    def snowflake(self) -> int:
        """A new, strictly increasing, timestamp-based snowflake (int)."""
        sf = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        sf = max(sf, self._last_snowflake + 1)
        self._last_snowflake = sf
        return sf

    def _make_user(self, user_id: int, username: str, bot: bool = False) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": username,
            "discriminator": "0" if not bot else "0000",
            "global_name": None if bot else username,
            "avatar": None,
            "bot": bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }

    def _make_role(
        self,
        guild_id: int,
        role_id: int,
        name: str,
        permissions: int,
        position: int,
        managed: bool = False,
        mentionable: bool = False,
        tags: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        role = {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions),
            "managed": managed,
            "mentionable": mentionable,
            "flags": 0,
        }
        if tags is not None:
            role["tags"] = tags
        return role

    def add_guild(
        self,
        guild_id: int,
        name: str = "Guild",
        owner_id: int | None = None,
        everyone_permissions: int = DEFAULT_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
    ) -> dict[str, Any]:
        """Add a guild (the bot is a member). @everyone role id == guild_id with default perms;
        the bot also gets a managed role with ``bot_permissions`` (default adds ATTACH_FILES and
        ADD_REACTIONS)."""
        guild_id = int(guild_id)
        guild = {
            "id": str(guild_id),
            "name": name,
            "owner_id": str(owner_id or self.snowflake()),
            "joined_at": _now_iso(),
            "preferred_locale": "en-US",
        }
        self.guilds[guild_id] = guild
        self.roles[guild_id] = {guild_id: self._make_role(guild_id, guild_id, "@everyone", everyone_permissions, 0)}
        bot_role_id = self.snowflake()
        self.roles[guild_id][bot_role_id] = self._make_role(
            guild_id,
            bot_role_id,
            self.bot_username,
            bot_permissions,
            1,
            managed=True,
            tags={"bot_id": str(self.bot_user_id)},
        )
        guild["bot_role_id"] = bot_role_id
        self.members[guild_id] = {}
        self._put_member(guild_id, self.bot_user_id, [bot_role_id])
        if self._current is not None:
            self._current.dispatch("GUILD_CREATE", self._guild_create_payload(guild_id))
        return guild

    def _put_member(self, guild_id: int, user_id: int, roles: Iterable[int]) -> dict[str, Any]:
        member = {
            "roles": [str(r) for r in roles],
            "nick": None,
            "avatar": None,
            "banner": None,
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        self.members[guild_id][user_id] = member
        return member

    def add_channel(
        self,
        guild_id: int,
        channel_id: int,
        name: str = "general",
        bot_can_send: bool = True,
        type: int = 0,
        overwrites: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Add a text channel.

        ``bot_can_send=False`` adds a member overwrite denying SEND_MESSAGES for the bot."""
        guild_id, channel_id = int(guild_id), int(channel_id)
        ows = list(overwrites or [])
        if not bot_can_send:
            ows.append({"id": str(self.bot_user_id), "type": 1, "allow": "0", "deny": str(SEND_MESSAGES)})
        pos = sum(1 for c in self.channels.values() if c["guild_id"] == str(guild_id))
        channel = {
            "id": str(channel_id),
            "type": type,
            "guild_id": str(guild_id),
            "name": name,
            "position": pos,
            "permission_overwrites": ows,
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
        }
        self.channels[channel_id] = channel
        if self._current is not None:
            self._current.dispatch("CHANNEL_CREATE", channel)
        return channel

    def add_role(
        self, guild_id: int, role_id: int, name: str = "role", permissions: int = 0, mentionable: bool = False
    ) -> dict[str, Any]:
        """Add a role to a guild."""
        guild_id, role_id = int(guild_id), int(role_id)
        role = self._make_role(guild_id, role_id, name, permissions, len(self.roles[guild_id]), mentionable=mentionable)
        self.roles[guild_id][role_id] = role
        if self._current is not None:
            self._current.dispatch("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role})
        return role

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        username: str = "user",
        manage_guild: bool = False,
        roles: Iterable[int] = (),
        administrator: bool = False,
    ) -> dict[str, Any]:
        """Add a human member. ``manage_guild=True`` gives them a role with MANAGE_GUILD."""
        guild_id, user_id = int(guild_id), int(user_id)
        self.users.setdefault(user_id, self._make_user(user_id, username))
        role_ids = [int(r) for r in roles]
        if manage_guild or administrator:
            perm = MANAGE_GUILD | (ADMINISTRATOR if administrator else 0)
            name = "Admins" if administrator else "Managers"
            existing = next(
                (
                    int(r["id"])
                    for r in self.roles[guild_id].values()
                    if r["name"] == name and int(r["permissions"]) == perm
                ),
                None,
            )
            if existing is None:
                existing = self.snowflake()
                self.roles[guild_id][existing] = self._make_role(
                    guild_id, existing, name, perm, len(self.roles[guild_id])
                )
            role_ids.append(existing)
        member = self._put_member(guild_id, user_id, role_ids)
        if self._current is not None and self._current.intents & INTENT_GUILD_MEMBERS:
            self._current.dispatch(
                "GUILD_MEMBER_ADD", {**self._member_payload(guild_id, user_id), "guild_id": str(guild_id)}
            )
        return member

    # ================================================================ permissions
    def base_permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permissions of a member (Discord's algorithm)."""
        guild = self.guilds[guild_id]
        if int(guild["owner_id"]) == user_id:
            return ALL_PERMISSIONS
        roles = self.roles[guild_id]
        perms = int(roles[guild_id]["permissions"])
        member = self.members[guild_id].get(user_id)
        if member is None:
            return 0
        for rid in member["roles"]:
            role = roles.get(int(rid))
            if role:
                perms |= int(role["permissions"])
        if perms & ADMINISTRATOR:
            return ALL_PERMISSIONS
        return perms

    def channel_permissions(self, channel_id: int, user_id: int) -> int:
        """Channel-level permissions of a member after overwrites (Discord's algorithm)."""
        channel = self.channels[channel_id]
        guild_id = int(channel["guild_id"])
        perms = self.base_permissions(guild_id, user_id)
        if perms & ADMINISTRATOR or perms == ALL_PERMISSIONS:
            return ALL_PERMISSIONS
        ows = {int(o["id"]): o for o in channel["permission_overwrites"]}
        ev = ows.get(guild_id)
        if ev:
            perms = (perms & ~int(ev["deny"])) | int(ev["allow"])
        member = self.members[guild_id].get(user_id) or {"roles": []}
        allow = deny = 0
        for rid in member["roles"]:
            o = ows.get(int(rid))
            if o and o.get("type", 0) == 0:
                allow |= int(o["allow"])
                deny |= int(o["deny"])
        perms = (perms & ~deny) | allow
        mo = ows.get(user_id)
        if mo and mo.get("type", 1) == 1:
            perms = (perms & ~int(mo["deny"])) | int(mo["allow"])
        if not perms & VIEW_CHANNEL:
            return 0
        if not perms & SEND_MESSAGES:
            perms &= ~(SEND_TTS_MESSAGES | MENTION_EVERYONE | EMBED_LINKS | ATTACH_FILES)
        return perms

    # ================================================================ payload builders
    def _member_payload(
        self, guild_id: int, user_id: int, with_user: bool = True, permissions_in: int | None = None
    ) -> dict[str, Any]:
        m = dict(self.members[guild_id][user_id])
        if with_user:
            m["user"] = self.users[user_id]
        if permissions_in is not None:
            m["permissions"] = str(self.channel_permissions(permissions_in, user_id))
        return m

    def _guild_create_payload(self, guild_id: int) -> dict[str, Any]:
        g = self.guilds[guild_id]
        members = [self._member_payload(guild_id, uid) for uid in self.members[guild_id]]
        return {
            "id": g["id"],
            "name": g["name"],
            "owner_id": g["owner_id"],
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "preferred_locale": g["preferred_locale"],
            "max_members": 500000,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "roles": list(self.roles[guild_id].values()),
            "channels": [c for c in self.channels.values() if c["guild_id"] == g["id"]],
            "members": members,
            "member_count": len(members),
            "joined_at": g["joined_at"],
            "large": False,
            "unavailable": False,
            "lazy": True,
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "voice_states": [],
            "presences": [],
            "soundboard_sounds": [],
            "application_id": None,
            "incidents_data": None,
        }

    def _channel_for_interaction(self, channel_id: int, user_id: int) -> dict[str, Any]:
        ch = dict(self.channels[channel_id])
        ch["permissions"] = str(self.channel_permissions(channel_id, user_id))
        return ch

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot_username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "owner": self._make_user(1, "owner"),
            "bot": self.users[self.bot_user_id],
            "rpc_origins": [],
            "tags": [],
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "approximate_guild_count": len(self.guilds),
        }

    def _me(self) -> dict[str, Any]:
        return {
            **self.users[self.bot_user_id],
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "locale": "en-US",
            "premium_type": 0,
        }

    # ================================================================ messages
    def wire(self, msg: dict[str, Any]) -> dict[str, Any]:
        """The Discord-shaped JSON of a stored message (extra keys stripped, ids as strings)."""
        out = {k: v for k, v in msg.items() if k not in _EXTRA_KEYS}
        out["attachments"] = [{k: v for k, v in a.items() if k != "content"} for a in msg["attachments"]]
        out["channel_id"] = str(msg["channel_id"])
        if out.get("nonce") is None:
            out.pop("nonce", None)
        if msg.get("guild_id") is not None:
            out["guild_id"] = str(msg["guild_id"])
        else:
            out.pop("guild_id", None)
        return out

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        author_id: int | None = None,
        interaction: InteractionResult | None = None,
        ephemeral: bool = False,
        loading: bool = False,
        attachments: list[dict[str, Any]] | None = None,
        msg_type: int = 0,
        webhook: bool = False,
    ) -> dict[str, Any]:
        author_id = self.bot_user_id if author_id is None else author_id
        channel = self.channels.get(channel_id)
        guild_id = int(channel["guild_id"]) if channel else None
        flags = int(body.get("flags") or 0) & ~V.FLAG_EPHEMERAL
        if ephemeral:
            flags |= V.FLAG_EPHEMERAL
        if loading:
            flags |= V.FLAG_LOADING
        msg: dict[str, Any] = {
            "id": str(self.snowflake()),
            "type": msg_type,
            "channel_id": channel_id,
            "guild_id": guild_id,
            "author": self.users.get(author_id) or self._make_user(author_id, "unknown"),
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "mention_channels": [],
            "attachments": attachments or [],
            "embeds": body.get("embeds") or [],
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "components": body.get("components") or [],
        }
        msg["nonce"] = body.get("nonce")
        if body.get("poll") is not None:
            msg["poll"] = body["poll"]
        if webhook or interaction is not None:
            msg["webhook_id"] = str(self.application_id)
            msg["application_id"] = str(self.application_id)
        if interaction is not None:
            ip = interaction.interaction
            meta = {
                "id": ip["id"],
                "type": ip["type"],
                "user": ip["member"]["user"],
                "authorizing_integration_owners": ip["authorizing_integration_owners"],
            }
            if ip["type"] == 2:
                meta["name"] = ip["data"]["name"]
                meta["command_type"] = ip["data"].get("type", 1)
            if ip.get("message"):
                meta["interacted_message_id"] = ip["message"]["id"]
            msg["interaction_metadata"] = meta
        msg["ephemeral"] = ephemeral
        msg["interaction_id"] = interaction.id if interaction is not None else None
        msg["allowed_mentions"] = body.get("allowed_mentions")
        msg["deleted"] = False
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            ref_msg = self._msg_by_id.get(int(ref["message_id"]))
            msg["message_reference"] = {
                "type": ref.get("type", 0),
                "message_id": str(ref["message_id"]),
                "channel_id": str(ref.get("channel_id") or channel_id),
                "guild_id": str(guild_id) if guild_id else None,
            }
            if ref_msg is not None:
                msg["type"] = 19
                msg["referenced_message"] = self.wire(ref_msg)
        self._apply_mentions(msg)
        self._msg_by_id[int(msg["id"])] = msg
        if author_id == self.bot_user_id:
            self.messages.append(msg)
        else:
            self.user_messages.append(msg)
        if channel is not None and not ephemeral:
            channel["last_message_id"] = msg["id"]
        if not ephemeral and not loading:
            self._gateway_message_event("MESSAGE_CREATE", msg)
        self._notify()
        return msg

    def _apply_mentions(self, msg: dict[str, Any]) -> None:
        p = self.pings(msg)
        msg["mention_everyone"] = p["everyone"]
        msg["mentions"] = [self.users[u] for u in sorted(p["users"]) if u in self.users]
        msg["mention_roles"] = [str(r) for r in sorted(p["roles"])]

    def _edit_message(
        self,
        msg: dict[str, Any],
        body: dict[str, Any],
        via: str,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "poll"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ("" if key == "content" else [])
        if "flags" in body and body["flags"] is not None:
            keep = msg["flags"] & (V.FLAG_EPHEMERAL)
            msg["flags"] = (int(body["flags"]) & ~(V.FLAG_EPHEMERAL | V.FLAG_LOADING)) | keep
        else:
            msg["flags"] &= ~V.FLAG_LOADING
        if "allowed_mentions" in body:
            msg["allowed_mentions"] = body["allowed_mentions"]
        if attachments is not None:
            msg["attachments"] = attachments
        msg["edited_timestamp"] = _now_iso()
        self._apply_mentions(msg)
        self.edits.append(
            {
                "message_id": msg["id"],
                "channel_id": msg["channel_id"],
                "via": via,
                "changes": body,
                "message": msg,
            }
        )
        if not msg["ephemeral"]:
            self._gateway_message_event("MESSAGE_UPDATE", msg)
        self._notify()
        return msg

    def _gateway_message_event(self, event: str, msg: dict[str, Any]) -> None:
        s = self._current
        if s is None or not s.intents & INTENT_GUILD_MESSAGES:
            return
        data = self.wire(msg)
        if event == "MESSAGE_CREATE" and msg["guild_id"] is not None:
            data["member"] = (
                self._member_payload(msg["guild_id"], int(msg["author"]["id"]), with_user=False)
                if int(msg["author"]["id"]) in self.members.get(msg["guild_id"], {})
                else None
            )
            if data["member"] is None:
                del data["member"]
        if (
            not s.intents & INTENT_MESSAGE_CONTENT
            and int(msg["author"]["id"]) != self.bot_user_id
            and str(self.bot_user_id) not in {u["id"] for u in msg["mentions"]}
        ):
            data.update(content="", embeds=[], attachments=[], components=[])
        s.dispatch(event, data)

    def channel_messages(self, channel_id: int, include_users: bool = False) -> list[dict[str, Any]]:
        """Non-ephemeral, non-deleted bot messages in a channel, in order (``include_users`` adds humans')."""
        pool = self.messages + (self.user_messages if include_users else [])
        out = [
            m
            for m in pool
            if m["channel_id"] == int(channel_id)
            and not m["ephemeral"]
            and not m["deleted"]
            and not m["flags"] & V.FLAG_LOADING
        ]
        return sorted(out, key=lambda m: int(m["id"]))

    def get_message(self, message_id: Any) -> dict[str, Any] | None:
        """The stored message dict by id (int or str)."""
        return self._msg_by_id.get(int(message_id))

    def pings(self, message: dict[str, Any]) -> dict[str, Any]:
        """Who a message really pings under Discord's allowed_mentions rules.

        Returns ``{"everyone": bool, "users": set[int], "roles": set[int]}``. Ephemeral messages
        ping nobody. @everyone/@here needs MENTION_EVERYONE; role pings need the role to be
        mentionable or MENTION_EVERYONE.
        """
        result: dict[str, Any] = {"everyone": False, "users": set(), "roles": set()}
        msg = self._msg_by_id.get(int(message["id"]), message)
        if msg.get("ephemeral"):
            return result
        content = msg.get("content") or ""
        users = {int(u) for u in MENTION_USER_RE.findall(content)}
        roles = {int(r) for r in MENTION_ROLE_RE.findall(content)}
        everyone = bool(MENTION_EVERYONE_RE.search(content))
        am = msg.get("allowed_mentions")
        ref = msg.get("referenced_message")
        replied_author = int(ref["author"]["id"]) if ref else None
        if am is None:
            allow_users, allow_roles, allow_everyone, replied = users, roles, everyone, True
        else:
            parse = set(am.get("parse") or [])
            allow_users = users if "users" in parse else users & {int(u) for u in am.get("users") or []}
            allow_roles = roles if "roles" in parse else roles & {int(r) for r in am.get("roles") or []}
            allow_everyone = everyone and "everyone" in parse
            replied = bool(am.get("replied_user", False))
        author_id = int(msg["author"]["id"])
        ch = self.channels.get(int(msg["channel_id"]))
        perms = self.channel_permissions(int(ch["id"]), author_id) if ch else ALL_PERMISSIONS
        if msg.get("webhook_id"):
            perms = (
                ALL_PERMISSIONS
                if ch is None
                else self.channel_permissions(int(ch["id"]), self.bot_user_id) | MENTION_EVERYONE
            )
        result["everyone"] = bool(allow_everyone and perms & MENTION_EVERYONE)
        guild_id = msg.get("guild_id")
        guild_roles = self.roles.get(guild_id, {}) if guild_id else {}
        result["roles"] = {
            r for r in allow_roles if r in guild_roles and (guild_roles[r]["mentionable"] or perms & MENTION_EVERYONE)
        }
        result["users"] = set(allow_users)
        if replied and replied_author is not None and replied_author != author_id:
            result["users"].add(replied_author)
        return result

    async def user_message(
        self, channel_id: int, user_id: int, content: str, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Simulate a human posting a message (dispatches MESSAGE_CREATE to the bot)."""
        body: dict[str, Any] = {"content": content}
        if reply_to is not None:
            body["message_reference"] = {"message_id": reply_to["id"]}
        return self._new_message(int(channel_id), body, author_id=int(user_id))

    def _notify(self) -> None:
        if self._changed is None:
            return
        cond = self._changed

        async def _n() -> None:
            async with cond:
                cond.notify_all()

        try:
            task = asyncio.get_running_loop().create_task(_n())
            self._handler_tasks.add(task)
            task.add_done_callback(self._handler_tasks.discard)
        except RuntimeError:
            pass

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        what: str = "condition",
    ) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every recorded change and every 50 ms)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            assert self._changed is not None
            async with self._changed:
                try:
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
                except TimeoutError:
                    pass

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        since: int | None = None,
    ) -> dict[str, Any]:
        """Wait for the next NEW non-interaction bot message (in ``channel_id``, matching ``predicate``).

        Only messages recorded after this call started count, unless ``since`` (an index into
        ``double.messages``, e.g. ``len(double.messages)`` taken before triggering) is given.
        """
        start = len(self.messages) if since is None else since

        def find() -> dict[str, Any] | None:
            for m in self.messages[start:]:
                if m["interaction_id"] is not None or m["deleted"]:
                    continue
                if channel_id is not None and m["channel_id"] != int(channel_id):
                    continue
                if predicate is not None and not predicate(m):
                    continue
                return m
            return None

        return await self.wait_until(find, timeout, what=f"a new message in channel {channel_id}")

    # ================================================================ rate limits / gateway control
    def rate_limit(
        self, method: str, path_regex: str, count: int = 1, retry_after: float = 0.5, global_: bool = False
    ) -> None:
        """Answer the next ``count`` requests matching ``method`` ('*' = any) and ``path_regex``
        (re.search on the path after /api/v10) with a real 429."""
        self._rate_rules.append(
            {
                "method": method.upper(),
                "re": re.compile(path_regex),
                "count": count,
                "retry_after": retry_after,
                "global": global_,
            }
        )

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's current gateway websocket with ``code`` (discord.py reconnects/resumes)."""
        s = self._current
        if s is None or s.conn is None:
            raise AssertionError("no gateway connection to drop")
        conn = s.conn
        s.conn = None
        conn.queue.put_nowait(None)
        await conn.ws.close(code=code, message=b"dropped by test double")

    def invalidate_session(self) -> None:
        """Make the next RESUME answer op 9 (invalid session, not resumable) -> new IDENTIFY + READY."""
        self._invalidate_next_resume = True

    @property
    def connected(self) -> bool:
        """Whether a bot gateway session currently has a live connection."""
        return self._current is not None and self._current.conn is not None

    def dispatch(self, event: str, data: Any) -> None:
        """Dispatch a raw gateway event to the current session."""
        if self._current is None:
            raise AssertionError("bot is not connected to the gateway")
        self._current.dispatch(event, data)

    # ================================================================ gateway
    async def _ws_handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, compress=False, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress")
        conn = _Connection(ws, compress)
        self._conns.add(conn)
        self.connection_count += 1
        self.gateway_log.append({"event": "connect", "query": dict(request.query)})
        conn.writer = asyncio.get_running_loop().create_task(conn.write_loop())
        conn.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": 41250, "_trace": ["double"]}})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    data = msg.data
                elif msg.type == WSMsgType.BINARY:
                    data = msg.data.decode()
                else:
                    break
                payload = json.loads(data)
                self.gateway_log.append({"event": "recv", "op": payload.get("op")})
                await self._gateway_op(conn, payload)
        finally:
            if conn.session is not None and conn.session.conn is conn:
                conn.session.conn = None
            conn.queue.put_nowait(None)
            self._conns.discard(conn)
            self.gateway_log.append({"event": "disconnect", "code": ws.close_code})
            self._notify()
        return ws

    async def _gateway_op(self, conn: _Connection, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:
            conn.send({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            if not d or not d.get("token"):
                await conn.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identify_count += 1
            session = _Session(secrets.token_hex(16), int(d.get("intents", 0)))
            self._sessions[session.id] = session
            self._current = session
            session.conn = conn
            conn.session = session
            self._send_ready(session, d)
        elif op == 6:
            self.resume_count += 1
            session = self._sessions.get((d or {}).get("session_id"))
            if self._invalidate_next_resume or session is None or session.invalid:
                self._invalidate_next_resume = False
                if session is not None:
                    session.invalid = True
                conn.send({"op": 9, "s": None, "t": None, "d": False})
                return
            seq = int(d.get("seq") or 0)
            session.conn = conn
            conn.session = session
            self._current = session
            for ev in session.backlog:
                if ev["s"] > seq:
                    conn.send(ev)
            session.dispatch("RESUMED", {"_trace": ["double"]})
        elif op == 8:
            gid = int(d["guild_id"]) if not isinstance(d["guild_id"], list) else int(d["guild_id"][0])
            members = [self._member_payload(gid, uid) for uid in self.members.get(gid, {})]
            user_ids = d.get("user_ids")
            if user_ids:
                wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
                members = [m for m in members if int(m["user"]["id"]) in wanted]
            q = d.get("query")
            if q:
                members = [m for m in members if m["user"]["username"].startswith(q)]
            if conn.session is not None:
                chunk = {"guild_id": str(gid), "members": members, "chunk_index": 0, "chunk_count": 1}
                if d.get("nonce"):
                    chunk["nonce"] = d["nonce"]
                conn.session.dispatch("GUILD_MEMBERS_CHUNK", chunk)
        # op 3 presence / op 4 voice state: accepted silently
        self._notify()

    def _send_ready(self, session: _Session, identify: dict[str, Any]) -> None:
        self.ready_count += 1
        shard = identify.get("shard") or [0, 1]
        session.dispatch(
            "READY",
            {
                "v": 10,
                "user": self._me(),
                "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
                "session_id": session.id,
                "resume_gateway_url": self.gateway_url,
                "shard": shard,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "session_type": "normal",
                "auth_session_id_hash": "x",
                "_trace": ["double"],
            },
        )
        for gid in self.guilds:
            session.dispatch("GUILD_CREATE", self._guild_create_payload(gid))

    async def wait_connected(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 (public API takes timeout=)
        """Wait until a bot session is attached to a live gateway connection."""
        await self.wait_until(lambda: self.connected, timeout, "a gateway connection")

    # ================================================================ attachment CDN
    def _store_file(self, kind: str, aid: str, filename: str, data: bytes, content_type: str | None) -> dict[str, Any]:
        """Keep ``data`` for download; return the url/proxy_url/size/content_type fields."""
        ctype = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        self.attachment_files[aid] = {"filename": filename, "content": data, "content_type": ctype}
        url = f"http://127.0.0.1:{self.port}/{kind}/{aid}/{quote(filename)}"
        return {"url": url, "proxy_url": url, "size": len(data), "content_type": ctype}

    def attachment_bytes(self, attachment: Any) -> bytes:
        """Bytes of a stored attachment, given its dict (as in ``message["attachments"]``) or id."""
        aid = str(attachment["id"] if isinstance(attachment, dict) else attachment)
        if aid not in self.attachment_files:
            raise KeyError(f"no stored bytes for attachment {aid}")
        return self.attachment_files[aid]["content"]

    async def _cdn_handler(self, request: web.Request) -> web.Response:
        aid, filename = request.match_info["aid"], request.match_info["filename"]
        f = self.attachment_files.get(aid)
        ok = f is not None and f["filename"] == filename
        self.cdn_requests.append({"path": request.path, "attachment_id": aid, "status": 200 if ok else 404})
        if not ok:
            return web.Response(status=404, text="404: Not Found")
        assert f is not None
        return web.Response(status=200, body=f["content"], headers={"Content-Type": f["content_type"]})

    # ================================================================ HTTP plumbing
    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        try:
            body, files = await self._read_body(request)
        except Exception as exc:  # malformed body
            body, files = None, []
            return self._reject(
                method, path, None, Reject(400, 50109, f"The request body contains invalid JSON. ({exc})")
            )
        auth = request.headers.get("Authorization")
        entry = {
            "method": method,
            "path": path,
            "query": dict(request.query),
            "body": body,
            "files": [f["filename"] for f in files],
            "authorization": auth is not None,
            "at": time.time(),
        }
        self.requests.append(entry)

        for rule in self._rate_rules:
            if rule["count"] > 0 and rule["method"] in ("*", method) and rule["re"].search(path):
                rule["count"] -= 1
                return self._rate_limited(method, path, rule)

        is_webhook = path.startswith("/webhooks/") or path.startswith("/interactions/")
        if not is_webhook and not (auth and auth.startswith("Bot ") and len(auth) > 4):
            return self._reject(method, path, body, Reject(401, 0, "401: Unauthorized"))

        for m, pattern, handler in self._routes():
            if m != method:
                continue
            match = pattern.fullmatch(path)
            if match is None:
                continue
            try:
                result = await handler(request, body, files, *match.groups())
            except Reject as r:
                return self._reject(method, path, body, r)
            if isinstance(result, web.StreamResponse):
                return result
            if result is None:
                return web.Response(status=204)
            status = 200
            if isinstance(result, tuple):
                result, status = result
            return _json_response(result, status)

        self.unknown_routes.append((method, path))
        return _json_response({"message": "404: Not Found", "code": 0}, 404)

    def _reject(self, method: str, path: str, body: Any, r: Reject) -> web.Response:
        self.rejections.append(
            {
                "method": method,
                "path": path,
                "status": r.status,
                "code": r.code,
                "message": r.message,
                "body": body,
                "errors": r.errors,
            }
        )
        payload: dict[str, Any] = {"message": r.message, "code": r.code}
        if r.errors is not None:
            payload["errors"] = r.errors
        self._notify()
        return _json_response(payload, r.status)

    def _rate_limited(self, method: str, path: str, rule: dict[str, Any]) -> web.Response:
        ra = rule["retry_after"]
        headers = {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + ra:.3f}",
            "X-RateLimit-Reset-After": f"{ra:.3f}",
            "X-RateLimit-Bucket": "double-" + str(abs(hash(rule["re"].pattern)) % 10**8),
            "X-RateLimit-Scope": "global" if rule["global"] else "user",
            "Retry-After": str(max(1, math.ceil(ra))),
            "Via": "1.1 google",
        }
        if rule["global"]:
            headers["X-RateLimit-Global"] = "true"
        return _json_response(
            {"message": "You are being rate limited.", "retry_after": ra, "global": rule["global"]},
            429,
            headers,
        )

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        ctype = request.headers.get("Content-Type", "")
        files: list[dict[str, Any]] = []
        if ctype.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":  # type: ignore[union-attr]
                    body = json.loads(data.decode())
                else:
                    files.append(
                        {
                            "name": part.name,
                            "filename": part.filename,  # type: ignore[union-attr]
                            "content_type": part.headers.get("Content-Type"),
                            "size": len(data),
                            "data": data,
                        }
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        if ctype.split(";")[0].strip() == "application/json":
            return json.loads(raw.decode()), files
        return raw.decode(errors="replace"), files

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any]]]:
        D = r"(\d+)"
        T = r"([^/]+)"
        table = [
            ("GET", "/gateway", self._r_gateway),
            ("GET", "/gateway/bot", self._r_gateway_bot),
            ("GET", "/users/@me", self._r_me),
            ("GET", "/oauth2/applications/@me", self._r_app),
            ("GET", "/applications/@me", self._r_app),
            ("GET", f"/applications/{D}/commands", self._r_cmd_list),
            ("PUT", f"/applications/{D}/commands", self._r_cmd_bulk),
            ("POST", f"/applications/{D}/commands", self._r_cmd_create),
            ("GET", f"/applications/{D}/commands/{D}", self._r_cmd_get),
            ("PATCH", f"/applications/{D}/commands/{D}", self._r_cmd_edit),
            ("DELETE", f"/applications/{D}/commands/{D}", self._r_cmd_delete),
            ("GET", f"/applications/{D}/guilds/{D}/commands", self._r_gcmd_list),
            ("PUT", f"/applications/{D}/guilds/{D}/commands", self._r_gcmd_bulk),
            ("POST", f"/applications/{D}/guilds/{D}/commands", self._r_gcmd_create),
            ("GET", f"/applications/{D}/guilds/{D}/commands/{D}", self._r_gcmd_get),
            ("PATCH", f"/applications/{D}/guilds/{D}/commands/{D}", self._r_gcmd_edit),
            ("DELETE", f"/applications/{D}/guilds/{D}/commands/{D}", self._r_gcmd_delete),
            ("POST", f"/interactions/{D}/{T}/callback", self._r_callback),
            ("GET", f"/webhooks/{D}/{T}/messages/(@original|\\d+)", self._r_wh_get),
            ("PATCH", f"/webhooks/{D}/{T}/messages/(@original|\\d+)", self._r_wh_edit),
            ("DELETE", f"/webhooks/{D}/{T}/messages/(@original|\\d+)", self._r_wh_delete),
            ("POST", f"/webhooks/{D}/{T}", self._r_followup),
            ("GET", f"/channels/{D}", self._r_channel),
            ("GET", f"/channels/{D}/messages", self._r_history),
            ("POST", f"/channels/{D}/messages", self._r_send),
            ("GET", f"/channels/{D}/messages/{D}", self._r_msg_get),
            ("PATCH", f"/channels/{D}/messages/{D}", self._r_msg_edit),
            ("DELETE", f"/channels/{D}/messages/{D}", self._r_msg_delete),
            ("PUT", f"/channels/{D}/messages/{D}/reactions/{T}/@me", self._r_react),
            ("DELETE", f"/channels/{D}/messages/{D}/reactions/{T}/@me", self._r_unreact),
            ("POST", f"/channels/{D}/typing", self._r_typing),
            ("GET", f"/guilds/{D}/members/{D}", self._r_member),
            ("GET", f"/guilds/{D}/channels", self._r_guild_channels),
            ("GET", f"/guilds/{D}/roles", self._r_guild_roles),
        ]
        return [(m, re.compile(p), h) for m, p, h in table]

    # ================================================================ simple routes
    async def _r_gateway(self, req, body, files):
        return {"url": self.gateway_url.rstrip("/")}

    async def _r_gateway_bot(self, req, body, files):
        return {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        }

    async def _r_me(self, req, body, files):
        return self._me()

    async def _r_app(self, req, body, files):
        return self._application()

    def _guild_or_404(self, guild_id: str) -> int:
        gid = int(guild_id)
        if gid not in self.guilds:
            raise Reject(404, 10004, "Unknown Guild")
        return gid

    async def _r_member(self, req, body, files, guild_id, user_id):
        gid = self._guild_or_404(guild_id)
        if int(user_id) not in self.members[gid]:
            raise Reject(404, 10007, "Unknown Member")
        return self._member_payload(gid, int(user_id))

    async def _r_guild_channels(self, req, body, files, guild_id):
        gid = self._guild_or_404(guild_id)
        return [c for c in self.channels.values() if c["guild_id"] == str(gid)]

    async def _r_guild_roles(self, req, body, files, guild_id):
        gid = self._guild_or_404(guild_id)
        return list(self.roles[gid].values())

    # ================================================================ commands
    def _check_app(self, app_id: str) -> None:
        if int(app_id) != self.application_id:
            raise Reject(403, 50001, "Missing Access")

    def _store_commands(
        self, new: list[dict[str, Any]], existing: list[dict[str, Any]], guild_id: int | None
    ) -> list[dict[str, Any]]:
        out = []
        for cmd in new:
            t = cmd.get("type", 1)
            old = next((c for c in existing if c["name"] == cmd["name"] and c["type"] == t), None)
            out.append(self._normalize_command(cmd, guild_id, old))
        return out

    def _normalize_command(
        self, cmd: dict[str, Any], guild_id: int | None, old: dict[str, Any] | None
    ) -> dict[str, Any]:
        t = cmd.get("type", 1)
        stored = {
            "id": old["id"] if old else str(self.snowflake()),
            "application_id": str(self.application_id),
            "version": str(self.snowflake()),
            "type": t,
            "name": cmd["name"],
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", "") if t == 1 else "",
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": (
                None if cmd.get("default_member_permissions") is None else str(cmd["default_member_permissions"])
            ),
            "dm_permission": cmd.get("dm_permission", True),
            "nsfw": bool(cmd.get("nsfw", False)),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
        }
        if t == 1:
            stored["options"] = cmd.get("options") or []
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        if old is not None and {k: v for k, v in old.items() if k != "version"} == {
            k: v for k, v in stored.items() if k != "version"
        }:
            stored["version"] = old["version"]
        return stored

    def _cmd_list_ref(self, guild_id: int | None) -> list[dict[str, Any]]:
        if guild_id is None:
            return self.commands_global
        return self.commands_guild.setdefault(guild_id, [])

    def _set_cmds(self, guild_id: int | None, cmds: list[dict[str, Any]]) -> None:
        if guild_id is None:
            self.commands_global = cmds
        else:
            self.commands_guild[guild_id] = cmds

    def _write(self, guild_id: int | None) -> None:
        self.command_writes.append(("global", None) if guild_id is None else ("guild", guild_id))
        self._notify()

    async def _bulk(self, body: Any, guild_id: int | None) -> list[dict[str, Any]]:
        errors: V.ErrorList = []
        V.check_command_list(body, errors)
        if errors:
            raise _form_reject(errors)
        cmds = self._store_commands(body, self._cmd_list_ref(guild_id), guild_id)
        self._set_cmds(guild_id, cmds)
        self._write(guild_id)
        return cmds

    async def _create(self, body: Any, guild_id: int | None):
        errors: V.ErrorList = []
        V.check_command(body, errors)
        if errors:
            raise _form_reject(errors)
        cur = list(self._cmd_list_ref(guild_id))
        t = body.get("type", 1)
        old = next((c for c in cur if c["name"] == body["name"] and c["type"] == t), None)
        if old is None and sum(1 for c in cur if c["type"] == t) >= (100 if t == 1 else 15):
            raise Reject(400, 30032, "Maximum number of application commands reached")
        stored = self._normalize_command(body, guild_id, old)
        if old is not None:
            cur[cur.index(old)] = stored
        else:
            cur.append(stored)
        self._set_cmds(guild_id, cur)
        self._write(guild_id)
        return stored, (200 if old is not None else 201)

    def _find_cmd(self, guild_id: int | None, cmd_id: str) -> dict[str, Any]:
        for c in self._cmd_list_ref(guild_id):
            if c["id"] == str(cmd_id):
                return c
        raise Reject(404, 10063, "Unknown application command")

    async def _edit_cmd(self, body: Any, guild_id: int | None, cmd_id: str):
        old = self._find_cmd(guild_id, cmd_id)
        merged = {**old, **(body or {})}
        errors: V.ErrorList = []
        V.check_command(merged, errors)
        if errors:
            raise _form_reject(errors)
        cur = list(self._cmd_list_ref(guild_id))
        stored = self._normalize_command(merged, guild_id, old)
        cur[cur.index(old)] = stored
        self._set_cmds(guild_id, cur)
        self._write(guild_id)
        return stored

    async def _delete_cmd(self, guild_id: int | None, cmd_id: str):
        old = self._find_cmd(guild_id, cmd_id)
        self._set_cmds(guild_id, [c for c in self._cmd_list_ref(guild_id) if c is not old])
        self._write(guild_id)
        return None

    async def _r_cmd_list(self, req, body, files, app_id):
        self._check_app(app_id)
        return self.commands_global

    async def _r_cmd_bulk(self, req, body, files, app_id):
        self._check_app(app_id)
        return await self._bulk(body, None)

    async def _r_cmd_create(self, req, body, files, app_id):
        self._check_app(app_id)
        return await self._create(body, None)

    async def _r_cmd_get(self, req, body, files, app_id, cmd_id):
        self._check_app(app_id)
        return self._find_cmd(None, cmd_id)

    async def _r_cmd_edit(self, req, body, files, app_id, cmd_id):
        self._check_app(app_id)
        return await self._edit_cmd(body, None, cmd_id)

    async def _r_cmd_delete(self, req, body, files, app_id, cmd_id):
        self._check_app(app_id)
        return await self._delete_cmd(None, cmd_id)

    async def _r_gcmd_list(self, req, body, files, app_id, guild_id):
        self._check_app(app_id)
        return self.commands_guild.get(self._guild_or_404(guild_id), [])

    async def _r_gcmd_bulk(self, req, body, files, app_id, guild_id):
        self._check_app(app_id)
        return await self._bulk(body, self._guild_or_404(guild_id))

    async def _r_gcmd_create(self, req, body, files, app_id, guild_id):
        self._check_app(app_id)
        return await self._create(body, self._guild_or_404(guild_id))

    async def _r_gcmd_get(self, req, body, files, app_id, guild_id, cmd_id):
        self._check_app(app_id)
        return self._find_cmd(self._guild_or_404(guild_id), cmd_id)

    async def _r_gcmd_edit(self, req, body, files, app_id, guild_id, cmd_id):
        self._check_app(app_id)
        return await self._edit_cmd(body, self._guild_or_404(guild_id), cmd_id)

    async def _r_gcmd_delete(self, req, body, files, app_id, guild_id, cmd_id):
        self._check_app(app_id)
        return await self._delete_cmd(self._guild_or_404(guild_id), cmd_id)

    # ================================================================ channel messages
    def _channel_or_404(self, channel_id: str) -> dict[str, Any]:
        ch = self.channels.get(int(channel_id))
        if ch is None:
            raise Reject(404, 10003, "Unknown Channel")
        return ch

    def _require(self, channel: dict[str, Any], perms: int) -> None:
        have = self.channel_permissions(int(channel["id"]), self.bot_user_id)
        if not have & VIEW_CHANNEL:
            raise Reject(403, 50001, "Missing Access")
        if have & perms != perms:
            raise Reject(403, 50013, "Missing Permissions")

    def _attachments(
        self, body: dict[str, Any], files: list[dict[str, Any]], existing: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]] | None:
        if not files and "attachments" not in body:
            return None
        by_index = {}
        for f in files:
            m = re.fullmatch(r"files\[(\d+)\]", f["name"] or "")
            if m:
                by_index[int(m.group(1))] = f
        out = []
        declared = body.get("attachments")
        if declared is None:
            declared = [{"id": i} for i in sorted(by_index)]
        existing_by_id = {a["id"]: a for a in existing or []}
        for a in declared:
            aid = a.get("id")
            f = (
                by_index.get(int(aid))
                if isinstance(aid, int) or (isinstance(aid, str) and aid.isdigit() and int(aid) in by_index)
                else None
            )
            if f is not None:
                new_id = str(self.snowflake())
                fn = a.get("filename") or f["filename"] or "file.bin"
                # discord.py labels every upload application/octet-stream; Discord sniffs the real type
                ctype = f["content_type"] if f["content_type"] not in (None, "application/octet-stream") else None
                served = self._store_file("attachments", new_id, fn, f["data"], ctype)
                out.append(
                    {
                        "id": new_id,
                        "filename": fn,
                        "size": served["size"],
                        "url": served["url"],
                        "proxy_url": served["proxy_url"],
                        "content_type": served["content_type"],
                        "description": a.get("description"),
                        "ephemeral": False,
                        "content": f["data"],  # raw bytes for tests; stripped by wire()
                    }
                )
            elif str(aid) in existing_by_id:
                out.append(existing_by_id[str(aid)])
        return out

    def _validate_message(
        self, body: Any, prefix: Sequence[Any] = (), *, creating: bool = True, has_files: bool = False
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _form_reject([(prefix, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")])
        errors: V.ErrorList = []
        V.check_message(body, errors, prefix)
        if errors:
            raise _form_reject(errors)
        if creating and V.message_is_empty(body) and not has_files:
            raise Reject(400, 50006, "Cannot send an empty message")
        return body

    async def _r_send(self, req, body, files, channel_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | SEND_MESSAGES)
        if files:
            self._require(ch, ATTACH_FILES)
        body = self._validate_message(body, has_files=bool(files))
        cid = int(channel_id)
        if body.get("nonce") is not None and body.get("enforce_nonce"):
            cutoff = time.time() - 300
            for m in reversed(self.messages):
                if (
                    m["channel_id"] == cid
                    and m.get("nonce") == body["nonce"]
                    and not m["ephemeral"]
                    and datetime.datetime.fromisoformat(m["timestamp"]).timestamp() >= cutoff
                ):
                    return self.wire(m)
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            target = self._msg_by_id.get(int(ref["message_id"]))
            if (target is None or target["deleted"]) and ref.get("fail_if_not_exists", True):
                raise _form_reject([(("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")])
            if target is None or target["deleted"]:
                body = {k: v for k, v in body.items() if k != "message_reference"}
        msg = self._new_message(cid, body, attachments=self._attachments(body, files))
        return self.wire(msg)

    def _visible_message(self, channel_id: str, message_id: str) -> dict[str, Any]:
        ch = self._channel_or_404(channel_id)
        msg = self._msg_by_id.get(int(message_id))
        if msg is None or msg["deleted"] or msg["ephemeral"] or msg["channel_id"] != int(ch["id"]):
            raise Reject(404, 10008, "Unknown Message")
        return msg

    async def _r_channel(self, req, body, files, channel_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL)
        return ch

    async def _r_history(self, req, body, files, channel_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        limit = int(req.query.get("limit", 50))
        msgs = self.channel_messages(int(channel_id), include_users=True)
        before, after = req.query.get("before"), req.query.get("after")
        if before:
            msgs = [m for m in msgs if int(m["id"]) < int(before)]
        if after:
            msgs = [m for m in msgs if int(m["id"]) > int(after)]
            return [self.wire(m) for m in reversed(msgs[:limit])]
        return [self.wire(m) for m in reversed(msgs[-limit:])]

    async def _r_msg_get(self, req, body, files, channel_id, message_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        return self.wire(self._visible_message(channel_id, message_id))

    async def _r_msg_edit(self, req, body, files, channel_id, message_id):
        msg = self._visible_message(channel_id, message_id)
        if int(msg["author"]["id"]) != self.bot_user_id:
            raise Reject(403, 50005, "Cannot edit a message authored by another user")
        body = self._validate_message(body or {}, creating=False)
        self._check_edit_not_empty(msg, body, files)
        self._edit_message(msg, body, "channel", self._attachments(body, files, msg["attachments"]))
        return self.wire(msg)

    def _check_edit_not_empty(self, msg: dict[str, Any], body: dict[str, Any], files: list[Any]) -> None:
        merged = {k: msg.get(k) for k in ("content", "embeds", "components", "attachments", "poll")}
        merged.update({k: v for k, v in body.items() if k in merged})
        if V.message_is_empty(merged) and not files:
            raise Reject(400, 50006, "Cannot send an empty message")

    async def _r_msg_delete(self, req, body, files, channel_id, message_id):
        msg = self._visible_message(channel_id, message_id)
        if int(msg["author"]["id"]) != self.bot_user_id:
            self._require(self.channels[int(channel_id)], MANAGE_MESSAGES)
        self._delete(msg, "channel")
        return None

    def _delete(self, msg: dict[str, Any], via: str) -> None:
        msg["deleted"] = True
        self.deletions.append({"message_id": msg["id"], "channel_id": msg["channel_id"], "via": via})
        s = self._current
        if not msg["ephemeral"] and s is not None and s.intents & INTENT_GUILD_MESSAGES:
            d = {"id": msg["id"], "channel_id": str(msg["channel_id"])}
            if msg["guild_id"]:
                d["guild_id"] = str(msg["guild_id"])
            s.dispatch("MESSAGE_DELETE", d)
        self._notify()

    async def _r_react(self, req, body, files, channel_id, message_id, emoji):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        self._visible_message(channel_id, message_id)
        self.reactions.append({"message_id": message_id, "emoji": emoji, "added": True})
        return None

    async def _r_unreact(self, req, body, files, channel_id, message_id, emoji):
        self._visible_message(channel_id, message_id)
        self.reactions.append({"message_id": message_id, "emoji": emoji, "added": False})
        return None

    async def _r_typing(self, req, body, files, channel_id):
        ch = self._channel_or_404(channel_id)
        self._require(ch, VIEW_CHANNEL | SEND_MESSAGES)
        return None

    # ================================================================ interactions: responses
    async def _r_callback(self, req, body, files, interaction_id, token):
        res = self.interactions.get(int(interaction_id))
        if res is None or res.token != token:
            raise Reject(404, 10062, "Unknown interaction")
        if res.acknowledged:
            raise Reject(400, 40060, "Interaction has already been acknowledged.")
        elapsed = asyncio.get_running_loop().time() - res.dispatched_at
        if elapsed > self.callback_deadline:
            res.late_error = (
                f"interaction callback arrived {elapsed:.2f}s after dispatch "
                f"(> {self.callback_deadline}s); Discord answers 404 10062 Unknown interaction"
            )
            res._acked.set()
            raise Reject(404, 10062, "Unknown interaction")
        if not isinstance(body, dict) or "type" not in body:
            raise _form_reject([(("type",), "BASE_TYPE_REQUIRED", "This field is required")])
        cb_type = body["type"]
        itype = res.interaction["type"]
        if cb_type not in ALLOWED_CALLBACKS.get(itype, set()):
            raise _form_reject(
                [
                    (
                        ("type",),
                        "INTERACTION_RESPONSE_TYPE_INVALID",
                        f"Callback type {cb_type} is not valid for interaction type {itype}",
                    )
                ]
            )
        if cb_type == CB_MODAL and itype == 5:
            raise _form_reject(
                [(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Cannot respond to a modal with a modal")]
            )
        data = body.get("data") or {}
        channel_id = int(res.interaction["channel_id"])
        resource: dict[str, Any] | None = None
        response_message_id: str | None = None
        loading = False
        ephemeral = bool(int(data.get("flags") or 0) & V.FLAG_EPHEMERAL)

        if cb_type == CB_MESSAGE:
            self._validate_message(data, ("data",), has_files=bool(files))
            msg = self._new_message(
                channel_id,
                data,
                interaction=res,
                ephemeral=ephemeral,
                attachments=self._attachments(data, files),
                msg_type=20 if itype == 2 else 0,
            )
            res.message = msg
            res._final.set()
        elif cb_type == CB_DEFERRED_MESSAGE:
            msg = self._new_message(
                channel_id,
                {"content": "", "flags": data.get("flags") or 0},
                interaction=res,
                ephemeral=ephemeral,
                loading=True,
                msg_type=20 if itype == 2 else 0,
            )
            res.message = msg
            loading = True
        elif cb_type in (CB_DEFERRED_UPDATE, CB_UPDATE):
            target = self._interacted_message(res)
            if target is None:
                raise Reject(
                    400,
                    50035,
                    "Invalid Form Body",
                    V.form_errors(
                        [
                            (
                                ("type",),
                                "INTERACTION_RESPONSE_TYPE_INVALID",
                                "No message to update for this interaction",
                            )
                        ]
                    ),
                )
            ephemeral = bool(target["ephemeral"])
            if cb_type == CB_UPDATE:
                self._validate_message(data, ("data",), creating=False)
                self._check_edit_not_empty(target, data, files)
                self._edit_message(
                    target, data, "interaction_update", self._attachments(data, files, target["attachments"])
                )
                res._final.set()
            res.message = target
        elif cb_type == CB_AUTOCOMPLETE:
            errors: V.ErrorList = []
            V.check_autocomplete(data, errors)
            if errors:
                raise _form_reject(errors)
            res.choices = list(data["choices"])
        elif cb_type == CB_MODAL:
            errors = []
            V.check_modal(data, errors)
            if errors:
                raise _form_reject(errors)
            res.modal = data

        res.type = cb_type
        res.callback = body
        res.ack_seconds = elapsed
        res._acked.set()
        self._notify()
        if res.message is not None:
            response_message_id = res.message["id"]
            resource = {"type": cb_type}
            if cb_type != CB_DEFERRED_UPDATE:
                resource["message"] = self.wire(res.message)
        elif cb_type == CB_MODAL:
            resource = {"type": cb_type}
        if req.query.get("with_response") not in ("1", "true", "True"):
            return None
        inter: dict[str, Any] = {
            "id": str(res.id),
            "type": itype,
            "response_message_loading": loading,
            "response_message_ephemeral": ephemeral if res.message is not None else False,
        }
        if response_message_id is not None:
            inter["response_message_id"] = response_message_id
        out: dict[str, Any] = {"interaction": inter}
        if resource is not None:
            out["resource"] = resource
        return out

    def _interacted_message(self, res: InteractionResult) -> dict[str, Any] | None:
        m = res.interaction.get("message")
        if m is None:
            return None
        return self._msg_by_id.get(int(m["id"]))

    def _webhook_interaction(self, app_id: str, token: str) -> InteractionResult:
        res = self._by_token.get(token)
        if res is None or int(app_id) != self.application_id:
            raise Reject(404, 10015, "Unknown Webhook")
        return res

    def _original(self, res: InteractionResult) -> dict[str, Any]:
        if res.message is None:
            raise Reject(404, 10008, "Unknown Message")
        return res.message

    def _webhook_message(self, res: InteractionResult, message_id: str) -> dict[str, Any]:
        if message_id == "@original":
            msg = self._original(res)
        else:
            msg = self._msg_by_id.get(int(message_id))
            if msg is None or (msg is not res.message and msg not in res.followups):
                raise Reject(404, 10008, "Unknown Message")
        if msg["deleted"]:
            raise Reject(404, 10008, "Unknown Message")
        return msg

    async def _r_wh_get(self, req, body, files, app_id, token, message_id):
        res = self._webhook_interaction(app_id, token)
        return self.wire(self._webhook_message(res, message_id))

    async def _r_wh_edit(self, req, body, files, app_id, token, message_id):
        res = self._webhook_interaction(app_id, token)
        msg = self._webhook_message(res, message_id)
        body = self._validate_message(body or {}, creating=False)
        self._check_edit_not_empty(msg, body, files)
        self._edit_message(msg, body, "webhook", self._attachments(body, files, msg["attachments"]))
        if message_id == "@original" or msg is res.message:
            res.original_edited = True
            res._final.set()
        return self.wire(msg)

    async def _r_wh_delete(self, req, body, files, app_id, token, message_id):
        res = self._webhook_interaction(app_id, token)
        msg = self._webhook_message(res, message_id)
        self._delete(msg, "webhook")
        return None

    async def _r_followup(self, req, body, files, app_id, token):
        res = self._webhook_interaction(app_id, token)
        if not res.acknowledged:
            raise Reject(404, 10015, "Unknown Webhook")
        body = self._validate_message(body, has_files=bool(files))
        channel_id = int(res.interaction["channel_id"])
        original = res.message
        if original is not None and original["flags"] & V.FLAG_LOADING and not original["deleted"]:
            # Discord: the first followup after a deferred "thinking" response replaces the loading message.
            self._edit_message(
                original,
                {k: v for k, v in body.items() if k != "flags"},
                "followup",
                self._attachments(body, files),
            )
            msg = original
        else:
            ephemeral = bool(int(body.get("flags") or 0) & V.FLAG_EPHEMERAL)
            msg = self._new_message(
                channel_id,
                body,
                interaction=res,
                ephemeral=ephemeral,
                attachments=self._attachments(body, files),
                webhook=True,
            )
        res.followups.append(msg)
        res._final.set()
        self._notify()
        if req.query.get("wait") in ("1", "true", "True"):
            return self.wire(msg)
        return None

    # ================================================================ interactions: driving
    def _commands_for(self, guild_id: int) -> list[tuple[dict[str, Any], int | None]]:
        out = [(c, guild_id) for c in self.commands_guild.get(guild_id, [])]
        names = {(c["name"], c["type"]) for c, _ in out}
        out += [(c, None) for c in self.commands_global if (c["name"], c["type"]) not in names]
        return out

    def _find_command(self, guild_id: int, path: str, cmd_type: int = 1):
        parts = path.split()
        if not parts:
            raise AssertionError("empty command path")
        registered = self._commands_for(guild_id)
        found = next(((c, g) for c, g in registered if c["name"] == parts[0] and c["type"] == cmd_type), None)
        if found is None:
            names = sorted(c["name"] for c, _ in registered)
            raise AssertionError(
                f"command {parts[0]!r} is not registered for guild {guild_id} "
                f"(global or guild scope). Registered: {names}"
            )
        cmd, scope = found
        chain: list[dict[str, Any]] = []
        options = cmd.get("options") or []
        for part in parts[1:]:
            sub = next((o for o in options if o["name"] == part and o["type"] in (1, 2)), None)
            if sub is None:
                avail = [o["name"] for o in options if o["type"] in (1, 2)]
                raise AssertionError(f"/{path}: {part!r} is not a registered subcommand/group (have {avail})")
            chain.append(sub)
            options = sub.get("options") or []
        if any(o["type"] in (1, 2) for o in options):
            raise AssertionError(
                f"/{path} is a group; Discord requires choosing a subcommand ({[o['name'] for o in options]})"
            )
        return cmd, scope, chain, options

    def _require_member(self, guild_id: int, channel_id: int, user_id: int) -> None:
        if guild_id not in self.guilds:
            raise AssertionError(f"unknown guild {guild_id}")
        if channel_id not in self.channels or int(self.channels[channel_id]["guild_id"]) != guild_id:
            raise AssertionError(f"unknown channel {channel_id} in guild {guild_id}")
        if user_id not in self.members[guild_id]:
            raise AssertionError(f"user {user_id} is not a member of guild {guild_id}; add_member() first")

    def _convert_option(
        self,
        guild_id: int,
        opt: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        path: str,
        focused: bool = False,
    ) -> Any:
        t, name = opt["type"], opt["name"]
        if focused:
            return str(value)
        if t == 3:
            if not isinstance(value, str):
                raise AssertionError(f"/{path} option {name!r}: STRING expects str, got {value!r}")
            if opt.get("min_length") is not None and len(value) < opt["min_length"]:
                raise AssertionError(f"/{path} option {name!r}: shorter than min_length {opt['min_length']}")
            if opt.get("max_length") is not None and len(value) > opt["max_length"]:
                raise AssertionError(f"/{path} option {name!r}: longer than max_length {opt['max_length']}")
            if len(value) > 6000:
                raise AssertionError(f"/{path} option {name!r}: Discord limits string options to 6000 chars")
            v: Any = value
        elif t == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise AssertionError(f"/{path} option {name!r}: INTEGER expects int, got {value!r}")
            v = value
        elif t == 10:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise AssertionError(f"/{path} option {name!r}: NUMBER expects int/float, got {value!r}")
            v = value
        elif t == 5:
            if not isinstance(value, bool):
                raise AssertionError(f"/{path} option {name!r}: BOOLEAN expects bool, got {value!r}")
            v = value
        elif t in (6, 9) and (int(value) if str(value).isdigit() else -1) in self.users:
            uid = int(value)
            resolved.setdefault("users", {})[str(uid)] = self.users[uid]
            if uid in self.members.get(guild_id, {}):
                resolved.setdefault("members", {})[str(uid)] = {
                    k: v2 for k, v2 in self._member_payload(guild_id, uid, with_user=False).items()
                }
                resolved["members"][str(uid)]["permissions"] = str(self.base_permissions(guild_id, uid))
            v = str(uid)
        elif t in (8, 9) and str(value).isdigit() and int(value) in self.roles.get(guild_id, {}):
            resolved.setdefault("roles", {})[str(value)] = self.roles[guild_id][int(value)]
            v = str(value)
        elif t == 7:
            cid = int(value)
            if cid not in self.channels:
                raise AssertionError(f"/{path} option {name!r}: unknown channel {value!r}")
            ch = self.channels[cid]
            if opt.get("channel_types") and ch["type"] not in opt["channel_types"]:
                raise AssertionError(
                    f"/{path} option {name!r}: channel type {ch['type']} not in {opt['channel_types']}"
                )
            resolved.setdefault("channels", {})[str(cid)] = {
                "id": ch["id"],
                "name": ch["name"],
                "type": ch["type"],
                "guild_id": ch["guild_id"],
                "parent_id": ch["parent_id"],
                "nsfw": ch["nsfw"],
                "position": ch["position"],
                "permission_overwrites": ch["permission_overwrites"],
                "topic": ch["topic"],
                "rate_limit_per_user": 0,
                "last_message_id": ch["last_message_id"],
                "flags": 0,
                "permissions": str(self.channel_permissions(cid, self.bot_user_id)),
            }
            v = str(cid)
        elif t == 11:
            att = value if isinstance(value, dict) else {"filename": str(value)}
            aid = str(self.snowflake())
            fn = att.get("filename", "file.bin")
            if att.get("content") is not None:
                raw = att["content"]
                if isinstance(raw, str):
                    raw = raw.encode()
                if not isinstance(raw, (bytes, bytearray, memoryview)):
                    raise AssertionError(f"/{path} option {name!r}: attachment content must be bytes or str")
                served = self._store_file("ephemeral-attachments", aid, fn, bytes(raw), att.get("content_type"))
                resolved.setdefault("attachments", {})[aid] = {
                    "id": aid,
                    "filename": fn,
                    **served,
                    "ephemeral": True,
                }
                return aid
            resolved.setdefault("attachments", {})[aid] = {
                "id": aid,
                "filename": fn,
                "size": int(att.get("size", 1)),
                "url": att.get("url", f"https://cdn.double.invalid/ephemeral-attachments/{aid}/{fn}"),
                "proxy_url": att.get("proxy_url", f"https://media.double.invalid/ephemeral-attachments/{aid}/{fn}"),
                "content_type": att.get("content_type"),
                "ephemeral": True,
            }
            v = aid
        else:
            kind = {6: "USER", 7: "CHANNEL", 8: "ROLE", 9: "MENTIONABLE"}.get(t, str(t))
            raise AssertionError(
                f"/{path} option {name!r}: {kind} value {value!r} is not a known id in guild {guild_id}"
            )
        if t in (4, 10):
            if opt.get("min_value") is not None and v < opt["min_value"]:
                raise AssertionError(f"/{path} option {name!r}: {v} < min_value {opt['min_value']}")
            if opt.get("max_value") is not None and v > opt["max_value"]:
                raise AssertionError(f"/{path} option {name!r}: {v} > max_value {opt['max_value']}")
        if opt.get("choices"):
            allowed = [c["value"] for c in opt["choices"]]
            if v not in allowed:
                raise AssertionError(f"/{path} option {name!r}: {v!r} is not one of the declared choices {allowed}")
        return v

    def _build_command_interaction(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        path: str,
        options: dict[str, Any],
        focused: str | None,
        enforce_permissions: bool,
    ):
        guild_id, channel_id, user_id = int(guild_id), int(channel_id), int(user_id)
        self._require_member(guild_id, channel_id, user_id)
        cmd, scope, chain, opt_schema = self._find_command(guild_id, path)
        perms = self.channel_permissions(channel_id, user_id)
        if enforce_permissions:
            if not perms & VIEW_CHANNEL or not perms & USE_APPLICATION_COMMANDS:
                raise AssertionError(f"user {user_id} cannot use application commands in channel {channel_id}")
            dmp = cmd.get("default_member_permissions")
            if dmp is not None and not (perms & ADMINISTRATOR or perms == ALL_PERMISSIONS):
                need = int(dmp)
                if need == 0 or self.base_permissions(guild_id, user_id) & need != need:
                    raise AssertionError(
                        f"/{path} requires default_member_permissions={need}; "
                        f"Discord would not show it to user "
                        f"{user_id} (pass enforce_permissions=False to bypass)"
                    )
        by_name = {o["name"]: o for o in opt_schema}
        for key in options:
            if key not in by_name:
                raise AssertionError(f"/{path}: option {key!r} is not registered (have {sorted(by_name)})")
        if focused is not None:
            if focused not in by_name:
                raise AssertionError(f"/{path}: focused option {focused!r} is not registered")
            if not by_name[focused].get("autocomplete"):
                raise AssertionError(f"/{path}: option {focused!r} does not have autocomplete enabled")
            if focused not in options:
                raise AssertionError(f"/{path}: give the typed text for focused option {focused!r}")
        resolved: dict[str, dict[str, Any]] = {}
        leaf: list[dict[str, Any]] = []
        for o in opt_schema:  # Discord sends options in schema order
            if o["name"] not in options:
                if o.get("required") and focused is None:
                    raise AssertionError(f"/{path}: required option {o['name']!r} is missing")
                continue
            is_focused = o["name"] == focused
            val = self._convert_option(guild_id, o, options[o["name"]], resolved, path, focused=is_focused)
            entry: dict[str, Any] = {"name": o["name"], "type": o["type"], "value": val}
            if is_focused:
                entry["focused"] = True
            leaf.append(entry)
        tree: list[dict[str, Any]] = leaf
        for sub in reversed(chain):
            tree = [{"name": sub["name"], "type": sub["type"], "options": tree}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1}
        if tree:
            data["options"] = tree
        if resolved:
            data["resolved"] = resolved
        if scope is not None:
            data["guild_id"] = str(scope)
        return self._interaction_envelope(4 if focused is not None else 2, guild_id, channel_id, user_id, data)

    def _interaction_envelope(
        self,
        itype: int,
        guild_id: int,
        channel_id: int,
        user_id: int,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        payload = {
            "id": str(self.snowflake()),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "guild_id": str(guild_id),
            "channel_id": str(channel_id),
            "channel": self._channel_for_interaction(channel_id, user_id),
            "member": self._member_payload(guild_id, user_id, permissions_in=channel_id),
            "token": "double-" + secrets.token_urlsafe(24),
            "version": 1,
            "app_permissions": str(self.channel_permissions(channel_id, self.bot_user_id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 26214400,
        }
        if message is not None:
            payload["message"] = message
        return payload

    async def _dispatch_interaction(self, payload: dict[str, Any], timeout: float) -> InteractionResult:  # noqa: ASYNC109 (public API takes timeout=)
        if self._current is None or self._current.conn is None:
            await self.wait_connected(timeout)
        res = InteractionResult(self, payload)
        self.interactions[res.id] = res
        self._by_token[res.token] = res
        res.dispatched_at = asyncio.get_running_loop().time()
        assert self._current is not None
        self._current.dispatch("INTERACTION_CREATE", payload)
        try:
            await asyncio.wait_for(res._acked.wait(), timeout)
        except TimeoutError:
            mine = [r for r in self.rejections if f"/interactions/{res.id}/" in r["path"]]
            extra = f"; rejected callbacks: {mine}" if mine else ""
            raise AssertionError(
                f"no interaction callback for interaction {res.id} (type {payload['type']}) within {timeout}s{extra}"
            ) from None
        if res.late_error:
            raise AssertionError(res.late_error)
        return res

    async def invoke(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        enforce_permissions: bool = True,
    ) -> InteractionResult:
        """Run a slash command (``"goal add"`` = command + group/subcommand path) as ``user_id``.

        Options are converted per the registered schema; raises AssertionError when the
        command/option is not registered, a required option is missing, or a value is not a
        declared choice; and when the bot does not answer within ``timeout``.
        """
        payload = self._build_command_interaction(
            guild_id, channel_id, user_id, command, options or {}, None, enforce_permissions
        )
        return await self._dispatch_interaction(payload, timeout)

    async def autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: dict[str, Any],
        focused: str,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
        enforce_permissions: bool = True,
    ) -> list[dict[str, Any]]:
        """Send an APPLICATION_COMMAND_AUTOCOMPLETE (type 4); return the bot's choices."""
        payload = self._build_command_interaction(
            guild_id, channel_id, user_id, command, options, focused, enforce_permissions
        )
        res = await self._dispatch_interaction(payload, timeout)
        if res.type != CB_AUTOCOMPLETE:
            raise AssertionError(f"autocomplete answered with callback type {res.type}, expected 8")
        return list(res.choices or [])

    async def click(
        self,
        message: dict[str, Any],
        custom_id: str,
        user_id: int,
        *,
        values: list[Any] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> InteractionResult:
        """Press a button / choose in a select on a recorded message (MESSAGE_COMPONENT, type 3)."""
        msg = self._msg_by_id.get(int(message["id"]))
        if msg is None or msg["deleted"]:
            raise AssertionError(f"message {message.get('id')} is unknown or deleted")
        comp = next((c for c in V.walk_components(msg.get("components")) if c.get("custom_id") == custom_id), None)
        if comp is None:
            ids = [c.get("custom_id") for c in V.walk_components(msg.get("components")) if c.get("custom_id")]
            raise AssertionError(f"no component with custom_id {custom_id!r} on message {msg['id']} (have {ids})")
        if comp.get("disabled"):
            raise AssertionError(f"component {custom_id!r} is disabled; Discord would not let the user use it")
        guild_id, channel_id, user_id = msg["guild_id"], msg["channel_id"], int(user_id)
        self._require_member(guild_id, channel_id, user_id)
        ctype = comp["type"]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if ctype in V.SELECT_TYPES:
            vals = list(values or [])
            mn, mx = comp.get("min_values", 1), comp.get("max_values", 1)
            if not mn <= len(vals) <= mx:
                raise AssertionError(f"select {custom_id!r}: {len(vals)} values chosen, allowed {mn}..{mx}")
            resolved: dict[str, dict[str, Any]] = {}
            if ctype == V.STRING_SELECT:
                allowed = [o["value"] for o in comp.get("options") or []]
                for v in vals:
                    if v not in allowed:
                        raise AssertionError(f"select {custom_id!r}: {v!r} is not an option ({allowed})")
                data["values"] = [str(v) for v in vals]
            else:
                kind = {V.USER_SELECT: 6, V.ROLE_SELECT: 8, V.MENTIONABLE_SELECT: 9, V.CHANNEL_SELECT: 7}[ctype]
                fake_opt = {"type": kind, "name": custom_id}
                data["values"] = [self._convert_option(guild_id, fake_opt, v, resolved, custom_id) for v in vals]
                data["resolved"] = resolved
        elif values:
            raise AssertionError("values= only applies to select menus")
        payload = self._interaction_envelope(3, guild_id, channel_id, user_id, data, message=self.wire(msg))
        return await self._dispatch_interaction(payload, timeout)

    async def submit_modal(
        self,
        opened: InteractionResult,
        values: dict[str, Any],
        user_id: int | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 (public API takes timeout=)
    ) -> InteractionResult:
        """Submit the modal that ``opened`` (a type-9 result) showed, with ``{custom_id: value}``.

        Mirrors the layout the bot sent: action-row text inputs come back as
        ``{type:1, components:[{type:4, custom_id, value}]}``; Label (type 18) children as
        ``{type:18, id, component:{...}}``. Selects inside labels take a list of values.
        """
        if opened.type != CB_MODAL or opened.modal is None:
            raise AssertionError(f"interaction {opened.id} did not open a modal (callback type {opened.type})")
        modal = opened.modal
        src = opened.interaction
        guild_id, channel_id = int(src["guild_id"]), int(src["channel_id"])
        user_id = int(user_id) if user_id is not None else int(src["member"]["user"]["id"])
        used: set[str] = set()
        resolved: dict[str, dict[str, Any]] = {}

        def lookup(cid: str | None, label: str | None) -> Any:
            if cid in values:
                used.add(cid)  # type: ignore[arg-type]
                return values[cid]
            if label is not None and label in values:
                used.add(label)
                return values[label]
            return None

        def answer(c: dict[str, Any], label: str | None) -> dict[str, Any]:
            cid = c.get("custom_id")
            t = c.get("type")
            out: dict[str, Any] = {"type": t, "id": c.get("id", 0), "custom_id": cid}
            label = c.get("label") or label
            if t == V.TEXT_INPUT:
                val = lookup(cid, label)
                if val is None:
                    val = c.get("value") or ""
                val = str(val)
                if c.get("required", True) and not val:
                    raise AssertionError(f"modal {modal['custom_id']!r}: required text input {cid!r} left empty")
                if val and c.get("min_length") is not None and len(val) < c["min_length"]:
                    raise AssertionError(f"modal field {cid!r}: shorter than min_length {c['min_length']}")
                if c.get("max_length") is not None and len(val) > c["max_length"]:
                    raise AssertionError(f"modal field {cid!r}: longer than max_length {c['max_length']}")
                out["value"] = val
            elif t in V.SELECT_TYPES:
                vals = lookup(cid, label) or []
                if not isinstance(vals, list):
                    vals = [vals]
                if t == V.STRING_SELECT:
                    out["values"] = [str(v) for v in vals]
                else:
                    kind = {V.USER_SELECT: 6, V.ROLE_SELECT: 8, V.MENTIONABLE_SELECT: 9, V.CHANNEL_SELECT: 7}[t]
                    out["values"] = [
                        self._convert_option(guild_id, {"type": kind, "name": cid}, v, resolved, cid) for v in vals
                    ]
            return out

        comps: list[dict[str, Any]] = []
        for top in modal.get("components") or []:
            t = top.get("type")
            if t == V.ACTION_ROW:
                comps.append(
                    {
                        "type": 1,
                        "id": top.get("id", 0),
                        "components": [answer(c, None) for c in top.get("components") or []],
                    }
                )
            elif t == V.LABEL:
                comps.append(
                    {
                        "type": 18,
                        "id": top.get("id", 0),
                        "component": answer(top["component"], top.get("label")),
                    }
                )
            elif t == V.TEXT_DISPLAY:
                comps.append({"type": 10, "id": top.get("id", 0)})
        unknown = set(values) - used
        if unknown:
            fields = [
                (c.get("custom_id"), c.get("label"))
                for c in V.walk_components(modal.get("components"))
                if c.get("custom_id")
            ]
            raise AssertionError(
                f"modal {modal['custom_id']!r} has no fields {sorted(unknown)} (fields as (custom_id, label): {fields})"
            )
        data: dict[str, Any] = {"custom_id": modal["custom_id"], "components": comps}
        if resolved:
            data["resolved"] = resolved
        message = None
        if src["type"] == 3 and src.get("message"):
            m = self._msg_by_id.get(int(src["message"]["id"]))
            message = self.wire(m) if m else src["message"]
        payload = self._interaction_envelope(5, guild_id, channel_id, user_id, data, message=message)
        return await self._dispatch_interaction(payload, timeout)
