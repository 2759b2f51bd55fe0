"""bot/features.py wires every feature once: cogs, nudge kinds, persistent components, buttons."""

from __future__ import annotations

import ast
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
    assert sorted(kinds) == ["deal", "goal", "rel", "show"]


def test_show_planners_are_wired() -> None:
    """The features that keep nudges about a show re-plan them when it changes (no import side effects)."""
    from bot.services import advance, guestlist

    assert features.show_planners() == (guestlist.replan_shows, advance.plan_shows)
    assert {"advance_due", "guestlist_close"} <= set(features.nudge_kinds())


SHOW_CHANGERS = {"add_show", "edit_show", "cancel_show", "delete_show", "plan_nudges", "plan_nudges_many"}


def _show_changer_calls(path: Path) -> list[ast.Call]:
    """Calls in ``path`` of the tour services that change shows (``tours.edit_show(...)``,
    ``tour_files.import_shows(...)``; inside bot/services/tours.py also bare ``edit_show(...)``)."""
    own = path == ROOT / "bot" / "services" / "tours.py"
    out = []
    for n in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(n, ast.Call):
            continue
        f = n.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name):
            if (f.value.id == "tours" and f.attr in SHOW_CHANGERS) or (
                f.value.id == "tour_files" and f.attr == "import_shows"
            ):
                out.append(n)
        elif own and isinstance(f, ast.Name) and f.id in SHOW_CHANGERS:
            out.append(n)
    return out


def test_every_show_change_runs_the_wired_planners() -> None:
    """Every caller outside the tests passes ``planners=`` (a forgotten one would leave a guest
    list's cut-off or an advance nudge where the show used to be)."""
    paths = sorted((ROOT / "bot").rglob("*.py")) + sorted((ROOT / "cogs").glob("*.py"))
    calls = {p: _show_changer_calls(p) for p in paths}
    missing = [
        f"{p.relative_to(ROOT)}:{c.lineno}"
        for p, cs in calls.items()
        for c in cs
        if not any(k.arg == "planners" for k in c.keywords)
    ]
    assert missing == []
    assert sum(len(cs) for cs in calls.values()) >= 8  # the check sees the cogs, the UI and the services
