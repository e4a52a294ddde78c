"""One Xero organisation held in memory, and its JSON as the Accounting API writes it.

Field names, date formats (``/Date(ms+0000)/``) and enums follow the official OpenAPI
spec; ``tests/contract/test_xero_emulator_spec.py`` checks that they do.
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.emulators.xero.keys import IdempotencyKeys

STATUSES = ("DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED")
HISTORY_LIMIT = 250
_CLAUSE = re.compile(r"^\s*([\w.]+)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")


class BadRequest(Exception):
    """A request Xero would answer with 400; ``message`` goes in the validation error."""


def ms_date(moment: date | datetime) -> str:
    """Xero's ``/Date(ms+0000)/`` form of a date or an aware moment."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    return f"/Date({int(moment.timestamp() * 1000)}+0000)/"


def money(value: Decimal) -> float:
    """A JSON number, as Xero writes amounts."""
    return float(value)


@dataclass
class ContactRecord:
    """A contact: own address, persons as (first, last, email, include_in_emails)."""

    contact_id: str
    name: str
    email: str | None = None
    persons: list[tuple[str, str, str, bool]] = field(default_factory=list)
    status: str = "ACTIVE"
    phones: list[tuple[str, str]] = field(default_factory=list)
    """(PhoneType, PhoneNumber), e.g. ``("MOBILE", "0501234567")``: the spec's ``Phone``
    (../shared/specs/xero_accounting.yaml, PhoneType DEFAULT, DDI, MOBILE, FAX, OFFICE);
    its area and country codes are left out, as a contact without them reads."""
    tax_number_type: str | None = None
    """As the API writes it, e.g. ``TAXNUMBERTYPE/EIN``: not the spec's ``EIN``, which
    xero-python's model refuses (XeroAPI/xero-python#231 for #203 and #205;
    XeroAPI/xero-ruby#351 shows the prefixed value in a real answer)."""

    def summary(self) -> dict[str, Any]:
        """What an invoice in a summary list carries."""
        return {"ContactID": self.contact_id, "Name": self.name}

    def full(self) -> dict[str, Any]:
        """What GET /Contacts returns."""
        body: dict[str, Any] = {
            "ContactID": self.contact_id,
            "ContactStatus": self.status,
            "Name": self.name,
            "ContactPersons": [
                {"FirstName": f, "LastName": s, "EmailAddress": e, "IncludeInEmails": inc}
                for f, s, e, inc in self.persons
            ],
            "Addresses": [],
            "Phones": [{"PhoneType": t, "PhoneNumber": n} for t, n in self.phones],
            "IsCustomer": True,
            "IsSupplier": False,
            "HasAttachments": False,
        }
        if self.email:
            body["EmailAddress"] = self.email
        if self.tax_number_type:
            body["TaxNumberType"] = self.tax_number_type
        return body


@dataclass
class InvoiceRecord:
    """An invoice or bill; ``amount_due`` is derived as Xero derives it."""

    invoice_id: str
    number: str
    contact_id: str
    total: Decimal
    type: str = "ACCREC"
    status: str = "AUTHORISED"
    currency: str = "USD"
    """Any code Xero holds: ``XCG`` (Caribbean guilder, ISO 4217 since 2025) is one
    xero-python 15's ``CurrencyCode`` enum lacks; the SDK then raises ValueError for
    the whole page (XeroAPI/xero-python#231)."""
    paid: Decimal = Decimal("0")
    credited: Decimal = Decimal("0")
    issued: date = date(2026, 10, 1)
    due_date: date = date(2026, 10, 31)
    reference: str | None = None
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    fully_paid_on: date | None = None
    credit_notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def amount_due(self) -> Decimal:
        """Total less payments and credits (a voided invoice keeps its figure)."""
        return self.total - self.paid - self.credited

    def json(self, contact: ContactRecord, *, summary: bool) -> dict[str, Any]:
        """The invoice as GET /Invoices writes it."""
        body: dict[str, Any] = {
            "Type": self.type,
            "InvoiceID": self.invoice_id,
            "InvoiceNumber": self.number,
            "Contact": contact.summary() if summary else contact.full(),
            "Date": ms_date(self.issued),
            "DueDate": ms_date(self.due_date),
            "Status": self.status,
            "LineAmountTypes": "Exclusive",
            "SubTotal": money(self.total),
            "TotalTax": 0.0,
            "Total": money(self.total),
            "AmountDue": money(self.amount_due),
            "AmountPaid": money(self.paid),
            "AmountCredited": money(self.credited),
            "CurrencyCode": self.currency,
            "CurrencyRate": 1.0,
            "UpdatedDateUTC": ms_date(self.updated),
            "HasAttachments": False,
            "IsDiscounted": False,
        }
        if self.reference:
            body["Reference"] = self.reference
        if self.status == "PAID" and self.fully_paid_on is not None:
            body["FullyPaidOnDate"] = ms_date(self.fully_paid_on)
        if not summary:
            body.update(
                {
                    "LineItems": [],
                    "Payments": [],
                    "CreditNotes": self.credit_notes,
                    "Overpayments": [],
                }
            )
        return body


class Org:
    """An organisation's invoices, contacts, groups and history notes.

    Args:
        tenant_id: Its id, as GET /connections lists it.
        name: Its name.
    """

    def __init__(self, tenant_id: str, name: str) -> None:
        self.tenant_id = tenant_id
        self.name = name
        self.lock = threading.RLock()
        self.invoices: dict[str, InvoiceRecord] = {}
        self.contacts: dict[str, ContactRecord] = {}
        self.groups: dict[str, tuple[str, list[str]]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.idempotent = IdempotencyKeys()
        self._last = datetime(2000, 1, 1, tzinfo=UTC)

    # -- test API --------------------------------------------------------------------

    def add_contact(
        self,
        name: str,
        email: str | None = None,
        *,
        persons: list[tuple[str, str, str, bool]] | None = None,
        groups: tuple[str, ...] = (),
        contact_id: str | None = None,
        phones: list[tuple[str, str]] | None = None,
    ) -> str:
        """Add a contact (in the named groups, created as needed); return its id."""
        with self.lock:
            record = ContactRecord(contact_id or str(uuid.uuid4()), name, email, persons or [])
            record.phones = list(phones or [])
            self.contacts[record.contact_id] = record
            for group in groups:
                self._group(group)[1].append(record.contact_id)
            return record.contact_id

    def add_invoice(self, number: str, contact_id: str, total: str | Decimal, **fields: Any) -> str:
        """Add an invoice; ``due=`` sets the amount due (the rest counts as paid)."""
        with self.lock:
            due = fields.pop("due", None)
            updated = fields.pop("updated", None)
            record = InvoiceRecord(
                invoice_id=fields.pop("invoice_id", None) or str(uuid.uuid4()),
                number=number,
                contact_id=contact_id,
                total=Decimal(str(total)),
                updated=updated or self.tick(),
                **fields,
            )
            if due is not None:
                record.paid = record.total - Decimal(str(due))
            self.invoices[record.invoice_id] = record
            return record.invoice_id

    def pay(
        self, invoice_id: str, amount: str | Decimal | None = None, *, on: date | None = None
    ) -> None:
        """Record a payment (the whole amount due by default); PAID when nothing is left.

        ``on`` is the payment's date (today by default): FullyPaidOnDate once PAID.
        """
        self.edit(invoice_id, paid=None, amount=amount, paid_on=on)

    def credit(self, invoice_id: str, amount: str | Decimal | None = None) -> str:
        """Allocate a credit note (the whole amount due by default); return its number.

        As Xero does: ``AmountCredited`` grows, ``AmountPaid`` does not, and with
        nothing left due the invoice is PAID (the spec's ``AmountCredited`` is the "sum
        of all credit notes, over-payments and pre-payments applied to invoice"). The
        full invoice lists the note under ``CreditNotes``.
        """
        with self.lock:
            record = self.invoices[invoice_id]
            applied = record.amount_due if amount is None else Decimal(str(amount))
            number = f"CN-{len(self.credit_notes()) + 1:04d}"
            record.credit_notes.append(
                {
                    "CreditNoteID": str(uuid.uuid4()),
                    "CreditNoteNumber": number,
                    "Type": "ACCRECCREDIT",
                    "Date": ms_date(self.tick()),
                    "Total": money(applied),
                    "AppliedAmount": money(applied),
                }
            )
            record.credited += applied
            if record.amount_due <= 0:
                record.status = "PAID"
                record.fully_paid_on = self.tick().date()
            record.updated = self.tick()
            return number

    def credit_notes(self) -> list[dict[str, Any]]:
        """Every credit note allocated so far."""
        with self.lock:
            return [note for record in self.invoices.values() for note in record.credit_notes]

    def void(self, invoice_id: str) -> None:
        """Void an invoice."""
        self.edit(invoice_id, status="VOIDED")

    def edit(self, invoice_id: str, *, amount: Any = None, **changes: Any) -> None:
        """Change an invoice's fields and bump its UpdatedDateUTC, as any edit does."""
        with self.lock:
            record = self.invoices[invoice_id]
            paid_on = changes.pop("paid_on", None)
            if "paid" in changes and changes.pop("paid") is None:
                record.paid += record.amount_due if amount is None else Decimal(str(amount))
                if record.amount_due <= 0:
                    record.status = "PAID"
                    record.fully_paid_on = paid_on or self.tick().date()
            for name, value in changes.items():
                setattr(record, name, value)
            record.updated = self.tick()

    def notes(self, invoice_id: str) -> list[str]:
        """Details of the notes on an invoice, oldest first."""
        with self.lock:
            return [row["Details"] for row in self.history.get(invoice_id, [])]

    def tick(self) -> datetime:
        """A fresh UpdatedDateUTC: now, and always later than the previous one."""
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._last = max(now, self._last + timedelta(milliseconds=1))
        return self._last

    # -- API -------------------------------------------------------------------------

    def select(self, query: dict[str, str], since: datetime | None) -> list[InvoiceRecord]:
        """Invoices matching GET /Invoices' filters, in the order asked.

        Raises:
            BadRequest: An unsupported ``where`` or a malformed id.
        """
        with self.lock:
            rows = list(self.invoices.values())
        if "IDs" in query:
            ids = [part for part in query["IDs"].split(",") if part]
            for part in ids:
                _guid(part)
            rows = [row for row in rows if row.invoice_id in ids]
        if "Statuses" in query:
            wanted = set(query["Statuses"].split(","))
            rows = [row for row in rows if row.status in wanted]
        if since is not None:
            rows = [row for row in rows if row.updated >= since]
        for clause in _clauses(query.get("where", "")):
            rows = [row for row in rows if clause(row)]
        return _ordered(rows, query.get("order"))

    def group_json(self, group_id: str | None, where: str) -> list[dict[str, Any]]:
        """Contact groups, with their members when one group is asked for."""
        with self.lock:
            found = []
            for gid, (name, members) in self.groups.items():
                if group_id is not None and gid != group_id:
                    continue
                match = re.fullmatch(r'\s*Name\s*==\s*"(.*)"\s*', where) if where else None
                if match and match.group(1).casefold() != name.casefold():
                    continue
                body: dict[str, Any] = {"ContactGroupID": gid, "Name": name, "Status": "ACTIVE"}
                if group_id is not None:
                    body["Contacts"] = [self.contacts[c].summary() for c in members]
                found.append(body)
            return found

    def add_history(self, invoice_id: str, details: str) -> dict[str, Any]:
        """Append a note to an invoice's history.

        Raises:
            BadRequest: The note is empty or longer than Xero keeps.
        """
        if not details or len(details) > HISTORY_LIMIT:
            raise BadRequest(f"The Details must be 1 to {HISTORY_LIMIT} characters long.")
        row = {
            "Changes": "Note",
            "DateUTC": ms_date(self.tick()),
            "User": "System Generated",
            "Details": details,
        }
        with self.lock:
            self.history.setdefault(invoice_id, []).append(row)
        return row

    def payment_url(self, invoice_id: str) -> str:
        """A stable online-invoice URL that reveals nothing about the invoice."""
        digest = hashlib.sha256(f"{self.tenant_id}:{invoice_id}".encode()).hexdigest()[:40]
        return f"https://in.xero.com/{digest}"

    def _group(self, name: str) -> tuple[str, list[str]]:
        for gid, group in self.groups.items():
            if group[0] == name:
                return self.groups[gid]
        gid = str(uuid.uuid4())
        self.groups[gid] = (name, [])
        return self.groups[gid]


def _guid(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise BadRequest(f"'{text[:40]}' is not a valid GUID") from None


_FIELDS = {
    "Type": lambda r: r.type,
    "Status": lambda r: r.status,
    "AmountDue": lambda r: r.amount_due,
    "AmountPaid": lambda r: r.paid,
    "Reference": lambda r: r.reference or "",
    "Contact.ContactID": lambda r: r.contact_id,
    "Date": lambda r: r.issued,
    "DueDate": lambda r: r.due_date,
    "InvoiceNumber": lambda r: r.number,
}
_ORDER = {
    "UpdatedDateUTC": lambda r: r.updated,
    "Date": lambda r: r.issued,
    "DueDate": lambda r: r.due_date,
    "InvoiceNumber": lambda r: r.number,
    "InvoiceID": lambda r: r.invoice_id,
}
_OPS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
}


def _clauses(where: str) -> list[Any]:
    clauses = []
    for text in filter(None, re.split(r"\s+AND\s+", where.strip(), flags=re.IGNORECASE)):
        match = _CLAUSE.match(text)
        if not match or match.group(1) not in _FIELDS:
            raise BadRequest(f"unsupported where clause {text[:60]!r}")
        name, op, literal = match.groups()
        value = _literal(literal)
        getter, compare = _FIELDS[name], _OPS[op]
        clauses.append(lambda row, g=getter, c=compare, v=value: c(g(row), v))
    return clauses


def _literal(text: str) -> Any:
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    guid = re.fullmatch(r'Guid\("(.*)"\)', text)
    if guid:
        return _guid(guid.group(1))
    moment = re.fullmatch(r"DateTime\((\d+),\s*(\d+),\s*(\d+)\)", text)
    if moment:
        return date(*(int(part) for part in moment.groups()))
    try:
        return Decimal(text)
    except ArithmeticError:
        raise BadRequest(f"unsupported literal {text[:40]!r}") from None


def _ordered(rows: list[InvoiceRecord], order: str | None) -> list[InvoiceRecord]:
    if not order:
        return rows
    parts = order.split()
    if parts[0] not in _ORDER:
        raise BadRequest(f"unsupported order {order[:40]!r}")
    descending = len(parts) > 1 and parts[1].upper() == "DESC"
    return sorted(rows, key=_ORDER[parts[0]], reverse=descending)
