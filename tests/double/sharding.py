"""Sharding for the Discord double: several gateway connections of one bot, one per shard.

What Discord does and :class:`ShardedDiscordDouble` does too (Discord API docs, "Sharding"):

- IDENTIFY carries ``shard: [shard_id, num_shards]``; a guild belongs to shard
  ``(guild_id >> 22) % num_shards``. READY lists, and GUILD_CREATE is sent for, only that shard's
  guilds; every later guild event (interactions, messages, channel/role changes) goes to the
  connection of the guild's shard; events without a guild go to shard 0.
- A session that would hold more guilds than a shard may (2,500 on Discord; ``max_guilds_per_shard``
  here) is closed with 4011 "Sharding required"; a shard id outside ``0 <= id < num_shards`` with
  4010 "Invalid shard".
- ``GET /gateway/bot`` recommends ``shards`` (one per ``guilds_per_shard`` guilds, 1000 on Discord)
  and reports ``session_start_limit.max_concurrency``.

For tests of several bot *processes* against one double, each process can be given its own REST base
(:meth:`ShardedDiscordDouble.api_base_for`): the double strips the ``/_p/<name>`` prefix and records
who made each request (``requests_by_process``) and posted each message (``message_process``), so a
test can check that a guild's nudges came from the process that runs its shard.

A subclass in its own module: no edits to the double's other modules.
"""

from __future__ import annotations

import contextvars
import math
from collections import defaultdict
from typing import Any

from aiohttp import web

from .gateway import _Connection, _Session
from .server import DiscordDouble

_process: contextvars.ContextVar[str | None] = contextvars.ContextVar("double_process", default=None)
_GUILD_ID_IS_ID = {"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"}


def shard_of(guild_id: int, shard_count: int) -> int:
    """Discord's formula: ``(guild_id >> 22) % shard_count``."""
    return (int(guild_id) >> 22) % shard_count


class _ShardRouter:
    """Stands in for the single current session of :class:`DiscordDouble`: each event goes to the
    session of its guild's shard."""

    def __init__(self, double: ShardedDiscordDouble) -> None:
        self._d = double

    def dispatch(self, event: str, data: Any) -> None:
        gid = None
        if isinstance(data, dict):
            gid = data.get("id") if event in _GUILD_ID_IS_ID else data.get("guild_id")
        session = self._d.session_for_guild(int(gid)) if gid else self._d.shard_sessions.get(0)
        if event == "INTERACTION_CREATE" and self._d.spread_interactions:
            live = [s for s in self._d.all_sessions if s.conn is not None and not s.invalid]
            if live:
                session = live[self._d.interaction_turn % len(live)]
                self._d.interaction_turn += 1
        if session is not None:
            self._d.routed[session.shard[0]].append(event)
            session.dispatch(event, data)

    @property
    def conn(self) -> _Connection | None:
        """A live connection when every shard that identified has one (None otherwise)."""
        sessions = list(self._d.shard_sessions.values())
        if not sessions or any(s.conn is None for s in sessions):
            return None
        return sessions[0].conn

    @property
    def intents(self) -> int:
        return next(iter(self._d.shard_sessions.values())).intents


class ShardedDiscordDouble(DiscordDouble):
    """A :class:`DiscordDouble` that speaks sharding (see the module docstring).

    Args:
        max_guilds_per_shard: more guilds than this on one session closes it with 4011.
        guilds_per_shard: ``GET /gateway/bot`` recommends ``ceil(guilds / guilds_per_shard)`` shards.
        max_concurrency: ``session_start_limit.max_concurrency`` (IDENTIFYs allowed per 5 s bucket).
    """

    def __init__(
        self,
        *args: Any,
        max_guilds_per_shard: int = 2500,
        guilds_per_shard: int = 1000,
        max_concurrency: int = 16,
        **kwargs: Any,
    ) -> None:
        self.shard_sessions: dict[int, _Session] = {}
        super().__init__(*args, **kwargs)
        self.max_guilds_per_shard = max_guilds_per_shard
        self.guilds_per_shard = guilds_per_shard
        self.max_concurrency = max_concurrency
        self.identifies: list[tuple[int, int]] = []  # (shard_id, num_shards) per accepted IDENTIFY
        self.refused: list[tuple[int, str]] = []  # (close code, reason)
        self.routed: dict[int, list[str]] = defaultdict(list)  # shard id -> event names sent to it
        self.requests_by_process: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.message_process: dict[int, str] = {}  # message id -> the process whose REST base posted it
        self._router = _ShardRouter(self)
        # spread_interactions: hand interactions to every connected session in turn, whatever the
        # shard (as an interactions endpoint behind a load balancer, or during a rolling deploy when an
        # old and a new process are both connected): for tests of concurrent writes from two processes
        self.spread_interactions = False
        self.interaction_turn = 0
        self.all_sessions: list[_Session] = []

    # the base class keeps one "current" session; here it is the router over the shard sessions
    @property  # type: ignore[override]
    def _current(self) -> _ShardRouter | None:  # type: ignore[override]
        return self._router if self.shard_sessions else None

    @_current.setter
    def _current(self, value: Any) -> None:  # sessions register by shard in _send_ready
        pass

    @property
    def shard_count(self) -> int | None:
        """The ``num_shards`` the connected sessions identified with (None before any)."""
        return next(iter(self.shard_sessions.values())).shard[1] if self.shard_sessions else None

    def session_for_guild(self, guild_id: int) -> _Session | None:
        """The session of ``guild_id``'s shard, or None when that shard hasn't identified."""
        count = self.shard_count
        return None if count is None else self.shard_sessions.get(shard_of(guild_id, count))

    def guilds_on_shard(self, shard_id: int, shard_count: int) -> list[int]:
        """The guild ids Discord would put on ``shard_id`` of ``shard_count``."""
        return [g for g in self.guilds if shard_of(g, shard_count) == shard_id]

    def shards_connected(self) -> set[int]:
        """Shard ids with a live connection."""
        return {i for i, s in self.shard_sessions.items() if s.conn is not None}

    def api_base_for(self, process: str) -> str:
        """A REST base for one bot process; requests through it are recorded as ``process``'s."""
        return f"{self.api_base}/_p/{process}"

    async def drop_gateway(self, code: int = 4000, shard: int = 0) -> None:  # type: ignore[override]
        """Close shard ``shard``'s connection with ``code`` (discord.py reconnects/resumes it)."""
        s = self.shard_sessions.get(shard)
        if s is None or s.conn is None:
            raise AssertionError(f"no gateway connection for shard {shard}")
        conn, s.conn = s.conn, None
        conn.queue.put_nowait(None)
        await conn.ws.close(code=code, message=b"dropped by test double")

    # ------------------------------------------------------------------ gateway
    async def _gateway_op(self, conn: _Connection, payload: dict[str, Any]) -> None:
        d = payload.get("d")
        if payload.get("op") == 2 and d and d.get("token"):
            shard_id, count = (d.get("shard") or [0, 1])[:2]
            if not (isinstance(shard_id, int) and isinstance(count, int) and 0 <= shard_id < count):
                await self._refuse(conn, 4010, "Invalid shard.")
                return
            if len(self.guilds_on_shard(shard_id, count)) > self.max_guilds_per_shard:
                await self._refuse(conn, 4011, "Sharding required.")
                return
        await super()._gateway_op(conn, payload)

    async def _refuse(self, conn: _Connection, code: int, reason: str) -> None:
        self.refused.append((code, reason))
        await conn.ws.close(code=code, message=reason.encode())

    def _send_ready(self, session: _Session, identify: dict[str, Any]) -> None:
        shard_id, count = (identify.get("shard") or [0, 1])[:2]
        session.shard = (shard_id, count)  # type: ignore[attr-defined]
        self.identifies.append((shard_id, count))
        old = self.shard_sessions.get(shard_id)
        if old is not None and old is not session and not self.spread_interactions:
            old.invalid = True  # a new IDENTIFY for a shard replaces its old session
        self.shard_sessions[shard_id] = session
        self.all_sessions.append(session)
        everything = self.guilds
        try:  # READY and GUILD_CREATE of the base class, for this shard's guilds only (no await inside)
            self.guilds = {g: everything[g] for g in self.guilds_on_shard(shard_id, count)}
            super()._send_ready(session, identify)
        finally:
            self.guilds = everything

    # ------------------------------------------------------------------ REST
    async def _r_gateway_bot(self, req, body, files):  # type: ignore[no-untyped-def]
        return {
            "url": self.gateway_url.rstrip("/"),
            "shards": max(1, math.ceil(len(self.guilds) / self.guilds_per_shard)),
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 0,
                "max_concurrency": self.max_concurrency,
            },
        }

    async def _http_handler(self, request: web.Request) -> web.StreamResponse:
        tail = request.match_info["tail"]
        process = None
        if tail.startswith("_p/"):
            process, _, rest = tail[3:].partition("/")
            request.match_info["tail"] = rest
            self.requests_by_process[process].append((request.method, "/" + rest))
        token = _process.set(process)
        try:
            return await super()._http_handler(request)
        finally:
            _process.reset(token)

    def _new_message(self, channel_id: int, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        msg = super()._new_message(channel_id, body, **kwargs)
        process = _process.get()
        if process is not None:
            self.message_process[int(msg["id"])] = process
        return msg
