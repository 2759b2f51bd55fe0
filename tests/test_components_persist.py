"""No component Roadie posts can time out: every view is a PersistentView (timeout pinned to None),
every modal has timeout None, and every DynamicItem template fits Discord's custom_id limit.

discord.py view timeouts run on the monotonic clock, which a test can't shift, so this is checked
on the code itself: every View/Modal class and every place a view is constructed.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import discord

import bot
import cogs
from bot.ui.components import PersistentView
from bot.ui.paginator import page_custom_id

ROOT = Path(__file__).resolve().parents[1]


def _import_all() -> None:
    for pkg in (bot, cogs):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            if info.name != "bot.__main__":
                importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    for sub in cls.__subclasses__():
        out |= {sub} | _subclasses(sub)
    return {c for c in out if c.__module__.split(".")[0] in ("bot", "cogs")}


def test_every_view_class_is_persistent() -> None:
    _import_all()
    views = _subclasses(discord.ui.View)
    assert PersistentView in views
    assert {v for v in views if not issubclass(v, PersistentView)} == set()


async def test_persistent_view_ignores_discord_py_ephemeral_timeout() -> None:
    # discord.py 2.7 InteractionResponse.send_message(ephemeral=True) sets view.timeout = 900 when None
    view = PersistentView(discord.ui.Button(label="x", custom_id="roadie:test:1"))
    view.timeout = 15 * 60.0
    assert view.timeout is None


async def test_every_modal_has_no_timeout() -> None:
    _import_all()
    modals = _subclasses(discord.ui.Modal)
    assert modals, "expected the check-in modal"
    for cls in modals:
        # a modal that needs arguments is checked on its source: its super().__init__ passes timeout=None
        if any(
            p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD
            for p in list(inspect.signature(cls.__init__).parameters.values())[1:]
        ):
            src = inspect.getsource(cls.__init__)
            assert "timeout=None" in src.replace(" ", ""), cls
        else:
            assert cls().timeout is None, cls


def test_no_view_is_built_outside_persistent_view() -> None:
    """Every send path gets its view from PersistentView (directly or via confirm_view/pager_view/...)."""
    offenders = []
    for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("cogs").rglob("*.py")]:
        source = path.read_text()
        for node in ast.walk(ast.parse(source, str(path))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                discord_view = isinstance(f, ast.Attribute) or "from discord.ui import" in source
                if name in ("View", "LayoutView") and discord_view:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
                if any(k.arg == "timeout" and not _is_none(k.value) for k in node.keywords) and name in (
                    "__init__",
                    "Modal",
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} (timeout)")
    assert offenders == []


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def test_every_dynamic_item_is_wired() -> None:
    """Every DynamicItem class in Roadie is registered at start-up (bot/features.py), so a click on
    any component it posted is served by whatever process is running."""
    from bot import features

    _import_all()
    assert _subclasses(discord.ui.DynamicItem) == set(features.components())


def test_pager_custom_id_fits_discord_limit() -> None:
    assert page_custom_id("tour", "upcoming", 2) == "roadie:page:tour:upcoming:2"
    assert page_custom_id("checkins", f"{2**63}.200", 99, counter=True) == f"roadie:page:checkins:{2**63}.200:99:at"
    assert len(page_custom_id("checkins", f"{2**63}.200", 10**6, counter=True)) <= 100
