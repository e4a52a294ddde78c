"""The PDF a CSV ledger attaches: the invoice's own file, or a statement Tahseel draws.

A row may name the invoice's own PDF in its ``pdf_path`` column (relative to the
ledger file's folder, or absolute); that file is attached as it is. A row without one
gets a statement of the amount due drawn by ``connectors.pdf``, which is titled as a
copy for reference and never as a tax invoice. A named file that is missing, cannot
be read or is not a PDF is an error for that invoice alone, naming the row's line and
the path: nothing goes out without the attachment it should carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from connectors.errors import LedgerRejected
from connectors.models import Invoice

PDF_MAGIC = b"%PDF-"
"""How every PDF file begins."""


@dataclass(frozen=True, slots=True)
class PdfSource:
    """One row's own PDF: where the ledger names it and where that is on disk.

    Attributes:
        filename: The ledger file's name, e.g. ``invoices.csv``.
        line: The row's line in the ledger file.
        number: The invoice number, for messages.
        written: The ``pdf_path`` value as written in the row.
        path: The file it names (relative paths from the ledger file's folder).
    """

    filename: str
    line: int
    number: str
    written: str
    path: Path

    def problem(self) -> str | None:
        """What stops the file from being attached, or None when it can be.

        Reads only the first bytes, to see that the file is there, readable and a PDF.
        """
        try:
            with self.path.open("rb") as handle:
                head = handle.read(len(PDF_MAGIC))
        except OSError as exc:
            return self._say(f"cannot read {self.path}: {exc.strerror or exc}")
        if head != PDF_MAGIC:
            return self._say(f"{self.path} is not a PDF (it does not begin with %PDF-)")
        return None

    def _say(self, what: str) -> str:
        return (
            f"{self.filename}:{self.line}: pdf_path: {self.written!r}: {what}"
            f" (invoice {self.number}); put the invoice's PDF there, or clear the cell"
            " to attach a statement Tahseel draws"
        )


def pdf_source(ledger_path: Path, invoice: Invoice, line: int, written: str) -> PdfSource:
    """The ``PdfSource`` of a row of the ledger at ``ledger_path``."""
    named = Path(written).expanduser()
    path = named if named.is_absolute() else ledger_path.parent / named
    return PdfSource(ledger_path.name, line, invoice.number, written, path)


def read_own_pdf(source: PdfSource) -> bytes:
    """Read the invoice's own PDF, byte for byte.

    Raises:
        LedgerRejected: The file is missing, unreadable or not a PDF; the message
            names the ledger's line, the path and the invoice (skip this invoice).
    """
    problem = source.problem()
    if problem is None:
        try:
            return source.path.read_bytes()
        except OSError as exc:  # removed between the look and the read
            problem = source._say(f"cannot read {source.path}: {exc.strerror or exc}")
    raise LedgerRejected(f"csv: {problem}")


def check_pdf_files(sources: Iterable[PdfSource]) -> Iterator[str]:
    """One line per named PDF that cannot be attached, for ``check`` and ``doctor``."""
    for source in sources:
        problem = source.problem()
        if problem is not None:
            yield problem
