"""Client-side rate limiting: plan sends from Discord's bucket headers and pace the whole bot under 50/s.

Discord (API docs, "Rate Limits") allows per-route buckets (``POST /channels/{id}/messages``: about 5
per 5 s per channel) announced by the ``X-RateLimit-*`` headers of each answer, and 50 requests per
second per bot token overall, which successful answers do *not* announce. 10,000 invalid requests
(401/403/429) in 10 minutes get the client banned for a while, so Roadie plans instead of retrying:

- :class:`RateLimitPlanner` watches every REST answer through an ``aiohttp.TraceConfig`` (passed to
  discord.py as ``http_trace``: no patching of discord.py) and remembers, per route and channel,
  how many requests remain and when the window resets (``X-RateLimit-Remaining`` /
  ``X-RateLimit-Reset-After``; a 429 says ``retry_after``);
- every request of the bot token waits for a place in a window of ``requests_per_second``
  (default 50, Discord's figure) per second, counted as Discord sees them (:class:`GlobalWindow`;
  with several processes on one token each gets its share, see ``[discord] processes``), except
  the interaction endpoints
  (``/interactions/…``, ``/webhooks/…``), which Discord exempts from the global limit, so a nudge
  storm never delays an answer to a user;
- the nudge dispatcher takes :meth:`RateLimitPlanner.slot` before each message: it returns when the
  channel's bucket and the global window have room, so discord.py never has to sleep on a bucket
  mid-request, and a shutdown can drop sends that have not started.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import contextvars
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import aiohttp

_API_PATH = re.compile(r"^/api/v\d+(/.*)$")
_EXEMPT = re.compile(r"^/(interactions|webhooks)/")
_CALLBACK = re.compile(r"^/interactions/(\d+)/[^/]+/callback$")
_prepaid: contextvars.ContextVar[_Ticket | None] = contextvars.ContextVar("roadie_ratelimit_prepaid", default=None)


@dataclass
class _Ticket:
    """A place in the global window taken by :meth:`RateLimitPlanner.slot` for the request made inside."""

    used: bool = False


@dataclass
class _Bucket:
    remaining: int = 1
    reset_at: float = 0.0  # time.monotonic() when the window resets
    known: bool = False


class ServerClock:
    """A safe lower bound on Discord's clock minus ours, learnt from the bucket headers.

    An answer with ``X-RateLimit-Reset`` (epoch seconds of the reset, millisecond precision) and
    ``X-RateLimit-Reset-After`` (seconds from Discord's "now" to that reset) tells when Discord
    handled the request, on Discord's clock: ``Reset - Reset-After`` (Discord API docs, "Rate
    Limits", header format). Discord handled it before we read the answer, so that time minus our
    answer time (``time.monotonic()``) is at most the true offset; the largest such sample is the
    tightest lower bound. It is aged by :data:`DRIFT` per second (clocks drift by parts per million)
    and widened by :data:`MARGIN` for the headers' rounding.
    """

    DRIFT = 1e-4  # s per s: 100 ppm, far above a real clock's drift
    MARGIN = 0.002  # s: both headers are rounded to the millisecond

    def __init__(self) -> None:
        self._best: float | None = None
        self._best_at = 0.0

    def lower(self, now: float) -> float | None:
        """The lower bound on (Discord's epoch clock - our monotonic clock) at ``now``, or None."""
        if self._best is None:
            return None
        return self._best - self.MARGIN - self.DRIFT * (now - self._best_at)

    def arrival(self, headers: Any, answered_at: float) -> float:
        """Latest (monotonic) time Discord can have received the request answered at
        ``answered_at`` with ``headers``: never later than ``answered_at``, usually a good deal
        earlier when answers queue up behind each other (a burst of sends)."""
        try:
            handled = float(headers["X-RateLimit-Reset"]) - float(headers["X-RateLimit-Reset-After"])
        except (KeyError, TypeError, ValueError):
            return answered_at
        sample = handled - answered_at
        current = self.lower(answered_at)
        if current is None or sample - self.MARGIN > current:
            self._best, self._best_at = sample, answered_at
        lower = self.lower(answered_at)
        assert lower is not None
        return min(answered_at, handled + self.MARGIN - lower)


class GlobalWindow:
    """At most ``rate`` requests in any ``per`` seconds *as Discord sees them* (FIFO, fair).

    Discord counts a request when it arrives, somewhere between our sending it and our reading its
    answer. So a request occupies the window from :meth:`acquire` until ``per`` seconds after the
    latest time it can have arrived (:meth:`release` ``at``: its answer time, or earlier when the
    answer's bucket headers date Discord's handling of it, see :class:`ServerClock`): however its
    latency varies, no ``rate + 1`` requests can arrive at Discord within ``per`` seconds.
    (Counting from the send instead lets a slow request and a fast later one arrive closer together
    than they left, which is how jitter turns into 429s; counting from the answer loses, at each
    window boundary, the time answers spent queued behind each other.)
    """

    def __init__(self, rate: float, per: float = 1.0) -> None:
        self.rate = max(1, int(rate))
        self.per = per
        self._ended: deque[float] = deque()  # latest arrival times (monotonic, ordered) of the last ``per`` s
        self.in_flight = 0
        self._lock = asyncio.Lock()
        self._freed = asyncio.Event()
        self.paused_until = 0.0  # a global 429 pauses everyone until then (monotonic)

    async def acquire(self) -> None:
        """Wait for a place in the window (and past a global 429's retry_after), then take it."""
        async with self._lock:
            while True:
                now = time.monotonic()
                if now < self.paused_until:
                    await asyncio.sleep(self.paused_until - now)
                    continue
                while self._ended and self._ended[0] <= now - self.per:
                    self._ended.popleft()
                if self.in_flight + len(self._ended) < self.rate:
                    self.in_flight += 1
                    return
                self._freed.clear()
                wait = self._ended[0] + self.per - now if self._ended else self.per
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._freed.wait(), timeout=max(wait, 0.001))

    def release(self, *, answered: bool = True, at: float | None = None) -> None:
        """The request's answer arrived (``answered``; ``at``: the latest monotonic time it can have
        reached Discord, default now), or it was never sent (False)."""
        self.in_flight = max(self.in_flight - 1, 0)
        if answered:
            now = time.monotonic()
            at = now if at is None else min(at, now)
            if self._ended and at < self._ended[-1]:  # keep the deque ordered (it is popped from the left)
                bisect.insort(self._ended, at)
            else:
                self._ended.append(at)
        self._freed.set()


class RateLimitPlanner:
    """Plans Roadie's REST requests under Discord's limits; see the module docstring.

    ``requests_per_second``: this process's share of the bot token's global budget (seconds are
    wall-clock, measured with ``time.monotonic``). Counters: ``rate_limited`` (429 answers seen),
    ``requests`` (answers seen).
    """

    def __init__(self, requests_per_second: float = 50.0) -> None:
        self.window = GlobalWindow(requests_per_second)
        self.clock = ServerClock()
        self._buckets: dict[str, _Bucket] = {}
        self.rate_limited = 0
        self.requests = 0
        self.on_callback: Callable[[int], object] | None = None  # an interaction's first response was answered

    # ------------------------------------------------------------------ aiohttp trace
    def trace_config(self) -> aiohttp.TraceConfig:
        """A ``TraceConfig`` for discord.py's ``http_trace``: paces each request, reads each answer."""
        tc = aiohttp.TraceConfig()
        tc.on_request_start.append(self._on_start)
        tc.on_request_end.append(self._on_end)
        tc.on_request_exception.append(self._on_exception)
        return tc

    @staticmethod
    def _api_path(url: Any) -> str | None:
        m = _API_PATH.match(getattr(url, "path", "") or "")
        return m.group(1) if m else None

    async def _on_start(self, session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        path = self._api_path(params.url)
        if path is None or _EXEMPT.match(path):
            return  # the gateway, the CDN, interaction answers: not under the global limit
        ticket = _prepaid.get()
        if ticket is not None and not ticket.used:
            ticket.used = True  # the dispatcher already took this request's place
        else:
            await self.window.acquire()
        ctx.roadie_counted = True

    async def _on_exception(self, session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        if getattr(ctx, "roadie_counted", False):
            ctx.roadie_counted = False
            self.window.release()  # it may have reached Discord: count it as answered now

    async def _on_end(self, session: aiohttp.ClientSession, ctx: SimpleNamespace, params: Any) -> None:
        path = self._api_path(params.url)
        if path is None:
            return
        resp = params.response
        h = resp.headers
        now = time.monotonic()
        arrived = self.clock.arrival(h, now)  # also learns Discord's clock from every answer with headers
        if getattr(ctx, "roadie_counted", False):
            ctx.roadie_counted = False
            self.window.release(at=arrived)
        self.requests += 1
        if self.on_callback is not None and (cb := _CALLBACK.match(path)) and params.method == "POST":
            self.on_callback(int(cb.group(1)))
        if resp.status == 429:
            self.rate_limited += 1
            try:
                retry_after = float(h.get("Retry-After") or 1.0)
                retry_after = float(h.get("X-RateLimit-Reset-After") or retry_after)
            except ValueError:
                retry_after = 1.0
            if h.get("X-RateLimit-Global") or h.get("X-RateLimit-Scope") == "global":
                self.window.paused_until = max(self.window.paused_until, now + retry_after)
                return
            b = self._buckets.setdefault(f"{params.method} {path}", _Bucket())
            b.remaining, b.reset_at, b.known = 0, now + retry_after, True
            return
        if "X-RateLimit-Remaining" not in h:
            return
        try:
            remaining = int(h["X-RateLimit-Remaining"])
            reset_after = float(h.get("X-RateLimit-Reset-After") or 0.0)
        except ValueError:
            return
        b = self._buckets.setdefault(f"{params.method} {path}", _Bucket())
        b.remaining, b.reset_at, b.known = remaining, now + reset_after, True

    # ------------------------------------------------------------------ dispatcher slots
    def bucket_wait(self, channel_id: int) -> float:
        """Seconds until a message may be posted in ``channel_id`` by its bucket (0: now)."""
        b = self._buckets.get(f"POST /channels/{channel_id}/messages")
        if b is None or not b.known or b.remaining > 0:
            return 0.0
        return max(b.reset_at - time.monotonic(), 0.0)

    @asynccontextmanager
    async def slot(self, channel_id: int) -> AsyncIterator[None]:
        """Wait until ``channel_id``'s message bucket and the global window have room; the request
        made inside counts against both (it does not wait again in the trace)."""
        key = f"POST /channels/{channel_id}/messages"
        while (wait := self.bucket_wait(channel_id)) > 0:  # noqa: ASYNC110 (the window resets at a known time)
            await asyncio.sleep(wait + 0.01)  # plus a little for clock jitter
        b = self._buckets.get(key)
        if b is not None and b.known:
            if time.monotonic() >= b.reset_at:
                b.known = False  # a new window: its first answer will say how much is left
            else:
                b.remaining -= 1
        await self.window.acquire()
        ticket = _Ticket()
        token = _prepaid.set(ticket)
        try:
            yield
        finally:
            _prepaid.reset(token)
            if not ticket.used:  # nothing was sent with it
                self.window.release(answered=False)
