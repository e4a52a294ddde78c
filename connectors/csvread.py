"""Reading the invoices CSV that ``connectors.csvfile`` documents: rows and their problems.

Every row is parsed column by column (status, currency, amounts, dates, addresses,
language, time zone) under the file's declared format (``connectors.csvformat``); a
row with any bad value is left out and each problem described as a ``RowProblem``:
``<file>:<line>: <column>: <what is wrong>, got <value> (invoice <number>)``. An invoice
number used by two rows is a problem too, though both rows are read.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from connectors.addresses import parse_addresses, parse_channels, parse_phones
from connectors.csvformat import (
    CsvFormat,
    Hint,
    RowProblem,
    Unaccepted,
    decimal_hint,
    delimiter_hint,
    encoding_hint,
    parse_amount,
    parse_currency,
    parse_date,
    parse_language,
    parse_moment,
    parse_timezone,
)
from connectors.errors import LedgerDataError, LedgerUnavailable
from connectors.models import Contact, Invoice, InvoiceStatus, PaidInvoice

COLUMNS = tuple(
    "invoice_id number status currency total amount_due issue_date due_date reference "
    "contact_id contact_name emails language timezone updated_at paid_date pdf_path"
    " salutation policy phones channels".split()
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
_GONE = (InvoiceStatus.VOIDED, InvoiceStatus.DELETED)

T = TypeVar("T")
_Memo = dict[tuple[object, object], object]


@dataclass
class Reading:
    """What one read of the file gave: the readable rows and the problems of the others.

    Attributes:
        rows: ``(invoice, paid_date)`` per readable row, in file order.
        problems: One per bad value of a left-out row, and one per invoice number
            that two or more rows share.
        pdf_paths: The ``pdf_path`` written on a readable row, with its line, by
            invoice id (``connectors.csvpdf`` reads the files).
    """

    rows: list[tuple[Invoice, date | None]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    pdf_paths: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def invoices(self) -> list[Invoice]:
        """The readable invoices, in file order."""
        return [invoice for invoice, _ in self.rows]

    @property
    def paid(self) -> list[PaidInvoice]:
        """The paid invoices that say when (``paid_date``), in file order."""
        return [
            PaidInvoice.of(invoice, paid_date)
            for invoice, paid_date in self.rows
            if paid_date is not None and invoice.is_paid
        ]


def load_invoices(path: Path, fmt: CsvFormat | None = None) -> tuple[list[Invoice], list[str]]:
    """Read every readable invoice from a CSV file.

    Args:
        path: The invoices CSV.
        fmt: How the file writes its values; the documented defaults when None.

    Returns:
        The invoices in file order, and one line per problem (see ``read_file``).

    Raises:
        LedgerDataError: The file is missing, is not in its encoding or lacks a
            required column.
        LedgerUnavailable: The file exists but could not be read just now.
    """
    reading = read_file(path, fmt)
    return reading.invoices, [str(p) for p in reading.problems]


def load_paid_invoices(
    path: Path, fmt: CsvFormat | None = None
) -> tuple[list[PaidInvoice], list[str]]:
    """Read the invoices paid in full that say when (``paid_date``) from a CSV file.

    Args:
        path: The invoices CSV.
        fmt: As ``load_invoices``.

    Returns:
        The paid invoices in file order, and one line per problem.

    Raises:
        LedgerDataError: As ``load_invoices``.
        LedgerUnavailable: As ``load_invoices``.
    """
    reading = read_file(path, fmt)
    return reading.paid, [str(p) for p in reading.problems]


def read_file(path: Path, fmt: CsvFormat | None = None) -> Reading:
    """Read every row of the invoices CSV, keeping the problems as data.

    Raises:
        LedgerDataError: As ``load_invoices``.
        LedgerUnavailable: As ``load_invoices``.
    """
    fmt = fmt or CsvFormat()
    text = _read_text(path, fmt)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter)
    reading = Reading()
    try:
        columns = _read_header(reader, path, fmt)
        first_line: dict[str, int] = {}
        # The first invoice id of each number; the places of a number only once shared
        # (a list a row would cost memory at 100,000 rows).
        first_id: dict[str, str] = {}
        shared: dict[str, list[tuple[int, str]]] = defaultdict(list)
        memo: _Memo = {}
        name = path.name
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            stripped = [value.strip() for value in values]
            row = _Row(dict(zip(columns, stripped, strict=False)), name, reader.line_num, memo)
            if len(values) > len(columns):
                row.fail(
                    "row",
                    f"has {len(values)} values for {len(columns)} columns; a value holding"
                    f" {fmt.delimiter!r} (an amount like 1{fmt.delimiter}000) needs quotes",
                )
            invoice = _to_invoice(row, fmt)
            paid_date = row.parse("paid_date", parse_date)
            if invoice is not None and invoice.id in first_line:
                row.fail(
                    "invoice_id", f"{invoice.id!r} is already used on line {first_line[invoice.id]}"
                )
            if row.problems:
                reading.problems.extend(row.problems)
            elif invoice is not None:
                first_line[invoice.id] = reader.line_num
                reading.rows.append((invoice, paid_date))
                if row.text("pdf_path"):
                    reading.pdf_paths[invoice.id] = (reader.line_num, row.text("pdf_path"))
                if invoice.status not in _GONE:
                    earlier = first_id.setdefault(invoice.number, invoice.id)
                    if earlier != invoice.id:
                        places = shared[invoice.number]
                        if not places:
                            places.append((first_line[earlier], earlier))
                        places.append((reader.line_num, invoice.id))
    except csv.Error as exc:
        raise LedgerDataError(f"csv: {path}:{reader.line_num}: {exc}") from exc
    reading.problems.extend(_shared_numbers(path.name, shared))
    return reading


def sniff(path: Path, fmt: CsvFormat | None = None) -> list[Hint]:
    """The settings that would read the file, when the declared format does not.

    Looks at the encoding, then the header's delimiter, then the amounts' separators,
    each under the settings the previous steps found. Guesses only to advise: the
    file is always read as declared.

    Args:
        path: The invoices CSV; a file that cannot be opened gives no hints.
        fmt: The declared format.
    """
    fmt = fmt or CsvFormat()
    try:
        data = path.read_bytes()
    except OSError:
        return []
    hints: list[Hint] = []
    found = encoding_hint(data, fmt)
    if found:
        hints.append(found)
        fmt = replace(fmt, encoding=str(found.value))
    try:
        text = fmt.decode(data)
    except UnicodeDecodeError:
        return hints
    found = delimiter_hint(text.partition("\n")[0], fmt, REQUIRED_COLUMNS)
    if found:
        hints.append(found)
        fmt = replace(fmt, delimiter=str(found.value))
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter)
    try:
        columns = [name.strip().lower() for name in next(rows, [])]
        amounts = [
            (row.get(column, "").strip(), row.get("currency", "").strip().upper() or None)
            for row in (dict(zip(columns, values, strict=False)) for values in rows)
            for column in ("amount_due", "total")
        ]
    except csv.Error:
        return hints
    return hints + decimal_hint(amounts, fmt)


def _shared_numbers(filename: str, numbers: dict[str, list[tuple[int, str]]]) -> list[RowProblem]:
    problems = []
    for number, places in numbers.items():
        if len(places) < 2:
            continue
        lines = ", ".join(str(line) for line, _ in places[:-1]) + f" and {places[-1][0]}"
        ids = ", ".join(invoice_id for _, invoice_id in places)
        message = (
            f"{number!r} is the number of the rows on lines {lines} (invoice ids {ids});"
            " give each invoice its own number, and name it by its id in pause, resume"
            " and snooze"
        )
        problems.append(RowProblem(filename, places[0][0], "number", message, invoice=number))
    return problems


def _read_text(path: Path, fmt: CsvFormat) -> str:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise LedgerDataError(f"csv: {path}: cannot read: {exc.strerror}") from exc
    except OSError as exc:
        raise LedgerUnavailable(f"csv: {path}: cannot read: {exc.strerror}") from exc
    try:
        return fmt.decode(data)
    except UnicodeDecodeError as exc:
        more = "".join(f"; {hint}" for hint in sniff(path, fmt))
        raise LedgerDataError(
            f"csv: {path}: not {fmt.encoding} text (byte {exc.start}){more}"
        ) from exc


def _read_header(reader: Iterator[list[str]], path: Path, fmt: CsvFormat) -> list[str]:
    header = next(reader, None)
    if not header or not any(name.strip() for name in header):
        raise LedgerDataError(f"csv: {path}: no header row")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        more = "".join(f"; {hint}" for hint in sniff(path, fmt))
        raise LedgerDataError(
            f"csv: {path}: missing required column(s): {', '.join(missing)}{more}"
        )
    return columns


class _Row:
    """One data row (its values stripped), collecting every problem, not only the first.

    ``memo`` is shared by the rows of one file: the values parsed so far, by (parser,
    text), and the contacts made; a ledger repeats its dates, customers and currencies.
    """

    def __init__(self, values: dict[str, str], filename: str, line: int, memo: _Memo) -> None:
        self.values = values
        self.filename = filename
        self.line = line
        self.problems: list[RowProblem] = []
        self.memo = memo

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(column, "")
        if required and not value:
            self.fail(column, "a value is required")
        return value

    def parse(self, column: str, parser: Callable[[str], T], *, required: bool = False) -> T | None:
        value = self.text(column, required=required)
        if not value:
            return None
        found = self.memo.get((parser, value))  # no parser answers None
        if found is not None:
            return found  # type: ignore[return-value]
        try:
            parsed = parser(value)
        except ValueError as exc:
            expected = exc.accepted if isinstance(exc, Unaccepted) else None
            self.fail(column, str(exc), value=value, expected=expected)
            return None
        if parser in _KEPT:
            self.memo[(parser, value)] = parsed
        return parsed

    def fail(
        self, column: str, message: str, *, value: str | None = None, expected: str | None = None
    ) -> None:
        label = self.text("number") or self.text("invoice_id")
        self.problems.append(
            RowProblem(self.filename, self.line, column, message, value, expected, label)
        )


def _to_invoice(row: _Row, fmt: CsvFormat) -> Invoice | None:
    invoice_id = row.text("invoice_id", required=True)
    number = row.text("number", required=True)
    status = row.parse("status", _parse_status, required=True)
    currency = row.parse("currency", parse_currency, required=True)

    def amount(value: str) -> Decimal:
        return parse_amount(value, fmt, currency)

    amount_due = row.parse("amount_due", amount, required=True)
    written = row.text("total")
    alike = not written or (amount_due is not None and written == row.text("amount_due"))
    total = amount_due if alike else row.parse("total", amount)  # mostly written alike
    due_date = row.parse("due_date", parse_date, required=True)
    issue_date = row.parse("issue_date", parse_date) if row.text("issue_date") else due_date
    updated_at = row.parse("updated_at", parse_moment)
    contact = _to_contact(row)
    if total is not None and amount_due is not None and amount_due > total:
        row.fail("amount_due", f"is more than the total {total}")
    if row.problems or contact is None:
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
    emails = row.parse("emails", parse_addresses) or ()
    language = row.parse("language", parse_language)
    timezone = row.parse("timezone", parse_timezone)
    salutation = row.parse("salutation", _parse_salutation)
    policy = row.text("policy") or None  # a name the planner checks (never the default)
    texts = (row.parse("phones", parse_phones) or (), row.parse("channels", parse_channels) or ())
    if not name:
        return None
    contact_id = row.text("contact_id") or name
    fields = (contact_id, name, emails, language, timezone, salutation, policy, *texts)
    if (key := (Contact, fields)) not in row.memo:  # one Contact for all the rows of a customer
        row.memo[key] = Contact(*fields)
    return row.memo[key]  # type: ignore[return-value]


def _parse_salutation(value: str) -> str:
    word = value.strip().lower()
    if word not in ("company", "person"):
        raise Unaccepted("company or person")
    return word


def _parse_status(value: str) -> InvoiceStatus:
    word = " ".join(value.lower().replace("_", " ").split())
    if word not in _STATUSES:
        raise Unaccepted("draft, open, paid, voided or deleted")
    return _STATUSES[word]


_KEPT = frozenset(
    {parse_date, parse_addresses, _parse_status, parse_currency, parse_moment}
    | {parse_language, parse_timezone, _parse_salutation, parse_phones, parse_channels}
)
"""The parsers whose answers the file's other rows reuse (an amount's is the row's own)."""
