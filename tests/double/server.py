"""An in-process test double of Discord (REST API v10 + gateway) for discord.py 2.x bots.

Start it, point discord.py at it::

    discord.http.Route.BASE = double.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(double.gateway_url)

and drive the bot with :meth:`DiscordDouble.invoke`, :meth:`DiscordDouble.click`, ... while
asserting on :attr:`DiscordDouble.messages`, :attr:`DiscordDouble.rejections`, etc.

Where things live (one module per concern; :class:`DiscordDouble` combines the mixins):

- ``common.py``: permission bits, intents, callback types, :class:`Reject` (a refusal as Discord answers it);
- ``validation.py``: Discord's limits and message/component/command checks (HTTP 400 50035 bodies);
- ``state.py``: the world (guilds, channels, roles, members), permissions, payloads, recorded messages, waiting;
- ``gateway.py``: websocket connections, sessions, IDENTIFY/RESUME/READY, raw dispatch;
- ``rest.py``: HTTP plumbing, 429 rules, the attachment CDN, command and channel-message routes;
- ``ratelimit.py``: Discord's rate limits (per-route buckets, global 50/s, X-RateLimit-* headers, 429 storms, counts);
- ``faults.py``: refusals on demand (e.g. a command upload answered 400/50035);
- ``interactions.py``: interaction callbacks, webhooks/followups, and invoke/autocomplete/click/submit_modal.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from .common import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_PERMISSIONS,
    Reject,
)
from .events import EventsMixin
from .faults import Faults
from .gateway import GatewayMixin, _Connection, _Session
from .interactions import InteractionResult, InteractionsMixin
from .ratelimit import RateLimits
from .rest import RestMixin
from .state import StateMixin

__all__ = ["DEFAULT_BOT_PERMISSIONS", "DEFAULT_PERMISSIONS", "DiscordDouble", "InteractionResult", "Reject"]


class DiscordDouble(StateMixin, GatewayMixin, RestMixin, InteractionsMixin, EventsMixin):
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
        self.scheduled_events: dict[int, dict[int, dict[str, Any]]] = {}  # guild -> event id -> event
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
        self.ratelimit = RateLimits(on_served=self.rate_limited.append)  # Discord's limits: ratelimit.py
        self.faults = Faults()  # refusals on demand: faults.py
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
