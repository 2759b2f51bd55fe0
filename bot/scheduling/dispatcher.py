"""The nudge dispatcher: wakes at the nearest due nudge, claims it, sends it once.

APScheduler 3 (``AsyncIOScheduler``, in-memory jobs) provides two jobs: an interval *sweep* (a
safety net, every ``sweep_seconds``) and a one-shot date-trigger *wake* at the earliest pending
nudge. Nothing lives only in APScheduler: on start-up the dispatcher re-reads the table.

Delivery is once: claim a due row with one UPDATE (pending -> sending) and commit; send with the
row's stable nonce (Discord de-duplicates a resend after a crash, ``enforce_nonce``); mark it sent.
Each of those steps is one unit of work (:mod:`bot.uow`), like every interaction: it commits once
and then wakes this dispatcher for whatever it scheduled (a recurring prompt's next occurrence, a retry).
The sending side is injected (:class:`Sender`) so this module never imports discord.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services import nudges
from bot.services.clock import utcnow
from bot.services.nudges import OutgoingNudge
from bot.uow import UnitOfWork

log = logging.getLogger(__name__)

WAKE_JOB = "nudge-wake"
SWEEP_JOB = "nudge-sweep"


class DeliveryError(Exception):
    """Raised by a :data:`Sender` when Discord did not take the message.

    ``permanent`` True (channel gone, missing permissions, payload refused) fails the nudge;
    False (429 after retries, 5xx, network) retries it later with backoff.
    """

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


Sender = Callable[[OutgoingNudge], Awaitable[int | None]]
"""Sends one nudge; returns the Discord message id; raises :class:`DeliveryError`."""


class NudgeDispatcher:
    """Delivers due nudges. One per process; :meth:`start` once (from ``setup_hook``)."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        kinds: nudges.Kinds,
        sweep_seconds: float = 30.0,
        clock: Callable[[], datetime] = utcnow,
        concurrency: int = 16,
    ) -> None:
        self._sm = sessionmaker
        self._send = sender
        self._kinds = kinds
        self._clock = clock
        self._sweep_seconds = sweep_seconds
        self._scheduler: AsyncIOScheduler | None = None
        self._run_lock = asyncio.Lock()
        self._again = False
        self._wake_at: datetime | None = None
        self._wake_seq = 0
        self._sem = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self.delivered = 0

    def uow(self) -> UnitOfWork:
        """A unit of work on the dispatcher's database that wakes this dispatcher after commit."""
        return UnitOfWork(self._sm, self.notify)

    @property
    def planned_wake(self) -> datetime | None:
        """When (UTC) the next date-trigger wake-up is planned, or None (only the sweep is left)."""
        if self._scheduler is None or self._scheduler.get_job(WAKE_JOB) is None:
            return None
        return self._wake_at

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._scheduler is not None and self._scheduler.running

    async def start(self) -> None:
        """Recover nudges interrupted mid-send, skip (and log the count of) overdue nudges that went
        stale, start APScheduler, deliver what is overdue (once).

        Idempotent: a second call (e.g. a reconnect) does nothing.
        """
        if self._scheduler is not None:
            return
        async with self.uow() as s:
            n = await nudges.recover_interrupted(s)
            skipped = await nudges.skip_stale(s, self._clock(), kinds=self._kinds)
        if n:
            log.info("recovered %d nudge(s) interrupted mid-send; resending with their nonce", n)
        if skipped:
            log.info(
                "start-up: skipped %d stale nudge(s) that no longer make sense (%s)",
                sum(skipped.values()),
                ", ".join(f"{kind}: {count}" for kind, count in sorted(skipped.items())),
            )
        self._scheduler = AsyncIOScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 4, "misfire_grace_time": None}
        )
        self._scheduler.add_job(
            self._wake, IntervalTrigger(seconds=self._sweep_seconds, timezone=UTC), id=SWEEP_JOB, replace_existing=True
        )
        self._scheduler.start()
        self.spawn(self.run_due(), "start-up delivery")

    async def stop(self) -> None:
        """Stop waking up and wait for in-flight deliveries (so nothing is left half-sent)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        async with self._run_lock:  # a pass in progress finishes starting its deliveries first
            pass
        await self.drain()

    def spawn(self, coro: Awaitable[None], what: str) -> None:
        """Run ``coro`` in the background, keeping a reference and logging its failure."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def _done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task failed: %s", what, exc_info=t.exception())

        task.add_done_callback(_done)

    def notify(self, due_at: datetime | None = None) -> None:
        """Tell the dispatcher a nudge was added or moved (call after commit).

        Brings the wake-up forward when ``due_at`` is earlier than the planned one; with None,
        re-reads the earliest due time from the database.
        """
        if self._scheduler is None:
            return
        if due_at is None:
            self.spawn(self._reschedule(), "reschedule")
        elif self._wake_at is not None and self._wake_at <= self._clock():
            # the planned wake-up is firing now: don't replace it; a pass re-plans from the table
            self.spawn(self.run_due(), "delivery pass")
        elif self._wake_at is None or due_at < self._wake_at:
            self._schedule_wake(due_at)

    async def _wake(self) -> None:
        # APScheduler's job: hand over to our own task and return at once, so a long pass never
        # makes APScheduler skip a wake-up ("max instances") or cancel deliveries at shutdown.
        self.spawn(self.run_due(), "delivery pass")

    def _schedule_wake(self, at: datetime) -> None:
        if self._scheduler is None:
            return
        self._wake_at = at
        self._wake_seq += 1
        run_date = max(at, self._clock())
        self._scheduler.add_job(
            self._wake, DateTrigger(run_date=run_date, timezone=UTC), id=WAKE_JOB, replace_existing=True
        )

    async def _reschedule(self) -> None:
        seq = self._wake_seq
        async with UnitOfWork(self._sm) as s:  # a read; no waker (this is the re-planning itself)
            nxt = await nudges.next_wake(s)
        if self._wake_seq != seq and self._wake_at is not None and (nxt is None or self._wake_at < nxt):
            return  # a notify() during our read planned an earlier wake-up: keep it
        self._wake_at = None
        if nxt is not None:
            self._schedule_wake(nxt)
        elif self._scheduler is not None and self._scheduler.get_job(WAKE_JOB):
            self._scheduler.remove_job(WAKE_JOB)

    async def run_due(self) -> None:
        """Start delivering every nudge due now, then plan the next wake-up.

        Each due nudge gets its own task (at most ``concurrency`` sending at once), so one slow
        send never holds back the nudges behind it. Safe to call concurrently: a nudge already in
        flight is not started twice, and the claim UPDATE makes a second delivery impossible anyway.
        """
        if self._run_lock.locked():
            self._again = True
            return
        async with self._run_lock:
            while True:
                self._again = False
                async with self.uow() as s:  # the claim is committed before anything is sent
                    batch = await nudges.claim_due(s, self._clock(), kinds=self._kinds, limit=200)
                for out in batch:
                    self.spawn(self._send_one(out), f"deliver nudge {out.nudge_id}")
                if not self._again and len(batch) < 200:
                    break
            await self._reschedule()

    async def drain(self) -> None:
        """Wait until every delivery started so far has finished (tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _send_one(self, out: OutgoingNudge) -> None:
        try:
            async with self._sem:
                await self._deliver(out)
        except Exception:  # one bad row must not stop the others
            log.exception("delivering nudge %s failed unexpectedly", out.nudge_id)

    async def _deliver(self, out: OutgoingNudge) -> None:
        nudge_id = out.nudge_id
        try:
            message_id = await self._send(out)
        except DeliveryError as exc:
            async with self.uow() as s:  # wakes the dispatcher for the retry after commit
                if exc.permanent:
                    await nudges.mark_failed(s, nudge_id, str(exc), kinds=self._kinds)
                    log.warning("nudge %s failed for good: %s", nudge_id, exc)
                else:
                    retry = await nudges.mark_retry(s, nudge_id, str(exc), self._clock(), kinds=self._kinds)
                    log.warning("nudge %s delayed (%s); retry at %s", nudge_id, exc, retry)
            return
        except Exception as exc:  # unknown outcome: retry; the stable nonce prevents a double
            log.exception("nudge %s: unexpected send error; will retry", nudge_id)
            async with self.uow() as s:
                await nudges.mark_retry(s, nudge_id, f"{type(exc).__name__}: {exc}", self._clock(), kinds=self._kinds)
            return
        # A CancelledError (shutdown mid-send) leaves the row 'sending': start-up recovery resends
        # it with the same nonce, which Discord de-duplicates.
        async with self.uow() as s:
            await nudges.mark_sent(s, nudge_id, message_id, self._clock(), kinds=self._kinds)
        self.delivered += 1
        log.info("nudge %s delivered to channel %s%s", nudge_id, out.channel_id, " (late)" if out.late else "")
