"""A throw-away PostgreSQL server for the test session (``initdb`` + ``pg_ctl`` into a temp dir).

The binaries are looked up on PATH and in ``/usr/lib/postgresql/<version>/bin`` (Debian's
``postgresql`` package puts them there, off PATH); ``.ci/run`` installs the package when neither
has them. PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` system
user (``runuser``), in a temp dir chowned to it. It listens on 127.0.0.1 (a free port) and on a
unix socket in that dir, with ``trust`` auth and durability off (fsync, synchronous_commit): a test
server, never a real one.

Each test gets its own database, ``CREATE DATABASE … TEMPLATE`` of one migrated template (a file
copy, ~50 ms), dropped after the test.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "postgres"  # the database superuser made by initdb (-U)


def find_bindir() -> Path | None:
    """The directory holding ``initdb``/``pg_ctl``/``psql``: PATH first, then the newest Debian one.

    ``ROADIE_PG_BINDIR`` overrides the search (``none``: behave as if there were no PostgreSQL).
    """
    forced = os.environ.get("ROADIE_PG_BINDIR")
    if forced is not None:
        return None if forced in ("", "none") else Path(forced)
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2] or 0), reverse=True):
        if all(os.access(os.path.join(d, b), os.X_OK) for b in ("initdb", "pg_ctl", "psql")):
            return Path(d)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> tuple[list[str], str | None]:
    """The command prefix to run the server binaries with, and the system user to chown to."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


@dataclass
class PgServer:
    """A running server; :meth:`url` gives SQLAlchemy URLs for its databases."""

    bindir: Path
    root: Path
    port: int
    prefix: list[str]

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        """``postgresql+asyncpg://postgres@127.0.0.1:PORT/database`` (trust auth, no password)."""
        return f"postgresql+asyncpg://{USER}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one SQL statement with ``psql`` (autocommit); returns its output. Raises on error."""
        res = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                USER,
                "-d",
                database,
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if res.returncode != 0:
            raise RuntimeError(f"psql failed ({res.returncode}): {res.stderr.strip()}")
        return res.stdout

    def stop(self) -> None:
        """Stop the server (fast mode) and delete its files."""
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def start(bindir: Path) -> PgServer:
    """initdb + pg_ctl start into a new temp dir. Raises ``RuntimeError`` with the server log on failure."""
    prefix, owner = _run_as()
    root = Path(tempfile.mkdtemp(prefix="roadie-pg-"))
    os.chmod(root, 0o755)
    if owner:
        shutil.chown(root, owner, owner)
    port = _free_port()
    server = PgServer(bindir, root, port, prefix)

    def initdb(locale: str) -> subprocess.CompletedProcess[str]:
        args = ["-D", str(server.datadir), "-U", USER, "-A", "trust", "-E", "UTF8", f"--locale={locale}", "--no-sync"]
        return subprocess.run([*prefix, str(bindir / "initdb"), *args], capture_output=True, text=True, timeout=120)

    init = initdb("C.UTF-8")
    if init.returncode != 0:  # some images lack the C.UTF-8 locale
        shutil.rmtree(server.datadir, ignore_errors=True)
        init = initdb("C")
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.strip()[-800:]}")
    opts = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
        "-c shared_buffers=32MB -c log_min_messages=warning"
    )
    logfile = root / "server.log"
    started = subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(server.datadir), "-l", str(logfile), "-o", opts, "-w", "start"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if started.returncode != 0:
        log = logfile.read_text(errors="replace")[-1500:] if logfile.exists() else started.stderr
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {log}")
    return server


_counter = itertools.count(1)


def new_database_name(prefix: str = "t") -> str:
    """A unique database name within this test session."""
    return f"{prefix}{os.getpid()}_{next(_counter)}"
