"""Discord's rate limits for the double: per-route buckets, the global limit, 429s, invalid-request counts.

Installed on the double's aiohttp app as one middleware (``DiscordDouble.ratelimit.middleware``);
it sees every REST request under ``/api/v{n}/`` before the double's own routing and every answer after it.

What it enforces (Discord API docs, "Rate Limits"; headers as in ``components/headers`` of Discord's
OpenAPI spec, plus ``X-RateLimit-Scope``/``X-RateLimit-Global`` from the docs):

- **Per-route buckets**, keyed by the route's bucket and its top-level resource (``channels/{id}``,
  ``guilds/{id}``, ``webhooks/{id}/{token}``): by default ``POST /channels/{id}/messages`` allows 5 per
  5 s per channel (what a 429 log from Discord shows as ``Limit: 5``); other routes 50 per second.
  A window opens at the first request and resets ``per`` seconds later (fixed window).
- **Global**: 50 requests per second per bot token over any 1 s (a sliding window), except the
  interaction endpoints (``/interactions/…`` and ``/webhooks/…``), which Discord exempts.
- Every answer in a bucket carries ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset`` (unix seconds),
  ``-Reset-After`` (seconds) and ``-Bucket``; a 429 also ``-Scope`` (``user``/``global``), ``Retry-After``
  and a JSON body ``{"message", "retry_after", "global"}``, and the ``Via`` header real Discord answers
  carry (discord.py takes a 429 without ``Via`` for a Cloudflare ban and does not retry).
- **Counts**: :attr:`RateLimits.served` (every 429 it or the double served) and
  :attr:`RateLimits.invalid` (401, 403 and 429 answers: Discord bans a client for 10,000 of them in
  10 minutes).
- **A 429 storm** (:meth:`RateLimits.storm`): for a while, answer matching requests with 429s, as
  Discord does under load.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

INVALID_STATUSES = (401, 403, 429)
EXEMPT_FROM_GLOBAL = re.compile(r"^/(interactions|webhooks)/")
TOP_LEVEL = re.compile(r"^/(channels|guilds)/(\d+)|^/(webhooks|interactions)/(\d+)/([^/]+)")
_API = re.compile(r"^/api/v\d+(/.*)$")


@dataclass
class RouteLimit:
    """``limit`` requests per ``per`` seconds for requests matching ``method`` ('*' any) and ``path``
    (``re.fullmatch`` on the path after ``/api/v10``), counted per top-level resource."""

    method: str
    path: str
    limit: int
    per: float

    def __post_init__(self) -> None:
        self.re = re.compile(self.path)
        self.bucket = hashlib.sha1(f"{self.method} {self.path}".encode()).hexdigest()[:16]


DEFAULT_ROUTES = (RouteLimit("POST", r"/channels/\d+/messages", 5, 5.0),)
DEFAULT_OTHER = (50, 1.0)  # (limit, per) for every other route, per route and resource


@dataclass
class _Window:
    count: int = 0
    reset_at: float = 0.0


@dataclass
class _Storm:
    method: str
    re: re.Pattern[str]
    until: float
    retry_after: float


@dataclass
class RateLimits:
    """The double's rate limiter. ``enabled`` False turns enforcement (not counting) off.

    Attributes:
        routes: the per-route limits (first match wins); anything else gets ``other`` (limit, per s).
        global_limit: requests per second per bot token (Discord: 50).
        served: one dict per 429 served (method, path, scope, retry_after, at).
        invalid: how many 401/403/429 answers were served (Discord bans at 10,000 in 10 minutes).
        passed: requests that went through (for benchmarks: achieved request rate).
    """

    routes: tuple[RouteLimit, ...] = DEFAULT_ROUTES
    other: tuple[int, float] = DEFAULT_OTHER
    global_limit: int = 50
    enabled: bool = True
    on_served: Callable[[dict[str, Any]], None] | None = None
    served: list[dict[str, Any]] = field(default_factory=list)
    invalid: int = 0
    passed: int = 0
    _windows: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _global: deque[float] = field(default_factory=deque)
    _storms: list[_Storm] = field(default_factory=list)

    # ------------------------------------------------------------------ configuration
    def storm(
        self, seconds: float, *, retry_after: float = 1.0, method: str = "POST", path: str = r"/channels/\d+/messages"
    ) -> None:
        """For the next ``seconds``, answer every request matching ``method``/``path`` (fullmatch)
        with a 429 (scope ``user``) saying ``retry_after``."""
        self._storms.append(_Storm(method.upper(), re.compile(path), time.monotonic() + seconds, retry_after))

    def set_route(self, method: str, path: str, limit: int, per: float) -> None:
        """Put a limit for ``method`` + ``path`` first (e.g. a stricter one for a test)."""
        self.routes = (RouteLimit(method.upper(), path, limit, per), *self.routes)

    @property
    def served_count(self) -> int:
        """How many 429s were served."""
        return len(self.served)

    # ------------------------------------------------------------------ the middleware
    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        """aiohttp middleware: refuse over-limit requests with 429, add the headers, count invalid answers."""
        m = _API.match(request.path)
        if m is None:
            return await handler(request)
        path, method = m.group(1), request.method
        now = time.monotonic()
        refused = self._check(method, path, now) if self.enabled else None
        if refused is not None:
            self._count(refused.status)
            return refused
        window_headers = self._take(method, path, now) if self.enabled else {}
        resp = await handler(request)
        if not resp.prepared:
            resp.headers.update(window_headers)
        if resp.status == 429:  # one the double served itself (DiscordDouble.rate_limit)
            scope = resp.headers.get("X-RateLimit-Scope", "user")
            self._record(method, path, scope, float(resp.headers.get("X-RateLimit-Reset-After", 0)))
        self._count(resp.status)
        if resp.status < 400:
            self.passed += 1
        return resp

    # ------------------------------------------------------------------ internals
    def _count(self, status: int) -> None:
        if status in INVALID_STATUSES:
            self.invalid += 1

    def _record(self, method: str, path: str, scope: str, retry_after: float) -> None:
        entry = {
            "method": method,
            "path": path,
            "scope": scope,
            "global": scope == "global",
            "retry_after": retry_after,
            "at": time.time(),
        }
        self.served.append(entry)
        if self.on_served is not None:
            self.on_served(entry)

    def _route(self, method: str, path: str) -> tuple[str, int, float, str] | None:
        """(bucket hash, limit, per, resource key) for a request, or None when it has no bucket."""
        if path.startswith("/interactions/"):
            return None  # one callback per interaction: no bucket
        top = TOP_LEVEL.match(path)
        resource = top.group(0) if top else ""
        for r in self.routes:
            if r.method in ("*", method) and r.re.fullmatch(path):
                return r.bucket, r.limit, r.per, resource
        template = re.sub(r"\d{5,}", "{id}", path)
        if top and top.group(5):
            template = template.replace(top.group(5), "{token}")
        bucket = hashlib.sha1(f"{method} {template}".encode()).hexdigest()[:16]
        return bucket, self.other[0], self.other[1], resource

    def _check(self, method: str, path: str, now: float) -> web.Response | None:
        for s in list(self._storms):
            if now >= s.until:
                self._storms.remove(s)
            elif s.method in ("*", method) and s.re.fullmatch(path):
                return self._too_many(method, path, s.retry_after, scope="user", limit=0)
        if not EXEMPT_FROM_GLOBAL.match(path):
            g = self._global
            while g and g[0] <= now - 1.0:
                g.popleft()
            if len(g) >= self.global_limit:
                return self._too_many(method, path, max(g[0] + 1.0 - now, 0.001), scope="global")
        route = self._route(method, path)
        if route is None:
            return None
        bucket, limit, _per, resource = route
        w = self._windows.get((bucket, resource))
        if w is not None and now < w.reset_at and w.count >= limit:
            return self._too_many(method, path, w.reset_at - now, scope="user", limit=limit, bucket=bucket)
        return None

    def _take(self, method: str, path: str, now: float) -> dict[str, str]:
        if not EXEMPT_FROM_GLOBAL.match(path):
            self._global.append(now)
        route = self._route(method, path)
        if route is None:
            return {}
        bucket, limit, per, resource = route
        w = self._windows.setdefault((bucket, resource), _Window())
        if now >= w.reset_at:
            w.count, w.reset_at = 0, now + per
        w.count += 1
        return _headers(limit, limit - w.count, w.reset_at - now, bucket)

    def _too_many(
        self, method: str, path: str, retry_after: float, *, scope: str, limit: int = 0, bucket: str = ""
    ) -> web.Response:
        self._record(method, path, scope, retry_after)
        glob = scope == "global"
        headers = {"Retry-After": str(max(1, math.ceil(retry_after))), "Via": "1.1 google", "X-RateLimit-Scope": scope}
        if glob:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(_headers(limit, 0, retry_after, bucket or "storm"))
        body = {"message": "You are being rate limited.", "retry_after": round(retry_after, 3), "global": glob}
        headers["Content-Type"] = "application/json"  # exactly: discord.py parses nothing else as JSON
        return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)


def _headers(limit: int, remaining: int, reset_after: float, bucket: str) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }
