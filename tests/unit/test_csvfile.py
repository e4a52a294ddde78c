"""FileLedger: reading invoice CSVs, bad rows, payment links and notes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors import csvfile
from connectors.csvfile import (
    COLUMNS,
    LINK_FIELDS,
    REQUIRED_COLUMNS,
    FileLedger,
    check_link_pattern,
)
from connectors.errors import LedgerDataError, LedgerUnavailable
from connectors.models import InvoiceStatus

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo" / "invoices.csv"
HEADER = "invoice_id,number,status,currency,total,amount_due,issue_date,due_date,contact_name"


def good(n: int, **overrides: str) -> str:
    """A valid row for HEADER, with some fields replaced."""
    fields = {
        "invoice_id": f"id-{n}",
        "number": f"INV-{n}",
        "status": "open",
        "currency": "sar",
        "total": "1,234.50",
        "amount_due": "1,234.50",
        "issue_date": "2026-10-01",
        "due_date": "2026-10-31",
        "contact_name": "Northwind",
    }
    fields.update(overrides)
    return ",".join(f'"{value}"' for value in fields.values())


def ledger_for(tmp_path: Path, *lines: str, header: str = HEADER, **kwargs: Any) -> FileLedger:
    path = tmp_path / "invoices.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return FileLedger(path, **kwargs)


def test_reads_a_good_row(tmp_path: Path) -> None:
    ledger = ledger_for(tmp_path, good(1))
    [invoice] = ledger.list_open_invoices()
    assert invoice.id == "id-1" and invoice.number == "INV-1"
    assert invoice.currency == "SAR"
    assert invoice.total == invoice.amount_due == Decimal("1234.50")
    assert invoice.due_date == date(2026, 10, 31)
    assert invoice.contact.id == "Northwind" and invoice.contact.emails == ()
    assert invoice.contact.language is None and invoice.updated_at is None
    assert ledger.problems == []


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("due_date", "31/11/2026", "due_date: expected a date like 2026-11-23, got '31/11/2026'"),
        ("due_date", "2026-11-31", "due_date: expected a date like 2026-11-23, got '2026-11-31'"),
        ("issue_date", "20261001", "issue_date: expected a date like 2026-11-23"),
        ("amount_due", "12.3.4", "amount_due: expected an amount like 1,234.50, got '12.3.4'"),
        ("amount_due", "-5.00", "amount_due: expected an amount like 1,234.50"),
        ("amount_due", "1,2", "amount_due: expected an amount like 1,234.50"),
        ("amount_due", "2,000.00", "amount_due: is more than the total 1234.50"),
        ("total", "lots", "total: expected an amount like 1,234.50, got 'lots'"),
        ("status", "pending", "status: expected draft, open, paid, voided or deleted"),
        ("currency", "riyal", "currency: expected a three-letter currency code like SAR"),
        ("contact_name", " ", "contact_name: a value is required"),
        ("due_date", "", "due_date: a value is required"),
        ("status", "", "status: a value is required"),
    ],
)
def test_bad_row_becomes_a_problem(tmp_path: Path, field: str, value: str, expected: str) -> None:
    ledger = ledger_for(tmp_path, good(1), good(2, **{field: value}), good(3))
    numbers = [invoice.number for invoice in ledger.list_open_invoices()]
    assert numbers == ["INV-1", "INV-3"]
    [problem] = ledger.problems
    assert problem.startswith(f"invoices.csv:3: {expected}")
    assert problem.endswith("(invoice INV-2)")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("emails", "ap@example.sa;not-an-address", "emails: expected addresses like"),
        ("emails", "ap at example.sa", "emails: expected addresses like"),
        ("language", "fr", "language: expected one of en, ar, got 'fr'"),
        ("timezone", "Mars/Olympus", "timezone: expected an IANA time zone like Asia/Riyadh"),
        ("updated_at", "yesterday", "updated_at: expected a moment like 2026-11-22T06:00:00Z"),
    ],
)
def test_bad_optional_value_becomes_a_problem(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    header = f"{HEADER},{column}"
    ledger = ledger_for(tmp_path, good(1) + ",", good(2) + f",{value}", header=header)
    assert [invoice.number for invoice in ledger.get_invoices(["id-1", "id-2"])] == ["INV-1"]
    [problem] = ledger.problems
    assert problem.startswith(f"invoices.csv:3: {message}") and "(invoice INV-2)" in problem


def test_every_problem_of_a_row_is_reported(tmp_path: Path) -> None:
    ledger = ledger_for(tmp_path, good(1, due_date="soon", currency="xx", number=""))
    assert list(ledger.list_open_invoices()) == []
    assert ledger.problems == [
        "invoices.csv:2: number: a value is required (invoice id-1)",
        "invoices.csv:2: currency: expected a three-letter currency code like SAR, got 'xx'"
        " (invoice id-1)",
        "invoices.csv:2: due_date: expected a date like 2026-11-23, got 'soon' (invoice id-1)",
    ]


def test_duplicate_invoice_id_keeps_the_first(tmp_path: Path) -> None:
    ledger = ledger_for(tmp_path, good(1), good(2, invoice_id="id-1"))
    assert [invoice.number for invoice in ledger.list_open_invoices()] == ["INV-1"]
    assert ledger.problems == [
        "invoices.csv:3: invoice_id: 'id-1' is already used on line 2 (invoice INV-2)"
    ]


def test_problems_are_reset_on_each_read(tmp_path: Path) -> None:
    ledger = ledger_for(tmp_path, good(1, due_date="x"))
    list(ledger.list_open_invoices())
    assert len(ledger.problems) == 1
    ledger.path.write_text(f"{HEADER}\n{good(1)}\n", encoding="utf-8")
    assert len(list(ledger.list_open_invoices())) == 1
    assert ledger.problems == []


def test_bom_header_case_column_order_and_extra_columns(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    text = (
        " Due_Date ,Notes,CONTACT_NAME,amount_due,currency,status,number,invoice_id\n"
        '2026-10-31,"anything, really",شركة تمور الرياض,"1,000",SAR,Awaiting Payment,INV-9,x9\n'
    )
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    [invoice] = FileLedger(path).list_open_invoices()
    assert invoice.id == "x9" and invoice.contact.name == "شركة تمور الرياض"
    assert invoice.total == invoice.amount_due == Decimal("1000")
    assert invoice.issue_date == invoice.due_date == date(2026, 10, 31)


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("OPEN", InvoiceStatus.OPEN),
        ("authorised", InvoiceStatus.OPEN),
        ("AUTHORIZED", InvoiceStatus.OPEN),
        ("Submitted", InvoiceStatus.OPEN),
        ("sent", InvoiceStatus.OPEN),
        ("awaiting_payment", InvoiceStatus.OPEN),
        ("Draft", InvoiceStatus.DRAFT),
        ("paid", InvoiceStatus.PAID),
        ("void", InvoiceStatus.VOIDED),
        ("Voided", InvoiceStatus.VOIDED),
        ("deleted", InvoiceStatus.DELETED),
    ],
)
def test_status_words(tmp_path: Path, word: str, status: InvoiceStatus) -> None:
    ledger = ledger_for(tmp_path, good(1, status=word))
    [invoice] = ledger.get_invoices(["id-1"])
    assert invoice.status is status
    assert ledger.problems == []


def test_only_open_invoices_with_money_owing_are_listed(tmp_path: Path) -> None:
    rows = [
        good(1),
        good(2, status="paid", amount_due="0"),
        good(3, status="draft"),
        good(4, status="voided"),
        good(5, amount_due="0.00"),
        good(6, amount_due="100.00"),
    ]
    ledger = ledger_for(tmp_path, *rows)
    assert [invoice.number for invoice in ledger.list_open_invoices()] == ["INV-1", "INV-6"]
    assert [invoice.number for invoice in ledger.get_invoices(["id-4", "nope", "id-2"])] == [
        "INV-4",
        "INV-2",
    ]


def test_since_filters_by_updated_at(tmp_path: Path) -> None:
    header = f"{HEADER},updated_at"
    rows = [
        good(1) + ",2026-11-20T06:00:00Z",
        good(2) + ",2026-11-22T09:00:00+03:00",
        good(3) + ",2026-11-22T07:00:00",
        good(4) + ",",
    ]
    ledger = ledger_for(tmp_path, *rows, header=header)
    since = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    assert [i.number for i in ledger.list_open_invoices(since)] == ["INV-2", "INV-3", "INV-4"]
    later = datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    assert [i.number for i in ledger.list_open_invoices(later)] == ["INV-3", "INV-4"]
    naive = datetime(2026, 11, 22, 6, 30)
    assert [i.number for i in ledger.list_open_invoices(naive)] == ["INV-3", "INV-4"]
    assert len(list(ledger.list_open_invoices())) == 4
    [third] = ledger.get_invoices(["id-3"])
    assert third.updated_at == datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    ledger = FileLedger(tmp_path / "nowhere.csv")
    with pytest.raises(LedgerDataError, match="nowhere.csv"):
        ledger.list_open_invoices()


def test_missing_required_column_names_file_and_column(tmp_path: Path) -> None:
    ledger = ledger_for(tmp_path, "x", header="invoice_id,number,status,currency,amount_due")
    with pytest.raises(LedgerDataError, match=r"invoices\.csv.*due_date, contact_name"):
        ledger.get_invoices(["x"])


@pytest.mark.parametrize("content", [b"", b"\xff\xfe not utf-8"])
def test_empty_or_binary_file_is_a_data_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "invoices.csv"
    path.write_bytes(content)
    with pytest.raises(LedgerDataError, match="invoices.csv"):
        FileLedger(path).list_open_invoices()


def test_emails_split_on_semicolons_and_commas(tmp_path: Path) -> None:
    header = f"{HEADER},emails,language,timezone"
    row = good(1) + ',"a@example.com; b@example.sa,c@example.com",AR,Asia/Riyadh'
    [invoice] = ledger_for(tmp_path, row, header=header).list_open_invoices()
    assert invoice.contact.emails == ("a@example.com", "b@example.sa", "c@example.com")
    assert invoice.contact.language == "ar" and invoice.contact.timezone == "Asia/Riyadh"


def test_payment_link_quotes_values(tmp_path: Path) -> None:
    header = f"{HEADER},contact_id"
    row = good(1, number="INV 1/2&x") + ",مؤسسة"
    pattern = "https://pay.example.com/{number}?amount={amount_due}&c={currency}&who={contact_id}"
    ledger = ledger_for(tmp_path, row, header=header, payment_link=pattern)
    [invoice] = ledger.list_open_invoices()
    assert ledger.payment_link(invoice) == (
        "https://pay.example.com/INV%201%2F2%26x?amount=1234.50&c=SAR"
        "&who=%D9%85%D8%A4%D8%B3%D8%B3%D8%A9"
    )
    link = FileLedger(ledger.path, payment_link="https://p.example.com/{id}").payment_link(invoice)
    assert link == "https://p.example.com/id-1"
    assert FileLedger(ledger.path).payment_link(invoice) is None


@pytest.mark.parametrize(
    "pattern",
    [
        "https://pay.example.com/{number.__class__}",
        "https://pay.example.com/{number[0]}",
        "https://pay.example.com/{contact}",
        "https://pay.example.com/{}",
    ],
)
def test_attribute_access_and_unknown_fields_are_refused(tmp_path: Path, pattern: str) -> None:
    problems = check_link_pattern(pattern)
    assert len(problems) == 1 and "unknown field" in problems[0]
    with pytest.raises(LedgerDataError, match="unknown field"):
        FileLedger(tmp_path / "invoices.csv", payment_link=pattern)


def test_columns_constant_matches_the_documentation() -> None:
    assert set(REQUIRED_COLUMNS) < set(COLUMNS) and len(COLUMNS) == 21
    doc = csvfile.__doc__ or ""
    for column in COLUMNS:
        assert re.search(rf"^{column} +(yes|no) ", doc, re.M), column
    for column in REQUIRED_COLUMNS:
        assert re.search(rf"^{column} +yes ", doc, re.M), column


def test_check_link_pattern() -> None:
    fields = "".join("{" + name + "}" for name in LINK_FIELDS)
    assert check_link_pattern(f"https://pay.example.com/{fields}") == []
    assert check_link_pattern("http://localhost:8000/pay/{number}") == []
    assert "https://" in check_link_pattern("javascript:alert({number})")[0]
    assert len(check_link_pattern("ftp://x.example.com/{nope}")) == 2


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("https://pay.example.com/{number", "not closed"),
        ("https://pay.example.com/number}", "not opened"),
        ("https://pay.example.com/{{number}}", "brace outside a field"),
        ("https://pay.example.com/{number!r}", "write the field as {number}"),
        ("https://pay.example.com/{amount_due:.2f}", "write the field as {amount_due}"),
    ],
)
def test_malformed_braces_are_refused(tmp_path: Path, pattern: str, words: str) -> None:
    """Braces are read as string.Formatter reads them; a link is never sent half filled."""
    problems = check_link_pattern(pattern)
    assert len(problems) == 1 and words in problems[0], problems
    with pytest.raises(LedgerDataError, match="payment link"):
        FileLedger(tmp_path / "invoices.csv", payment_link=pattern)


def test_add_note_is_idempotent_and_durable(tmp_path: Path) -> None:
    ledger = ledger_for(tmp_path, good(1), good(2))
    first, second = ledger.get_invoices(["id-1", "id-2"])
    ledger.add_note(first, 'Reminder "1", sent\nto ap@example.sa', key="ob-1")
    ledger.add_note(first, "something else", key="ob-1")
    ledger.add_note(second, "Thank-you sent", key="ob-2")
    assert ledger.notes_path == tmp_path / "invoices.notes.csv"
    reopened = FileLedger(ledger.path)
    notes = reopened.read_notes("INV-1")
    assert [(n["invoice_id"], n["key"], n["text"]) for n in notes] == [
        ("id-1", "ob-1", 'Reminder "1", sent\nto ap@example.sa')
    ]
    assert datetime.fromisoformat(notes[0]["at"]).utcoffset() == timedelta(0)
    assert [n["key"] for n in reopened.read_notes()] == ["ob-1", "ob-2"]


def test_notes_path_can_be_chosen_and_read_before_any_note(tmp_path: Path) -> None:
    notes = tmp_path / "state" / "notes.csv"
    ledger = ledger_for(tmp_path, good(1), notes_path=notes)
    assert ledger.read_notes() == []
    [invoice] = ledger.get_invoices(["id-1"])
    ledger.add_note(invoice, "hello", key="k")
    header = notes.read_text(encoding="utf-8").splitlines()[0]
    assert header == "at,invoice_id,invoice_number,key,text"


def test_unwritable_notes_raise_ledger_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    ledger = ledger_for(tmp_path, good(1), notes_path=blocker / "notes.csv")
    [invoice] = ledger.get_invoices(["id-1"])
    with pytest.raises(LedgerUnavailable, match="notes.csv"):
        ledger.add_note(invoice, "hello", key="k")


def test_describe_masks_the_link(tmp_path: Path) -> None:
    ledger = ledger_for(tmp_path, payment_link="https://pay.example.com/t0ken/{number}?k=s3cret")
    text = ledger.describe()
    assert "invoices.csv" in text and "pay.example.com" in text
    assert "s3cret" not in text and "t0ken" not in text


def test_fetch_pdf_renders_the_invoice(tmp_path: Path) -> None:
    ledger = ledger_for(tmp_path, good(1), business_name="Nakheel Trading Co.")
    [invoice] = ledger.list_open_invoices()
    assert ledger.fetch_pdf(invoice).startswith(b"%PDF")


def test_demo_ledger_loads_cleanly() -> None:
    ledger = FileLedger(DEMO)
    ids = [f"dmo-{n:04d}" for n in range(1, 15)]
    invoices = ledger.get_invoices(ids)
    assert ledger.problems == []
    assert [invoice.number for invoice in invoices] == [f"INV-{n}" for n in range(1001, 1015)]
    by_number = {invoice.number: invoice for invoice in invoices}
    anchor = date(2026, 11, 23)
    assert anchor.weekday() == 0
    assert by_number["INV-1002"].due_date == anchor
    assert by_number["INV-1005"].due_date == anchor - timedelta(days=75)
    assert by_number["INV-1011"].amount_due == Decimal("1200.00")
    assert by_number["INV-1010"].contact.emails == ()
    assert by_number["INV-1006"].contact.timezone == "Asia/Riyadh"
    assert by_number["INV-1009"].contact == by_number["INV-1001"].contact
    open_numbers = {invoice.number for invoice in ledger.list_open_invoices()}
    assert open_numbers == set(by_number) - {"INV-1008", "INV-1009"}
    for invoice in invoices:
        assert all(e.rsplit(".", 1)[0].endswith("example") for e in invoice.contact.emails)
