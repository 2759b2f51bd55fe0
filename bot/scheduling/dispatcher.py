"""The nudge dispatcher: wakes at the nearest due nudge, claims it, sends it once.

APScheduler 3 (``AsyncIOScheduler``, in-memory jobs) provides two jobs: an interval *sweep* (a
safety net, every ``sweep_seconds``) and a one-shot date-trigger *wake* at the earliest pending
nudge. Nothing lives only in APScheduler: on start-up the dispatcher re-reads the table.

Delivery is once: claim due rows with one UPDATE (pending -> sending), group them into messages
(one per channel and second, see ``bot.services.nudge_batches``) and commit; send each message with
its batch's stable nonce (Discord de-duplicates a resend after a crash, ``enforce_nonce``); mark its
rows sent with the message id.

Rate limits are part of delivery: each channel has one FIFO queue and one worker, so a channel's
messages go out in order and one channel waiting for its bucket (about 5 messages per 5 s) never
holds up another; before each send the worker takes a slot from the injected :class:`SendSlots`
(Roadie's ``bot.ratelimit.RateLimitPlanner``: waits for the channel's bucket, per the X-RateLimit-*
headers of its last answer, and for the bot-wide budget under Discord's global 50/s), so sends are
planned rather than retried into 429s.

Shutdown (:meth:`NudgeDispatcher.stop`) is bounded: messages whose send has not started are put
back to pending (they go out after the restart), sends in flight get :data:`STOP_GRACE` seconds to
finish, anything still in flight then is cancelled and left ``sending``, which start-up recovery
resends with the same nonce. Nothing is lost or doubled.

Each database step (claim, release, mark sent/retry/failed) is one unit of work (:mod:`bot.uow`),
like every interaction: it commits once and then wakes this dispatcher for whatever it scheduled
(a recurring prompt's next occurrence, a retry); one at a time (``_db_lock``), so SQLite never
busy-waits on the dispatcher's own writes.

The sending side is injected (:class:`Sender`) so this module never imports discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Protocol

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
CLAIM_RATE = 1000.0  # rows per second a claim pass is assumed to manage (a loaded 2-core machine)
MAX_LEAD = timedelta(seconds=30)  # never claim further ahead than this
STOP_GRACE = 2.5  # seconds a send already on the wire gets at shutdown (SIGTERM must exit within 5 s)
CLAIM_LIMIT = 500  # rows per claim UPDATE


class DeliveryError(Exception):
    """Raised by a :data:`Sender` when Discord did not take the message.

    ``permanent`` True (channel gone, missing permissions, payload refused) fails the nudge;
    False (429 after retries, 5xx, network) retries it later with backoff.
    """

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


Sender = Callable[[OutgoingNudge], Awaitable[int | None]]
"""Sends one message (one or several nudge rows); returns the Discord message id; raises :class:`DeliveryError`."""


class SendSlots(Protocol):
    """Paces sends: ``async with slots.slot(channel_id):`` returns when a message may be posted in
    ``channel_id`` without a 429 (its bucket and the bot-wide budget have room)."""

    def slot(self, channel_id: int) -> AbstractAsyncContextManager[None]:
        """Wait for room, then hold it for one send."""
        ...


class _NoPacing:
    @contextlib.asynccontextmanager
    async def _slot(self):  # type: ignore[no-untyped-def]
        yield

    def slot(self, channel_id: int) -> AbstractAsyncContextManager[None]:
        return self._slot()


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
        slots: SendSlots | None = None,
        lead_seconds: float = 0.0,
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
        self._slots: SendSlots = slots or _NoPacing()
        # Claim (render, group) this long before the due time and hold the messages until it, so a
        # storm's claiming is done when it falls due; a row cancelled meanwhile is dropped at release.
        self._lead = timedelta(seconds=lead_seconds)
        self._planned_lead = self._lead  # longer before a storm: rows due together / CLAIM_RATE
        self._tasks: set[asyncio.Task[None]] = set()
        self._queues: dict[int, deque[OutgoingNudge]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._db_lock = asyncio.Lock()  # one dispatcher write at a time: SQLite never busy-waits on us
        self._sent: list[tuple[OutgoingNudge, int | None]] = []
        self._recorder: asyncio.Task[None] | None = None
        self._checks: list[tuple[tuple[int, ...], asyncio.Future[set[int]]]] = []  # see _claimed
        self._checker: asyncio.Task[None] | None = None
        self.delivered = 0
        self.messages_sent = 0

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
        """Stop waking up; put back sends not yet started; give sends in flight :data:`STOP_GRACE` s.

        Returns within about ``STOP_GRACE`` + one database write, however many messages are queued
        (a nudge storm at the rate limit can queue minutes of sends).
        """
        self._stopping = True
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        async with self._run_lock:  # a pass in progress finishes its claim first
            pass
        workers = list(self._workers.values())
        for w in workers:
            if not w.done():
                w.cancel()  # a worker waiting for a slot stops; one mid-send is shielded below
        if workers:
            await asyncio.wait(workers, timeout=STOP_GRACE)
        if self._in_flight:
            _done, pending = await asyncio.wait(list(self._in_flight), timeout=STOP_GRACE)
            for t in pending:  # left 'sending': start-up recovery resends them with their nonce
                t.cancel()
            if pending:
                log.warning("%d send(s) still in flight at shutdown; they are resent at start-up", len(pending))
        if self._recorder is not None:  # what was delivered is recorded before we go
            await asyncio.wait([self._recorder], timeout=STOP_GRACE)
        unsent = [i for q in self._queues.values() for out in q for i in out.row_ids]
        self._queues.clear()
        if unsent:
            async with self._db_lock, self.uow() as s:
                n = await nudges.release(s, unsent)
            log.info("shutdown: %d claimed nudge(s) not sent yet are pending again", n)
        for t in list(self._tasks):
            if not t.done():
                t.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

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
        elif self._wake_at is not None and self._wake_at - self._planned_lead <= self._clock():
            # the planned wake-up is firing now: don't replace it; a pass re-plans from the table
            self.spawn(self.run_due(), "delivery pass")
        elif self._wake_at is None or due_at < self._wake_at:
            self._schedule_wake(due_at)

    async def _wake(self) -> None:
        # APScheduler's job: hand over to our own task and return at once, so a long pass never
        # makes APScheduler skip a wake-up ("max instances") or cancel deliveries at shutdown.
        self.spawn(self.run_due(), "delivery pass")

    def _schedule_wake(self, at: datetime, lead: timedelta | None = None) -> None:
        if self._scheduler is None:
            return
        self._wake_at = at
        self._wake_seq += 1
        self._planned_lead = max(lead or self._lead, self._lead)
        run_date = max(at - self._planned_lead, self._clock())
        self._scheduler.add_job(
            self._wake, DateTrigger(run_date=run_date, timezone=UTC), id=WAKE_JOB, replace_existing=True
        )

    async def _reschedule(self) -> None:
        seq = self._wake_seq
        lead = self._lead
        async with UnitOfWork(self._sm) as s:  # a read; no waker (this is the re-planning itself)
            nxt = await nudges.next_wake(s)
            if nxt is not None and self._lead:  # a storm ahead: claim it early enough to be ready
                due_together = await nudges.count_pending(s, nxt, nxt + timedelta(seconds=1))
                lead = min(max(self._lead, timedelta(seconds=due_together / CLAIM_RATE)), MAX_LEAD)
        if self._wake_seq != seq and self._wake_at is not None and (nxt is None or self._wake_at < nxt):
            return  # a notify() during our read planned an earlier wake-up: keep it
        self._wake_at = None
        if nxt is not None:
            self._schedule_wake(nxt, lead)
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
            while not self._stopping:
                self._again = False
                now = self._clock()
                horizon = nudges.claim_horizon(now + self._planned_lead)
                async with self._db_lock, self.uow() as s:  # the claim is committed before anything is sent
                    batch = await nudges.claim_due(s, now, kinds=self._kinds, limit=CLAIM_LIMIT, horizon=horizon)
                for out in batch:
                    self._enqueue(out)
                rows = sum(len(o.row_ids) for o in batch)
                if not self._again and rows < CLAIM_LIMIT:
                    break
            if not self._stopping:
                await self._reschedule()

    def _enqueue(self, out: OutgoingNudge) -> None:
        """Queue a message behind its channel's earlier ones; start the channel's worker if idle."""
        self._queues.setdefault(out.channel_id, deque()).append(out)
        worker = self._workers.get(out.channel_id)
        if worker is None or worker.done():
            task = asyncio.ensure_future(self._channel_worker(out.channel_id))
            self._workers[out.channel_id] = task
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _channel_worker(self, channel_id: int) -> None:
        """Send the channel's queued messages one after the other, each when a slot allows."""
        queue = self._queues[channel_id]
        try:
            while queue and not self._stopping:
                if self._lead and queue[0].due_at is not None:
                    wait = (queue[0].due_at - self._clock()).total_seconds()
                    if wait > 0:  # claimed ahead: hold it until due (cancelled here at shutdown)
                        await asyncio.sleep(wait)
                        if not await self._still_wanted(queue):
                            continue
                async with self._slots.slot(channel_id):  # cancelled here at shutdown: not started
                    out = queue.popleft()
                    send = asyncio.ensure_future(self._send_one(out))
                    self._in_flight.add(send)
                    send.add_done_callback(self._in_flight.discard)
                    await asyncio.shield(send)  # shutdown lets a started send finish (STOP_GRACE)
        finally:
            if self._workers.get(channel_id) is asyncio.current_task():
                del self._workers[channel_id]
            if not queue:
                self._queues.pop(channel_id, None)

    async def _still_wanted(self, queue: deque[OutgoingNudge]) -> bool:
        """A held message's rows are still claimed (none cancelled since the claim)? If some were
        cancelled, the rest go back to pending to be regrouped (and the pass runs again)."""
        out = queue[0]
        left = await self._claimed(out.row_ids)
        if len(left) == len(out.row_ids):
            return True
        queue.popleft()
        if left:
            async with self._db_lock, self.uow() as s:  # wakes a pass to regroup them
                await nudges.release(s, sorted(left), regroup=True)
        return False

    async def _claimed(self, row_ids: tuple[int, ...]) -> set[int]:
        """Which of ``row_ids`` are still claimed. Workers asking in the same instant (a storm's
        channels all fall due together) share one query, so the first sends of a storm are not
        spread out behind one database round trip per channel."""
        fut: asyncio.Future[set[int]] = asyncio.get_running_loop().create_future()
        self._checks.append((tuple(row_ids), fut))
        if self._checker is None:
            self._checker = asyncio.ensure_future(self._run_checks())
            self._tasks.add(self._checker)
            self._checker.add_done_callback(self._tasks.discard)
        return await fut

    async def _run_checks(self) -> None:
        try:
            await asyncio.sleep(0)  # let every worker woken in this instant join the first query
            while self._checks:
                batch, self._checks = self._checks, []
                try:
                    async with UnitOfWork(self._sm) as s:
                        left = await nudges.still_claimed(s, [i for ids, _f in batch for i in ids])
                except Exception as exc:
                    for _ids, f in batch:
                        if not f.done():
                            f.set_exception(exc)
                    continue
                for ids, f in batch:
                    if not f.done():
                        f.set_result(left.intersection(ids))
        finally:
            self._checker = None
            for _ids, f in self._checks:  # cancelled (shutdown): nobody is left to answer them
                f.cancel()
            self._checks = []

    async def drain(self) -> None:
        """Wait until every message queued or started so far has been sent and recorded (tests)."""
        while self._tasks or self._in_flight or self._recorder is not None:
            rec = [self._recorder] if self._recorder is not None else []
            await asyncio.gather(*list(self._tasks), *list(self._in_flight), *rec, return_exceptions=True)

    def _record_sent(self, out: OutgoingNudge, message_id: int | None) -> None:
        """Queue a delivered message's rows to be marked sent; one transaction records everything
        delivered meanwhile (a storm of 1,000 messages is a few dozen commits, not 1,000)."""
        self._sent.append((out, message_id))
        if self._recorder is None:
            self._recorder = asyncio.ensure_future(self._write_sent())

    async def _write_sent(self) -> None:
        try:
            while self._sent:
                batch, self._sent = self._sent, []
                try:
                    async with self._db_lock, self.uow() as s:
                        sent = [(o.row_ids, mid) for o, mid in batch]
                        await nudges.mark_sent_many(s, sent, self._clock(), kinds=self._kinds)
                except Exception:  # left 'sending': start-up recovery resends with the nonce (no double)
                    log.exception("recording %d delivered message(s) failed", len(batch))
                    continue
                for out, _mid in batch:
                    self.delivered += len(out.row_ids)
                    self.messages_sent += 1
                    log.info(
                        "nudge(s) %s delivered to channel %s%s",
                        list(out.row_ids),
                        out.channel_id,
                        " (late)" if out.late else "",
                    )
        finally:
            self._recorder = None

    async def _send_one(self, out: OutgoingNudge) -> None:
        try:
            async with self._sem:
                await self._deliver(out)
        except Exception:  # one bad message must not stop the others
            log.exception("delivering nudge(s) %s failed unexpectedly", list(out.row_ids))

    async def _deliver(self, out: OutgoingNudge) -> None:
        nudge_id = list(out.row_ids) if len(out.row_ids) > 1 else out.nudge_id
        try:
            message_id = await self._send(out)
        except DeliveryError as exc:
            async with self._db_lock, self.uow() as s:  # wakes the dispatcher for the retry after commit
                if exc.permanent:
                    await nudges.mark_failed(s, nudge_id, str(exc), kinds=self._kinds)
                    log.warning("nudge %s failed for good: %s", nudge_id, exc)
                else:
                    retry = await nudges.mark_retry(s, nudge_id, str(exc), self._clock(), kinds=self._kinds)
                    log.warning("nudge %s delayed (%s); retry at %s", nudge_id, exc, retry)
            return
        except Exception as exc:  # unknown outcome: retry; the stable nonce prevents a double
            log.exception("nudge %s: unexpected send error; will retry", nudge_id)
            async with self._db_lock, self.uow() as s:
                await nudges.mark_retry(s, nudge_id, f"{type(exc).__name__}: {exc}", self._clock(), kinds=self._kinds)
            return
        # A CancelledError (shutdown mid-send) leaves the row 'sending': start-up recovery resends
        # it with the same nonce, which Discord de-duplicates.
        self._record_sent(out, message_id)
