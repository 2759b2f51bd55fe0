"""bot/features.py wires every feature once: cogs, nudge kinds, persistent components, buttons."""

from __future__ import annotations

import importlib
from pathlib import Path

from bot import features

ROOT = Path(__file__).resolve().parents[1]


def test_every_cog_is_wired_once_and_loadable() -> None:
    cogs = {f"cogs.{p.stem}" for p in (ROOT / "cogs").glob("*.py") if not p.stem.startswith("_")}
    wired = [f.extension for f in features.FEATURES if f.extension]  # snooze has no commands
    assert sorted(wired) == sorted(cogs)
    for ext in wired:
        assert callable(importlib.import_module(ext).setup), ext


def test_component_templates_are_distinct() -> None:
    comps = features.components()
    templates = [c.__discord_ui_compiled_template__.pattern for c in comps]
    assert len(templates) == len(set(templates)) == len(comps)


async def test_nudge_buttons_are_wired_components() -> None:
    """A nudge's (action, id) button becomes a component whose custom_id a wired DynamicItem matches."""
    comps = features.components()
    for feature in features.FEATURES:
        for action, _ in feature.nudge_buttons:
            item = features.nudge_button((action, 42))
            cid = item.custom_id
            assert any(c.__discord_ui_compiled_template__.fullmatch(cid) for c in comps), cid


def test_delete_kinds_are_distinct() -> None:
    kinds = [k for f in features.FEATURES for k, _ in f.deletes]
    assert sorted(kinds) == ["goal", "rel", "show"]
