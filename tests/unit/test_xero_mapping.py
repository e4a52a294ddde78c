"""connectors.xero.mapping on SDK model objects built in memory."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from xero_python.accounting import Contact, ContactPerson, CurrencyCode
from xero_python.accounting import Invoice as XeroInvoice

from connectors.models import InvoiceStatus
from connectors.xero import mapping


def _invoice(**changes: object) -> XeroInvoice:
    fields = dict(
        invoice_id="5f1c",
        invoice_number="INV-9",
        type="ACCREC",
        status="AUTHORISED",
        currency_code=CurrencyCode.KWD,
        total=Decimal("10.125"),
        amount_due=Decimal("4.5"),
        date=date(2026, 1, 2),
        due_date=date(2026, 2, 1),
        updated_date_utc=datetime(2026, 1, 3, 4, 5),
    )
    fields.update(changes)
    return XeroInvoice(**fields)


def test_invoice_maps_money_dates_and_status() -> None:
    contact = mapping.to_contact(Contact(contact_id="c1", name="Rawda"), language="ar")
    invoice = mapping.to_invoice(_invoice(), contact)
    assert (invoice.total, invoice.amount_due, invoice.currency) == (
        Decimal("10.125"),
        Decimal("4.5"),
        "KWD",
    )
    assert invoice.updated_at == datetime(2026, 1, 3, 4, 5, tzinfo=UTC)
    assert invoice.status is InvoiceStatus.OPEN and invoice.contact.language == "ar"


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("SUBMITTED", InvoiceStatus.DRAFT),
        ("PAID", InvoiceStatus.PAID),
        ("VOIDED", InvoiceStatus.VOIDED),
        ("DELETED", InvoiceStatus.DELETED),
    ],
)
def test_statuses(status: str, expected: InvoiceStatus) -> None:
    assert mapping.to_status(status) is expected


def test_missing_number_is_a_mapping_error() -> None:
    with pytest.raises(mapping.MappingError, match="InvoiceNumber"):
        mapping.to_invoice(
            _invoice(invoice_number=None), mapping.to_contact(Contact(contact_id="c"))
        )


def test_open_receivable_needs_accrec_authorised_and_money_due() -> None:
    assert mapping.is_open_receivable(_invoice())
    assert not mapping.is_open_receivable(_invoice(type="ACCPAY"))
    assert not mapping.is_open_receivable(_invoice(amount_due=Decimal("0")))
    assert not mapping.is_open_receivable(_invoice(status="DRAFT"))


def test_emails_are_own_then_included_persons_without_repeats() -> None:
    contact = Contact(
        contact_id="c",
        name="N",
        email_address="ap@x.example",
        contact_persons=[
            ContactPerson(email_address="b@x.example", include_in_emails=True),
            ContactPerson(email_address="c@x.example", include_in_emails=False),
            ContactPerson(email_address="ap@x.example", include_in_emails=True),
            ContactPerson(email_address=" ", include_in_emails=True),
        ],
    )
    assert mapping.contact_emails(contact) == ("ap@x.example", "b@x.example")


def test_notes_fit_xero_history_limit() -> None:
    assert mapping.clip_note("short\nnote") == "short note"
    clipped = mapping.clip_note("word " * 100)
    assert len(clipped) == mapping.NOTE_LIMIT and clipped.endswith("…")
