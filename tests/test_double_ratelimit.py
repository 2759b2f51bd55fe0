"""Self-check of the double's rate limits (tests/double/ratelimit.py): raw HTTP, then discord.py itself."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from tests.double import DiscordDouble

GUILD, GENERAL, OTHER = 111111111111111111, 222222222222222222, 222222222222222224
AUTH = {"Authorization": "Bot x.y.z", "Content-Type": "application/json"}

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
async def double():
    d = DiscordDouble()
    d.add_guild(GUILD, name="Band HQ")
    d.add_channel(GUILD, GENERAL, name="general")
    d.add_channel(GUILD, OTHER, name="other")
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


async def _post(http: aiohttp.ClientSession, d: DiscordDouble, channel: int, text: str) -> aiohttp.ClientResponse:
    async with http.post(f"{d.api_base}/channels/{channel}/messages", json={"content": text}, headers=AUTH) as r:
        await r.read()
        return r


async def test_five_messages_per_five_seconds_per_channel_then_a_429_discordpy_retries(double) -> None:
    async with aiohttp.ClientSession() as http:
        answers = [await _post(http, double, GENERAL, f"m{i}") for i in range(6)]
        other = await _post(http, double, OTHER, "another channel has its own bucket")
        async with http.get(f"{double.api_base}/channels/{GENERAL}/messages/1", headers=AUTH) as r:
            await r.read()
        get_remaining = r.headers["X-RateLimit-Remaining"]
    assert [a.status for a in answers] == [200] * 5 + [429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    first, refused = answers[0], answers[5]
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert 4.5 < float(first.headers["X-RateLimit-Reset-After"]) <= 5.0
    assert first.headers["X-RateLimit-Bucket"] == refused.headers["X-RateLimit-Bucket"]
    assert refused.headers["Via"] and refused.headers["X-RateLimit-Scope"] == "user"
    assert refused.headers["Content-Type"] == "application/json"
    assert other.status == 200 and other.headers["X-RateLimit-Remaining"] == "4"
    assert get_remaining == "49"  # GET message: another route, the 50/s default
    assert double.ratelimit.served_count == 1 and double.ratelimit.invalid == 1
    assert [m["content"] for m in double.channel_messages(GENERAL)] == [f"m{i}" for i in range(5)]
    assert len(double.rate_limited) == 1


async def test_global_limit_50_per_second_but_not_for_interaction_endpoints(double) -> None:
    double.ratelimit.set_route("GET", r"/gateway", 1000, 1.0)
    async with aiohttp.ClientSession() as http:
        statuses = []
        for _ in range(52):
            async with http.get(f"{double.api_base}/gateway", headers=AUTH) as r:
                statuses.append(r.status)
                if r.status == 429:
                    body = await r.json(content_type=None)
                    headers = r.headers
        async with http.post(f"{double.api_base}/webhooks/1/tok", json={"content": "x"}) as r:
            webhook_status = r.status  # 404 here (no such interaction), but not a 429
    assert statuses == [200] * 50 + [429, 429]
    assert body["global"] is True and 0 < body["retry_after"] <= 1.0
    assert headers["X-RateLimit-Global"] == "true" and headers["X-RateLimit-Scope"] == "global"
    assert webhook_status != 429


async def test_storm_and_invalid_requests_are_counted(double) -> None:
    double.ratelimit.storm(0.5, retry_after=0.2)
    async with aiohttp.ClientSession() as http:
        a = await _post(http, double, GENERAL, "in the storm")
        async with http.get(f"{double.api_base}/users/@me") as r:  # no token: 401
            no_auth = r.status
        await asyncio.sleep(0.6)
        b = await _post(http, double, GENERAL, "after it")
    assert (a.status, no_auth, b.status) == (429, 401, 200)
    assert double.ratelimit.served_count == 1 and double.ratelimit.invalid == 2


async def test_discordpy_plans_from_the_headers_without_429(double) -> None:
    """discord.py reads Remaining/Reset-After: 7 sends to one channel wait ~5 s instead of hitting a 429."""
    discord.http.Route.BASE = double.api_base
    client = discord.Client(intents=discord.Intents.none())
    await client.login("x.y.z")
    try:
        channel = client.get_partial_messageable(GENERAL)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for i in range(7):
            await channel.send(f"n{i}")
        took = loop.time() - t0
    finally:
        await client.close()
    assert [m["content"] for m in double.channel_messages(GENERAL)] == [f"n{i}" for i in range(7)]
    assert double.ratelimit.served_count == 0 and took >= 4.5
