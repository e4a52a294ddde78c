"""Late fees of a CSV ledger: rows of a fees file beside the ledger file.

The fees file is ``<stem>.fees.csv`` beside the invoices (``invoices.csv`` has
``invoices.fees.csv``), with the columns of ``FEE_COLUMNS``:

- ``fee_number``: the fee invoice's number, ``FEE-`` and the late invoice's number
  (``FEE-INV-0001``; a second fee of one invoice, ``FEE-INV-0001-2``);
- ``invoice_id``, ``invoice_number``: the late invoice;
- ``contact_id``, ``contact_name``: its customer, who owes the fee;
- ``currency``, ``amount``: the fee (``.`` decimals, whatever the ledger's format);
- ``issue_date``, ``due_date``: the day the fee was invoiced (ISO dates);
- ``reference``, ``description``: what the fee invoice says (both name the late invoice);
- ``key``: the fee's idempotency key; a row with it is never written twice;
- ``created_at``: when the row was written (UTC).

Its note goes to the ledger's notes file under the fee's number, naming the late
invoice. A fee is written atomically: the whole file is written to a temporary file beside it
and put in its place, under a lock, so a crash leaves the old file or the new one,
never half a row. Import the fees into the accounting system from this file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.base import CreatedFee, FeeRequest
from connectors.errors import LedgerUnavailable
from connectors.models import Invoice

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: one run at a time is the user's care
    fcntl = None  # type: ignore[assignment]

FEE_COLUMNS = (
    "fee_number",
    "invoice_id",
    "invoice_number",
    "contact_id",
    "contact_name",
    "currency",
    "amount",
    "issue_date",
    "due_date",
    "reference",
    "description",
    "key",
    "created_at",
)


def fee_note(fee: FeeRequest) -> str:
    """The note on the fee invoice: which invoice it is the late fee of."""
    return f"Tahseel: late fee on invoice {fee.invoice.number}, reference '{fee.reference}'"


def fees_path_of(ledger_path: Path) -> Path:
    """Where a CSV ledger's fees go: ``<stem>.fees.csv`` beside the ledger file."""
    return ledger_path.with_name(f"{ledger_path.stem}.fees.csv")


class CsvFees:
    """``CreatesFees`` for the CSV ledger (mixed into ``FileLedger``, which sets ``path``)."""

    path: Path

    if TYPE_CHECKING:

        def add_note(self, invoice: Invoice, text: str, *, key: str) -> None:
            """The ledger's note (``FileLedger.add_note``)."""

    @property
    def fees_path(self) -> Path:
        """The fees file beside the ledger file."""
        return fees_path_of(self.path)

    def create_fee(self, fee: FeeRequest, *, settle: bool = False) -> CreatedFee:
        """Append the fee's row to the fees file, unless a row with its key is there.

        ``settle`` changes nothing: the file is always looked at first.

        Raises:
            LedgerUnavailable: The fees file cannot be read or written.
        """
        path = self.fees_path
        try:
            with _locked(path):
                rows = read_fees(path)
                made = next(
                    (
                        CreatedFee(row["fee_number"], row["fee_number"])
                        for row in rows
                        if row.get("key") == fee.key or row.get("reference") == fee.reference
                    ),
                    None,
                )
                if made is None:
                    _write(path, [*rows, _row(fee)])
                    made = CreatedFee(fee.number, fee.number)
        except OSError as exc:
            raise LedgerUnavailable(
                f"csv: cannot write the late fee of {fee.invoice.number} to {path}:"
                f" {exc.strerror or exc}; check the folder can be written"
            ) from exc
        # The fee's own note, in the notes file under its number (a repeat adds nothing).
        the_fee = replace(
            fee.invoice,
            id=made.id,
            number=made.number,
            total=fee.amount,
            amount_due=fee.amount,
            issue_date=fee.issued,
            due_date=fee.issued,
            reference=fee.reference,
        )
        self.add_note(the_fee, fee_note(fee), key=f"{fee.key}:fee")
        return made


def read_fees(path: Path) -> list[dict[str, str]]:
    """The rows of a fees file, oldest first; none when it does not exist."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [dict(row) for row in csv.DictReader(handle)]
    except FileNotFoundError:
        return []


def _row(fee: FeeRequest) -> dict[str, str]:
    return {
        "fee_number": fee.number,
        "invoice_id": fee.invoice.id,
        "invoice_number": fee.invoice.number,
        "contact_id": fee.invoice.contact.id,
        "contact_name": fee.invoice.contact.name,
        "currency": fee.currency,
        "amount": f"{fee.amount:.2f}",
        "issue_date": fee.issued.isoformat(),
        "due_date": fee.issued.isoformat(),
        "reference": fee.reference,
        "description": fee.description,
        "key": fee.key,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    """Write every row to a temporary file beside ``path``, then put it in its place."""
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=FEE_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            out.flush()
            os.fsync(out.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<fees file>.lock`` so overlapping runs take turns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f"{path.name}.lock").open("a") as lock:
        if fcntl is not None:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        yield
