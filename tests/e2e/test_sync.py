"""Command sync: only when changed; dropped guilds are cleaned up; global vs guild."""

from __future__ import annotations

from tests.double import DiscordDouble
from tests.e2e.harness import GUILD, GUILD2, running_bot, settings_for


async def test_sync_only_when_changed_and_cleanup_of_dropped_guilds(double: DiscordDouble, db_url: str) -> None:
    async with running_bot(settings_for(double, db_url, [GUILD, GUILD2])):
        pass
    assert sorted(w for w in double.command_writes) == sorted([("guild", GUILD), ("guild", GUILD2)])
    async with running_bot(settings_for(double, db_url, [GUILD, GUILD2])):
        pass
    assert len(double.command_writes) == 2  # unchanged: nothing uploaded
    async with running_bot(settings_for(double, db_url, [GUILD])):
        pass
    assert double.command_writes[2:] == [("guild", GUILD2)]
    assert double.commands_guild[GUILD2] == []
    assert len(double.commands_guild[GUILD]) == 3
    # moving to global commands: upload globally, clear the testing guild so nothing shows twice
    async with running_bot(settings_for(double, db_url, [])):
        pass
    assert sorted(c["name"] for c in double.commands_global) == ["goal", "remind", "settings"]
    assert double.commands_guild[GUILD] == []
    assert double.rejections == []
