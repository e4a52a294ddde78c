"""Instalment plans on the Xero and QuickBooks emulators: one plan, day by day.

On each ledger one customer is three days late when a plan of three instalments is
recorded. The next run confirms it (with a note on the invoice); the courtesy reminder
of the first instalment goes three days ahead; the customer pays it through the ledger,
so nothing goes on its date; a run repeated on a day sends nothing twice. Each message
has exactly one note on the ledger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app
from tests.support.demo_ledgers import quickbooks_demo, xero_demo

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
LATE = ANCHOR - timedelta(days=3)
runner = CliRunner()


def run(config: Path, day: date) -> dict:
    result = runner.invoke(app, ["run", "--json", "--today", day.isoformat(), "-c", str(config)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert not report["errors"], report
    return report


def lifecycle(config: Path, number: str, pay: Callable[[], None], notes: Callable[[], str]) -> None:
    """The plan of one late invoice of 900.00, on any ledger."""
    assert run(config, ANCHOR)["sent"] == {"overdue": 1}
    recorded = runner.invoke(
        app,
        ["instalments", number, "--parts", "3", "--first", "2026-11-30", "--every", "14",
         "--today", ANCHOR.isoformat(), "-c", str(config)],
    )  # fmt: skip
    assert recorded.exit_code == 0, recorded.output
    found = re.search(
        r"1\. 2026-11-30  ([A-Z]{3}) 300\.00\n.*2\. 2026-12-14  \1 300\.00", recorded.output, re.S
    )
    assert found, recorded.output
    currency = found[1]
    assert run(config, ANCHOR + timedelta(days=1))["sent"] == {"plan_confirmed": 1}
    assert run(config, ANCHOR + timedelta(days=1))["sent"] == {}  # once
    assert run(config, ANCHOR + timedelta(days=3))["sent"] == {}  # the ladder is paused
    assert run(config, date(2026, 11, 29))["sent"] == {"instalment_soon": 1}
    pay()  # the first instalment, through the ledger
    assert run(config, date(2026, 11, 30))["sent"] == {}  # paid: nothing on its date
    listed = runner.invoke(
        app, ["instalments", "--list", "--today", "2026-11-30", "-c", str(config)]
    )
    assert (
        f"{number}  plan 1  running  paid 1 of 3  next: 2026-12-14 {currency} 300.00"
        in listed.output
    )
    assert run(config, date(2026, 12, 14))["sent"] == {"instalment_due": 1}
    written = notes()
    for words in (
        "instalment plan 1 confirmed to the customer by email to ap@plan.example",
        "reminder of instalment 1 (coming due) emailed to ap@plan.example",
        "reminder of instalment 2 (due today) emailed to ap@plan.example",
    ):
        assert written.count(words) == 1, written
    assert written.count("'overdue' reminder") == 1


@pytest.fixture
def xero(tmp_path, monkeypatch):
    with xero_demo(tmp_path / "d", ANCHOR, monkeypatch) as made:
        yield made


def test_a_plan_on_xero(xero):
    emulator, config = xero
    org = emulator.org
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    contact = org.add_contact("Plan Co", "ap@plan.example")
    invoice = org.add_invoice("INV-1", contact, "900.00", due_date=LATE, updated=hour_ago)
    lifecycle(
        config,
        "INV-1",
        lambda: org.pay(invoice, "300.00"),
        lambda: "\n".join(org.notes(invoice)),
    )


@pytest.fixture
def qbo(tmp_path, monkeypatch):
    with quickbooks_demo(tmp_path / "d", ANCHOR, monkeypatch) as made:
        yield made


def test_a_plan_on_quickbooks(qbo):
    emulator, config = qbo
    company = emulator.company
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    customer = company.add_customer("Plan Co", "ap@plan.example")
    invoice = company.add_invoice("1001", customer, "900.00", due=LATE, updated=hour_ago)
    lifecycle(
        config,
        "1001",
        lambda: company.pay(invoice, "300.00"),
        lambda: company.notes(invoice) or "",
    )
