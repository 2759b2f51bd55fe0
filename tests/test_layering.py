"""The layers stay apart (DESIGN.md, "The shape in one picture"), checked on the source with ``ast``.

- a service (``bot/services/``) never imports discord, nor the UI, the cogs or the bot that do;
- ``bot/textfmt.py`` (message conventions services use) never imports discord;
- a cog (``cogs/``) never imports sqlalchemy (no SQL in commands);
- services never commit (the unit of work does) and cogs never wake the dispatcher by hand.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted((ROOT / "bot" / "services").glob("*.py"))
COGS = sorted((ROOT / "cogs").glob("*.py"))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in ``path``, at any depth (also inside functions and TYPE_CHECKING)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
    return out


def offending(path: Path, banned: tuple[str, ...]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {mod}"
        for line, mod in imported_modules(path)
        if any(mod == b or mod.startswith(b + ".") for b in banned)
    ]


def calls_named(path: Path, attr: str) -> list[str]:
    """``x.<attr>(...)`` calls in ``path``, as ``file:line``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        f"{path.relative_to(ROOT)}:{n.lineno} calls .{attr}()"
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == attr
    ]


def test_the_checks_see_the_files() -> None:
    assert len(SERVICES) >= 10 and len(COGS) >= 6


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_services_are_discord_free(path: Path) -> None:
    assert offending(path, ("discord", "bot.ui", "cogs", "bot.roadie", "bot.features")) == []


def test_textfmt_is_discord_free() -> None:
    assert offending(ROOT / "bot" / "textfmt.py", ("discord", "bot.ui")) == []


@pytest.mark.parametrize("path", COGS, ids=lambda p: p.name)
def test_cogs_build_no_sql(path: Path) -> None:
    assert offending(path, ("sqlalchemy",)) == []


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_services_do_not_commit(path: Path) -> None:
    assert calls_named(path, "commit") == []


@pytest.mark.parametrize("path", COGS, ids=lambda p: p.name)
def test_cogs_do_not_wake_the_dispatcher(path: Path) -> None:
    assert calls_named(path, "notify") == []


def test_the_checker_catches_an_import(tmp_path: Path) -> None:
    """The check itself can fail: direct and nested imports of discord are found."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom discord.ext import commands\n\ndef f():\n    import discord\n")
    assert sorted(m for _, m in imported_modules(bad)) == ["discord", "discord.ext", "os"]
