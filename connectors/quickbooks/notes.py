"""Notes in a QuickBooks invoice's PrivateNote: one by a sparse update, many by batch.

An update carries the invoice's SyncToken as last read; when someone else changed the
invoice meanwhile (Fault 5010), the invoice is read again and the note reapplied, up
to ``STALE_RETRIES`` times. ``mapping.append_note`` keeps the accountant's own text
and leaves out a note whose key is already there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import NoteItem
from connectors.batches import chunks
from connectors.errors import InvoiceNotFound, LedgerError, LedgerRejected
from connectors.models import Invoice
from connectors.quickbooks import mapping
from connectors.quickbooks.client import QuickBooksClient, StaleSyncToken
from connectors.quickbooks.mapping import Row
from connectors.quickbooks.query import Queries

BATCH_SIZE = 10
"""Operations per batch request: the limit in Intuit's guide (the API reference says 30)."""

STALE_RETRIES = 5
"""Tries of a note update that keeps meeting a newer SyncToken."""

_Update = tuple[Invoice, list[NoteItem], dict[str, Any]]


@dataclass(frozen=True)
class NoteState:
    """What an update of an invoice's note needs: its SyncToken and its note as read."""

    sync_token: str
    private_note: str | None


class Notes:
    """The notes of one ledger: what each invoice's note was last read as, and writes.

    Args:
        client: Returns the ledger's SDK connection (built on first use).
        queries: The ledger's queries, to read invoices by id.
        remember: Keeps what an invoice row tells the ledger (its payment link, and
            through ``keep`` its note); called with every invoice read or written here.
    """

    def __init__(
        self,
        client: Callable[[], QuickBooksClient],
        queries: Queries,
        remember: Callable[[Row], None],
    ) -> None:
        self._client = client
        self._queries = queries
        self._remember = remember
        self.states: dict[str, NoteState] = {}

    def keep(self, invoice: Row) -> None:
        """Keep the SyncToken and note of an invoice row that has them."""
        if invoice.get("SyncToken") is not None:
            state = NoteState(str(invoice["SyncToken"]), invoice.get("PrivateNote"))
            self.states[str(invoice.get("Id"))] = state

    def add(self, invoice: Invoice, text: str, key: str) -> None:
        """Append a line to the invoice's PrivateNote; a repeated ``key`` adds nothing.

        Raises:
            StaleSyncToken: The invoice kept changing under every try.
            LedgerRejected: The note cannot fit beside the accountant's text.
        """
        for _ in range(STALE_RETRIES):
            state = self.states.get(invoice.id) or self._read_state(invoice)
            merged = _merged(invoice, state.private_note, [(invoice, text, key)])
            if merged is None:
                return
            client = self._client()
            try:
                answer = client.call(
                    "invoices.note",
                    client.qb.update_object,
                    "Invoice",
                    json.dumps(_sparse(invoice.id, state.sync_token, merged)),
                    subject=invoice.number,
                )
            except StaleSyncToken:
                self.states.pop(invoice.id, None)
                continue
            self._remember(answer["Invoice"])
            return
        raise StaleSyncToken(
            f"quickbooks: invoices.note (invoice {invoice.number}): "
            f"changed by someone else on each of {STALE_RETRIES} tries"
        )

    def add_many(self, items: Sequence[NoteItem]) -> dict[str, LedgerError]:
        """Write several notes through the batch endpoint, ``BATCH_SIZE`` invoices a request.

        Returns:
            The notes that could not be written, by key; the others are written.

        Raises:
            LedgerError: A whole request failed (auth, unavailable).
        """
        failures: dict[str, LedgerError] = {}
        pending = list(items)
        for _ in range(STALE_RETRIES):
            self._load_states([invoice.id for invoice, _, _ in pending])
            updates = self._updates(pending, failures)
            pending = []
            for chunk in chunks(list(updates), BATCH_SIZE):
                pending += self._send_batch([updates[i] for i in chunk], failures)
            if not pending:
                return failures
        for invoice, _, key in pending:
            failures[key] = StaleSyncToken(
                f"quickbooks: invoices.batch (invoice {invoice.number}): kept changing"
            )
        return failures

    def _read_state(self, invoice: Invoice) -> NoteState:
        client = self._client()
        answer = client.call(
            "invoices.read",
            client.qb.get_single_object,
            "Invoice",
            invoice.id,
            subject=invoice.number,
        )
        self._remember(answer["Invoice"])
        return self.states[invoice.id]

    def _load_states(self, ids: Sequence[str]) -> None:
        missing = list(dict.fromkeys(i for i in ids if i not in self.states and i.isdigit()))
        for rows in self._queries.by_ids("invoices.get", "Invoice", missing):
            for row in rows:
                self._remember(row)

    def _updates(
        self, pending: list[NoteItem], failures: dict[str, LedgerError]
    ) -> dict[str, _Update]:
        """The sparse update of each invoice that gains a note; failures go to ``failures``."""
        by_invoice: dict[str, list[NoteItem]] = {}
        for item in pending:
            by_invoice.setdefault(item[0].id, []).append(item)
        updates = {}
        for invoice_id, group in by_invoice.items():
            invoice = group[0][0]
            state = self.states.get(invoice_id)
            if state is None:
                for _, _, key in group:
                    failures[key] = InvoiceNotFound(
                        f"quickbooks: invoices.batch (invoice {invoice.number}): not found"
                    )
                continue
            try:
                merged = _merged(invoice, state.private_note, group)
            except LedgerRejected as exc:
                for _, _, key in group:
                    failures[key] = exc
                continue
            if merged is not None:
                body = _sparse(invoice_id, state.sync_token, merged)
                updates[invoice_id] = (invoice, group, body)
        return updates

    def _send_batch(
        self, updates: list[_Update], failures: dict[str, LedgerError]
    ) -> list[NoteItem]:
        """Send one batch request; return the notes to try again (a newer SyncToken)."""
        request = {
            "BatchItemRequest": [
                {"bId": str(n), "operation": "update", "Invoice": body}
                for n, (_, _, body) in enumerate(updates)
            ]
        }
        client = self._client()
        answer = client.call(
            "invoices.batch",
            client.qb.batch_operation,
            json.dumps(request),
            batch_items=len(updates),
        )
        retry: list[NoteItem] = []
        for item in answer.get("BatchItemResponse") or ():
            invoice, group, _ = updates[int(item.get("bId", -1))]
            if "Invoice" in item:
                self._remember(item["Invoice"])
                continue
            code = _fault_code(item.get("Fault"))
            if code == "5010":
                self.states.pop(invoice.id, None)
                retry += group
                continue
            for _, _, key in group:
                failures[key] = LedgerRejected(
                    f"quickbooks: invoices.batch (invoice {invoice.number}): refused (fault {code})"
                )
        return retry


def _merged(invoice: Invoice, note: str | None, items: list[NoteItem]) -> str | None:
    """The note with every item appended, or None when it gains nothing."""
    merged = note
    for _, text, key in items:
        try:
            merged = mapping.append_note(merged, text, key) or merged
        except mapping.MappingError as exc:
            raise LedgerRejected(
                f"quickbooks: invoices.note (invoice {invoice.number}): {exc}"
            ) from None
    return None if merged == note else merged


def _sparse(invoice_id: str, sync_token: str, note: str) -> dict[str, Any]:
    # Raw JSON on purpose: the SDK's Invoice object would send its defaults too.
    return {"Id": invoice_id, "SyncToken": sync_token, "sparse": True, "PrivateNote": note}


def _fault_code(fault: Any) -> str:
    errors = (fault or {}).get("Error") or [{}]
    return str(errors[0].get("code", "")).lstrip("0") or "unknown"
