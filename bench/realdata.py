"""Import every real calendar and tour sheet under ``../shared/realdata`` and print what was stored.

Run: ``scripts/realdata-check [--root DIR] [--file NAME] [--tz Europe/Berlin]``. Each file goes into a
fresh, migrated SQLite database for a server set to ``--tz`` (default settings otherwise), the way
``/tour import`` runs it. Prints one block per file: shows added/updated/skipped, every note and
skip reason, the import time, then each stored show's date, local times, zone, venue, city,
region and country, so they can be checked against the file by eye. The files are other people's
data: they are read from the shared folder, never copied into the repository. When the folder is
absent it says so and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.db.engine import create_engine, create_sessionmaker
from bot.db.migrate import upgrade_sync
from bot.db.models import Show
from bot.services import settings, tour_files
from bot.services.errors import InvalidInput
from bot.uow import UnitOfWork

DEFAULT_ROOT = Path(
    os.environ.get("ROADIE_REALDATA") or Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # fixed, so the table doesn't change with the calendar
GUILD = 1


def _times(s: Show) -> str:
    parts = [
        f"{label} {t:%H:%M}"
        for label, t in (("load-in", s.load_in), ("sc", s.soundcheck), ("doors", s.doors), ("set", s.set_time))
        if t is not None
    ]
    return " ".join(parts) or "-"


async def check_file(path: Path, template: Path, tmp: Path, tz: str, show_limit: int) -> list[str]:
    """Import ``path`` into a fresh copy of ``template``; the printed lines for it."""
    db = tmp / f"{path.stem}.db"
    shutil.copy(template, db)
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    sm = create_sessionmaker(engine)
    out = [f"== {path.parent.name}/{path.name}"]
    try:
        async with UnitOfWork(sm) as s:
            await settings.set_timezone(s, GUILD, tz, can_manage=True)
        data = path.read_bytes()  # noqa: ASYNC240 (a benchmark, not the bot)
        t0 = time.perf_counter()
        try:
            async with UnitOfWork(sm) as s:
                report = await tour_files.import_shows(s, GUILD, data, path.name, author_id=1, channel_id=2, now=NOW)
        except InvalidInput as exc:
            out.append(f"   REFUSED ({time.perf_counter() - t0:.2f}s): {exc}")
            return out
        took = time.perf_counter() - t0
        out.append(f"   {report.added} added, {report.updated} updated, {len(report.skipped)} skipped ({took:.2f}s)")
        for note in report.notes:
            out.append(f"   note: {note}")
        for label, reason in report.skipped[:show_limit]:
            out.append(f"   skip: {label}: {reason}")
        if len(report.skipped) > show_limit:
            out.append(f"   skip: ...and {len(report.skipped) - show_limit} more")
        async with sm() as s:
            shows = list(await s.scalars(select(Show).where(Show.guild_id == GUILD).order_by(Show.number)))
        for sh in shows[:show_limit]:
            out.append(
                f"   #{sh.number:<3} {sh.date} | {_times(sh):<28} | {sh.timezone:<20} | {sh.venue[:40]!s:<40} | "
                f"{sh.city} | {sh.region or '-'} | {sh.country or '-'} | {sh.status}"
            )
        if len(shows) > show_limit:
            out.append(f"   ...and {len(shows) - show_limit} more shows")
    finally:
        await engine.dispose()
    return out


async def run(args: argparse.Namespace, files: list[Path], template: Path, tmp: Path) -> None:
    """Check each of ``files`` against a copy of the migrated ``template``, printing as it goes."""
    for path in files:
        print("\n".join(await check_file(path, template, tmp, args.tz, args.limit)), flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    p.add_argument("--file", action="append", help="only files whose name contains this (repeatable)")
    p.add_argument("--tz", default="Europe/Berlin", help="the server's time zone (default Europe/Berlin)")
    p.add_argument("--limit", type=int, default=400, help="shows and skips printed per file")
    args = p.parse_args(argv)
    if not args.root.is_dir():
        print(f"realdata-check: skipped: {args.root} is absent (the real files live in ../shared/realdata)")
        return 0
    files = sorted(f for f in args.root.rglob("*") if f.suffix.lower() in (".ics", ".csv") and f.is_file())
    if args.file:
        files = [f for f in files if any(k in f.name for k in args.file)]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        template = tmp / "template.db"
        upgrade_sync(f"sqlite+aiosqlite:///{template}")
        asyncio.run(run(args, files, template, tmp))
    print(f"{len(files)} file(s) checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
