"""Must-show: right after ``python -m bot`` starts, the first commands are answered inside Discord's window.

The 1 s / 2 s targets are measured and printed by ``bench.startup``; here: every first response
within 3 s, sent the moment the double sends READY, on a fresh database.
"""

from __future__ import annotations

import asyncio

from tests.double import DiscordDouble
from tests.e2e.harness import ANA, GENERAL, GUILD, BotProcess, write_config

FIRST_COMMANDS = [
    ("settings timezone", {"tz": "America/New_York"}),
    ("checkin schedule", {"day": 6, "time": "02:30"}),
    ("remind add", {"when": "tomorrow 9am", "text": "Send the stems to mastering"}),
    ("goal add", {"title": "10k monthly listeners", "due": "next friday"}),
    ("tour add", {"date": "2027-03-14", "city": "Berlin", "venue": "SO36"}),
]


async def test_five_commands_sent_at_ready_are_all_answered_within_3_seconds(
    double: DiscordDouble, db_url: str, tmp_path
) -> None:
    proc = BotProcess(write_config(tmp_path / "config.toml", double, db_url, [GUILD]), tmp_path)
    await proc.start()
    try:
        while double.ready_count == 0:  # the moment the double sends READY
            assert proc.proc is not None and proc.proc.returncode is None, proc.log.read_text()
            await asyncio.sleep(0.005)
        results = [await double.invoke(GUILD, GENERAL, ANA, name, opts, timeout=5) for name, opts in FIRST_COMMANDS]
        acks = {name: res.ack_seconds for (name, _), res in zip(FIRST_COMMANDS, results, strict=True)}
        assert all(a is not None and a < 3 for a in acks.values()), acks
        assert results[0].content == (
            "✅ Time zone set to `America/New_York`. Numeric dates now read month-first (03/04/2027 = March 4, 2027), "
            "the usual order there; change it with `/settings date-order`."
        )
        assert results[1].content.startswith("🗓️ Schedule #1: prompt every Sunday at 02:30 (America/New_York)"), results[
            1
        ].content
        assert results[2].content.startswith("⏰ Reminder #1 set for")
        assert double.rejections == [] and double.ratelimit.served_count == 0
        assert await proc.terminate() == 0
    finally:
        if proc.proc and proc.proc.returncode is None:
            await proc.kill9()
    assert "Traceback" not in proc.log.read_text()
