"""QuickBooksLedger: open receivables read from QuickBooks Online, notes in PrivateNote.

A full read pages ``SELECT * FROM Invoice WHERE Balance > '0' ORDERBY Id`` 1,000 rows
at a time. Each page starts a few rows before the end of the last one, so an invoice
paid during the scan (which shifts later rows back) skips nothing; ids already yielded
are dropped. ``include=invoiceLink`` brings the customer's payment link with the rows.

An incremental read asks change data capture (``cdc``) what changed since the cursor,
within its 30-day window; further back, or when CDC's 1,000-object answer is full, it
reads instead (all invoices changed since, or a full read).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from connectors.batches import when_batch_is_full
from connectors.errors import InvoiceNotFound, LedgerDataError, LedgerError, LedgerRejected
from connectors.limits import RateLimiter, shared_limiter
from connectors.models import Contact, Invoice, InvoiceStatus, PaidInvoice
from connectors.quickbooks import mapping
from connectors.quickbooks.client import API_URLS, QuickBooksClient, StaleSyncToken
from connectors.tokens import TokenStore

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
"""Largest MAXRESULTS QuickBooks allows."""

OVERLAP = 10
"""Rows each page re-reads from the previous one, against shifts during the scan."""

IDS_PER_QUERY = 1000
"""Ids per ``Id IN (...)`` query: one page of results."""

WAITING_PAGES = 4
"""Pages of invoice rows that may wait for their customers before a short query reads them."""

BATCH_SIZE = 10
"""Operations per batch request: the limit in Intuit's guide (the API reference says 30)."""

CDC_WINDOW = timedelta(days=30) - timedelta(hours=1)
"""How far back change data capture reaches (30 days), less a margin for clock skew."""

CDC_MAX = 1000
"""Most objects one CDC answer holds; a full answer may have left some out."""

STALE_RETRIES = 5
"""Tries of a note update that keeps meeting a newer SyncToken."""

NoteItem = tuple[Invoice, str, str]
_NO_LINK = (InvoiceStatus.DRAFT, InvoiceStatus.DELETED, InvoiceStatus.VOIDED)


@dataclass(frozen=True)
class _NoteState:
    sync_token: str
    private_note: str | None


class QuickBooksLedger:
    """QuickBooks Online, through the official python-quickbooks and intuit-oauth SDKs.

    Customers come from ``SELECT * FROM Customer WHERE Id IN (...)`` in bulk, only for
    invoices about to be yielded, once per ledger object. Addresses come from the
    invoice's BillEmail and the customer's PrimaryEmailAddr as ``email_source`` says.
    The language is the value of the custom field ``language_field`` (the invoice's,
    else the customer's): a code like ``ar`` or a name like ``Arabic``.

    Args:
        client_id: The Intuit app's client id.
        client_secret: The Intuit app's client secret.
        token_file: The token set written by ``tahseel auth quickbooks`` (mode 0600).
        token_env: An environment variable that may hold the token set as JSON (CI).
        realm_id: The company; may be omitted when the token file names one.
        environment: ``production`` or ``sandbox``: picks the API host and the
            OpenID discovery document (which names the token endpoint).
        api_url: API base ending in ``/v3``; overrides ``environment`` (tests).
        discovery_url: OpenID discovery document URL; overrides ``environment``.
        email_source: ``bill``, ``customer`` or ``both`` (see ``mapping.choose_emails``).
        language_field: Name of the custom field holding the customer's language.
        reference_field: Name of the custom field shown as the invoice's reference
            (e.g. ``P.O. Number``).
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
    extra = "quickbooks"
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
        reference_field: str | None = None,
        payment_link_fallback: str | None = None,
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
        self.reference_field = reference_field
        self.payment_link_fallback = payment_link_fallback
        self.page_size = page_size
        self.batches_per_minute = batches_per_minute
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
        self._customers: dict[str, Mapping[str, Any]] = {}
        self._links: dict[str, str] = {}
        self._notes: dict[str, _NoteState] = {}
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
        """Re-read the given invoices, ``IDS_PER_QUERY`` per query; unknown ids are left out."""
        wanted = list(dict.fromkeys(i for i in ids if i.isdigit()))
        rows: dict[str, Mapping[str, Any]] = {}
        for chunk in _chunks(wanted, IDS_PER_QUERY):
            for row in self._query("invoices.get", "Invoice", f"Id IN ({_quoted(chunk)})"):
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
        """Return the payment link read with the invoice, else the configured pattern's.

        Costs no call: QuickBooks sends ``InvoiceLink`` with the invoice when the
        company takes online payments. Drafts, voided and deleted invoices have none.
        """
        if invoice.status in _NO_LINK:
            return None
        link = self._links.get(invoice.id)
        if link:
            return link
        if self.payment_link_fallback:
            return self.payment_link_fallback.format(
                number=quote(invoice.number, safe=""), id=quote(invoice.id, safe="")
            )
        return None

    def add_note(self, invoice: Invoice, text: str, *, key: str) -> None:
        """Append a line to the invoice's PrivateNote; a repeated ``key`` adds nothing.

        A sparse update carries the SyncToken last read; when someone else changed the
        invoice meanwhile (Fault 5010), it is read again and the note reapplied.

        Raises:
            StaleSyncToken: The invoice kept changing under every try.
            LedgerRejected: The note cannot fit beside the accountant's text.
        """
        for _ in range(STALE_RETRIES):
            state = self._notes.get(invoice.id) or self._read_note_state(invoice)
            merged = self._merged(invoice, state.private_note, [(invoice, text, key)])
            if merged is None:
                return
            try:
                answer = self.client.call(
                    "invoices.note",
                    self.client.qb.update_object,
                    "Invoice",
                    json.dumps(_sparse(invoice.id, state.sync_token, merged)),
                    subject=invoice.number,
                )
            except StaleSyncToken:
                self._notes.pop(invoice.id, None)
                continue
            self._remember(answer["Invoice"])
            return
        raise StaleSyncToken(
            f"quickbooks: invoices.note (invoice {invoice.number}): "
            f"changed by someone else on each of {STALE_RETRIES} tries"
        )

    def add_notes(self, items: Sequence[NoteItem]) -> dict[str, LedgerError]:
        """Write several notes through the batch endpoint, ``BATCH_SIZE`` invoices a request.

        Args:
            items: ``(invoice, text, key)`` triples; several may name one invoice.

        Returns:
            The notes that could not be written, by key; the others are written.

        Raises:
            LedgerError: A whole request failed (auth, unavailable).
        """
        failures: dict[str, LedgerError] = {}
        pending = list(items)
        for _ in range(STALE_RETRIES):
            self._load_note_states([invoice.id for invoice, _, _ in pending])
            updates = self._batch_updates(pending, failures)
            pending = []
            for chunk in _chunks(list(updates), BATCH_SIZE):
                pending += self._send_batch([updates[i] for i in chunk], failures)
            if not pending:
                return failures
        for invoice, _, key in pending:
            failures[key] = StaleSyncToken(
                f"quickbooks: invoices.batch (invoice {invoice.number}): kept changing"
            )
        return failures

    def describe(self) -> str:
        """Name the company and API host; ids are shortened, secrets left out."""
        host = urlsplit(self.api_url).netloc
        realm = self._realm_id
        shown = f"{realm[:4]}…" if realm else "from the token file"
        return (
            f"QuickBooks Online company {shown} ({self.environment}) via {host}; "
            f"tokens in {self.tokens.path.name}"
        )

    # -- reads ------------------------------------------------------------------------------

    def paid_invoices(self, since: date) -> Iterator[PaidInvoice]:
        """Yield the invoices paid in full by a payment dated on or after ``since``.

        Reads ``SELECT * FROM Payment WHERE TxnDate >= since`` page by page, then the
        invoices their lines link to (``Id IN (...)``, in bulk); those with nothing left
        to pay come out, dated by the last payment linked to them. Rows that cannot be
        read are described in ``problems``.

        Raises:
            LedgerError: By kind.
        """
        self.problems = []
        return self._paid_scan(since)

    def _paid_scan(self, since: date) -> Iterator[PaidInvoice]:
        last: dict[str, date] = {}
        seen: set[str] = set()
        where = f"TxnDate >= '{since.isoformat()}'"
        for rows in self._pages("payments.query", "Payment", where):
            for row in rows:
                if str(row.get("Id")) in seen:
                    continue
                seen.add(str(row.get("Id")))
                try:
                    links = mapping.paid_invoice_dates(row)
                except mapping.MappingError as exc:
                    self.problems.append(f"quickbooks: payment {row.get('Id')}: {exc}")
                    continue
                for invoice_id, day in links.items():
                    last[invoice_id] = max(day, last.get(invoice_id, day))
        wanted = [i for i in last if i.isdigit()]
        for chunk in _chunks(wanted, min(IDS_PER_QUERY, self.page_size)):
            rows = self._query("invoices.paid", "Invoice", f"Id IN ({_quoted(chunk)})")
            self._load_customers(mapping.customer_ids(rows))
            for row in rows:
                try:
                    if mapping.to_status(row) is not InvoiceStatus.PAID:
                        continue
                    yield mapping.to_paid_invoice(
                        row,
                        self._contact(row),
                        last[str(row["Id"])],
                        reference_field=self.reference_field,
                    )
                except mapping.MappingError as exc:
                    self.problems.append(f"quickbooks: paid invoice {_label(row)}: {exc}")

    def _limiter(self, kind: str = "") -> RateLimiter:
        key = f"quickbooks:{self.realm_id}" + (f" {kind}" if kind else "")
        limits = dict(self._limits)
        if kind == "batch":
            limits["per_minute"] = self.batches_per_minute
        if self._limits["clock"] is time.monotonic:
            return shared_limiter(key, **limits)
        # A ledger with its own clock (tests) gets its own limiter.
        return RateLimiter(key, **limits)  # type: ignore[arg-type]

    def _full_read(self) -> Iterator[Invoice]:
        seen: set[str] = set()
        waiting: list[Mapping[str, Any]] = []  # rows whose customers wait for a full query
        for rows in self._pages("invoices.query", "Invoice", "Balance > '0'"):
            fresh = [row for row in rows if str(row.get("Id")) not in seen]
            seen.update(str(row.get("Id")) for row in fresh)
            ready, waiting = self._with_customers(waiting + fresh)
            yield from self._map(ready, only_open=True)
        yield from self._map(waiting, only_open=True)

    def _with_customers(
        self, rows: list[Mapping[str, Any]]
    ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
        """Read the customers of ``rows`` in full queries; (rows ready, rows waiting)."""
        return when_batch_is_full(
            rows,
            ids=mapping.customer_ids,
            id_of=lambda row: str((row.get("CustomerRef") or {}).get("value")),
            known=self._customers,
            load=self._load_customers,
            batch=IDS_PER_QUERY,
            bound=WAITING_PAGES * self.page_size,
        )

    def _changes(self, start: datetime) -> Iterator[Invoice]:
        stamp = start.astimezone(UTC).replace(microsecond=0).isoformat()
        answer = self.client.call(
            "invoices.cdc", self.client.qb.change_data_capture, "Invoice", stamp
        )
        rows = _cdc_rows(answer)
        deleted = [row for row in rows if row.get("status") == "Deleted"]
        live = [row for row in rows if row.get("status") != "Deleted"]
        if len(rows) >= CDC_MAX:
            # The answer may be cut short: read every invoice changed since instead.
            where = f"MetaData.LastUpdatedTime >= '{stamp}'"
            live = [
                row for rows in self._pages("invoices.changed", "Invoice", where) for row in rows
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

    def _pages(self, operation: str, entity: str, where: str) -> Iterator[list[Mapping[str, Any]]]:
        overlap = min(OVERLAP, self.page_size // 10)
        start = 1
        for _ in range(100_000):  # a guard, far above any real company
            rows = self._query(operation, entity, where, start=start, order="Id")
            yield rows
            if len(rows) < self.page_size:
                return
            start += len(rows) - overlap
        self.problems.append(f"quickbooks: {operation}: stopped after 100,000 pages")

    def _query(
        self,
        operation: str,
        entity: str,
        where: str,
        *,
        start: int = 1,
        order: str | None = None,
    ) -> list[Mapping[str, Any]]:
        select = f"SELECT * FROM {entity} WHERE {where}"
        if order:
            select += f" ORDERBY {order}"
        select += f" STARTPOSITION {start} MAXRESULTS {self.page_size}"
        params = {"include": "invoiceLink"} if entity == "Invoice" else None
        answer = self.client.call(operation, self.client.qb.query, select, params=params)
        found = (answer or {}).get("QueryResponse") or {}
        return list(found.get(entity) or ())

    def _map(self, rows: Iterable[Mapping[str, Any]], *, only_open: bool) -> Iterator[Invoice]:
        keep = []
        for row in rows:
            self._remember(row)
            try:
                if not only_open or mapping.to_status(row) is InvoiceStatus.OPEN:
                    keep.append(row)
            except mapping.MappingError as exc:
                self.problems.append(f"quickbooks: invoice {_label(row)}: {exc}")
        self._load_customers(mapping.customer_ids(keep))
        for row in keep:
            try:
                invoice = mapping.to_invoice(
                    row, self._contact(row), reference_field=self.reference_field
                )
            except mapping.MappingError as exc:
                self.problems.append(f"quickbooks: invoice {_label(row)}: {exc}")
                continue
            if not only_open or invoice.is_open:
                yield invoice

    def _contact(self, row: Mapping[str, Any]) -> Contact:
        ref = row.get("CustomerRef") or {}
        customer = self._customers.get(str(ref.get("value")))
        return mapping.to_contact(
            customer,
            row,
            email_source=self.email_source,
            language_field=self.language_field,
        )

    def _load_customers(self, ids: Sequence[str]) -> None:
        missing = [i for i in ids if i not in self._customers and i.isdigit()]
        for chunk in _chunks(missing, IDS_PER_QUERY):
            # Inactive customers still owe money; a plain query would leave them out.
            where = f"Active IN (true, false) AND Id IN ({_quoted(chunk)})"
            for row in self._query("customers.query", "Customer", where):
                self._customers[str(row["Id"])] = row

    def _remember(self, row: Mapping[str, Any]) -> None:
        invoice_id = str(row.get("Id"))
        link = row.get("InvoiceLink")
        if isinstance(link, str) and link.startswith("https://"):
            self._links[invoice_id] = link
        if row.get("SyncToken") is not None:
            self._notes[invoice_id] = _NoteState(str(row["SyncToken"]), row.get("PrivateNote"))

    # -- notes ------------------------------------------------------------------------------

    def _read_note_state(self, invoice: Invoice) -> _NoteState:
        answer = self.client.call(
            "invoices.read",
            self.client.qb.get_single_object,
            "Invoice",
            invoice.id,
            subject=invoice.number,
        )
        self._remember(answer["Invoice"])
        return self._notes[invoice.id]

    def _load_note_states(self, ids: Sequence[str]) -> None:
        missing = list(dict.fromkeys(i for i in ids if i not in self._notes and i.isdigit()))
        for chunk in _chunks(missing, IDS_PER_QUERY):
            for row in self._query("invoices.get", "Invoice", f"Id IN ({_quoted(chunk)})"):
                self._remember(row)

    def _merged(self, invoice: Invoice, note: str | None, items: list[NoteItem]) -> str | None:
        merged = note
        for _, text, key in items:
            try:
                merged = mapping.append_note(merged, text, key) or merged
            except mapping.MappingError as exc:
                raise LedgerRejected(
                    f"quickbooks: invoices.note (invoice {invoice.number}): {exc}"
                ) from None
        return None if merged == note else merged

    def _batch_updates(
        self, pending: list[NoteItem], failures: dict[str, LedgerError]
    ) -> dict[str, tuple[Invoice, list[NoteItem], dict[str, Any]]]:
        by_invoice: dict[str, list[NoteItem]] = {}
        for item in pending:
            by_invoice.setdefault(item[0].id, []).append(item)
        updates = {}
        for invoice_id, group in by_invoice.items():
            invoice = group[0][0]
            state = self._notes.get(invoice_id)
            if state is None:
                for _, _, key in group:
                    failures[key] = InvoiceNotFound(
                        f"quickbooks: invoices.batch (invoice {invoice.number}): not found"
                    )
                continue
            try:
                merged = self._merged(invoice, state.private_note, group)
            except LedgerRejected as exc:
                for _, _, key in group:
                    failures[key] = exc
                continue
            if merged is not None:
                body = _sparse(invoice_id, state.sync_token, merged)
                updates[invoice_id] = (invoice, group, body)
        return updates

    def _send_batch(
        self,
        updates: list[tuple[Invoice, list[NoteItem], dict[str, Any]]],
        failures: dict[str, LedgerError],
    ) -> list[NoteItem]:
        request = {
            "BatchItemRequest": [
                {"bId": str(n), "operation": "update", "Invoice": body}
                for n, (_, _, body) in enumerate(updates)
            ]
        }
        answer = self.client.call(
            "invoices.batch",
            self.client.qb.batch_operation,
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
                self._notes.pop(invoice.id, None)
                retry += group
                continue
            for _, _, key in group:
                failures[key] = LedgerRejected(
                    f"quickbooks: invoices.batch (invoice {invoice.number}): refused (fault {code})"
                )
        return retry


def _sparse(invoice_id: str, sync_token: str, note: str) -> dict[str, Any]:
    # Raw JSON on purpose: the SDK's Invoice object would send its defaults too.
    return {"Id": invoice_id, "SyncToken": sync_token, "sparse": True, "PrivateNote": note}


def _cdc_rows(answer: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    rows: list[Mapping[str, Any]] = []
    for block in answer.get("CDCResponse") or ():
        for found in block.get("QueryResponse") or ():
            rows += found.get("Invoice") or ()
    return rows


def _fault_code(fault: Any) -> str:
    errors = (fault or {}).get("Error") or [{}]
    return str(errors[0].get("code", "")).lstrip("0") or "unknown"


def _label(row: Mapping[str, Any]) -> str:
    return str(row.get("DocNumber") or row.get("Id"))


def _quoted(ids: Sequence[str]) -> str:
    return ", ".join(f"'{i}'" for i in ids)


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
