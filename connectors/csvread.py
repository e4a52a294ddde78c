"""Reading the invoices CSV that ``connectors.csvfile`` documents: rows and their problems.

Every row is parsed column by column (status, currency, amounts, dates, addresses,
language, time zone); a row with any bad value is left out and each problem described
as ``<file>:<line>: <column>: <what is wrong> (invoice <number>)``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.errors import LedgerDataError, LedgerUnavailable
from connectors.models import Contact, Invoice, InvoiceStatus, PaidInvoice

COLUMNS = tuple(
    "invoice_id number status currency total amount_due issue_date due_date reference "
    "contact_id contact_name emails language timezone updated_at paid_date".split()
)
"""Every column FileLedger reads, in the documented order."""

REQUIRED_COLUMNS = tuple(
    "invoice_id number status currency amount_due due_date contact_name".split()
)
"""Columns the invoices file must have; the others are optional."""

_SYNONYMS = {
    InvoiceStatus.OPEN: ("authorised", "authorized", "submitted", "sent", "awaiting payment"),
    InvoiceStatus.VOIDED: ("void",),
}
_STATUSES = {status.value: status for status in InvoiceStatus} | {
    word: status for status, words in _SYNONYMS.items() for word in words
}
_LANGUAGES = ("en", "ar")
_AMOUNT = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\].]+(?:\.[^@\s<>(),;:\"\[\].]+)+")

T = TypeVar("T")


def load_invoices(path: Path) -> tuple[list[Invoice], list[str]]:
    """Read every readable invoice from a CSV file.

    Args:
        path: The invoices CSV.

    Returns:
        The invoices in file order, and one line per row left out.

    Raises:
        LedgerDataError: The file is missing, is not UTF-8 CSV or lacks a required column.
        LedgerUnavailable: The file exists but could not be read just now.
    """
    rows, problems = _load_rows(path)
    return [invoice for invoice, _ in rows], problems


def load_paid_invoices(path: Path) -> tuple[list[PaidInvoice], list[str]]:
    """Read the invoices paid in full that say when (``paid_date``) from a CSV file.

    Args:
        path: The invoices CSV.

    Returns:
        The paid invoices in file order, and one line per row left out.

    Raises:
        LedgerDataError: As ``load_invoices``.
        LedgerUnavailable: As ``load_invoices``.
    """
    rows, problems = _load_rows(path)
    paid = [
        PaidInvoice(
            id=inv.id,
            number=inv.number,
            contact=inv.contact,
            currency=inv.currency,
            total=inv.total,
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            paid_date=paid_date,
        )
        for inv, paid_date in rows
        if paid_date is not None and inv.is_paid
    ]
    return paid, problems


def _load_rows(path: Path) -> tuple[list[tuple[Invoice, date | None]], list[str]]:
    reader = csv.reader(io.StringIO(_read_text(path), newline=""))
    try:
        columns = _read_header(reader, path)
        rows: list[tuple[Invoice, date | None]] = []
        problems: list[str] = []
        first_line: dict[str, int] = {}
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            row = _Row(dict(zip(columns, values, strict=False)))
            invoice = _to_invoice(row)
            paid_date = row.parse("paid_date", _parse_date)
            if invoice is not None and invoice.id in first_line:
                row.fail(
                    "invoice_id", f"{invoice.id!r} is already used on line {first_line[invoice.id]}"
                )
            if row.errors:
                problems.extend(row.describe(path.name, reader.line_num))
            elif invoice is not None:
                first_line[invoice.id] = reader.line_num
                rows.append((invoice, paid_date))
    except csv.Error as exc:
        raise LedgerDataError(f"csv: {path}:{reader.line_num}: {exc}") from exc
    return rows, problems


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise LedgerDataError(f"csv: {path}: cannot read: {exc.strerror}") from exc
    except OSError as exc:
        raise LedgerUnavailable(f"csv: {path}: cannot read: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise LedgerDataError(f"csv: {path}: not UTF-8 text (byte {exc.start})") from exc


def _read_header(reader: Iterator[list[str]], path: Path) -> list[str]:
    header = next(reader, None)
    if not header or not any(name.strip() for name in header):
        raise LedgerDataError(f"csv: {path}: no header row")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise LedgerDataError(f"csv: {path}: missing required column(s): {', '.join(missing)}")
    return columns


class _Row:
    """One data row, collecting every problem instead of stopping at the first."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.errors: list[tuple[str, str]] = []

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(column, "").strip()
        if required and not value:
            self.fail(column, "a value is required")
        return value

    def parse(self, column: str, parser: Callable[[str], T], *, required: bool = False) -> T | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            return parser(value)
        except ValueError as exc:
            self.fail(column, f"{exc}, got {value!r}")
            return None

    def fail(self, column: str, message: str) -> None:
        self.errors.append((column, message))

    def describe(self, filename: str, line: int) -> list[str]:
        label = self.text("number") or self.text("invoice_id")
        suffix = f" (invoice {label})" if label else ""
        return [
            f"{filename}:{line}: {column}: {message}{suffix}" for column, message in self.errors
        ]


def _to_invoice(row: _Row) -> Invoice | None:
    invoice_id = row.text("invoice_id", required=True)
    number = row.text("number", required=True)
    status = row.parse("status", _parse_status, required=True)
    currency = row.parse("currency", _parse_currency, required=True)
    amount_due = row.parse("amount_due", _parse_amount, required=True)
    total = row.parse("total", _parse_amount) if row.text("total") else amount_due
    due_date = row.parse("due_date", _parse_date, required=True)
    issue_date = row.parse("issue_date", _parse_date) if row.text("issue_date") else due_date
    updated_at = row.parse("updated_at", _parse_moment)
    contact = _to_contact(row)
    if total is not None and amount_due is not None and amount_due > total:
        row.fail("amount_due", f"is more than the total {total}")
    if row.errors or contact is None:
        return None
    assert status and currency and total is not None and amount_due is not None
    assert due_date and issue_date
    return Invoice(
        id=invoice_id,
        number=number,
        contact=contact,
        currency=currency,
        total=total,
        amount_due=amount_due,
        issue_date=issue_date,
        due_date=due_date,
        status=status,
        reference=row.text("reference") or None,
        updated_at=updated_at,
    )


def _to_contact(row: _Row) -> Contact | None:
    name = row.text("contact_name", required=True)
    emails = row.parse("emails", _parse_emails) or ()
    language = row.parse("language", _parse_language)
    timezone = row.parse("timezone", _parse_timezone)
    if not name:
        return None
    contact_id = row.text("contact_id") or name
    return Contact(id=contact_id, name=name, emails=emails, language=language, timezone=timezone)


def _parse_status(value: str) -> InvoiceStatus:
    word = " ".join(value.lower().replace("_", " ").split())
    if word not in _STATUSES:
        raise ValueError("expected draft, open, paid, voided or deleted")
    return _STATUSES[word]


def _parse_currency(value: str) -> str:
    code = value.upper()
    if not _CURRENCY.fullmatch(code):
        raise ValueError("expected a three-letter currency code like SAR")
    return code


def _parse_amount(value: str) -> Decimal:
    if not _AMOUNT.fullmatch(value):
        raise ValueError("expected an amount like 1,234.50")
    return Decimal(value.replace(",", ""))


def _parse_date(value: str) -> date:
    if _DATE.fullmatch(value):
        with contextlib.suppress(ValueError):
            return date.fromisoformat(value)
    raise ValueError("expected a date like 2026-11-23")


def _parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("expected a moment like 2026-11-22T06:00:00Z") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _parse_emails(value: str) -> tuple[str, ...]:
    emails = tuple(part.strip() for part in re.split(r"[;,]", value) if part.strip())
    for email in emails:
        if not _EMAIL.fullmatch(email):
            raise ValueError(f"expected addresses like name@example.com, {email!r} is not one")
    return emails


def _parse_language(value: str) -> str:
    code = value.lower()
    if code not in _LANGUAGES:
        raise ValueError(f"expected one of {', '.join(_LANGUAGES)}")
    return code


def _parse_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("expected an IANA time zone like Asia/Riyadh") from None
    return value
