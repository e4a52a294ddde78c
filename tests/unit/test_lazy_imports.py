"""`tahseel --help` and `import sync.cli` load no heavy library: they stay quick to start.

SQLAlchemy, the ledger and Gmail SDKs, Jinja2 and fpdf2 are imported by the commands
that use them, inside the command. A module-level import anywhere on the CLI's import
path would load them for every command, `--help` too; these tests catch it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "sqlalchemy",
    "jinja2",
    "fpdf",
    "xero_python",
    "quickbooks",
    "intuitlib.client",
    "googleapiclient",
    "google.auth",
    "httplib2",
)

PROBE = """
import contextlib, io, json, sys
{code}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {top} or m in {heavy})))
"""


def loaded(code: str) -> list[str]:
    """The heavy modules in ``sys.modules`` after running ``code`` in a fresh Python."""
    tops = {name.split(".")[0] for name in HEAVY if "." not in name}
    probe = PROBE.format(code=code, top=sorted(tops), heavy=list(HEAVY))
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert loaded("import sync.cli") == []


def test_help_loads_no_heavy_library() -> None:
    code = (
        "from sync.cli import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        app(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "    for command in ('run', 'plan', 'doctor', 'check'):\n"
        "        try:\n"
        "            app([command, '--help'])\n"
        "        except SystemExit:\n"
        "            pass\n"
    )
    assert loaded(code) == []


def test_the_probe_sees_a_heavy_import() -> None:
    assert "sqlalchemy" in loaded("import sync.store.store")


def test_a_run_loads_the_reply_rules_only_for_a_reply() -> None:
    # The job and its reply desk load in every run; the rules and lexicons of reply
    # understanding are compiled only when a reply is read (most runs read none).
    modules = loaded_any("import sync.run.job, sync.run.reply_desk", ("sync.replies",))
    assert "sync.replies" in modules  # the probe sees the package
    assert not {"sync.replies.rules", "sync.replies.understanding"} & set(modules)


def loaded_any(code: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules under ``prefixes`` in ``sys.modules`` after running ``code``."""
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    names = json.loads(done.stdout.strip().splitlines()[-1])
    return [m for m in names if m.startswith(prefixes)]


def test_a_run_loads_the_pdf_stack_only_to_draw_a_pdf() -> None:
    # Every run imports the job, its checks and the escalation's dossier; fpdf2 loads
    # only when a PDF is drawn (an invoice attached, a case handed over).
    code = "import sync.run.firm, sync.run.checks, sync.run.dossier, sync.run.job"
    assert "fpdf" not in loaded(code)
