"""FileLedger against the Ledger contract, seeded through a CSV file."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from connectors.csvfile import COLUMNS, FileLedger
from connectors.models import Invoice
from tests.contract.ledger_contract import LedgerContract, SeededLedger

SIGNING_KEY = "sk_live_9f8e7d6c5b4a"


def write_ledger_csv(path: Path, invoices: Sequence[Invoice]) -> None:
    """Write invoices in FileLedger's CSV format."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for invoice in invoices:
            contact = invoice.contact
            writer.writerow(
                [
                    invoice.id,
                    invoice.number,
                    invoice.status.value,
                    invoice.currency,
                    f"{invoice.total:,.2f}",
                    str(invoice.amount_due),
                    invoice.issue_date.isoformat(),
                    invoice.due_date.isoformat(),
                    invoice.reference or "",
                    contact.id,
                    contact.name,
                    ";".join(contact.emails),
                    contact.language or "",
                    contact.timezone or "",
                    invoice.updated_at.isoformat() if invoice.updated_at else "",
                ]
            )


class TestFileLedger(LedgerContract):
    def make_ledger(self, tmp_path: Path, invoices: Sequence[Invoice]) -> SeededLedger:
        path = tmp_path / "invoices.csv"
        write_ledger_csv(path, invoices)
        ledger = FileLedger(
            path,
            payment_link=f"https://pay.example.com/{{number}}?sig={SIGNING_KEY}&due={{amount_due}}",
            business_name="Nakheel Trading Co.",
        )

        def read_notes(invoice: Invoice) -> list[str]:
            return [note["text"] for note in ledger.read_notes(invoice.number)]

        return SeededLedger(ledger=ledger, read_notes=read_notes, secrets=[SIGNING_KEY])
