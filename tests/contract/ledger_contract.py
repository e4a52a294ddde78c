"""The behaviour every Ledger implementation promises, written once.

A connector's contract test subclasses ``LedgerContract`` (its name starts with
``Test``) and implements ``make_ledger``: it receives ``SEED``, a list of
``Invoice`` objects, stores them its own way (a CSV file, an emulator's scripted
responses, a sandbox company) and returns a ``SeededLedger``. This module has no
``Test`` class of its own, so pytest collects nothing here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.base import Ledger
from connectors.models import Contact, Invoice, InvoiceStatus

_UPDATED = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)

_RAWDA = Contact(
    id="ct-c1",
    name="شركة الروضة للتجارة",
    emails=("ap@rawda.example.sa", "cfo@rawda.example.sa"),
    language="ar",
    timezone="Asia/Riyadh",
)
_NORTHWIND = Contact(id="ct-c2", name="Northwind Supplies", emails=("ap@northwind.example.com",))


def _invoice(
    number: str,
    status: InvoiceStatus,
    contact: Contact,
    total: str,
    due: str,
    reference: str | None = None,
) -> Invoice:
    return Invoice(
        id=f"id-{number.lower()}",
        number=number,
        contact=contact,
        currency="SAR" if contact is _RAWDA else "USD",
        total=Decimal(total),
        amount_due=Decimal(due),
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 10, 31),
        status=status,
        reference=reference,
        updated_at=_UPDATED,
    )


SEED: tuple[Invoice, ...] = (
    _invoice("CT-101", InvoiceStatus.OPEN, _RAWDA, "11500.00", "11500.00"),
    _invoice("CT-102", InvoiceStatus.OPEN, _NORTHWIND, "3000.00", "1200.50", "PO-77"),
    _invoice("CT-103", InvoiceStatus.PAID, _NORTHWIND, "640.00", "0.00"),
    _invoice("CT-104", InvoiceStatus.VOIDED, _RAWDA, "900.00", "900.00"),
    _invoice("CT-105", InvoiceStatus.DRAFT, _RAWDA, "2200.00", "2200.00"),
    _invoice("CT-106", InvoiceStatus.OPEN, _NORTHWIND, "75.00", "0.00"),
)
"""Open, partly paid, paid, voided, draft, and open with nothing left to pay.
Numbers have one length so that none is a part of another."""

OPEN_NUMBERS = frozenset({"CT-101", "CT-102"})


@dataclass
class SeededLedger:
    """A ledger holding ``SEED``, and what the contract needs to look inside it.

    Attributes:
        ledger: The implementation under test.
        read_notes: Texts of the notes recorded on an invoice, oldest first.
        ids: Invoice number to the ledger's id, for ledgers that choose their own ids.
        secrets: Strings that must never show in ``describe()`` (tokens, signed links).
    """

    ledger: Ledger
    read_notes: Callable[[Invoice], list[str]]
    ids: Mapping[str, str] = field(default_factory=lambda: {i.number: i.id for i in SEED})
    secrets: Sequence[str] = ()


class LedgerContract:
    """Contract tests for a ``Ledger``; subclass as ``Test<Implementation>``."""

    def make_ledger(self, tmp_path: Path, invoices: Sequence[Invoice]) -> SeededLedger:
        """Build the implementation under test holding exactly ``invoices``."""
        raise NotImplementedError

    @pytest.fixture
    def seeded(self, tmp_path: Path) -> SeededLedger:
        return self.make_ledger(tmp_path, SEED)

    @staticmethod
    def _all(seeded: SeededLedger) -> dict[str, Invoice]:
        found = seeded.ledger.get_invoices([seeded.ids[inv.number] for inv in SEED])
        return {invoice.number: invoice for invoice in found}

    def test_has_the_ledger_shape(self, seeded: SeededLedger) -> None:
        assert isinstance(seeded.ledger, Ledger)
        assert seeded.ledger.name and seeded.ledger.display_name

    def test_lists_exactly_the_open_invoices(self, seeded: SeededLedger) -> None:
        listed = list(seeded.ledger.list_open_invoices())
        assert sorted(invoice.number for invoice in listed) == sorted(OPEN_NUMBERS)
        assert seeded.ledger.problems == []

    def test_open_invoices_keep_money_and_contacts(self, seeded: SeededLedger) -> None:
        expected = {invoice.number: invoice for invoice in SEED}
        for invoice in seeded.ledger.list_open_invoices():
            seed = expected[invoice.number]
            assert isinstance(invoice.total, Decimal) and isinstance(invoice.amount_due, Decimal)
            assert (invoice.total, invoice.amount_due) == (seed.total, seed.amount_due)
            assert invoice.currency == seed.currency
            assert invoice.contact.name == seed.contact.name
            assert invoice.contact.emails == seed.contact.emails
            assert invoice.due_date == seed.due_date
            assert invoice.id == seeded.ids[invoice.number]

    def test_get_invoices_rereads_any_status(self, seeded: SeededLedger) -> None:
        found = self._all(seeded)
        assert set(found) == {invoice.number for invoice in SEED}
        for seed in SEED:
            assert found[seed.number].amount_due == seed.amount_due
            # Ledgers differ on a fully credited invoice: open with nothing due, or paid
            # (Xero). Either way it is settled.
            if seed.number != "CT-106":
                assert found[seed.number].status is seed.status
        assert found["CT-106"].is_paid and not found["CT-106"].is_open
        assert found["CT-102"].reference == "PO-77"

    def test_get_invoices_leaves_out_unknown_ids(self, seeded: SeededLedger) -> None:
        known = seeded.ids["CT-102"]
        found = seeded.ledger.get_invoices(["no-such-invoice", known])
        assert [invoice.number for invoice in found] == ["CT-102"]
        assert seeded.ledger.get_invoices([]) == []

    def test_payment_link_is_https_and_about_this_invoice_only(self, seeded: SeededLedger) -> None:
        invoices = list(self._all(seeded).values())
        for invoice in invoices:
            link = seeded.ledger.payment_link(invoice)
            if link is None:
                continue
            assert link.startswith("https://")
            for other in invoices:
                if other.number != invoice.number:
                    assert other.number not in link and other.id not in link

    def test_fetch_pdf_returns_a_pdf(self, seeded: SeededLedger) -> None:
        for invoice in seeded.ledger.list_open_invoices():
            document = seeded.ledger.fetch_pdf(invoice)
            assert isinstance(document, bytes) and document.startswith(b"%PDF")

    def test_add_note_is_idempotent_by_key(self, seeded: SeededLedger) -> None:
        found = self._all(seeded)
        invoice, other = found["CT-101"], found["CT-102"]
        seeded.ledger.add_note(invoice, "Reminder 1 sent to ap@rawda.example.sa", key="ob-1")
        seeded.ledger.add_note(invoice, "Reminder 1 sent to ap@rawda.example.sa", key="ob-1")
        seeded.ledger.add_note(invoice, "Customer promised to pay", key="ob-2")
        seeded.ledger.add_note(other, "Reminder 1 sent", key="ob-3")
        assert seeded.read_notes(invoice) == [
            "Reminder 1 sent to ap@rawda.example.sa",
            "Customer promised to pay",
        ]
        assert seeded.read_notes(other) == ["Reminder 1 sent"]

    def test_describe_shows_no_secret(self, seeded: SeededLedger) -> None:
        description = seeded.ledger.describe()
        assert description.strip()
        for secret in seeded.secrets:
            assert secret not in description
