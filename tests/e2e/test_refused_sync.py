"""A command upload Discord refuses is logged at ERROR, not fatal: nudges still go out; the next start retries."""

from __future__ import annotations

from datetime import timedelta

from bot.db.engine import create_engine, create_sessionmaker
from bot.services import reminders
from bot.services.clock import utcnow
from bot.uow import UnitOfWork
from tests.double import DiscordDouble
from tests.double.faults import INVALID_NAME
from tests.e2e.harness import ANA, GENERAL, GUILD, BotProcess, write_config

GUILD_COMMANDS = rf"/applications/\d+/guilds/{GUILD}/commands"


async def test_refused_upload_keeps_the_bot_up_delivering_and_the_next_start_uploads(
    double: DiscordDouble, db_url: str, tmp_path
) -> None:
    engine = create_engine(db_url)
    async with UnitOfWork(create_sessionmaker(engine)) as s:  # a reminder that fell due while Roadie was down
        await reminders.add_reminder(
            s,
            GUILD,
            text="Send the advance sheet",
            when="in 1 minute",
            channel_id=GENERAL,
            author_id=ANA,
            now=utcnow() - timedelta(minutes=2),
        )
    await engine.dispose()
    double.faults.refuse("PUT", GUILD_COMMANDS, errors=INVALID_NAME)
    proc = BotProcess(write_config(tmp_path / "config.toml", double, db_url, [GUILD]), tmp_path)
    await proc.start()
    try:
        msg = await double.wait_for_message(channel_id=GENERAL, timeout=30)
        assert msg["content"].endswith(f"⏰ <@{ANA}> reminder #1: Send the advance sheet")
        await double.wait_until(lambda: double.faults.refused, timeout=5, what="the refused upload")
        assert GUILD not in double.commands_guild  # refused: nothing uploaded
        assert proc.proc is not None and proc.proc.returncode is None  # still up
        log = proc.log.read_text()
        assert " ERROR roadie: Discord refused the slash-command upload" in log, log
        # the refused field, as discord.py's CommandSyncFailure words it
        assert "Failed to upload commands to Discord (HTTP status 400, error code 50035)" in log
        assert "In group 'settings' defined in module 'cogs.settings'\n  name: Command name is invalid" in log
        assert "Traceback" not in log
        assert await proc.terminate() == 0
        await proc.start()  # not recorded as synced: the next start uploads again
        await double.wait_until(lambda: GUILD in double.commands_guild, timeout=30, what="the upload at restart")
        assert {c["name"] for c in double.commands_guild[GUILD]} >= {"settings", "remind", "goal", "tour"}
        assert await proc.terminate() == 0
    finally:
        if proc.proc and proc.proc.returncode is None:
            await proc.kill9()
    assert len([m for m in double.channel_messages(GENERAL) if m.get("interaction_id") is None]) == 1
