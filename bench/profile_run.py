"""Where the time of one CLI run goes: wall seconds, SQL statements and a cProfile.

Usage: ``python bench/profile_run.py [--size N] [--days D] [--repeat R] [--profile DIR]``

Each command runs as the real CLI in a fresh process (``python -m sync ...``), as a
user runs it, over a CSV ledger of ``--size`` open invoices written as
``bench/_world.py`` writes it (default 20,000) and a Maildir, in preview mode:

- ``read: csv module``: the floor, ``python -c`` reading the same file with ``csv``;
- ``plan``, ``plan --json``, ``run --dry-run``, each ``--today 2026-11-23``.

Then the daily loop: ``tahseel demo`` writes its folder (a 20-invoice CSV ledger, a
Maildir, ``mode: live``) and runs once; ``tahseel run --today`` then runs ``--days``
times, a day later each time (``daily run, live``). The same over ``tahseel init``'s
folder (``mode: preview``) is ``daily run, preview``.

Columns: wall ``seconds`` (the least of ``--repeat`` runs; for the daily loop, the
mean per run), the ratio to the floor, and ``SQL`` statements per command (counted in
a separate run by SQLAlchemy's ``before_cursor_execute`` event; SQLite's PRAGMAs on
connect are not statements of the store and are not counted). With ``--profile DIR``
each command is also run under ``cProfile`` and its top lines, by internal time, are
printed; the stats files stay in DIR.
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._world import DAY, ROOT, table, write_config, write_csv  # noqa: E402

CSV_LEDGER = "ledger:\n  type: csv\n  path: invoices.csv\n"
MAILDIR = "mailbox:\n  type: maildir\n  path: mailbox\n  create: true\n"
CSV_FLOOR = (
    "import csv, sys\n"
    "with open(sys.argv[1], encoding='utf-8', newline='') as f:\n"
    "    print(sum(1 for _ in csv.reader(f)))"
)
#: Runs the CLI with argv[2:], counting the SQL statements; writes the count to argv[1].
COUNTING = (
    "import atexit, runpy, sys\n"
    "from sqlalchemy import event\n"
    "from sqlalchemy.engine import Engine\n"
    "count = [0]\n"
    "def seen(*_):\n"
    "    count[0] += 1\n"
    "event.listen(Engine, 'before_cursor_execute', seen)\n"
    "out = sys.argv[1]\n"
    "atexit.register(lambda: open(out, 'w').write(str(count[0])))\n"
    "sys.argv = ['tahseel', *sys.argv[2:]]\n"
    "runpy.run_module('sync', run_name='__main__', alter_sys=True)\n"
)
COMMANDS = (("plan",), ("plan", "--json"), ("run", "--dry-run"))
#: The code of this checkout, also in a process started in another folder.
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def wall(argv: list[str], cwd: Path) -> float:
    """Wall seconds of ``argv`` in a fresh process, its output thrown away."""
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: a run that skipped an invoice (the demo has one)
        sys.exit(f"{argv[3:]} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return seconds


def statements(args: list[str], cwd: Path, tmp: Path) -> int:
    """SQL statements the CLI with ``args`` executes."""
    count = tmp / "sql.count"
    subprocess.run(
        [sys.executable, "-c", COUNTING, str(count), *args],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return int(count.read_text())


def profiled(args: list[str], cwd: Path, out: Path, lines: int) -> None:
    """Run the CLI with ``args`` under cProfile into ``out``; print its top lines."""
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "sync", *args],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    print(f"\n== cProfile: tahseel {' '.join(args)} (by internal time) ==")
    pstats.Stats(str(out)).sort_stats("tottime").print_stats(lines)


def commands(size: int, repeat: int, tmp: Path, profile: Path | None) -> list[list[str]]:
    """Rows for the floor and the commands over ``size`` invoices."""
    folder = tmp / "world"
    write_csv_world(folder, size)
    config = str(folder / "tahseel.yaml")
    floor = min(
        wall([sys.executable, "-c", CSV_FLOOR, str(folder / "invoices.csv")], ROOT)
        for _ in range(repeat)
    )
    rows = [["read: csv module", f"{size:,}", f"{floor:.2f}", "1.00", "-"]]
    for command in COMMANDS:
        args = [*command, "-c", config, "--today", DAY.isoformat()]
        seconds = min(wall([sys.executable, "-m", "sync", *args], ROOT) for _ in range(repeat))
        sql = statements(args, ROOT, tmp)
        name = " ".join(command)
        rows.append([name, f"{size:,}", f"{seconds:.2f}", f"{seconds / floor:.1f}", str(sql)])
        if profile:
            profiled(args, ROOT, profile / f"{'_'.join(command)}.prof", 25)
    return rows


def write_csv_world(folder: Path, size: int) -> None:
    """A CSV ledger of ``size`` open invoices and a preview configuration over it."""
    folder.mkdir(parents=True)
    write_csv(folder / "invoices.csv", size, 300)
    write_config(folder, ledger=CSV_LEDGER, mailbox=MAILDIR, mode="preview")


def daily(days: int, tmp: Path, profile: Path | None) -> list[list[str]]:
    """Rows for ``days`` daily runs over the demo's folder (live) and init's (preview).

    Timed over one folder and counted over another, set up alike: the count's
    listener imports SQLAlchemy before the CLI does.
    """
    rows = []
    start = date.today()
    for name, setup in (("live", "demo"), ("preview", "init")):
        timed, counted = tmp / f"{name}-timed", tmp / f"{name}-counted"
        for folder in (timed, counted):
            subprocess.run(
                [sys.executable, "-m", "sync", setup, str(folder)],
                cwd=tmp,
                env=ENV,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=setup == "init",
            )
        total, sql = 0.0, []
        for n in range(1, days + 1):
            day = ["--today", (start + timedelta(days=n)).isoformat()]
            total += wall([sys.executable, "-m", "sync", "run", "-c", "tahseel.yaml", *day], timed)
            sql.append(statements(["run", "-c", "tahseel.yaml", *day], counted, tmp))
        if profile:
            day = ["--today", (start + timedelta(days=days + 1)).isoformat()]
            profiled(["run", "-c", "tahseel.yaml", *day], timed, profile / f"daily_{name}.prof", 25)
        rows.append(
            [
                f"daily run, {name}",
                "20",
                f"{total / days:.2f}",
                "-",
                f"{min(sql)}-{max(sql)}",
            ]
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000, help="open invoices (20,000)")
    parser.add_argument("--days", type=int, default=20, help="daily runs of the demo (20)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (3)")
    parser.add_argument("--profile", type=Path, help="also profile each command into DIR")
    args = parser.parse_args(argv)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        rows = commands(args.size, args.repeat, Path(tmp), args.profile)
        rows += daily(args.days, Path(tmp), args.profile)
    print()
    print(table(["command", "N", "seconds", "x floor", "SQL statements"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
