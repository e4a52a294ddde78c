"""The benchmark scripts run and print their tables (numbers are not checked here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("script", "header"),
    [
        ("run_calls.py", "calls/floor"),
        ("wall_time.py", "wall/bound"),
        ("local_cost.py", "measure"),
    ],
)
def test_bench_script_prints_its_table(script, header):
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert header in done.stdout
    assert "PASS" in done.stdout or "MISS" in done.stdout
