"""Roles end to end: /settings role maps a manager role; managers may change anyone's items, others their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.roadie import Roadie
from tests.double import DiscordDouble
from tests.e2e.harness import (
    ANA,
    ARTIST_ROLE,
    BEN,
    DANA,
    ELI,
    GENERAL,
    GUILD,
    MANAGER_ROLE,
    make_double_with_roles,
)

NEXT_YEAR = datetime.now(UTC).year + 1
NO_PINGS = {"everyone": False, "users": set(), "roles": set()}


@pytest.fixture
async def double() -> AsyncIterator[DiscordDouble]:
    d = make_double_with_roles()
    await d.start()
    try:
        yield d
    finally:
        await d.stop()


def fields(res) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f["name"]: f["value"] for f in res.embeds[0]["fields"]}


async def test_settings_role_maps_roles_without_pinging(double: DiscordDouble, bot: Roadie) -> None:
    res = await double.invoke(GUILD, GENERAL, BEN, "settings role", {"kind": "manager", "role": MANAGER_ROLE})
    assert res.ephemeral
    assert res.content == "🚫 Mapping Roadie roles needs the **Manage Server** permission."
    res = await double.invoke(GUILD, GENERAL, ELI, "settings show", {})
    assert fields(res)["Roles"] == "not set"

    res = await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "manager", "role": MANAGER_ROLE})
    assert not res.ephemeral
    assert res.content == f"✅ Roadie role **manager** is now <@&{MANAGER_ROLE}>."
    assert fields(res)["Roles"] == f"manager: <@&{MANAGER_ROLE}>"
    assert double.pings(res.message) == NO_PINGS
    res = await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "artist", "role": ARTIST_ROLE})
    assert res.content == f"✅ Roadie role **artist** is now <@&{ARTIST_ROLE}>."
    assert double.pings(res.message) == NO_PINGS
    res = await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "label", "role": GUILD})
    assert res.ephemeral
    assert res.content == "⚠️ Pick a real role, not @everyone: everyone would count as a label."

    res = await double.invoke(GUILD, GENERAL, ELI, "settings show", {})
    assert res.ephemeral
    assert fields(res)["Roles"] == f"manager: <@&{MANAGER_ROLE}> · artist: <@&{ARTIST_ROLE}>"


async def test_artist_cannot_change_a_managers_items_but_a_manager_can_change_theirs(
    double: DiscordDouble, bot: Roadie
) -> None:
    res = await double.invoke(GUILD, GENERAL, DANA, "goal add", {"title": "Sign a booking agent"})
    assert res.content == "🎯 Goal #1 added."
    res = await double.invoke(
        GUILD, GENERAL, DANA, "tour add", {"date": f"{NEXT_YEAR}-05-01", "city": "Chicago", "venue": "Metro"}
    )
    assert res.content == "🎫 Show #1 added."
    res = await double.invoke(GUILD, GENERAL, ELI, "goal add", {"title": "Finish the EP demos"})
    assert res.content == "🎯 Goal #2 added."
    res = await double.invoke(
        GUILD, GENERAL, ELI, "tour add", {"date": f"{NEXT_YEAR}-05-02", "city": "Detroit", "venue": "El Club"}
    )
    assert res.content == "🎫 Show #2 added."

    # before a manager role is mapped, DANA is just another member
    res = await double.invoke(GUILD, GENERAL, DANA, "tour edit", {"show": "#2", "doors": "19:00"})
    assert res.ephemeral
    assert res.content == "🚫 Only the people it belongs to, or a manager, can change show #2."

    res = await double.invoke(GUILD, GENERAL, ANA, "settings role", {"kind": "manager", "role": MANAGER_ROLE})
    assert res.content == f"✅ Roadie role **manager** is now <@&{MANAGER_ROLE}>."

    # the artist can neither delete nor edit the manager's items
    res = await double.invoke(GUILD, GENERAL, ELI, "goal delete", {"goal": "#1"})  # refused before confirming
    assert res.ephemeral and res.components == []
    assert res.content == "🚫 Only the people it belongs to, or a manager, can change goal #1."
    res = await double.invoke(GUILD, GENERAL, ELI, "tour edit", {"show": "#1", "doors": "19:00"})
    assert res.ephemeral
    assert res.content == "🚫 Only the people it belongs to, or a manager, can change show #1."
    res = await double.invoke(GUILD, GENERAL, ELI, "goal done", {"goal": "#1"})
    assert res.ephemeral
    assert res.content == "🚫 Only the people it belongs to, or a manager, can change goal #1."
    res = await double.invoke(GUILD, GENERAL, ELI, "goal list", {})
    assert res.embeds[0]["description"].startswith("`#1` **Sign a booking agent**")
    res = await double.invoke(GUILD, GENERAL, ELI, "tour show", {"show": "#1"})
    assert fields(res)["Schedule"] == "No times yet: `/tour edit` to add load-in, doors, set."

    # the artist can still change their own
    res = await double.invoke(GUILD, GENERAL, ELI, "tour edit", {"show": "#2", "notes": "Merch at the back"})
    assert res.content == "✏️ Show #2 updated."

    # the manager-role member can change the artist's
    res = await double.invoke(GUILD, GENERAL, DANA, "tour edit", {"show": "#2", "doors": "19:00"})
    assert not res.ephemeral
    assert res.content == "✏️ Show #2 updated."
    assert fields(res)["Schedule"].startswith("Doors: **19:00**")
    res = await double.invoke(GUILD, GENERAL, DANA, "goal edit", {"goal": "#2", "title": "Finish the EP"})
    assert res.content == "✏️ Goal #2 updated."
    assert res.embeds[0]["title"] == "#2 Finish the EP"
    res = await double.invoke(GUILD, GENERAL, DANA, "goal delete", {"goal": "#2"})
    done = await double.click(res.message, res.components[0]["components"][0]["custom_id"], DANA)
    assert done.content == "🗑️ Deleted goal #2 **Finish the EP** and its nudges."
    assert double.rejections == []
