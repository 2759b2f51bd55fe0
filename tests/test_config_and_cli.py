"""Config loading and the ``python -m bot`` entry point's failure modes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[1]


def run_bot(*args: str, cwd: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL")}
    env.update(env_extra or {})
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_no_token_exits_2_with_one_line(tmp_path: Path) -> None:
    res = run_bot(cwd=tmp_path)
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr == "roadie: [discord] token is empty: set DISCORD_TOKEN or token in config.toml\n"


def test_malformed_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[discord]\ntoken = "x"\nsync_guild_ids = ["not a number"]\n')
    res = run_bot("--config", str(cfg), cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"roadie: {cfg}: [discord] sync_guild_ids.0: ")
    cfg.write_text("[discord\ntoken=")
    res = run_bot("--config", str(cfg), cwd=tmp_path)
    assert (res.returncode, res.stderr.count("\n")) == (2, 1)
    assert "malformed TOML" in res.stderr
    res = run_bot("--config", str(tmp_path / "missing.toml"), cwd=tmp_path)
    assert res.returncode == 2
    assert "config file not found" in res.stderr


def test_env_overrides_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[discord]\ntoken = "from-file"\n[database]\nurl = "sqlite+aiosqlite:///a.db"\n')
    s = load_settings(cfg, environ={"DISCORD_TOKEN": "from-env", "DATABASE_URL": "sqlite+aiosqlite:///b.db"})
    assert (s.discord.token, s.database.url) == ("from-env", "sqlite+aiosqlite:///b.db")
    assert "from-env" not in repr(s)
    with pytest.raises(ConfigError) as err:
        cfg.write_text('[discord]\ntoken = "t"\ntokne = "typo"\n')
        load_settings(cfg, environ={})
    assert str(err.value) == f"{cfg}: [discord] tokne: unknown key"


def test_example_config_is_valid() -> None:
    s = load_settings(ROOT / "config.example.toml", environ={"DISCORD_TOKEN": "t"})
    assert s.database.url == "sqlite+aiosqlite:///data/roadie.db"
    assert s.discord.sync_guild_ids == []


def test_token_is_redacted_from_messages_and_tracebacks() -> None:
    import io
    import logging

    from bot.logs import RedactingFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(message)s", "s3cret-token"))
    log = logging.getLogger("roadie.test.redact")
    log.addHandler(handler)
    log.propagate = False
    try:
        raise RuntimeError("login with s3cret-token failed")
    except RuntimeError:
        log.exception("token was %s", "s3cret-token")
    text = stream.getvalue()
    assert "s3cret-token" not in text
    assert text.startswith("ERROR token was [redacted]\nTraceback")
    assert "RuntimeError: login with [redacted] failed" in text


def test_shard_flags_and_config() -> None:
    from bot.__main__ import with_sharding
    from bot.config import Settings, parse_shard_ids

    assert parse_shard_ids("0-1") == [0, 1] and parse_shard_ids("0, 2,5-6") == [0, 2, 5, 6]
    s = with_sharding(Settings(), "2-3", "4").sharding
    assert (s.shard_ids, s.shard_count, s.sharded) == ([2, 3], 4, True)
    assert with_sharding(Settings(), None, "auto").sharding.shard_count == "auto"
    assert not Settings().sharding.sharded
    with pytest.raises(ConfigError, match=r"^--shards: Value error|^--shard-count|^--shards"):
        with_sharding(Settings(), "3-1", "4")
    with pytest.raises(ConfigError) as err:
        with_sharding(Settings(), "0-4", "4")
    assert str(err.value) == "--shards/--shard-count: shard ids must be below shard_count (4)"


def test_bad_shard_flag_exits_2_with_one_line(tmp_path: Path) -> None:
    res = run_bot("--shards", "x", "--shard-count", "4", cwd=tmp_path, env_extra={"DISCORD_TOKEN": "t"})
    assert res.returncode == 2
    assert res.stderr == "roadie: --shards: shard ids are numbers or ranges like 0-1, not 'x'\n"


def test_sharding_section_in_the_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[discord]\ntoken = "x"\n[sharding]\nshard_count = 4\nshard_ids = "0-1"\n')
    s = load_settings(cfg, environ={})
    assert (s.sharding.shard_ids, s.sharding.shard_count) == ([0, 1], 4)
    cfg.write_text('[discord]\ntoken = "x"\n[sharding]\nshard_count = 0\n')
    with pytest.raises(ConfigError, match=r"\[sharding\] shard_count: "):
        load_settings(cfg, environ={})
