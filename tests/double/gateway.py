"""The double's gateway: websocket connections, sessions (IDENTIFY/RESUME/READY), raw dispatch."""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    pass


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


class GatewayMixin:
    """The gateway websocket handler and the controls tests use on it (drop, invalidate, dispatch)."""

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
