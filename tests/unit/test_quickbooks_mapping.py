"""The pure QuickBooks mapping: statuses, contacts, languages and the note format."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.models import InvoiceStatus
from connectors.quickbooks import mapping

ROW = {
    "Id": "130",
    "DocNumber": "1037",
    "TxnDate": "2026-10-01",
    "DueDate": "2026-10-31",
    "CurrencyRef": {"value": "SAR"},
    "CustomerRef": {"value": "24", "name": "Rawda"},
    "BillEmail": {"Address": "ap@rawda.example, cfo@rawda.example"},
    "TotalAmt": Decimal("1150.00"),
    "Balance": 400,
    "MetaData": {"LastUpdatedTime": "2026-11-22T06:00:00-08:00"},
}


def test_invoice_keeps_decimal_money_and_aware_moments() -> None:
    contact = mapping.to_contact(None, ROW)
    invoice = mapping.to_invoice(ROW, contact)
    assert (invoice.total, invoice.amount_due) == (Decimal("1150.00"), Decimal("400"))
    assert invoice.status is InvoiceStatus.OPEN and invoice.updated_at is not None
    assert invoice.updated_at.utcoffset() is not None
    assert contact.name == "Rawda" and contact.emails == ("ap@rawda.example", "cfo@rawda.example")


PAYMENT = [{"TxnId": "190", "TxnType": "Payment"}]
# Intuit's voided invoice ("Voiding Invoice Objects", developer blog, 6 April 2016):
# no status attribute, amounts zeroed, "Voided" before the PrivateNote, no links.
VOIDED = {"TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided", "LinkedTxn": []}


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"Balance": 0, "LinkedTxn": PAYMENT}, InvoiceStatus.PAID),
        ({"Balance": 0}, InvoiceStatus.CREDITED),
        (
            {"Balance": 0, "LinkedTxn": [{"TxnId": "7", "TxnType": "Estimate"}]},
            InvoiceStatus.CREDITED,
        ),
        (VOIDED, InvoiceStatus.VOIDED),
        (
            {**VOIDED, "PrivateNote": "Voided Customer asked for monthly statements."},
            InvoiceStatus.VOIDED,
        ),
        ({"status": "Voided"}, InvoiceStatus.VOIDED),
        ({"status": "Deleted"}, InvoiceStatus.DELETED),
        ({"status": "Draft"}, InvoiceStatus.DRAFT),
        ({"status": "Synchronized"}, InvoiceStatus.OPEN),
    ],
)
def test_status_from_what_quickbooks_really_returns(extra: dict, status: InvoiceStatus) -> None:
    assert mapping.to_status({**ROW, **extra}) is status


def test_a_zero_dollar_payment_applies_a_credit_and_pays_nothing() -> None:
    row = {**ROW, "Balance": 0, "LinkedTxn": PAYMENT}
    credit = {
        "Id": "190",
        "TotalAmt": 0,
        "TxnDate": "2026-11-02",
        "Line": [
            {"Amount": 400, "LinkedTxn": [{"TxnId": "130", "TxnType": "Invoice"}]},
            {"Amount": 400, "LinkedTxn": [{"TxnId": "77", "TxnType": "CreditMemo"}]},
        ],
    }
    assert mapping.to_status(row, {"190": credit}) is InvoiceStatus.CREDITED
    assert mapping.to_status(row, {"190": {**credit, "TotalAmt": 400}}) is InvoiceStatus.PAID
    assert mapping.to_status(row, {}) is InvoiceStatus.PAID  # not read: the link is evidence
    assert mapping.paid_invoice_dates(credit) == {}
    assert mapping.payments_to_check(row) == ["190"] and mapping.payments_to_check(ROW) == []


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"CurrencyRef": {"value": "US$"}}, "CurrencyRef"),
        ({"CurrencyRef": "USD"}, "CurrencyRef"),
        ({"CurrencyRef": None}, "CurrencyRef"),
        ({"CustomerRef": None}, "CustomerRef"),
        ({"CustomerRef": "24"}, "CustomerRef"),
        ({"CustomerRef": {"value": {"id": 24}}}, "CustomerRef"),
        ({"Balance": "four hundred"}, "Balance"),
        ({"Balance": float("nan")}, "Balance"),
        ({"Balance": "Infinity"}, "Balance"),
        ({"Balance": {"value": 400}}, "Balance"),
        ({"TotalAmt": [1150]}, "TotalAmt"),
        ({"status": "Archived"}, "status"),
        ({"status": 3}, "status"),
        ({"BillEmail": "ap@rawda.example"}, "BillEmail"),
        ({"BillEmail": {"Address": ["ap@rawda.example"]}}, "BillEmail"),
        ({"DueDate": None}, "DueDate"),
        ({"DueDate": "31/10/2026"}, "DueDate"),
        ({"TxnDate": 20261001}, "TxnDate"),
        ({"Balance": 0, "LinkedTxn": {"TxnId": "190"}}, "LinkedTxn"),
    ],
)
def test_an_odd_value_is_a_mapping_error_naming_its_field(extra: dict, field: str) -> None:
    row = {**ROW, **extra}
    with pytest.raises(mapping.MappingError, match=field):
        mapping.to_invoice(row, mapping.to_contact(None, row))


def test_odd_but_harmless_values_pass() -> None:
    row = {**ROW, "CurrencyRef": {"value": "XCG"}, "CustomField": "junk", "BillEmail": {}}
    invoice = mapping.to_invoice(row, mapping.to_contact(None, row, language_field="Language"))
    assert invoice.currency == "XCG" and invoice.contact.emails == ()
    assert mapping.label({"Id": "9"}) == "9" and mapping.label({}) == "(no DocNumber or Id)"
    with pytest.raises(mapping.MappingError, match="PrimaryEmailAddr"):
        mapping.to_contact({"PrimaryEmailAddr": 7}, ROW, email_source="customer")


@pytest.mark.parametrize(
    ("value", "code"), [("Arabic", "ar"), ("ar-SA", "ar"), ("EN", "en"), ("Klingon", None)]
)
def test_language_from_a_custom_field(value: str, code: str | None) -> None:
    row = {**ROW, "CustomField": [{"Name": "Language", "StringValue": value}]}
    assert mapping.to_contact(None, row, language_field="language").language == code


def test_missing_fields_raise_mapping_errors() -> None:
    with pytest.raises(mapping.MappingError, match="CurrencyRef"):
        mapping.to_invoice({**ROW, "CurrencyRef": None}, mapping.to_contact(None, ROW))
    with pytest.raises(mapping.MappingError, match="CustomerRef"):
        mapping.to_contact(None, {**ROW, "CustomerRef": {}})


def test_append_note_is_idempotent_and_keeps_foreign_lines() -> None:
    first = mapping.append_note("Accountant: call Friday", "Reminder 1", "ob-1")
    assert first == "Accountant: call Friday\nTahseel [ob-1] Reminder 1"
    assert mapping.append_note(first, "Reminder 1", "ob-1") is None
    assert mapping.note_lines(first) == [("ob-1", "Reminder 1")]
    long_key = "x" * 80
    assert mapping.note_key(long_key) != long_key and len(mapping.note_key(long_key)) == 16


def test_append_note_trims_our_oldest_lines_then_clips_the_new_one() -> None:
    note = "A" * 50
    for n in range(5):
        note = mapping.append_note(note, "r" * 20, f"k{n}", limit=120) or note
    assert note.startswith("A" * 50) and len(note) <= 120
    assert [key for key, _ in mapping.note_lines(note)] == ["k3", "k4"]
    clipped = mapping.append_note("B" * 90, "z" * 50, "k9", limit=120)
    assert clipped is not None and len(clipped) == 120 and clipped.endswith("…")
    with pytest.raises(mapping.MappingError):
        mapping.append_note("C" * 115, "text", "k1", limit=120)
