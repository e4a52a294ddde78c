"""hijridate is loaded with the settings and the templates, never by `import sync.cli`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys, contextlib, io\n"
    "{code}\n"
    "print(sorted(m for m in sys.modules if m.split('.')[0] == 'hijridate'))\n"
)


def loaded(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_the_cli_and_its_help_do_not_load_hijridate():
    code = (
        "from sync.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    for args in (['--help'], ['run', '--help'], ['check', '--help']):\n"
        "        try:\n"
        "            app(args)\n"
        "        except SystemExit:\n"
        "            pass"
    )
    assert loaded(code) == "[]"


def test_the_probe_sees_hijridate_when_the_settings_load_it():
    # the probe can fail: the settings models do load it
    assert "'hijridate'" in loaded("import sync.config.settings")
