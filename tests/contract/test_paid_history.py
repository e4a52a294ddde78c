"""Each ledger's paid history (``paid_invoices``), as ``tahseel report`` reads it.

The same story in every ledger: customers who paid in full on known days, one invoice
paid before the period, one paid only in part, one still open, one bill (Xero) or a
draft, none of which belongs to the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.base import PaidHistory
from connectors.csvfile import FileLedger
from tests.emulators.quickbooks import QuickBooksEmulator
from tests.emulators.quickbooks import ledger_for as quickbooks_ledger
from tests.emulators.xero import XeroEmulator
from tests.emulators.xero import ledger_for as xero_ledger

SINCE = date(2026, 6, 1)
# number, due date, paid date (None: not paid in full), total
STORY = [
    ("INV-1", date(2026, 6, 30), date(2026, 6, 28), "100.00"),
    ("INV-2", date(2026, 7, 31), date(2026, 8, 20), "250.50"),
    ("INV-3", date(2026, 5, 1), date(2026, 5, 20), "80.00"),  # paid before the period
    ("INV-4", date(2026, 9, 30), None, "60.00"),  # paid in part
    ("INV-5", date(2026, 10, 31), None, "70.00"),  # open
    ("INV-6", date(2026, 6, 10), date(2026, 6, 1), "10.00"),  # on the first day
]
EXPECTED = {
    ("INV-1", date(2026, 6, 28), Decimal("100.00"), -2),
    ("INV-2", date(2026, 8, 20), Decimal("250.50"), 20),
    ("INV-6", date(2026, 6, 1), Decimal("10.00"), -9),
}


def _facts(ledger: PaidHistory) -> set[tuple[str, date, Decimal, int]]:
    paid = list(ledger.paid_invoices(SINCE))
    assert len({p.id for p in paid}) == len(paid)
    assert {p.contact.name for p in paid} == {"Rawda Trading"}
    return {(p.number, p.paid_date, p.total, p.days_late) for p in paid}


def test_csv_ledger(tmp_path: Path) -> None:
    rows = ["invoice_id,number,status,currency,total,amount_due,due_date,contact_name,paid_date"]
    for number, due, paid, total in STORY:
        status, owed = ("paid", "0.00") if paid else ("open", total)
        if number == "INV-4":
            owed = "20.00"
        day = paid.isoformat() if paid else ""
        rows.append(f"{number},{number},{status},SAR,{total},{owed},{due},Rawda Trading,{day}")
    rows.append("INV-7,INV-7,paid,SAR,5.00,0.00,2026-07-01,Rawda Trading,")  # no paid_date
    rows.append("INV-8,INV-8,paid,SAR,5.00,0.00,2026-07-01,Rawda Trading,01/07/2026")
    path = tmp_path / "invoices.csv"
    path.write_text("\n".join(rows) + "\n", "utf-8")
    ledger = FileLedger(path)
    assert _facts(ledger) == EXPECTED
    assert ledger.problems == [
        "invoices.csv:9: paid_date: expected a date like 2026-11-23, got '01/07/2026'"
        " (invoice INV-8)"
    ]


@pytest.fixture
def xero() -> Iterator[XeroEmulator]:
    with XeroEmulator(per_day=100_000) as running:
        yield running


def test_xero_ledger_pages_through_paid_invoices(xero: XeroEmulator, tmp_path: Path) -> None:
    org = xero.org
    rawda = org.add_contact("Rawda Trading", "ap@rawda.example")
    for number, due, paid, total in STORY:
        invoice = org.add_invoice(number, rawda, total, due_date=due, currency="SAR")
        if number == "INV-4":
            org.pay(invoice, "40.00", on=date(2026, 9, 1))
        elif paid:
            org.pay(invoice, on=paid)
    bill = org.add_invoice("BILL-1", rawda, "9.00", type="ACCPAY")
    org.pay(bill, on=date(2026, 7, 1))
    ledger = xero_ledger(xero, tmp_path, page_size=2)
    assert _facts(ledger) == EXPECTED
    # four PAID sales invoices, two a page: two full pages and an empty one
    assert ledger.calls["invoices.paid"] == 3 and ledger.problems == []


def test_xero_paid_invoice_without_its_date_is_named(xero: XeroEmulator, tmp_path: Path) -> None:
    org = xero.org
    rawda = org.add_contact("Rawda Trading", "ap@rawda.example")
    org.add_invoice("INV-9", rawda, "5.00", status="PAID", due=0)
    ledger = xero_ledger(xero, tmp_path)
    assert list(ledger.paid_invoices(SINCE)) == []
    assert ledger.problems == ["xero: paid invoice INV-9: no FullyPaidOnDate"]


@pytest.fixture
def quickbooks() -> Iterator[QuickBooksEmulator]:
    with QuickBooksEmulator(per_minute=100_000) as running:
        yield running


def test_quickbooks_ledger_dates_each_invoice_by_its_last_payment(
    quickbooks: QuickBooksEmulator, tmp_path: Path
) -> None:
    company = quickbooks.company
    rawda = company.add_customer("Rawda Trading", "ap@rawda.example")
    for number, due, paid, total in STORY:
        invoice = company.add_invoice(number, rawda, total, due=due, currency="SAR")
        if number == "INV-2":  # two payments: the later one settles it
            company.pay(invoice, "50.50", on=date(2026, 8, 1))
            company.pay(invoice, on=paid)
        elif number == "INV-4":
            company.pay(invoice, "40.00", on=date(2026, 9, 1))
        elif paid:
            company.pay(invoice, on=paid)
    ledger = quickbooks_ledger(quickbooks, tmp_path, page_size=2)
    assert _facts(ledger) == EXPECTED
    # payments since June 1st: 5, two a page; then 4 invoices linked, two a query
    assert ledger.calls["payments.query"] == 3 and ledger.calls["invoices.paid"] == 2
    assert ledger.problems == []
