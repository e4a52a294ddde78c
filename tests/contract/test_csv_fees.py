"""The CSV ledger's late fees: rows of ``<ledger>.fees.csv``, each fee once."""

from __future__ import annotations

import csv
import os
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.base import CreatesFees, FeeRequest
from connectors.csvfees import FEE_COLUMNS, read_fees
from connectors.csvfile import FileLedger
from connectors.errors import LedgerUnavailable

LEDGER = """\
invoice_id,number,status,currency,total,amount_due,issue_date,due_date,contact_id,contact_name,emails
i-1,INV-1,open,SAR,1000.00,1000.00,2026-09-01,2026-10-01,C-1,Late Co,ap@late.example
i-2,INV-2,open,SAR,500.00,500.00,2026-09-01,2026-10-01,C-2,Other Co,ap@other.example
"""


def _ledger(tmp_path: Path) -> FileLedger:
    path = tmp_path / "books" / "invoices.csv"
    path.parent.mkdir()
    path.write_text(LEDGER, encoding="utf-8")
    return FileLedger(path)


def _fee(ledger: FileLedger, number: str = "INV-1") -> FeeRequest:
    (invoice,) = [i for i in ledger.list_open_invoices() if i.number == number]
    return FeeRequest(
        invoice=invoice,
        amount=Decimal("50.00"),
        currency="SAR",
        reference=f"Late fee {number}",
        description=f"Late payment fee on invoice {number} (due 2026-10-01)",
        issued=date(2026, 11, 2),
        key=f"tahseel:abc:{number}:late_fee:0",
        number=f"FEE-{number}",
    )


def test_a_fee_is_a_row_beside_the_ledger_with_the_documented_columns(tmp_path):
    ledger = _ledger(tmp_path)
    assert isinstance(ledger, CreatesFees)
    made = ledger.create_fee(_fee(ledger))
    assert (made.id, made.number) == ("FEE-INV-1", "FEE-INV-1")
    path = tmp_path / "books" / "invoices.fees.csv"
    assert ledger.fees_path == path
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == FEE_COLUMNS
        (row,) = list(reader)
    assert row["invoice_number"] == "INV-1" and row["contact_id"] == "C-1"
    assert (row["currency"], row["amount"]) == ("SAR", "50.00")
    assert row["reference"] == "Late fee INV-1" and "INV-1" in row["description"]
    assert row["issue_date"] == row["due_date"] == "2026-11-02"


def test_the_same_fee_again_adds_no_row_and_another_fee_adds_one(tmp_path):
    ledger = _ledger(tmp_path)
    first = ledger.create_fee(_fee(ledger))
    assert ledger.create_fee(_fee(ledger)) == first
    assert ledger.create_fee(_fee(ledger), settle=True) == first
    ledger.create_fee(_fee(ledger, "INV-2"))
    rows = read_fees(ledger.fees_path)
    assert [r["fee_number"] for r in rows] == ["FEE-INV-1", "FEE-INV-2"]
    (note,) = ledger.read_notes("FEE-INV-1")  # the fee's own note, once
    assert "late fee on invoice INV-1" in note["text"]


def test_the_file_is_replaced_whole_never_left_half_written(tmp_path, monkeypatch):
    ledger = _ledger(tmp_path)
    ledger.create_fee(_fee(ledger))
    before = ledger.fees_path.read_bytes()

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(LedgerUnavailable, match=r"INV-2.*fees\.csv"):
        ledger.create_fee(_fee(ledger, "INV-2"))
    assert ledger.fees_path.read_bytes() == before
    leftovers = [p.name for p in ledger.fees_path.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []
