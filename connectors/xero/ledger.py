"""XeroLedger: open receivables read from Xero, notes written to the invoice history.

Reads walk the invoice list in ``UpdatedDateUTC`` order and continue each page from
the newest change seen so far (``If-Modified-Since``), instead of counting pages: an
invoice paid or edited during the scan leaves the list or moves to its end, and no
other invoice shifts into a page already read. Ids already yielded are dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from xero_python.accounting import HistoryRecord, HistoryRecords

from connectors.base import Finding
from connectors.batches import chunks
from connectors.errors import InvoiceNotFound, LedgerDataError, LedgerRejected
from connectors.limits import RateLimiter
from connectors.models import Invoice, InvoiceStatus, PaidInvoice
from connectors.tokens import TokenStore
from connectors.xero import fees, mapping, pages, preflight
from connectors.xero.client import (
    API_URL,
    CONNECTIONS_URL,
    IDENTITY_URL,
    IDS_PER_CALL,
    XeroClient,
    organisation_limiter,
)
from connectors.xero.contacts import Contacts

log = logging.getLogger(__name__)

PAGE_SIZE = 1000
"""Largest ``pageSize`` Xero allows on GET /Invoices (since July 2024)."""

WAITING_PAGES = 4
"""Pages of invoice rows that may wait for their contacts before a short batch is read."""

NOTE_KEY_LIFETIME = timedelta(minutes=6)
"""How long Xero remembers an ``Idempotency-Key``: six minutes from the first call
(https://developer.xero.com/documentation/guides/idempotent-requests/idempotency/)."""

ALL_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
_NO_LINK = (InvoiceStatus.DRAFT, InvoiceStatus.DELETED)


class XeroLedger(fees.XeroFees):
    """Xero, through the official xero-python SDK.

    Contacts come from ``GET /Contacts?IDs=`` in batches for invoices about to be yielded,
    once each; ``connectors.xero.contacts`` says how addresses, language, policy are found.

    Args:
        client_id: The Xero app's client id.
        client_secret: The Xero app's client secret.
        token_file: The token set written by ``tahseel auth xero`` (mode 0600).
        token_env: An environment variable that may hold the token set as JSON (CI).
        tenant_id: The organisation; may be omitted when the token file lists one.
        api_url: Accounting API base; Xero's by default, an emulator's in tests.
        identity_url: Host of the token endpoint.
        connections_url: Host of ``/connections``.
        arabic_group: Name of the contact group whose members read Arabic.
        policy_group_prefix: Contact groups named it and a policy name give a policy.
        fee_account_code: The revenue account of a late fee's line (``fees.XeroFees``).
        per_minute: Calls per minute allowed for the organisation.
        per_day: Calls per day (5,000 on most Xero plans, 1,000 on Starter).
        concurrent: Calls in flight at once.
        page_size: Invoices per list call, at most 1,000.
        lag: How far before ``since`` an incremental read starts.
        timeout: Seconds before a request counts as unavailable.
        max_retry_wait: Most seconds spent waiting to retry one call.
        clock: Monotonic seconds for limits and retries (tests scale it).
        sleep: Sleeps seconds of ``clock``.
    """

    name = "xero"
    display_name = "Xero"
    setup_url = "https://developer.xero.com/app/manage"
    pip_extra = "xero"
    incremental = True
    note_key_lifetime = NOTE_KEY_LIFETIME

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        token_file: Path | str,
        token_env: str | None = None,
        tenant_id: str | None = None,
        api_url: str | None = None,
        identity_url: str | None = None,
        connections_url: str | None = None,
        arabic_group: str | None = None,
        policy_group_prefix: str | None = None,
        fee_account_code: str | None = None,
        per_minute: int = 60,
        per_day: int = 5000,
        concurrent: int = 5,
        page_size: int = PAGE_SIZE,
        lag: timedelta = timedelta(minutes=5),
        timeout: float = 30.0,
        max_retry_wait: float = 300.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if not 1 <= page_size <= PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{PAGE_SIZE}, got {page_size}")
        self.tokens = TokenStore(Path(token_file), env=token_env, provider="xero")
        self._tenant_id, self.api_url = tenant_id, api_url or API_URL
        self.arabic_group, self.fee_account_code = arabic_group, fee_account_code
        self.page_size, self.lag = page_size, lag
        self._limits = {
            "per_minute": per_minute,
            "per_day": per_day,
            "concurrent": concurrent,
            "clock": clock or time.monotonic,
            "sleep": sleep or time.sleep,
        }
        self._client_options: dict[str, Any] = {
            "client_id": client_id,
            "client_secret": client_secret,
            "api_url": self.api_url,
            "identity_url": identity_url or IDENTITY_URL,
            "connections_url": connections_url or CONNECTIONS_URL,
            "timeout": timeout,
            "max_retry_wait": max_retry_wait,
            "clock": clock or time.monotonic,
            "sleep": sleep or time.sleep,
        }
        self._client: XeroClient | None = None
        self._contacts = Contacts(
            lambda: self.client, lambda: self.tenant_id, arabic_group, lambda: self.problems
        )
        self._contacts.policy_prefix = policy_group_prefix
        self.problems: list[str] = []

    @property
    def calls(self) -> dict[str, int]:
        """API calls made so far, by operation (``invoices.list``, ``contacts.list`` …)."""
        return dict(self._client.calls) if self._client else {}

    @property
    def client(self) -> XeroClient:
        """The SDK connection, built on first use."""
        if self._client is None:
            limiter = self._limiter()
            self._client = XeroClient(tokens=self.tokens, limiter=limiter, **self._client_options)
        return self._client

    @property
    def tenant_id(self) -> str:
        """The organisation's id: configured, or the only one in the token file.

        Raises:
            LedgerDataError: None configured and the token file lists none or several.
        """
        if self._tenant_id is None:
            tenants = self.tokens.load().get("tenants") or []
            if len(tenants) != 1:
                raise LedgerDataError(
                    f"xero: the token file lists {len(tenants)} organisations; "
                    "set tenant_id in the configuration"
                )
            self._tenant_id = str(tenants[0]["tenantId"])
        return self._tenant_id

    def list_open_invoices(self, since: datetime | None = None) -> Iterator[Invoice]:
        """Yield open receivables, or with ``since`` every receivable changed since then.

        Args:
            since: Moment of the last read; ``lag`` earlier is read again.

        Raises:
            LedgerError: By kind; a ``LedgerQuotaExceeded`` ends the read.
        """
        self.problems = []
        start = None if since is None else since - self.lag
        return self._scan(start, full=since is None)

    def get_invoices(self, ids: Sequence[str]) -> list[Invoice]:
        """Re-read the given invoices, ``IDS_PER_CALL`` ids per call; unknown ids are left out."""
        wanted = list(dict.fromkeys(i for i in ids if mapping.is_id(i)))
        rows: dict[str, Any] = {}
        for chunk in chunks(wanted, IDS_PER_CALL):
            found = self._page("invoices.get", i_ds=chunk, summary_only=True)
            rows.update({str(row.invoice_id): row for row in found.rows})
        mapped = {invoice.id: invoice for invoice in self._map(rows.values())}
        return [mapped[i] for i in wanted if i in mapped]

    def paid_invoices(self, since: date) -> Iterator[PaidInvoice]:
        """Yield the sales invoices paid in full on or after ``since`` (``FullyPaidOnDate``).

        Reads ``Statuses=PAID`` changed since that day (a payment changes the invoice),
        oldest change first, ``page_size`` a page; invoices fully paid earlier are left
        out, and so are those settled by credit notes with no payment (``CREDITED``).
        Rows that cannot be read are described in ``problems``.

        Raises:
            LedgerError: By kind.
        """
        self.problems = []
        return self._paid_scan(since)

    def _paid_scan(self, since: date) -> Iterator[PaidInvoice]:
        seen: set[str] = set()
        for page in range(1, 100_000):  # a guard, far above any real organisation
            found = self._page(
                "invoices.paid",
                where=f'Type=="{mapping.RECEIVABLE}"',
                statuses=["PAID"],
                order="UpdatedDateUTC ASC",
                page=page,
                page_size=self.page_size,
                if_modified_since=datetime(since.year, since.month, since.day, tzinfo=UTC),
            )
            rows = [r for r in found.rows if str(r.invoice_id) not in seen]
            seen.update(str(r.invoice_id) for r in rows)
            self._contacts.load(mapping.contact_ids(rows))
            for row in rows:
                contact = self._contacts.get(str(row.contact.contact_id))
                try:
                    if mapping.settled_status(row) is InvoiceStatus.CREDITED:
                        continue  # settled by credits, not paid: not a payment, late or not
                    paid = mapping.to_paid_invoice(row, contact or mapping.to_contact(row.contact))
                except (mapping.MappingError, AttributeError) as exc:
                    label = row.invoice_number or row.invoice_id
                    self.problems.append(f"xero: paid invoice {label}: {exc}")
                    continue
                if paid.paid_date >= since:
                    yield paid
            if found.size < self.page_size:
                return
        self.problems.append("xero: invoices.paid: stopped after 100,000 pages")

    def fetch_pdf(self, invoice: Invoice) -> bytes:
        """Return Xero's own PDF of the invoice.

        Raises:
            LedgerRejected: Xero answered with something that is not a PDF.
        """
        response = self.client.call(
            "invoices.pdf",
            self.client.accounting.get_invoice_as_pdf,
            self.tenant_id,
            invoice.id,
            _preload_content=False,
            subject=invoice.number,
        )
        document = bytes(response.data)
        if not document.startswith(b"%PDF"):
            raise LedgerRejected(f"xero: invoices.pdf (invoice {invoice.number}): not a PDF")
        return document

    def payment_link(self, invoice: Invoice) -> str | None:
        """Return the invoice's online-invoice URL, where the customer can pay.

        Drafts and deleted invoices have none, and neither has an invoice Xero will
        not publish (it answers 400); those return None without failing.
        """
        if invoice.status in _NO_LINK:
            return None
        try:
            found = self.client.call(
                "invoices.online",
                self.client.accounting.get_online_invoice,
                self.tenant_id,
                invoice.id,
                subject=invoice.number,
            )
        except InvoiceNotFound:
            raise
        except LedgerRejected:
            return None
        links = [row.online_invoice_url for row in found.online_invoices or ()]
        return next((link for link in links if link), None)

    def add_note(self, invoice: Invoice, text: str, *, key: str) -> None:
        """Add a history note, at most 250 characters; a repeated ``key`` adds nothing.

        The key goes to Xero as the ``Idempotency-Key``, scoped to this invoice.
        """
        records = HistoryRecords(history_records=[HistoryRecord(details=mapping.clip_note(text))])
        self.client.call(
            "invoices.note",
            self.client.accounting.create_invoice_history,
            self.tenant_id,
            invoice.id,
            records,
            idempotency_key=mapping.idempotency_key(invoice.id, key),
            subject=invoice.number,
        )

    def calls_left_today(self) -> int | None:
        """Calls left today: the daily limit less ours, at most what Xero last said is left."""
        return self.client.limiter.remaining_today()

    def preflight(self) -> Iterator[Finding]:
        """Read-only checks for ``tahseel doctor`` (``connectors.xero.preflight``)."""
        return preflight.check(self)

    def has_note(self, invoice: Invoice, text: str) -> bool:
        """Whether the invoice's history (GET /Invoices/{id}/History) holds this note."""
        found = self.client.call(
            "invoices.history",
            self.client.accounting.get_invoice_history,
            self.tenant_id,
            invoice.id,
            subject=invoice.number,
        )
        details = mapping.clip_note(text)
        return any(row.details == details for row in found.history_records or ())

    def describe(self) -> str:
        """Name the organisation and API host; ids are shortened, secrets left out."""
        host = urlsplit(self.api_url).netloc
        tenant = self._tenant_id
        shown = f"{tenant[:4]}…" if tenant else "from the token file"
        return f"Xero organisation {shown} via {host}; tokens in {self.tokens.path.name}"

    def _limiter(self) -> RateLimiter:
        client_id = str(self._client_options["client_id"])
        return organisation_limiter(client_id, self.tenant_id, self._limits)

    def _scan(self, bound: datetime | None, *, full: bool) -> Iterator[Invoice]:
        seen: set[str] = set()
        waiting: list[Any] = []  # rows whose contacts wait for a full batch to be read
        page = 1
        for _ in range(100_000):  # a guard, far above any real organisation
            rows, last = self._list_page(bound, page, full=full)
            fresh = [row for row in rows if str(row.invoice_id) not in seen]
            seen.update(str(row.invoice_id) for row in fresh)
            waiting += [row for row in fresh if mapping.wanted(row, full=full)]
            if last:
                yield from self._map(waiting)
                return
            ready, waiting = self._contacts.ready(waiting, bound=WAITING_PAGES * self.page_size)
            yield from self._map(ready)
            # Continue from the newest change read, a second early in case Xero
            # compares whole seconds; stay on the same moment when it did not move.
            moments = [row.updated_date_utc for row in rows if row.updated_date_utc]
            newest = max(moments) - timedelta(seconds=1) if moments else bound
            if newest is not None and (bound is None or newest > bound):
                bound, page = newest, 1
            else:
                page += 1
        yield from self._map(waiting)
        self.problems.append("xero: invoices.list: stopped after 100,000 pages")

    def _list_page(
        self, bound: datetime | None, page: int, *, full: bool
    ) -> tuple[list[Any], bool]:
        """One page of the invoice list, and whether it is the last (short, or so paginated)."""
        where = 'Type=="ACCREC"' + (" AND AmountDue>0" if full else "")
        options: dict[str, Any] = {
            "where": where,
            "statuses": ["AUTHORISED"] if full else list(ALL_STATUSES),
            "order": "UpdatedDateUTC ASC",
            "page": page,
            "page_size": self.page_size,
            "summary_only": True,
        }
        if bound is not None:
            options["if_modified_since"] = bound
        found = self._page("invoices.list", **options)
        pages = getattr(found.pagination, "page_count", None)
        last = found.size < self.page_size or (isinstance(pages, int) and page >= pages)
        return found.rows, last

    def _page(self, operation: str, **options: Any) -> pages.Page:
        """One call of GET /Invoices; rows the SDK cannot read are left out, in ``problems``."""
        return pages.read_page(
            self.client,
            operation,
            self.client.accounting.get_invoices,
            self.tenant_id,
            listing=pages.INVOICES,
            problems=self.problems,
            **options,
        )

    def _map(self, rows: Iterable[Any]) -> Iterator[Invoice]:
        rows = list(rows)
        self._contacts.load(mapping.contact_ids(rows))
        for row in rows:
            label = row.invoice_number or row.invoice_id
            try:
                contact = self._contacts.get(str(row.contact.contact_id)) or mapping.to_contact(
                    row.contact
                )
                yield mapping.to_invoice(row, contact)
            except (mapping.MappingError, AttributeError) as exc:
                self.problems.append(f"xero: invoice {label}: {exc}")
