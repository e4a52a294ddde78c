"""The cron lines and systemd units the docs offer name real commands and options."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "examples" / "systemd"
# The README and the pages of docs/ (the cron lines are on docs/scheduling.md and
# docs/organisations.md).
README = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
)
INSTALLED = "/srv/tahseel/.venv/bin/tahseel"
runner = CliRunner()


def tahseel_args(command_line: str) -> list[str]:
    words = shlex.split(command_line.split("||")[0].split(">>")[0])
    return words[words.index(INSTALLED) + 1 :]


def scheduled_commands() -> list[list[str]]:
    crontab = re.findall(r"^[\d*/,-]+ [\d*/,-]+ \S+ \S+ \S+ +(.+)$", README, re.M)
    units = [
        line.removeprefix("ExecStart=")
        for unit in sorted(UNITS.glob("*.service"))
        for line in unit.read_text(encoding="utf-8").splitlines()
        if line.startswith("ExecStart=")
    ]
    return [tahseel_args(line) for line in crontab + units if INSTALLED in line]


def test_every_scheduled_command_parses():
    commands = scheduled_commands()
    assert {c[0] for c in commands} == {"run", "heartbeat"}
    assert len(commands) >= 4  # two cron lines, two services
    for args in commands:
        # --help is eager: it exits 0 only once every option before it was accepted.
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


def test_the_units_pass_systemd_analyze(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing (Debian: apt-get install systemd)")
    tahseel = Path(sys.executable).parent / "tahseel"
    for unit in UNITS.iterdir():
        text = unit.read_text(encoding="utf-8").replace(INSTALLED, str(tahseel))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    names = sorted(f"./{p.name}" for p in tmp_path.iterdir())
    assert len(names) == 4
    result = subprocess.run(
        [analyze, "verify", *names], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
