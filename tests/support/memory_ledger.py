"""An in-memory ledger that reads incrementally, for testing how the job reads ledgers.

It behaves as the protocol says an online ledger does (``since`` returns every invoice
changed at or after it, whatever its status) and counts its calls the way the online
connectors do, so the job's call budget can be checked without a network emulator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from connectors.base import CreatedFee, FeeRequest
from connectors.models import Contact, Invoice, InvoiceStatus


class MemoryLedger:
    name = "memory"
    display_name = "Memory"
    incremental = True

    def __init__(self) -> None:
        self.invoices: dict[str, Invoice] = {}
        self.notes: list[tuple[str, str, str]] = []
        self.calls: Counter[str] = Counter()
        self.problems: list[str] = []
        self.reads: list[datetime | None] = []
        self.fees: list[FeeRequest] = []
        """Late fees created, in order; one per key (``CreatesFees``)."""

    def add(self, number: str, due: date, at: datetime, amount: str = "100.00") -> Invoice:
        inv = Invoice(
            id=f"id-{number}",
            number=number,
            contact=Contact(
                f"c-{number}", f"Customer {number}", (f"{number.lower()}@example.com",)
            ),
            currency="USD",
            total=Decimal(amount),
            amount_due=Decimal(amount),
            issue_date=due - timedelta(days=30),
            due_date=due,
            status=InvoiceStatus.OPEN,
            updated_at=at,
        )
        self.invoices[inv.id] = inv
        return inv

    def pay(self, number: str, at: datetime) -> None:
        inv = self.invoices[f"id-{number}"]
        self.invoices[inv.id] = replace(
            inv, amount_due=Decimal(0), status=InvoiceStatus.PAID, updated_at=at
        )

    def list_open_invoices(self, since: datetime | None = None) -> Iterator[Invoice]:
        self.calls["invoices.list"] += 1
        self.reads.append(since)
        for inv in list(self.invoices.values()):
            if since is None and inv.is_open:
                yield inv
            elif since is not None and inv.updated_at is not None and inv.updated_at >= since:
                yield inv

    def get_invoices(self, ids: Sequence[str]) -> list[Invoice]:
        self.calls["invoices.get"] += 1
        return [self.invoices[i] for i in ids if i in self.invoices]

    def fetch_pdf(self, invoice: Invoice) -> bytes:
        self.calls["invoices.pdf"] += 1
        return b"%PDF-1.4\n%%EOF\n"

    def payment_link(self, invoice: Invoice) -> str | None:
        self.calls["invoices.link"] += 1
        return f"https://pay.example.com/{invoice.id}"

    def add_note(self, invoice: Invoice, text: str, *, key: str) -> None:
        self.calls["history.put"] += 1
        if all(k != key for _, k, _ in self.notes):
            self.notes.append((invoice.number, key, text))

    def create_fee(self, fee: FeeRequest, *, settle: bool = False) -> CreatedFee:
        self.calls["invoices.create"] += 1
        if all(made.key != fee.key for made in self.fees):
            self.fees.append(fee)
        return CreatedFee(f"fee-{fee.key}", fee.number)

    def describe(self) -> str:
        return "memory ledger"
