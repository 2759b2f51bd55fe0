"""Command sync: only when changed; dropped guilds are cleaned up; global vs guild."""

from __future__ import annotations

from tests.double import DiscordDouble
from tests.e2e.harness import GUILD, GUILD2, running_bot, settings_for

# every command group and its sub-commands (a new group or sub-command must be added here)
EXPECTED_TREE = {
    "advance": ["checklist", "contact", "contact-remove", "item-add", "item-remove", "tick", "untick"],
    "budget": ["chart", "export", "set", "show", "spend", "unspend"],
    "checkin": ["digest", "history", "post", "pulse", "schedule", "schedules", "team-add", "team-remove", "unschedule"],
    "deal": ["add", "date", "date-remove", "delete", "edit", "list", "show", "status"],
    "guestlist": ["add", "allowance", "close", "remove", "show"],
    "goal": ["add", "chart", "delete", "done", "edit", "list", "progress"],
    "promo": [
        "campaign",
        "chart",
        "follow-up",
        "import",
        "outlet-add",
        "outlet-edit",
        "outlet-remove",
        "outlets",
        "pitch",
        "result",
        "update",
    ],
    "release": [
        "add",
        "checklist",
        "delete",
        "info",
        "list",
        "move",
        "task-add",
        "tick",
        "timeline",
        "track",
        "untick",
    ],
    "remind": ["add", "cancel", "list"],
    "settings": [
        "act-name",
        "business-channel",
        "channel",
        "currency",
        "date-order",
        "events",
        "role",
        "show",
        "timezone",
    ],
    "setlist": ["copy", "report", "set", "show"],
    "settle": ["night", "report", "terms"],
    "song": ["add", "list", "remove"],
    "split": ["remove", "set", "sheet", "show"],
    "studio": ["board", "book", "cancel", "edit", "export", "musician", "musician-remove", "sessions", "show", "stage"],
    "tour": ["add", "cancel", "chart", "delete", "edit", "export", "import", "list", "show"],
}


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
    assert len(double.commands_guild[GUILD]) == len(EXPECTED_TREE)
    tree = {
        c["name"]: sorted(o["name"] for o in c.get("options", []) if o["type"] in (1, 2))
        for c in double.commands_guild[GUILD]
    }
    assert tree == EXPECTED_TREE
    # moving to global commands: upload globally, clear the testing guild so nothing shows twice
    async with running_bot(settings_for(double, db_url, [])):
        pass
    assert sorted(c["name"] for c in double.commands_global) == sorted(EXPECTED_TREE)
    assert double.commands_guild[GUILD] == []
    assert double.rejections == []


async def test_python_m_bot_sync_forces_an_upload_and_exits_0(double: DiscordDouble, db_url: str, tmp_path) -> None:
    import asyncio
    import os
    import sys

    from tests.e2e.harness import ROOT, write_config

    async with running_bot(settings_for(double, db_url, [GUILD])):
        pass
    assert double.command_writes == [("guild", GUILD)]
    cfg = write_config(tmp_path / "config.toml", double, db_url, [GUILD])
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(cfg),
        "sync",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    # forced: the guild is re-uploaded and global commands are cleared, so Discord matches the config
    assert double.command_writes == [("guild", GUILD), ("guild", GUILD), ("global", None)]
    assert double.identify_count == 1  # sync needs no gateway connection
