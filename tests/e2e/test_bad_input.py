"""Bad data in the ledger: each bad invoice is named with the reason, the rest still go."""

from __future__ import annotations

import json
import re
import sys
from datetime import date

from typer.testing import CliRunner

from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)
runner = CliRunner()


def test_bad_invoices_are_reported_by_number_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    ledger = folder / "demo" / "invoices.csv"
    text = ledger.read_text("utf-8")
    for old, new in (
        ("INV-1002,open,USD,", "INV-1002,open,XYZ,"),  # no such currency
        ("INV-1006,open,SAR,18975.00,18975.00", "INV-1006,open,SAR,1e40,1e40"),  # not a number
        ("INV-1011,open,USD,3000.00,1200.00", "INV-1011,open,USD,90000000000,90000000000"),
        ("INV-1003,open,SAR,3450.00,3450.00", "INV-1003,open,SAR,-50.00,-50.00"),
    ):
        assert old in text
        text = text.replace(old, new)
    ledger.write_text(text, "utf-8")

    args = ["run", "--json", "--today", ANCHOR.isoformat(), "-c", str(folder / "tahseel.yaml")]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    skipped = {row["invoice"]: row["reason"] for row in report["skipped"]}
    assert "ISO 4217" in skipped["INV-1002"]
    assert "not plausible" in skipped["INV-1011"]
    problems = "\n".join(report["problems"])
    assert "INV-1003" in problems and "amount_due" in problems
    assert "INV-1006" in problems
    # everything else still went out: the resend, and the reminders that were due
    assert report["resends"] == 1 and report["sent"] == {"courtesy": 1, "overdue": 1}


# -- errors a person must see as one line, with the exit code the docs give ---------------


def _cli(folder, *args):
    return CliRunner().invoke(app, [*args, "-c", str(folder / "tahseel.yaml")])


def test_pause_on_a_read_only_state_store_says_so(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    assert _cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 1
    config = folder / "tahseel.yaml"
    db = folder / "tahseel-state.db"
    text = config.read_text(encoding="utf-8")
    read_only = f"url: sqlite:///file:{db}?mode=ro&uri=true"
    config.write_text(text.replace("url: sqlite:///tahseel-state.db", read_only), "utf-8")
    result = _cli(folder, "pause", "INV-1004")
    assert result.exit_code == 4, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "readonly database" in result.output and str(db) in result.output
    assert "Traceback" not in result.output


def test_a_damaged_state_store_names_its_file_and_what_to_do(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    db = folder / "tahseel-state.db"
    assert _cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 1
    for part in folder.glob("tahseel-state.db*"):  # the file and its write-ahead log
        if part.suffix != ".lock":
            data = part.read_bytes()
            part.write_bytes(data[:100] + b"garbage!" * ((len(data) - 100) // 8))
    for command in (["status"], ["run", "--today", ANCHOR.isoformat()], ["pause", "INV-1004"]):
        result = _cli(folder, *command)
        assert result.exit_code == 4, (command, result.output)
        flat = " ".join(result.output.split())
        assert str(db) in flat and "replaced by a new, empty one" in flat, flat


def test_classify_on_a_missing_file_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["classify", str(tmp_path / "nothere.eml")])
    assert result.exit_code == 2
    assert result.output.strip() == f"{tmp_path / 'nothere.eml'}: No such file or directory"


def test_a_ledger_whose_sdk_is_missing_names_the_extra(tmp_path, monkeypatch):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    config = folder / "tahseel.yaml"
    text = re.sub(
        r"(?ms)^ledger:\n.*?\n\n",
        "ledger:\n  type: xero\n  token_file: xero-token.json\n\n",
        config.read_text(encoding="utf-8"),
    )
    config.write_text(text, encoding="utf-8")
    (folder / "xero-token.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("XERO_CLIENT_ID", "id")
    monkeypatch.setenv("XERO_CLIENT_SECRET", "secret")
    # As if never installed: the SDK and whatever of it earlier tests imported.
    for name in ["xero_python", *(m for m in sys.modules if m.startswith("xero_python."))]:
        monkeypatch.setitem(sys.modules, name, None)
    for name in [m for m in sys.modules if m.startswith("connectors.xero")]:
        monkeypatch.delitem(sys.modules, name)
    result = _cli(folder, "status")
    assert result.exit_code == 2, result.output
    assert "pip install 'tahseel[xero]'" in result.output and "Traceback" not in result.output
