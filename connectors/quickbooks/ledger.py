"""QuickBooksLedger: open receivables read from QuickBooks Online, notes in PrivateNote.

A full read pages ``SELECT * FROM Invoice WHERE Balance > '0' ORDERBY Id`` 1,000 rows
at a time (see ``connectors.quickbooks.query`` for how pages overlap); ids already
yielded are dropped. Payment links come with the re-read of the invoices about to be
emailed (``get_invoices``), never with list pages. An invoice with nothing left due is
paid only when a payment that moved money is linked to it (``fields.to_status``). A row
that cannot be mapped is skipped with a line in ``problems``; the others go on.

An incremental read asks change data capture (``cdc``) what changed since the cursor,
within its 30-day window; further back, or when CDC's 1,000-object answer is full, it
reads instead (all invoices changed since, or a full read).

The customers are read in ``customers.py``, the notes written in ``notes.py``, the
payment links kept in ``links.py`` and the paid history read in ``payments.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from connectors.base import Finding, NoteItem
from connectors.errors import LedgerDataError, LedgerError, LedgerRejected
from connectors.limits import RateLimiter
from connectors.models import Invoice, InvoiceStatus, PaidInvoice
from connectors.quickbooks import fees, mapping, preflight
from connectors.quickbooks.client import API_URLS, QuickBooksClient, company_limiter
from connectors.quickbooks.customers import Customers
from connectors.quickbooks.links import Links
from connectors.quickbooks.mapping import Row
from connectors.quickbooks.notes import BATCH_SIZE, Notes
from connectors.quickbooks.payments import paid_since, read_linked_payments
from connectors.quickbooks.query import IDS_PER_QUERY, Queries
from connectors.tokens import TokenStore

__all__ = ["BATCH_SIZE", "CDC_MAX", "IDS_PER_QUERY", "PAGE_SIZE", "NoteItem", "QuickBooksLedger"]

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
"""Largest MAXRESULTS QuickBooks allows."""

WAITING_PAGES = 4
"""Pages of invoice rows that may wait for their customers before a short query reads them."""

CDC_WINDOW = timedelta(days=30) - timedelta(hours=1)
"""How far back change data capture reaches (30 days), less a margin for clock skew."""

CDC_MAX = 1000
"""Most objects one CDC answer holds; a full answer may have left some out."""

_NO_LINK = (InvoiceStatus.DRAFT, InvoiceStatus.DELETED, InvoiceStatus.VOIDED)


class QuickBooksLedger(fees.QuickBooksFees):
    """QuickBooks Online, through the official python-quickbooks and intuit-oauth SDKs.

    Customers come from ``SELECT * FROM Customer WHERE Id IN (...)`` in bulk, only for
    invoices about to be yielded, once per ledger object; ``connectors.quickbooks.
    customers`` says how their addresses and language are found.

    Args:
        client_id: The Intuit app's client id.
        client_secret: The Intuit app's client secret.
        token_file: The token set written by ``tahseel auth quickbooks`` (mode 0600).
        token_env: An environment variable that may hold the token set as JSON (CI).
        realm_id: The company; may be omitted when the token file names one.
        environment: ``production`` or ``sandbox``: the API host and OpenID discovery.
        api_url: API base ending in ``/v3``; overrides ``environment`` (tests).
        discovery_url: OpenID discovery document URL; overrides ``environment``.
        email_source: ``bill``, ``customer`` or ``both`` (see ``mapping.choose_emails``).
        language_field: Name of the custom field holding the customer's language.
        policy_field: Name of the custom field holding the customer's policy.
        reference_field: Custom field shown as the invoice's reference (``P.O. Number``).
        fee_item_id: The service item a late fee's line sells (``fees.QuickBooksFees``).
        payment_link_fallback: Link pattern for companies without online payments,
            with ``{number}`` and/or ``{id}``, e.g. ``https://pay.example/{number}``.
        per_minute: Calls per minute allowed for the company (500 in production).
        concurrent: Calls in flight at once (10).
        batches_per_minute: Batch requests per minute allowed for the company (120);
            each item of a batch also counts against ``per_minute``.
        page_size: Invoices per query, at most 1,000.
        lag: How far before ``since`` an incremental read starts.
        timeout: Seconds before a request counts as unavailable.
        max_retry_wait: Most seconds spent waiting to retry one call.
        clock: Monotonic seconds for limits and retries (tests scale it).
        sleep: Sleeps seconds of ``clock``.
        now: The current moment, for the CDC window.
    """

    name = "quickbooks"
    display_name = "QuickBooks Online"
    setup_url = "https://developer.intuit.com/app/developer/dashboard"
    pip_extra = "quickbooks"
    incremental = True

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        token_file: Path | str,
        token_env: str | None = None,
        realm_id: str | None = None,
        environment: str = "production",
        api_url: str | None = None,
        discovery_url: str | None = None,
        email_source: mapping.EmailSource = "bill",
        language_field: str | None = None,
        policy_field: str | None = None,
        reference_field: str | None = None,
        payment_link_fallback: str | None = None,
        fee_item_id: str | None = None,
        per_minute: int = 500,
        concurrent: int = 10,
        batches_per_minute: int = 120,
        page_size: int = PAGE_SIZE,
        lag: timedelta = timedelta(minutes=5),
        timeout: float = 30.0,
        max_retry_wait: float = 300.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        if environment not in API_URLS:
            raise ValueError(f"environment must be one of {', '.join(API_URLS)}")
        if email_source not in ("bill", "customer", "both"):
            raise ValueError("email_source must be bill, customer or both")
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PAGE_SIZE}, got {page_size}")
        self.tokens = TokenStore(Path(token_file), env=token_env, provider="quickbooks")
        self.environment = environment
        self.api_url = api_url or API_URLS[environment]
        self._realm_id = realm_id
        self.email_source: mapping.EmailSource = email_source
        self.language_field = language_field
        self.reference_field, self.fee_item_id = reference_field, fee_item_id
        self.payment_link_fallback = payment_link_fallback
        self.page_size, self.batches_per_minute = page_size, batches_per_minute
        self.lag = lag
        self.now = now or (lambda: datetime.now(UTC))
        self._limits = {
            "per_minute": per_minute,
            "per_day": 10_000_000,  # QuickBooks has no daily cap
            "concurrent": concurrent,
            "clock": clock or time.monotonic,
            "sleep": sleep or time.sleep,
        }
        self._client_options: dict[str, Any] = {
            "client_id": client_id,
            "client_secret": client_secret,
            "api_url": self.api_url,
            "discovery": discovery_url or environment,
            "timeout": timeout,
            "max_retry_wait": max_retry_wait,
            "sleep": sleep or time.sleep,
        }
        self._client: QuickBooksClient | None = None
        self._queries = Queries(lambda: self.client, page_size, self._problem)
        fields = {"language_field": language_field, "policy_field": policy_field}
        self._customers = Customers(self._queries, email_source=email_source, **fields)
        self._notes = Notes(lambda: self.client, self._queries, self._remember)
        self._links = Links(lambda: self.client, payment_link_fallback, self._notes.keep)
        self._payments: dict[str, Row] = {}
        self.problems: list[str] = []

    @property
    def calls(self) -> dict[str, int]:
        """API calls made so far, by operation (``invoices.query``, ``customers.query`` …)."""
        return dict(self._client.calls) if self._client else {}

    @property
    def client(self) -> QuickBooksClient:
        """The SDK connection, built on first use."""
        if self._client is None:
            self._client = QuickBooksClient(
                realm_id=self.realm_id,
                tokens=self.tokens,
                limiter=self._limiter(),
                batch_limiter=self._limiter("batch"),
                **self._client_options,
            )
        return self._client

    @property
    def realm_id(self) -> str:
        """The company id: configured, or the one in the token file.

        Raises:
            LedgerDataError: None configured and the token file names none.
        """
        if self._realm_id is None:
            realm = self.tokens.load().get("realm_id")
            if not realm:
                raise LedgerDataError(
                    "quickbooks: the token file names no company; set realm_id in the configuration"
                )
            self._realm_id = str(realm)
        return self._realm_id

    def list_open_invoices(self, since: datetime | None = None) -> Iterator[Invoice]:
        """Yield open receivables, or with ``since`` every invoice changed since then.

        Args:
            since: Moment of the last read; ``lag`` earlier is read again.

        Raises:
            LedgerError: By kind.
        """
        self.problems = []
        if since is None:
            return self._full_read()
        start = since - self.lag
        if self.now() - start > CDC_WINDOW:
            log.info("quickbooks: cursor older than the CDC window; reading everything")
            return self._full_read()
        return self._changes(start)

    def get_invoices(self, ids: Sequence[str]) -> list[Invoice]:
        """Re-read the given invoices, ``IDS_PER_QUERY`` per query; unknown ids are left out.

        The read of the invoices about to be emailed: it asks for their payment links.
        """
        wanted = list(dict.fromkeys(i for i in ids if i.isdigit()))
        rows: dict[str, Row] = {}
        for found in self._queries.by_ids("invoices.get", "Invoice", wanted, links=True):
            for row in found:
                self._links.keep(row, asked=True)
                if str(row.get("Id")) in wanted:
                    rows[str(row["Id"])] = row
        mapped = {invoice.id: invoice for invoice in self._map(rows.values(), only_open=False)}
        return [mapped[i] for i in wanted if i in mapped]

    def fetch_pdf(self, invoice: Invoice) -> bytes:
        """Return QuickBooks' own PDF of the invoice.

        Raises:
            LedgerRejected: QuickBooks answered with something that is not a PDF.
        """
        document = self.client.call(
            "invoices.pdf",
            self.client.qb.download_pdf,
            "Invoice",
            invoice.id,
            subject=invoice.number,
        )
        if not isinstance(document, bytes) or not document.startswith(b"%PDF"):
            raise LedgerRejected(f"quickbooks: invoices.pdf (invoice {invoice.number}): not a PDF")
        return document

    def payment_link(self, invoice: Invoice) -> str | None:
        """Return the invoice's QuickBooks payment link, else the configured pattern's.

        No call for an invoice re-read by ``get_invoices``; else one, once, for an open
        invoice that allows online payment. Drafts, voided and deleted ones have none.

        Raises:
            LedgerError: By kind.
        """
        if invoice.status in _NO_LINK:
            return None
        return self._links.link(invoice)

    def add_note(self, invoice: Invoice, text: str, *, key: str) -> None:
        """Append a line to the invoice's PrivateNote; a repeated ``key`` adds nothing.

        A sparse update carries the SyncToken last read; when someone else changed the
        invoice meanwhile (Fault 5010), it is read again and the note reapplied.

        Raises:
            StaleSyncToken: The invoice kept changing under every try.
            LedgerRejected: The note cannot fit beside the accountant's text.
        """
        self._notes.add(invoice, text, key)

    def add_notes(self, items: Sequence[NoteItem]) -> dict[str, LedgerError]:
        """Write several notes through the batch endpoint, ``BATCH_SIZE`` invoices a request.

        Args:
            items: ``(invoice, text, key)`` triples; several may name one invoice.

        Returns:
            The notes that could not be written, by key; the others are written.

        Raises:
            LedgerError: A whole request failed (auth, unavailable).
        """
        return self._notes.add_many(items)

    def describe(self) -> str:
        """Name the company and API host; ids are shortened, secrets left out."""
        host = urlsplit(self.api_url).netloc
        realm = self._realm_id
        shown = f"{realm[:4]}…" if realm else "from the token file"
        return (
            f"QuickBooks Online company {shown} ({self.environment}) via {host}; "
            f"tokens in {self.tokens.path.name}"
        )

    def preflight(self) -> Iterator[Finding]:
        """Yield the checks only QuickBooks can make, for ``tahseel doctor`` (reads only)."""
        return preflight.check(self, self._limits)

    # -- reads ------------------------------------------------------------------------------

    def paid_invoices(self, since: date) -> Iterator[PaidInvoice]:
        """Yield the invoices paid in full by a payment dated on or after ``since``.

        See ``connectors.quickbooks.payments``; unreadable rows go to ``problems``, and
        failures raise ``LedgerError`` by kind.
        """
        self.problems = []
        return paid_since(
            since,
            queries=self._queries,
            customers=self._customers,
            reference_field=self.reference_field,
            problem=self._problem,
        )

    def _limiter(self, kind: str = "") -> RateLimiter:
        limits = dict(self._limits)
        if kind == "batch":
            limits["per_minute"] = self.batches_per_minute
        return company_limiter(self.realm_id, limits, kind=kind)

    def _full_read(self) -> Iterator[Invoice]:
        seen: set[str] = set()
        waiting: list[Row] = []  # rows whose customers wait for a full query
        bound = WAITING_PAGES * self.page_size
        for rows in self._queries.pages("invoices.query", "Invoice", "Balance > '0'"):
            fresh = [row for row in rows if str(row.get("Id")) not in seen]
            seen.update(str(row.get("Id")) for row in fresh)
            ready, waiting = self._customers.ready(waiting + fresh, bound=bound)
            yield from self._map(ready, only_open=True)
        yield from self._map(waiting, only_open=True)

    def _changes(self, start: datetime) -> Iterator[Invoice]:
        stamp = start.astimezone(UTC).replace(microsecond=0).isoformat()
        rows = self._queries.changes("invoices.cdc", "Invoice", stamp)
        deleted = [row for row in rows if row.get("status") == "Deleted"]
        live = [row for row in rows if row.get("status") != "Deleted"]
        if len(rows) >= CDC_MAX:
            # The answer may be cut short: read every invoice changed since instead.
            where = f"MetaData.LastUpdatedTime >= '{stamp}'"
            live = [
                row
                for rows in self._queries.pages("invoices.changed", "Invoice", where)
                for row in rows
            ]
        seen: set[str] = set()
        for row in deleted:
            if str(row.get("Id")) not in seen:
                seen.add(str(row.get("Id")))
                yield mapping.deleted_invoice(row)
        fresh = []
        for row in live:
            if str(row.get("Id")) not in seen:
                seen.add(str(row.get("Id")))
                fresh.append(row)
        yield from self._map(fresh, only_open=False)

    def _map(self, rows: Iterable[Row], *, only_open: bool) -> Iterator[Invoice]:
        keep = []
        for row in rows:
            self._remember(row)
            try:
                if not only_open or mapping.to_status(row) is InvoiceStatus.OPEN:
                    keep.append(row)
            except mapping.MappingError as exc:
                self.problems.append(mapping.skipped("invoice", row, exc))
        self._customers.load(mapping.customer_ids(keep))
        read_linked_payments(self._queries, keep, self._payments)
        for row in keep:
            try:
                invoice = mapping.to_invoice(
                    row,
                    self._customers.contact(row),
                    reference_field=self.reference_field,
                    payments=self._payments,
                )
            except mapping.MappingError as exc:
                self.problems.append(mapping.skipped("invoice", row, exc))
                continue
            if not only_open or invoice.is_open:
                yield invoice

    def _remember(self, row: Row) -> None:
        """Keep the payment link and the note's SyncToken an invoice row brings."""
        self._links.keep(row)
        self._notes.keep(row)

    def _problem(self, text: str) -> None:
        self.problems.append(text)
