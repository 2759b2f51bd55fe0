"""bot.ratelimit.ServerClock: the latest time Discord can have received a request, from its answer's headers."""

from __future__ import annotations

import asyncio
import time

from bot.ratelimit import GlobalWindow, ServerClock


def headers(handled_epoch: float, reset_after: float = 5.0) -> dict[str, str]:
    return {"X-RateLimit-Reset": f"{handled_epoch + reset_after:.3f}", "X-RateLimit-Reset-After": f"{reset_after:.3f}"}


def test_no_headers_means_the_answer_time() -> None:
    assert ServerClock().arrival({}, 100.0) == 100.0
    assert ServerClock().arrival({"X-RateLimit-Reset": "x", "X-RateLimit-Reset-After": "1"}, 100.0) == 100.0


def test_a_queued_answer_is_dated_by_the_fastest_answer_seen() -> None:
    # Discord's clock is ours + 1000 s. One quick answer (handled 1 ms before we read it) teaches the offset;
    # an answer that waited 80 ms in our queue was received by Discord at most ~7 ms after it handled it.
    c = ServerClock()
    assert c.arrival(headers(1000.0 + 9.999), 10.0) == 10.0  # the first sample: no earlier than its answer
    late = c.arrival(headers(1000.0 + 20.0), 20.080)
    assert 20.0 <= late <= 20.0 + 0.008  # margin 2 ms x 2, aged 100 ppm over 10 s
    assert c.arrival(headers(1000.0 + 30.0), 30.0005) <= 30.0005  # never later than the answer itself


def test_the_bound_ages_and_stays_safe_when_the_true_offset_shrinks() -> None:
    c = ServerClock()
    c.arrival(headers(1000.0 + 9.999), 10.0)
    # 100 s later Discord's clock lost 5 ms against ours (50 ppm): the bound must not date arrivals too early
    handled_local = 110.0
    got = c.arrival(headers(1000.0 - 0.005 + handled_local), handled_local + 0.080)
    assert got >= handled_local


def test_the_window_frees_a_place_per_s_after_the_arrival_bound() -> None:
    async def run() -> float:
        w = GlobalWindow(1, per=0.3)
        await w.acquire()
        w.release(at=time.monotonic() - 0.2)  # it reached Discord 0.2 s before its answer was read
        t0 = time.monotonic()
        await w.acquire()
        return time.monotonic() - t0

    assert asyncio.run(run()) < 0.2  # ~0.1 s, not 0.3 s after the answer
