"""Policies from each ledger: a CSV column, a Xero contact group, a QuickBooks field.

On each ledger three customers are late by three days: one on the ``government``
policy (whose first reminder is seven days late: nothing yet), one on a name the
configuration does not have (skipped, the reason naming the customer and the value),
one on the default policy (its overdue reminder goes). ``status --csv`` and ``plan
--json`` show each invoice's policy.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo
from tests.support.demo_ledgers import quickbooks_demo, xero_demo

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
LATE = ANCHOR - timedelta(days=3)
runner = CliRunner()


def install(folder: Path) -> Path:
    demo.install(folder, anchor=ANCHOR)
    return folder / "tahseel.yaml"


def run(config: Path) -> dict:
    result = runner.invoke(app, ["run", "--json", "--today", ANCHOR.isoformat(), "-c", str(config)])
    assert result.exit_code == 1, result.output  # a skipped invoice
    return json.loads(result.output)


def policies_shown(config: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(policy by invoice number in ``status --csv``, in ``plan --json``'s actions)."""
    args = ["--today", ANCHOR.isoformat(), "-c", str(config)]
    status = runner.invoke(app, ["status", "--csv", *args])
    assert status.exit_code == 0, status.output
    rows = csv.DictReader(io.StringIO(status.output))
    planned = runner.invoke(app, ["plan", "--json", *args])
    actions = json.loads(planned.output)["actions"]
    return {r["invoice"]: r["policy"] for r in rows}, {a["invoice"]: a["policy"] for a in actions}


def check(report: dict, numbers: tuple[str, str, str], customer: str) -> None:
    """Of the three invoices, only the one on a name the configuration lacks is skipped."""
    skipped = {s["invoice"]: s["reason"] for s in report["skipped"] if s["invoice"] in numbers}
    assert list(skipped) == [numbers[1]]
    assert f"customer {customer!r} has policy 'govt' in the ledger" in skipped[numbers[1]]


def test_a_csv_column_policy(tmp_path):
    config = install(tmp_path / "d")
    ledger = tmp_path / "d" / "demo" / "invoices.csv"
    with ledger.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = [*rows[0].keys(), "policy"]
    for row in rows:
        row["policy"] = {"C-003": "government", "C-005": "govt"}.get(row["contact_id"], "")
    with ledger.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)
    report = run(config)
    # INV-1003 is 4 days late: overdue on the default ladder, nothing yet on government's.
    sent = {m for (m,) in [(s["invoice"],) for s in report["skipped"]]}
    assert "INV-1005" in sent
    reason = next(s["reason"] for s in report["skipped"] if s["invoice"] == "INV-1005")
    assert "customer 'Desert Rose Events' has policy 'govt' in the ledger" in reason
    status, planned = policies_shown(config)
    assert status["INV-1003"] == "government" and status["INV-1005"] == "govt (unknown)"
    assert status["INV-1007"] == "government"  # from customers: in the configuration
    assert status["INV-1004"] == "default" and "INV-1003" not in planned
    notes = (tmp_path / "d" / "demo" / "invoices.notes.csv").read_text("utf-8")
    assert "INV-1003" not in notes and "INV-1005" not in notes and "INV-1004" in notes


@pytest.fixture
def xero(tmp_path, monkeypatch):
    prefix = '  policy_group_prefix: "Policy: "\n'
    with xero_demo(tmp_path / "d", ANCHOR, monkeypatch, prefix) as made:
        yield made


def test_a_xero_contact_group(xero):
    emulator, config = xero
    org = emulator.org
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    gov = org.add_contact("Ministry", "ap@ministry.example", groups=("Policy: Government",))
    typo = org.add_contact("Typo Co", "ap@typo.example", groups=("Policy: govt", "VIP"))
    plain = org.add_contact("Plain Co", "ap@plain.example", groups=("VIP",))
    for number, contact in (("INV-1", gov), ("INV-2", typo), ("INV-3", plain)):
        org.add_invoice(number, contact, "500.00", due_date=LATE, updated=hour_ago)
    report = run(config)
    assert report["sent"] == {"overdue": 1}
    check(report, ("INV-1", "INV-2", "INV-3"), "Typo Co")
    status, planned = policies_shown(config)
    assert status == {"INV-1": "government", "INV-2": "govt (unknown)", "INV-3": "default"}
    assert planned == {}  # the overdue reminder went; nothing more today


@pytest.fixture
def qbo(tmp_path, monkeypatch):
    field = "  policy_field: Policy\n"
    with quickbooks_demo(tmp_path / "d", ANCHOR, monkeypatch, field) as made:
        yield made


def test_a_quickbooks_custom_field(qbo):
    emulator, config = qbo
    company = emulator.company
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    gov = company.add_customer("Ministry", "ap@ministry.example", fields={"Policy": "government"})
    typo = company.add_customer("Typo Co", "ap@typo.example", fields={"Policy": "govt"})
    plain = company.add_customer("Plain Co", "ap@plain.example")
    for number, customer in (("1001", gov), ("1002", typo), ("1003", plain)):
        company.add_invoice(number, customer, "500.00", due=LATE, updated=hour_ago)
    report = run(config)
    assert report["sent"] == {"overdue": 1}
    check(report, ("1001", "1002", "1003"), "Typo Co")
    status, _ = policies_shown(config)
    assert status == {"1001": "government", "1002": "govt (unknown)", "1003": "default"}
