"""QuickBooksLedger creates a late fee exactly once, against the QuickBooks emulator.

The fee is an invoice with one sales line selling the configured item, to the late
invoice's customer (POST /v3/company/{realm}/invoice). A create that meets a 429, a
500 or a dropped connection is retried with the same ``requestid`` and answered
with the first answer; a create whose outcome stays unknown, or a later run's retry
(``settle``), finds the fee by its DocNumber.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.base import CreatesFees, FeeRequest
from connectors.errors import LedgerDataError, LedgerUnavailable
from connectors.limits import ScaledClock
from connectors.quickbooks.fees import doc_number
from connectors.quickbooks.ledger import QuickBooksLedger
from tests.emulators.quickbooks import QuickBooksEmulator, ledger_for
from tests.emulators.quickbooks.writes import created_lines


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(factor=2000)


@pytest.fixture
def emulator(clock: ScaledClock) -> Iterator[QuickBooksEmulator]:
    with QuickBooksEmulator(clock=clock.now, seed=7, timeout_delay=0.3) as running:
        yield running


def _ledger(emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock, **options: object):  # type: ignore[no-untyped-def]
    options.setdefault("timeout", 5.0)
    options.setdefault("fee_item_id", "21")
    return ledger_for(emulator, tmp_path, clock=clock.now, sleep=clock.sleep, **options)


def _fee(ledger: QuickBooksLedger, emulator: QuickBooksEmulator) -> FeeRequest:
    who = emulator.company.add_customer("Late Co", "ap@late.example")
    late_id = emulator.company.add_invoice("1037", who, "1000", currency="SAR")
    late = ledger.get_invoices([late_id])[0]
    return FeeRequest(
        invoice=late,
        amount=Decimal("50.00"),
        currency="SAR",
        reference="Late fee 1037",
        description="Late payment fee on invoice 1037 (due 2026-10-31)",
        issued=date(2026, 12, 1),
        key="tahseel:abc:late_fee:0",
        number="FEE-1037",
    )


def _fees(emulator: QuickBooksEmulator) -> list:  # type: ignore[type-arg]
    return [r for r in emulator.company.invoices.values() if r.number == "FEE-1037"]


def test_the_fee_is_an_invoice_with_one_line_selling_the_item(
    emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    assert isinstance(ledger, CreatesFees)
    fee = _fee(ledger, emulator)
    made = ledger.create_fee(fee)
    (record,) = _fees(emulator)
    assert (made.id, made.number) == (record.id, "FEE-1037")
    assert record.customer_id == fee.invoice.contact.id and record.currency == "SAR"
    assert record.total == Decimal("50") and record.balance == Decimal("50")
    assert "Late fee 1037" in (record.private_note or "")
    (line,) = created_lines(emulator.company, record.id)
    assert line["SalesItemLineDetail"]["ItemRef"] == {"value": "21"}
    assert "1037" in line["Description"]
    assert ledger.calls["invoices.create"] == 1


@pytest.mark.parametrize("kind", ["429", "500", "drop"])
def test_a_create_that_never_answers_is_settled_by_its_doc_number(
    emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock, kind: str
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    fee = _fee(ledger, emulator)
    # The server makes the invoice and then fails or drops the answer (act_first).
    emulator.fail(kind, path="invoice", probability=1.0, act_first=kind != "429")
    emulator.fail(kind, path="query", probability=1.0)
    try:
        with pytest.raises(LedgerUnavailable):
            ledger.create_fee(fee)  # every try fails: not known whether it was made
    finally:
        emulator.script.rules.clear()
    assert len(_fees(emulator)) == (0 if kind == "429" else 1)
    made = ledger.create_fee(fee, settle=True)  # the next run
    (record,) = _fees(emulator)
    assert made.id == record.id and emulator.injected[kind] > 1


def test_one_dropped_answer_is_replayed_by_its_request_id(
    emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    fee = _fee(ledger, emulator)
    emulator.fail("drop", path="invoice", probability=1.0, act_first=True)
    emulator.script.rules[-1].probability = 0.0
    emulator.script.rules[-1].at = frozenset({emulator.requests + 1})
    made = ledger.create_fee(fee)
    assert emulator.injected["drop"] == 1 and ledger.calls["invoices.create"] == 2
    (record,) = _fees(emulator)
    assert made.id == record.id


def test_settle_finds_the_fee_and_creates_nothing(
    emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    fee = _fee(ledger, emulator)
    made = ledger.create_fee(fee)
    assert ledger.create_fee(fee, settle=True) == made
    assert ledger.calls["invoices.create"] == 1 and ledger.calls["invoices.find_fee"] == 1
    assert len(_fees(emulator)) == 1


def test_a_fee_made_by_a_forgotten_request_is_found_by_its_doc_number(
    emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock)
    fee = _fee(ledger, emulator)
    made = ledger.create_fee(fee)
    emulator.company.__dict__["request_ids"].clear()  # the request id is forgotten
    again = ledger.create_fee(fee)  # refused as a duplicate DocNumber (6140): found
    assert again == made and len(_fees(emulator)) == 1
    assert ledger.calls["invoices.create"] == 2 and ledger.calls["invoices.find_fee"] == 1


def test_without_an_item_nothing_is_sent(
    emulator: QuickBooksEmulator, tmp_path: Path, clock: ScaledClock
) -> None:
    ledger = _ledger(emulator, tmp_path, clock, fee_item_id=None)
    with pytest.raises(LedgerDataError, match="fee_item_id"):
        ledger.create_fee(_fee(ledger, emulator))
    assert _fees(emulator) == [] and "invoices.create" not in ledger.calls


def test_a_long_number_is_kept_within_21_characters() -> None:
    assert doc_number("FEE-1037") == "FEE-1037"
    long = doc_number("FEE-INV-2026-000012345-2")
    assert len(long) == 21 and long == doc_number("FEE-INV-2026-000012345-2")
