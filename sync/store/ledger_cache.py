"""Read a ledger at the least cost: in full now and then, otherwise only what changed.

An online ledger counts every call against a daily budget. For a ledger that reads
incrementally, the state store keeps the last known copy of each open invoice (and of
each settled one still waiting for its thank-you); a run asks only for what changed
since the previous read started and applies that to the copy. A full read happens
on the first run and again every ``FULL_READ_DAYS``, so anything a change feed could
miss is picked up within that time. Payment links are kept too: fetched once per
invoice, and only for invoices about to be emailed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from connectors.base import Ledger
from connectors.models import Contact, Invoice, InvoiceStatus
from sync.store.store import Store
from sync.store.tables import CachedInvoiceRow, PaymentLinkRow

FULL_READ_DAYS = 7
CURSOR = "ledger"
FULL_CURSOR = "ledger_full"


def invoice_to_json(invoice: Invoice) -> str:
    """Serialise an invoice for the state store (money as text, never float)."""
    c = invoice.contact
    return json.dumps(
        {
            "id": invoice.id,
            "number": invoice.number,
            "contact": {
                "id": c.id,
                "name": c.name,
                "emails": list(c.emails),
                "language": c.language,
                "timezone": c.timezone,
                "salutation": c.salutation,
                "policy": c.policy,
                "phones": list(c.phones),
                "channels": list(c.channels),
            },
            "currency": invoice.currency,
            "total": str(invoice.total),
            "amount_due": str(invoice.amount_due),
            "issue_date": invoice.issue_date.isoformat(),
            "due_date": invoice.due_date.isoformat(),
            "status": invoice.status.value,
            "reference": invoice.reference,
            "updated_at": invoice.updated_at.isoformat() if invoice.updated_at else None,
        },
        ensure_ascii=False,
    )


def invoice_from_json(text: str) -> Invoice:
    """The invoice ``invoice_to_json`` wrote."""
    d: dict[str, Any] = json.loads(text)
    c = d["contact"]
    return Invoice(
        id=d["id"],
        number=d["number"],
        contact=Contact(
            c["id"],
            c["name"],
            tuple(c["emails"]),
            c["language"],
            c["timezone"],
            salutation=c.get("salutation"),  # absent from rows cached before it was kept
            policy=c.get("policy"),
            phones=tuple(c.get("phones", ())),
            channels=tuple(c.get("channels", ())),
        ),
        currency=d["currency"],
        total=Decimal(d["total"]),
        amount_due=Decimal(d["amount_due"]),
        issue_date=date.fromisoformat(d["issue_date"]),
        due_date=date.fromisoformat(d["due_date"]),
        status=InvoiceStatus(d["status"]),
        reference=d["reference"],
        updated_at=datetime.fromisoformat(d["updated_at"]) if d["updated_at"] else None,
    )


@dataclass
class LedgerRead:
    """What one run read: every invoice to consider, and whether the read was full."""

    invoices: dict[str, Invoice]
    full: bool


@dataclass
class LedgerCache:
    """The state store's copy of one tenant's invoices, and its payment links."""

    store: Store
    tenant: str

    def read(
        self,
        ledger: Ledger,
        now: datetime,
        keep: set[str],
        *,
        started: datetime,
        write: bool,
    ) -> LedgerRead:
        """Read the ledger, incrementally when it can, and bring the copy up to date.

        Args:
            ledger: The ledger.
            now: The moment of the run; decides when the next full read is due.
            keep: Ids of settled invoices still to be kept (reminded, not yet closed).
            started: The clock's time just before this read: the next read starts here,
                so a change made while this one was under way is read again, not lost.
            write: False for a dry run: read, and leave the store as it was.
        """
        if not ledger.incremental:
            return LedgerRead({inv.id: inv for inv in ledger.list_open_invoices()}, full=True)
        since = self._since(now)
        if since is None:
            invoices = {inv.id: inv for inv in ledger.list_open_invoices()}
            if write:
                self._replace(invoices.values(), now)
                self._advance(started)
            return LedgerRead(invoices, full=True)
        changes = list(ledger.list_open_invoices(since=since))
        known = self.load()
        for inv in changes:
            known[inv.id] = inv
        if write:
            self._apply(changes, keep)
            self._advance(started)
        return LedgerRead(known, full=False)

    def _since(self, now: datetime) -> datetime | None:
        """Where the previous read started, or None when a full read is due."""
        cursor = self.store.cursor(self.tenant, CURSOR)
        last_full = self.store.cursor(self.tenant, FULL_CURSOR)
        if not cursor or not last_full:
            return None
        if now - datetime.fromisoformat(last_full) >= timedelta(days=FULL_READ_DAYS):
            return None
        return datetime.fromisoformat(cursor)

    def load(self) -> dict[str, Invoice]:
        """Every invoice in the copy."""
        with self.store.session() as s:
            rows = s.scalars(select(CachedInvoiceRow).where(CachedInvoiceRow.tenant == self.tenant))
            return {r.invoice_id: invoice_from_json(r.data) for r in rows}

    def _replace(self, invoices: Iterable[Invoice], now: datetime) -> None:
        items = list(invoices)
        with self.store.session() as s:
            s.execute(delete(CachedInvoiceRow).where(CachedInvoiceRow.tenant == self.tenant))
            s.add_all(
                CachedInvoiceRow(tenant=self.tenant, invoice_id=i.id, data=invoice_to_json(i))
                for i in items
            )
        self.store.save_cursor(self.tenant, FULL_CURSOR, now.astimezone(UTC).isoformat())

    def _apply(self, changes: Sequence[Invoice], keep: set[str]) -> None:
        with self.store.session() as s:
            for inv in changes:
                row = s.get(CachedInvoiceRow, (self.tenant, inv.id))
                wanted = inv.is_open or inv.id in keep
                if row is not None and not wanted:
                    s.delete(row)
                elif row is not None:
                    row.data = invoice_to_json(inv)
                elif wanted:
                    s.add(
                        CachedInvoiceRow(
                            tenant=self.tenant, invoice_id=inv.id, data=invoice_to_json(inv)
                        )
                    )

    def _advance(self, started: datetime) -> None:
        self.store.save_cursor(self.tenant, CURSOR, started.astimezone(UTC).isoformat())

    def keep(self, invoices: Sequence[Invoice]) -> None:
        """Put settled invoices still waited on (a thank-you to send) back in the copy."""
        self._apply(invoices, {inv.id for inv in invoices})

    def forget(self, invoice_id: str) -> None:
        """Drop an invoice settled for good from the copy."""
        with self.store.session() as s:
            row = s.get(CachedInvoiceRow, (self.tenant, invoice_id))
            if row is not None:
                s.delete(row)

    def link(self, invoice_id: str) -> str | None:
        """The payment link fetched earlier for this invoice, if any."""
        with self.store.session() as s:
            row = s.get(PaymentLinkRow, (self.tenant, invoice_id))
            return row.link if row else None

    def save_link(self, invoice_id: str, link: str, now: datetime) -> None:
        """Keep a payment link fetched from the ledger."""
        with self.store.session() as s:
            row = s.get(PaymentLinkRow, (self.tenant, invoice_id))
            if row is None:
                s.add(
                    PaymentLinkRow(
                        tenant=self.tenant, invoice_id=invoice_id, link=link, fetched_at=now
                    )
                )
            else:
                row.link, row.fetched_at = link, now
