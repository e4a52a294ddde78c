"""FileLedger: receivables read from a CSV file, notes appended to a sidecar CSV.

It is the ledger of the demo, and the way in for any accounting system that can
export its invoices as CSV. The file is read afresh on every call, so it may be
replaced between runs.

The file is UTF-8 (a byte-order mark is fine) with a header row, its columns
separated by commas; another encoding and delimiter can be declared (``encoding``,
``delimiter``), and so can the amounts' separators (``decimal``, ``thousands``):
see ``connectors.csvformat``. Columns may come in any order; names are matched
without regard to case or surrounding spaces, and extra columns are ignored.

============ ======== ============================================================
column       required meaning
============ ======== ============================================================
invoice_id   yes      the ledger's stable id for the invoice; unique in the file
number       yes      the invoice number the customer sees, e.g. ``INV-1001``
status       yes      ``draft``, ``open``, ``paid``, ``voided`` or ``deleted``, any
                      case; ledger words are understood too: ``authorised``,
                      ``authorized``, ``submitted``, ``sent`` and ``awaiting
                      payment`` mean open, ``void`` means voided
currency     yes      three-letter ISO 4217 code, e.g. ``SAR``
total        no       invoice total, e.g. ``1,234.50``; defaults to ``amount_due``; no
                      more decimals than the currency has (two; three for the dinars)
amount_due   yes      what is still owed; ``0.00`` once paid; not above ``total``
issue_date   no       ``YYYY-MM-DD``; defaults to ``due_date``
due_date     yes      ``YYYY-MM-DD``
reference    no       the customer's reference, e.g. a purchase order number
contact_id   no       the ledger's id for the customer; defaults to ``contact_name``
contact_name yes      the customer's name as it should appear in a reminder
emails       no       addresses to remind, separated by ``;`` or ``,``, each bare or as
                      ``Name <address>``; a repeated address is mailed once
language     no       ``en`` or ``ar``; blank when unknown
timezone     no       IANA time zone of the customer, e.g. ``Asia/Riyadh``
salutation   no       ``company`` or ``person``: how a reminder addresses the customer
policy       no       the name of the policy (in ``policies``) the customer follows
phones       no       phone numbers for WhatsApp and SMS, separated by ``;`` or ``,``,
                      mobile first; without ``+`` read with ``business.country``
channels     no       the channels the customer prefers: ``email``, ``whatsapp``,
                      ``sms``, separated by commas
updated_at   no       ISO 8601 moment of the last change; without an offset it is UTC
paid_date    no       ``YYYY-MM-DD`` the invoice was paid in full; read by ``tahseel
                      report`` for the payment history
pdf_path     no       the invoice's own PDF, relative to the ledger file's folder (or
                      absolute), attached as it is instead of the statement Tahseel
                      draws; a missing file is an error for that invoice alone
============ ======== ============================================================

A row that cannot be read (a bad date or amount, an ambiguous amount such as
``1.000``, an unknown status, a missing required value, a malformed address) is left
out and described in ``FileLedger.problems``, e.g. ``invoices.csv:7: due_date:
expected a date like 2026-11-23, got '31/11/2026' (invoice INV-1007)``; the other rows
still come through. An invoice number two rows share is a problem too (both rows are
read). ``FileLedger.row_problems`` holds the same as ``RowProblem`` data (file, line,
column, value, what would be accepted). A missing file, a file not in its encoding or
a missing required column raises ``LedgerDataError``, saying which setting would read
the file when one would. The rows are read and checked in ``connectors.csvread``.

Notes go to ``<stem>.notes.csv`` beside the ledger file (or ``notes_path``), one
row per note with the columns ``at`` (ISO 8601, UTC), ``invoice_id``,
``invoice_number``, ``key`` and ``text``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from connectors.csvfees import CsvFees
from connectors.csvformat import CsvFormat, RowProblem
from connectors.csvlinks import LINK_FIELDS, check_link_pattern, fill_link
from connectors.csvpdf import PdfSource, check_pdf_files, pdf_source, read_own_pdf
from connectors.csvread import (
    COLUMNS,
    REQUIRED_COLUMNS,
    Reading,
    load_invoices,
    load_paid_invoices,
    read_file,
    sniff,
)
from connectors.errors import LedgerDataError, LedgerUnavailable
from connectors.models import Invoice, PaidInvoice

__all__ = [
    "COLUMNS",
    "LINK_FIELDS",
    "NOTE_COLUMNS",
    "REQUIRED_COLUMNS",
    "CsvFormat",
    "FileLedger",
    "RowProblem",
    "check_link_pattern",
    "load_invoices",
    "load_paid_invoices",
    "sniff",
]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no fcntl; notes are then unlocked
    fcntl = None  # type: ignore[assignment]

NOTE_COLUMNS = ("at", "invoice_id", "invoice_number", "key", "text")
"""Columns of the notes sidecar file, in order."""


class FileLedger(CsvFees):
    """A ledger kept in a CSV file, with notes in a sidecar CSV.

    Args:
        path: The invoices CSV.
        payment_link: Pattern of the link where a customer pays, naming fields from
            ``LINK_FIELDS`` in braces; no link when None.
        notes_path: Where notes go; defaults to ``<stem>.notes.csv`` beside ``path``.
        business_name: The seller's name, printed on the statements it draws.
        pdf_font: A Unicode TrueType font for PDFs; found on the system when None.
        delimiter: Between columns (``,`` ``;`` a tab or ``|``).
        decimal: The amounts' decimal separator, ``.`` or ``,``.
        thousands: The amounts' thousands separator (``,`` ``.`` a space or ``'``),
            or None when amounts are not grouped.
        encoding: The file's encoding, e.g. ``utf-8`` or ``windows-1256``.

    Raises:
        LedgerDataError: The payment-link pattern is unusable (see ``check_link_pattern``)
            or the format is (e.g. the same decimal and thousands separator).
    """

    name = "csv"
    display_name = "CSV file"
    setup_url = None
    """Nothing to register: any accounting system's CSV export will do."""
    pip_extra = None
    """Needs no SDK beyond Tahseel's own dependencies."""
    incremental = False

    def __init__(
        self,
        path: Path,
        *,
        payment_link: str | None = None,
        notes_path: Path | None = None,
        business_name: str = "",
        pdf_font: Path | None = None,
        delimiter: str = ",",
        decimal: str = ".",
        thousands: str | None = ",",
        encoding: str = "utf-8",
    ) -> None:
        """Set up the ledger; nothing is read until the first call."""
        try:
            self.format = CsvFormat(delimiter, decimal, thousands, encoding)
        except (ValueError, LookupError) as exc:
            raise LedgerDataError(f"csv: {exc}") from exc
        if payment_link is not None:
            link_problems = check_link_pattern(payment_link)
            if link_problems:
                raise LedgerDataError("csv: payment link: " + "; ".join(link_problems))
        self.path = Path(path)
        self.notes_path = notes_path or self.path.with_name(f"{self.path.stem}.notes.csv")
        self.business_name = business_name
        self.pdf_font = pdf_font
        self._link_pattern = payment_link
        self.problems: list[str] = []
        self.row_problems: list[RowProblem] = []
        self._parsed: tuple[tuple[int, ...] | None, Reading] | None = None
        self._by_id: tuple[Reading, dict[str, Invoice]] | None = None
        self.calls: dict[str, int] = {}

    def list_open_invoices(self, since: datetime | None = None) -> Iterator[Invoice]:
        """Yield the open invoices with money owing, changed since ``since`` if given.

        Rows without ``updated_at`` always count as changed.

        Args:
            since: Only invoices updated at or after this moment; naive means UTC.

        Raises:
            LedgerDataError: The file is missing or lacks a required column.
        """
        cutoff = since.replace(tzinfo=UTC) if since and since.tzinfo is None else since
        # Read now rather than on first iteration, so errors and problems show up at the call.
        invoices = [
            invoice
            for invoice in self._read()
            if invoice.is_open
            and not (cutoff and invoice.updated_at and invoice.updated_at < cutoff)
        ]
        return iter(invoices)

    def get_invoices(self, ids: Sequence[str]) -> list[Invoice]:
        """Re-read the given invoices, whatever their status.

        Args:
            ids: Invoice ids (the ``invoice_id`` column).

        Returns:
            The invoices found, in the order asked; unknown ids are left out.
        """
        reading = self._reading()
        if self._by_id is None or self._by_id[0] is not reading:
            # Once per parse, not once per batch of 50 re-read before sending.
            self._by_id = (reading, {invoice.id: invoice for invoice in reading.invoices})
        by_id = self._by_id[1]
        wanted = dict.fromkeys(ids)
        return [by_id[invoice_id] for invoice_id in wanted if invoice_id in by_id]

    def paid_invoices(self, since: date) -> Iterator[PaidInvoice]:
        """Yield the invoices paid in full on or after ``since``.

        A paid row counts when its ``paid_date`` is filled in; rows without one are
        not part of the history.

        Args:
            since: The first payment day of interest.

        Raises:
            LedgerDataError: The file is missing or lacks a required column.
        """
        paid = self._reading().paid
        return iter([p for p in paid if p.paid_date >= since])

    def fetch_pdf(self, invoice: Invoice) -> bytes:
        """The invoice's own PDF named in ``pdf_path``, else a drawn statement.

        The drawn statement is in the customer's language and titled as a copy for
        reference, not a tax invoice (``connectors.pdf``).

        Raises:
            LedgerRejected: The row names a file that is missing, unreadable or not a
                PDF; the message names the line and the path.
        """
        source = self.pdf_source(invoice)
        if source is not None:
            return read_own_pdf(source)
        from connectors.pdf import render_invoice_pdf  # fpdf2 only for a run that attaches

        return render_invoice_pdf(
            invoice,
            business_name=self.business_name,
            payment_link=self.payment_link(invoice),
            language=invoice.contact.language or "en",
            font=self.pdf_font,
        )

    def draws_pdf(self, invoice: Invoice) -> bool:
        """Whether ``fetch_pdf`` draws a statement (True) or attaches the row's own PDF."""
        return self.pdf_source(invoice) is None

    def pdf_source(self, invoice: Invoice) -> PdfSource | None:
        """The invoice's own PDF as its row names it (``pdf_path``), or None."""
        named = self._reading().pdf_paths.get(invoice.id)
        return None if named is None else pdf_source(self.path, invoice, *named)

    def pdf_problems(self) -> list[str]:
        """The open invoices' own PDFs that cannot be attached, one line each.

        Raises:
            LedgerDataError: The file is missing or lacks a required column.
        """
        sources = [self.pdf_source(invoice) for invoice in self._read() if invoice.is_open]
        return list(check_pdf_files(source for source in sources if source is not None))

    def payment_link(self, invoice: Invoice) -> str | None:
        """Fill the payment-link pattern with this invoice's URL-quoted fields.

        Only plain ``{field}`` names from ``LINK_FIELDS`` are replaced; nothing is
        evaluated, so ``{number.__class__}`` stays as written.

        Returns:
            The link, or None when no pattern is configured.
        """
        if self._link_pattern is None:
            return None
        return fill_link(self._link_pattern, invoice)

    def add_note(self, invoice: Invoice, text: str, *, key: str) -> None:
        """Append a note about the invoice, unless a note with ``key`` is already there.

        Raises:
            LedgerUnavailable: The notes file cannot be written.
        """
        row = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "invoice_id": invoice.id,
            "invoice_number": invoice.number,
            "key": key,
            "text": text,
        }
        try:
            self.notes_path.parent.mkdir(parents=True, exist_ok=True)
            with self.notes_path.open("a+", encoding="utf-8", newline="") as handle:
                _lock(handle)
                handle.seek(0)
                if any(note.get("key") == key for note in csv.DictReader(handle)):
                    return
                _append_note(handle, row)
        except OSError as exc:
            raise LedgerUnavailable(
                f"csv: cannot write note to {self.notes_path}: {exc.strerror}"
            ) from exc

    def read_notes(self, invoice_number: str | None = None) -> list[dict[str, str]]:
        """Read the notes recorded so far, oldest first.

        Args:
            invoice_number: Only the notes about this invoice, when given.

        Raises:
            LedgerUnavailable: The notes file exists but cannot be read.
        """
        try:
            with self.notes_path.open(encoding="utf-8-sig", newline="") as handle:
                notes = [dict(note) for note in csv.DictReader(handle)]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise LedgerUnavailable(
                f"csv: cannot read notes from {self.notes_path}: {exc.strerror}"
            ) from exc
        if invoice_number is None:
            return notes
        return [note for note in notes if note.get("invoice_number") == invoice_number]

    def describe(self) -> str:
        """Say where the invoices and notes live; a payment link shows only its host."""
        text = f"CSV file {self.path} (notes in {self.notes_path.name})"
        if self._link_pattern:
            parts = urlsplit(self._link_pattern)
            text += f"; payment links on {parts.scheme}://{parts.hostname}/…"
        return text

    def _read(self) -> list[Invoice]:
        return self._reading().invoices

    def _reading(self) -> Reading:
        # A re-read before each batch of emails parsed the whole file again (quadratic in
        # a run); the file is parsed again only when it changed on disk.
        try:
            info = self.path.stat()
            stamp: tuple[int, ...] | None = (info.st_ino, info.st_size, info.st_mtime_ns)
        except OSError:
            stamp = None  # read_file names the problem
        cached = self._parsed
        if stamp is not None and cached is not None and cached[0] == stamp:
            reading = cached[1]
        else:
            reading = read_file(self.path, self.format)
            self._parsed = (stamp, reading)
        self.row_problems = list(reading.problems)
        self.problems = [str(problem) for problem in reading.problems]
        return reading


def _lock(handle: IO[str]) -> None:
    # An exclusive lock makes "is the key there? then append" one step for
    # overlapping runs; it is released when the file is closed.
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def _append_note(handle: IO[str], row: dict[str, str]) -> None:
    handle.seek(0, os.SEEK_END)
    writer = csv.DictWriter(handle, fieldnames=NOTE_COLUMNS)
    if handle.tell() == 0:
        writer.writeheader()
    writer.writerow(row)
    handle.flush()
    os.fsync(handle.fileno())
