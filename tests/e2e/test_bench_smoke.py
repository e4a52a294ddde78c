"""The benchmark scripts run and print their tables (numbers are not checked here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_local_cost_prints_its_tables():
    out = _smoke("local_cost.py")
    assert "measure" in out
    assert "PASS" in out or "MISS" in out
    # Every row of the commands' target table, each with its ratio and a verdict.
    rows = {
        "tahseel --help ": "x import",
        "tahseel check (demo) ": "x import",
        "tahseel classify (one reply) ": "x import",
        "tahseel run --dry-run ": "x csv",
        "tahseel plan ": "x csv",
        "tahseel plan --json ": "MB",
        "tahseel run, daily ": "s a run",
    }
    lines = out.splitlines()
    for start, target in rows.items():
        line = next((line for line in lines if line.startswith(start)), None)
        assert line is not None, f"no row {start.strip()!r} in\n{out[-3000:]}"
        assert target in line and line.split()[-1] in ("PASS", "MISS"), line
    floors = [line for line in lines if line.startswith("floor: ")]
    assert len(floors) == 2 and all(line.split()[-4] == "1.00" for line in floors), floors


def test_run_calls_prints_one_table_per_ledger():
    # Xero's table first, then QuickBooks', each with its Gmail and Twilio rows and its
    # verdicts.
    out = _smoke("run_calls.py")
    titles = ["Xero + Gmail + Twilio", "QuickBooks Online + Gmail + Twilio"]
    starts = [out.find(title) for title in titles]
    assert -1 not in starts and starts == sorted(starts), out[:2000]
    for title, start, end in zip(titles, starts, [*starts[1:], len(out)], strict=True):
        part = out[start:end]
        name = title.split(" + ")[0]
        service = "xero" if name == "Xero" else "quickbooks"
        assert "calls/floor" in part, f"{title}: no table"
        rows = [line for line in part.splitlines() if line.startswith("60 ")]
        assert len(rows) == 9, f"{title}: three runs, each a {service}, gmail and twilio row"
        assert sum(f" {service} " in row for row in rows) == 3, f"{title}: {service} rows"
        assert sum(" gmail " in row for row in rows) == 3, f"{title}: gmail rows"
        twilio = [row for row in rows if " twilio " in row]
        assert len(twilio) == 3 and "messages.create" in twilio[0], f"{title}: twilio rows"
        verdicts = [line for line in part.splitlines() if line.startswith(("PASS", "MISS"))]
        assert verdicts and all(f" {name} " in line for line in verdicts), f"{title}: verdicts"


def test_wall_time_has_a_row_per_ledger():
    out = _smoke("wall_time.py")
    assert "wall/bound" in out and ("PASS" in out or "MISS" in out)
    rows = [line.split() for line in out.splitlines() if line.startswith("40 ")]
    assert [row[1] for row in rows] == ["xero", "quickbooks", "csv"], out[:2000]
    assert all(row[-1].isdigit() for row in rows), "each row ends with its 429 count"


def _smoke(script: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
