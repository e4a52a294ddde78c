"""Bad data in the ledger: each bad invoice is named with the reason, the rest still go."""

from __future__ import annotations

import json
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
