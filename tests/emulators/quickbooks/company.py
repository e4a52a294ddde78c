"""One QuickBooks Online company (realm) held in memory, and its JSON as the API writes it.

Field names follow Intuit's XSDs (``Finance.xsd``). Deleted and draft invoices carry
the entity ``status`` attribute (so does one seeded ``status="Voided"``: the XSD's
``EntityStatusEnum`` has it). Every change bumps ``SyncToken`` and ``LastUpdatedTime``.

``void`` leaves what Intuit documents: no ``status``, amounts zeroed, "Voided" before
the PrivateNote, no linked payments, online payment off (developer blog, "Voiding
Invoice Objects", 6 April 2016, https://blogs.intuit.com/2016/04/06/voiding-invoice-objects,
sample answer; API reference: "all amounts and quantities are zeroed and the string
'Voided' is injected into Invoice.PrivateNote, prepended to existing text if present").
Payments show on the invoice as ``LinkedTxn`` of type ``Payment`` (Intuit, "Manage
linked transactions"). ``credit`` applies a credit memo or journal entry through a
zero-dollar payment linking both (Breadwinner's QuickBooks guide, "Applying Credit to
an Invoice": "you need to create a zero-dollar payment, which is the link between the
Credit Memo and the Invoice").

``InvoiceLink`` is written only when asked (``include=invoiceLink``) for an invoice that
allows online payment and has a BillEmail (Intuit's Invoice reference, quoted in
routablehq/python-quickbooks#198). Making one costs QuickBooks a round trip that made
queries time out (Intuit, quoted in routablehq/python-quickbooks#241); Intuit gives no
figure, so each link sleeps ``link_delay`` seconds and counts in ``links_made``.

``tamper`` writes odd fields (data imports and other apps may leave; Intuit documents
none), only when a test asks.
"""

from __future__ import annotations

import hashlib
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from tests.emulators.quickbooks.faults import Fault

NOTE_LIMIT = 4000
_LETTERS = string.ascii_lowercase
ABSENT = object()  # a ``tamper`` value: leave the field out


_PACIFIC = timezone(timedelta(hours=-8))


def stamp(moment: datetime) -> str:
    """QuickBooks' ``2026-11-22T06:00:00-08:00`` form (company time, Pacific)."""
    return moment.astimezone(_PACIFIC).replace(microsecond=0).isoformat()


@dataclass
class CustomerRecord:
    """A customer: display name, primary addresses, custom fields, active flag."""

    id: str
    name: str
    emails: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    active: bool = True
    sync_token: int = 0
    mobile: str | None = None
    """``Mobile``: a ``TelephoneNumber`` whose ``FreeFormNumber`` holds it as typed
    (../shared/specs/qbo-xsd/IntuitNamesTypes.xsd, the customer's ``Mobile`` element)."""

    def json(self) -> dict[str, Any]:
        """The customer as GET/query return it."""
        body: dict[str, Any] = {
            "Id": self.id,
            "SyncToken": str(self.sync_token),
            "domain": "QBO",
            "sparse": False,
            "DisplayName": self.name,
            "FullyQualifiedName": self.name,
            "Active": self.active,
            "Balance": 0,
        }
        if self.emails:
            body["PrimaryEmailAddr"] = {"Address": ", ".join(self.emails)}
        if self.fields:
            body["CustomField"] = _custom_fields(self.fields)
        if self.mobile:
            body["Mobile"] = {"FreeFormNumber": self.mobile}
        return body


@dataclass
class InvoiceRecord:
    """An invoice as the company holds it."""

    id: str
    number: str
    customer_id: str
    total: Decimal
    balance: Decimal
    currency: str = "USD"
    issued: date = date(2026, 10, 1)
    due: date = date(2026, 10, 31)
    status: str | None = None
    bill_emails: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    private_note: str | None = None
    online: bool = True
    sync_token: int = 0
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    voided: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class PaymentRecord:
    """A payment applied to one invoice; with ``credit``, a zero-dollar one applying it."""

    id: str
    invoice_id: str
    amount: Decimal
    on: date
    created: datetime
    credit: str | None = None


class Company:
    """A realm: customers, invoices, and whether it takes online payments.

    Args:
        realm_id: The company id.
        name: Company name.
        payments: Whether QuickBooks Payments is on (``InvoiceLink`` is generated).
        wall: The current moment (the emulator's, which tests may advance).
    """

    def __init__(
        self, realm_id: str, name: str, *, payments: bool, wall: Any, link_delay: float = 0.001
    ) -> None:
        self.realm_id = realm_id
        self.name = name
        self.payments = payments
        self.wall = wall
        self.lock = threading.RLock()
        self.customers: dict[str, CustomerRecord] = {}
        self.invoices: dict[str, InvoiceRecord] = {}
        self.deleted: dict[str, datetime] = {}
        self.races: dict[str, int] = {}
        self.payment_records: dict[str, PaymentRecord] = {}
        self.link_delay = link_delay
        self.links_made = 0
        self._next = 100

    # -- seeding and outside changes --------------------------------------------------------

    def add_customer(
        self,
        name: str,
        *emails: str,
        fields: dict[str, str] | None = None,
        active: bool = True,
        mobile: str | None = None,
    ) -> str:
        """Add a customer; return its id."""
        with self.lock:
            record = CustomerRecord(self._id(), name, tuple(emails), dict(fields or {}), active)
            record.mobile = mobile
            self.customers[record.id] = record
            return record.id

    def add_invoice(
        self,
        number: str,
        customer_id: str,
        total: Decimal | str,
        *,
        balance: Decimal | str | None = None,
        bill_emails: tuple[str, ...] | None = None,
        updated: datetime | None = None,
        **options: Any,
    ) -> str:
        """Add an invoice (BillEmail defaults to the customer's addresses); return its id."""
        with self.lock:
            customer = self.customers[customer_id]
            moment = updated or self.wall()
            record = InvoiceRecord(
                id=self._id(),
                number=number,
                customer_id=customer_id,
                total=Decimal(str(total)),
                balance=Decimal(str(total if balance is None else balance)),
                bill_emails=customer.emails if bill_emails is None else bill_emails,
                created=moment,
                updated=moment,
                **options,
            )
            self.invoices[record.id] = record
            return record.id

    def edit(self, invoice_id: str, **changes: Any) -> None:
        """Change an invoice as another writer would (bumps SyncToken)."""
        with self.lock:
            record = self.invoices[invoice_id]
            for name, value in changes.items():
                setattr(record, name, value)
            self._touch(record)

    def pay(
        self,
        invoice_id: str,
        amount: Decimal | str | None = None,
        *,
        on: date | None = None,
        credit: str | None = None,
    ) -> None:
        """Record a Payment of ``amount`` (the whole balance by default) dated ``on`` (today);
        with ``credit`` (``CreditMemo``, ``JournalEntry``), a zero-dollar one applying it."""
        with self.lock:
            record = self.invoices[invoice_id]
            paid = record.balance if amount is None else Decimal(str(amount))
            moment = self.wall()
            # Payments number apart, so invoices keep the ids they would have had.
            payment_id = str(9000 + len(self.payment_records))
            self.payment_records[payment_id] = PaymentRecord(
                payment_id, invoice_id, paid, on or moment.date(), moment, credit
            )
            self.edit(invoice_id, balance=record.balance - paid)

    def credit(
        self, invoice_id: str, amount: Decimal | str | None = None, *, by: str = "CreditMemo"
    ) -> None:
        """Apply a credit memo (or ``by`` another credit) through a zero-dollar payment."""
        self.pay(invoice_id, amount, credit=by)

    def void(self, invoice_id: str) -> None:
        """Void an invoice as QuickBooks does (see the module's docstring)."""
        with self.lock:
            record = self.invoices[invoice_id]
            # Intuit says "prepended" but not with what between: a space here.
            note = "Voided" + (f" {record.private_note}" if record.private_note else "")
            self.edit(
                invoice_id,
                total=Decimal(0),
                balance=Decimal(0),
                online=False,
                voided=True,
                private_note=note,
            )

    def tamper(self, invoice_id: str, **fields: Any) -> None:
        """Write these fields into the invoice's JSON as given (``ABSENT``: leave one out)."""
        with self.lock:
            self.invoices[invoice_id].overrides.update(fields)

    def delete(self, invoice_id: str) -> None:
        """Delete an invoice: gone from queries, reported by CDC as Deleted."""
        with self.lock:
            self.invoices.pop(invoice_id)
            self.deleted[invoice_id] = self.wall()

    def race(self, invoice_id: str, times: int = 1) -> None:
        """Let another writer change the invoice just before each of the next ``times`` updates."""
        with self.lock:
            self.races[invoice_id] = times

    def notes(self, invoice_id: str) -> str | None:
        """The invoice's PrivateNote as stored."""
        with self.lock:
            return self.invoices[invoice_id].private_note

    # -- what the API does ------------------------------------------------------------------

    def sparse_update(self, body: dict[str, Any], *, link: bool = False) -> dict[str, Any]:
        """Apply a sparse invoice update; raise ``Fault`` as QuickBooks would."""
        with self.lock:
            record = self.invoices.get(str(body.get("Id")))
            if record is None:
                raise Fault.not_found("Invoice", str(body.get("Id")))
            if body.get("sparse") is not True:
                raise Fault.validation("6000", "This emulator takes sparse updates only", "sparse")
            if self.races.get(record.id):
                self.races[record.id] -= 1
                self.edit(record.id, fields={**record.fields, "Touched": "yes"})
            if str(body.get("SyncToken")) != str(record.sync_token):
                raise Fault.stale()
            if "PrivateNote" in body:
                note = body["PrivateNote"]
                if note is not None and len(note) > NOTE_LIMIT:
                    raise Fault.validation(
                        "2050",
                        "String length is either shorter or longer than supported by specification",
                        "PrivateNote",
                    )
                record.private_note = note
            self._touch(record)
            return self.invoice_json(record, link=link)

    def invoice_json(self, record: InvoiceRecord, *, link: bool) -> dict[str, Any]:
        """The invoice as read, query and update answers write it."""
        customer = self.customers[record.customer_id]
        body: dict[str, Any] = {
            "Id": record.id,
            "SyncToken": str(record.sync_token),
            "domain": "QBO",
            "sparse": False,
            "DocNumber": record.number,
            "TxnDate": record.issued.isoformat(),
            "DueDate": record.due.isoformat(),
            "CurrencyRef": {"value": record.currency, "name": record.currency},
            "CustomerRef": {"value": customer.id, "name": customer.name},
            "TotalAmt": float(record.total),
            "Balance": float(record.balance),
            "EmailStatus": "NotSet",
            # Online payment needs QuickBooks Payments on (Intuit's Invoice reference).
            "AllowOnlineCreditCardPayment": record.online and self.payments,
            "AllowOnlineACHPayment": record.online and self.payments,
            "LinkedTxn": [
                {"TxnId": p.id, "TxnType": "Payment"}
                for p in self.payment_records.values()
                if p.invoice_id == record.id and not record.voided
            ],
            "Line": [
                {
                    "Id": "1",
                    "LineNum": 1,
                    "Amount": float(record.total),
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"}},
                }
            ],
            "MetaData": {
                "CreateTime": stamp(record.created),
                "LastUpdatedTime": stamp(record.updated),
            },
        }
        if record.status:
            body["status"] = record.status
        if record.bill_emails:
            body["BillEmail"] = {"Address": ", ".join(record.bill_emails)}
        if record.private_note is not None:
            body["PrivateNote"] = record.private_note
        if record.fields:
            body["CustomField"] = _custom_fields(record.fields)
        if link and self.payments and record.online and record.bill_emails and not record.status:
            body["InvoiceLink"] = self.payment_url(record.id)
            self.links_made += 1
            time.sleep(self.link_delay)
        for name, value in record.overrides.items():
            if value is ABSENT:
                body.pop(name, None)
            else:
                body[name] = value
        return body

    def payment_json(self, record: PaymentRecord) -> dict[str, Any]:
        """The payment as a query answer writes it, linked to the invoice it pays."""
        invoice = self.invoices.get(record.invoice_id)
        customer = self.customers[invoice.customer_id] if invoice else None
        body: dict[str, Any] = {
            "Id": record.id,
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "TxnDate": record.on.isoformat(),
            "TotalAmt": 0 if record.credit else float(record.amount),
            "UnappliedAmt": 0,
            "ProcessPayment": False,
            "CurrencyRef": {"value": invoice.currency if invoice else "USD"},
            "Line": [
                {
                    "Amount": float(record.amount),
                    "LinkedTxn": [{"TxnId": record.invoice_id, "TxnType": "Invoice"}],
                }
            ],
            "MetaData": {
                "CreateTime": stamp(record.created),
                "LastUpdatedTime": stamp(record.created),
            },
        }
        if record.credit:
            # The credit's own line: its id is made up, never read back by Tahseel.
            credit = {"TxnId": f"{record.id}0", "TxnType": record.credit}
            body["Line"].append({"Amount": float(record.amount), "LinkedTxn": [credit]})
        if customer is not None:
            body["CustomerRef"] = {"value": customer.id, "name": customer.name}
        return body

    def payment_url(self, invoice_id: str) -> str:
        """The customer's pay-online link: letters only, so no id or number shows in it."""
        digest = hashlib.sha256(f"{self.realm_id}:{invoice_id}".encode()).digest()
        token = "".join(_LETTERS[b % 26] for b in digest[:24])
        return f"https://connect.intuit.com/t/scs-{token}"

    def _touch(self, record: InvoiceRecord) -> None:
        record.sync_token += 1
        record.updated = max(self.wall(), record.updated + timedelta(microseconds=1))

    def _id(self) -> str:
        self._next += 1
        return str(self._next)


def _custom_fields(fields: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"DefinitionId": str(n), "Name": name, "Type": "StringType", "StringValue": value}
        for n, (name, value) in enumerate(sorted(fields.items()), 1)
    ]
