"""End-to-end fixtures: the Discord double and the real bot connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import assert_components_restart_proof, make_double, running_bot, settings_for


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    d = make_double()
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


@pytest.fixture
async def bot(double: DiscordDouble, db_url: str) -> AsyncIterator[Roadie]:
    async with running_bot(settings_for(double, db_url)) as b:
        yield b
        assert_components_restart_proof(double, b)
    assert double.rejections == [], f"the double refused payloads: {double.rejections}"
