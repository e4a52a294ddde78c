"""The README and the --help texts must not drift from what the code does."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)
runner = CliRunner()


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = [line for line in ci.splitlines() if line.startswith("python3 -m venv")]
    assert len(command) == 1
    assert f"\n{command[0]}\n" in README


def test_readme_demo_command_is_there():
    assert (
        "\npython3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/tahseel demo\n"
        in README
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_documented(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and len(result.output) > 200
    assert re.search(rf"`tahseel {command}\b", README), (
        f"README does not document `tahseel {command}`"
    )


def test_exit_codes_are_documented_in_help_and_readme():
    result = runner.invoke(app, ["--help"])
    for code in ("0 done", "1 done", "2 usage", "3 not run", "4 aborted", "5 stale"):
        assert code in " ".join(result.output.split())
    for code in range(6):
        assert re.search(rf"\| {code} \|", README)


def test_readme_lists_every_csv_column():
    from connectors import csvfile

    for column in csvfile.COLUMNS:
        assert f"`{column}`" in README, column


def test_wheel_carries_templates_and_example_config(tmp_path):
    # Built from a copy, so that no build/ folder left in the checkout leaks into it.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "tahseel-demo"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("tahseel-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for lang in ("en", "ar"):
        for stage in (
            "courtesy",
            "due",
            "overdue",
            "weekly",
            "final",
            "resend",
            "thank_you",
            "acknowledge",
        ):
            for part in ("subject.txt", "txt", "html"):
                assert f"tahseel_templates/{lang}/{stage}.{part}" in names
    assert "tahseel_config/tahseel.yaml" in names
    # every Python module of the source tree is in the wheel, subpackages included
    for package in ("connectors", "sync", "mailer"):
        for module in (ROOT / package).rglob("*.py"):
            assert str(module.relative_to(ROOT)) in names, module
    assert "tahseel_config/demo/invoices.csv" in names
    assert "tahseel_config/demo/mail/02-reply-not-received.eml" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "from sync.config.resources import *;"
        " print(default_templates_dir()); print(example_config_dir())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == [str(site / "tahseel_templates"), str(site / "tahseel_config")]
