"""XeroLedger creates a late fee exactly once, against the Xero emulator.

The fee is an AUTHORISED ACCREC invoice with one line to the late invoice's contact
(PUT /Invoices, checked against the official spec by the emulator as it answers).
A create that meets a 429, a 500 or a dropped connection is retried with the same
Idempotency-Key and answered from Xero's memory of it; a create whose outcome stays
unknown, or a later run's retry (``settle``), finds the fee by its reference.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from xero_python.accounting import Invoices

from connectors.base import CreatesFees, FeeRequest
from connectors.errors import LedgerDataError, LedgerRejected, LedgerUnavailable
from connectors.limits import ScaledClock
from connectors.xero.ledger import XeroLedger
from tests.emulators.xero import XeroEmulator, ledger_for
from tests.emulators.xero.creates import created_lines


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(factor=2000)


@pytest.fixture
def emulator(clock: ScaledClock) -> Iterator[XeroEmulator]:
    with XeroEmulator(clock=clock.now, seed=7, timeout_delay=0.3) as running:
        yield running


def _ledger(emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock, **options: object):  # type: ignore[no-untyped-def]
    options.setdefault("timeout", 5.0)
    options.setdefault("fee_account_code", "260")
    return ledger_for(emulator, tmp_path, clock=clock.now, sleep=clock.sleep, **options)


def _fee(ledger: XeroLedger, emulator: XeroEmulator) -> FeeRequest:
    who = emulator.org.add_contact("Late Co", "ap@late.example")
    late_id = emulator.org.add_invoice("INV-0100", who, "1000", currency="SAR")
    late = ledger.get_invoices([late_id])[0]
    return FeeRequest(
        invoice=late,
        amount=Decimal("50.00"),
        currency="SAR",
        reference="Late fee INV-0100",
        description="Late payment fee on invoice INV-0100 (due 2026-10-31)",
        issued=date(2026, 12, 1),
        key="tahseel:abc:late_fee:0",
        number="FEE-INV-0100",
    )


def _fees(emulator: XeroEmulator) -> list:  # type: ignore[type-arg]
    return [r for r in emulator.org.invoices.values() if r.reference == "Late fee INV-0100"]


def test_the_fee_is_an_authorised_sales_invoice_with_one_line(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    assert isinstance(ledger, CreatesFees)
    fee = _fee(ledger, emulator)
    made = ledger.create_fee(fee)
    (record,) = _fees(emulator)
    assert made.id == record.invoice_id and made.number == record.number
    assert record.number.startswith("INV-") and record.number != "INV-0100"
    assert (record.type, record.status, record.currency) == ("ACCREC", "AUTHORISED", "SAR")
    assert record.contact_id == fee.invoice.contact.id
    assert record.total == Decimal("50") and record.amount_due == Decimal("50")
    (line,) = created_lines(emulator.org, record.invoice_id)
    assert line["AccountCode"] == "260" and line["Quantity"] == 1.0
    assert "INV-0100" in line["Description"]
    assert ledger.calls["invoices.create"] == 1
    (note,) = emulator.org.notes(record.invoice_id)  # noted on the fee invoice too
    assert "late fee on invoice INV-0100" in note


@pytest.mark.parametrize("kind", ["429", "500", "drop"])
def test_a_create_retried_after_a_fault_makes_one_invoice(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock, kind: str
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    fee = _fee(ledger, emulator)
    # The server makes the invoice and then fails or drops the answer (act_first).
    emulator.fail(kind, path="/Invoices", probability=1.0, act_first=kind != "429")
    try:
        with pytest.raises(LedgerUnavailable):
            ledger.create_fee(fee)  # every try fails: not known whether it was made
    finally:
        emulator.script.rules.clear()
    assert len(_fees(emulator)) == (0 if kind == "429" else 1)
    made = ledger.create_fee(fee, settle=True)  # the next run
    assert emulator.injected[kind] > 1
    (record,) = _fees(emulator)
    assert made.id == record.invoice_id


def test_one_fault_then_success_is_answered_from_the_idempotency_key(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    fee = _fee(ledger, emulator)
    first = emulator.requests + 1  # the create is the next request
    emulator.fail("drop", at={first}, act_first=True)
    made = ledger.create_fee(fee)
    assert emulator.injected["drop"] == 1 and ledger.calls["invoices.create"] == 2
    assert len(_fees(emulator)) == 1 and made.id == _fees(emulator)[0].invoice_id


def test_settle_finds_the_fee_once_the_key_is_forgotten(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    fee = _fee(ledger, emulator)
    made = ledger.create_fee(fee)
    emulator.org.idempotent.pass_time(7 * 60)  # Xero keeps a key six minutes
    again = ledger.create_fee(fee, settle=True)
    assert again == made and len(_fees(emulator)) == 1
    assert ledger.calls["invoices.create"] == 1 and ledger.calls["invoices.find_fee"] == 1
    assert len(emulator.org.notes(made.id)) == 1  # looked at the history: not noted twice


def test_a_fee_whose_note_failed_is_noted_by_the_next_try(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    fee = _fee(ledger, emulator)
    emulator.fail("400", path="/History", probability=1.0)
    try:
        with pytest.raises(LedgerUnavailable, match="its note is not written yet"):
            ledger.create_fee(fee)  # made, but not noted: the run keeps the fee pending
    finally:
        emulator.script.rules.clear()
    (record,) = _fees(emulator)
    assert emulator.org.notes(record.invoice_id) == []
    made = ledger.create_fee(fee, settle=True)
    assert made.id == record.invoice_id and len(_fees(emulator)) == 1
    assert len(emulator.org.notes(record.invoice_id)) == 1


def test_without_an_account_code_nothing_is_sent(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock, fee_account_code=None)
    fee = _fee(ledger, emulator)
    with pytest.raises(LedgerDataError, match="fee_account_code"):
        ledger.create_fee(fee)
    assert _fees(emulator) == [] and "invoices.create" not in ledger.calls


def test_the_emulator_refuses_an_approved_line_without_an_account(
    emulator: XeroEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    body = ledger._invoice(_fee(ledger, emulator))
    body.line_items[0].account_code = None
    with pytest.raises(LedgerRejected):
        ledger.client.call(
            "invoices.create",
            ledger.client.accounting.create_invoices,
            ledger.tenant_id,
            Invoices(invoices=[body]),
        )
    assert _fees(emulator) == []
