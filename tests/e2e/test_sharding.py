"""Sharding against the double: shard ranges, ``auto``, per-shard events, 4011, one command upload."""

from __future__ import annotations

import discord
import pytest

from bot.config import ShardingSettings
from tests.double import ShardedDiscordDouble, shard_of
from tests.e2e.harness import ANA, running_bot, settings_for

BASE = 119209289552  # (BASE + k) % 4 == k
GUILDS = [((BASE + k) << 22) + 1 for k in range(4)]  # guild k is on shard k of 4
CHANNELS = [610000000000000000 + k for k in range(4)]


def make_sharded_double(**kw) -> ShardedDiscordDouble:  # type: ignore[no-untyped-def]
    d = ShardedDiscordDouble(**kw)
    for k, (g, c) in enumerate(zip(GUILDS, CHANNELS, strict=True)):
        d.add_guild(g, name=f"Band {k}")
        d.add_channel(g, c, name="general")
        d.add_member(g, ANA, username="ana", manage_guild=True)
    return d


def sharded(double, db_url, ids, count):  # type: ignore[no-untyped-def]
    s = settings_for(double, db_url, guilds=[])
    return s.model_copy(update={"sharding": ShardingSettings(shard_ids=ids, shard_count=count)})


async def test_two_of_four_shards_get_their_guilds_and_answer_there(db_url) -> None:
    assert [shard_of(g, 4) for g in GUILDS] == [0, 1, 2, 3]
    d = make_sharded_double()
    await d.start()
    try:
        async with running_bot(sharded(d, db_url, [0, 1], 4)) as bot:
            assert sorted(d.identifies) == [(0, 4), (1, 4)]
            assert sorted(g.id for g in bot.guilds) == GUILDS[:2]
            assert {bot.get_guild(GUILDS[k]).shard_id for k in (0, 1)} == {0, 1}
            assert bot.worker_id == "shards:0,1/4"
            res = await d.invoke(GUILDS[1], CHANNELS[1], ANA, "goal add", {"title": "Shard one's goal"})
            assert res.content == "🎯 Goal #1 added."
            assert "INTERACTION_CREATE" in d.routed[1] and "INTERACTION_CREATE" not in d.routed[0]
            assert d.commands_global  # this process runs shard 0: it uploaded the commands
    finally:
        await d.stop()
    assert d.rejections == []


async def test_a_process_without_shard_zero_does_not_upload_commands(db_url) -> None:
    d = make_sharded_double()
    await d.start()
    try:
        async with running_bot(sharded(d, db_url, [2, 3], 4)) as bot:
            assert sorted(g.id for g in bot.guilds) == GUILDS[2:]
    finally:
        await d.stop()
    assert d.command_writes == [] and d.commands_global == []


async def test_auto_asks_gateway_bot_for_the_shard_count(db_url) -> None:
    d = make_sharded_double(guilds_per_shard=2)
    await d.start()
    try:
        async with running_bot(sharded(d, db_url, [], "auto")) as bot:
            assert bot.shard_count == 2
            assert sorted(d.identifies) == [(0, 2), (1, 2)]
            assert len(bot.guilds) == 4
            assert bot.worker_id == "shards:0,1/2"
    finally:
        await d.stop()
    assert ("GET", "/gateway/bot") in {(r["method"], r["path"]) for r in d.requests}


async def test_an_unsharded_bot_with_too_many_guilds_is_refused_with_4011(db_url) -> None:
    d = make_sharded_double(max_guilds_per_shard=3)
    await d.start()
    try:
        with pytest.raises(discord.ConnectionClosed) as err:
            async with running_bot(settings_for(d, db_url, guilds=[])):
                pass
        assert err.value.code == 4011
        assert d.refused == [(4011, "Sharding required.")]
        async with running_bot(sharded(d, db_url, [0, 1, 2, 3], 4)) as bot:  # sharded, it gets in
            assert len(bot.guilds) == 4
    finally:
        await d.stop()
