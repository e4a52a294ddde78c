"""Xero's objects, as xero-python deserialises them, turned into Tahseel's types.

Pure: no I/O, no clock. The SDK's models are untyped, so they come in as ``Any`` and
everything that leaves is checked and typed: money as ``Decimal``, moments aware.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.models import Contact, Invoice, InvoiceStatus, PaidInvoice

NOTE_LIMIT = 250
"""Most characters Xero keeps in a history note's ``Details``."""

RECEIVABLE = "ACCREC"

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")

_STATUSES = {
    "DRAFT": InvoiceStatus.DRAFT,
    "SUBMITTED": InvoiceStatus.DRAFT,
    "AUTHORISED": InvoiceStatus.OPEN,
    "PAID": InvoiceStatus.PAID,
    "VOIDED": InvoiceStatus.VOIDED,
    "DELETED": InvoiceStatus.DELETED,
}


class MappingError(ValueError):
    """A Xero object lacks something an ``Invoice`` needs; the message names what."""


def to_status(status: str | None) -> InvoiceStatus:
    """Map a Xero invoice status; SUBMITTED (awaiting approval) counts as a draft.

    Raises:
        MappingError: For a status Xero does not document.
    """
    status = getattr(status, "value", status)
    if status is None or status not in _STATUSES:
        raise MappingError(f"unknown status {status!r}")
    return _STATUSES[status]


def settled_status(invoice: Any) -> InvoiceStatus:
    """The status of a Xero invoice, with PAID split by what settled it.

    Xero marks an invoice PAID once nothing is due, whether payments settled it or
    credit notes, prepayments and overpayments did. The spec (xero_accounting.yaml,
    ``Invoice``) keeps the two apart: ``AmountPaid`` is the "sum of payments received
    for invoice", ``AmountCredited`` the "sum of all credit notes, over-payments and
    pre-payments applied to invoice". Both are plain amounts, in summary rows too
    (unlike the ``Payments`` and ``CreditNotes`` lists). A PAID invoice with no
    payment on it (``AmountPaid`` 0) is ``CREDITED``: no customer is thanked for a
    credit. Without ``AmountPaid``, it is ``CREDITED`` when the credits cover the total.

    Raises:
        MappingError: For a status Xero does not document, or a malformed amount.
    """
    status = to_status(getattr(invoice, "status", None))
    if status is not InvoiceStatus.PAID:
        return status
    paid = getattr(invoice, "amount_paid", None)
    if paid is not None:
        return InvoiceStatus.PAID if _money(paid, "AmountPaid") > 0 else InvoiceStatus.CREDITED
    credited = getattr(invoice, "amount_credited", None)
    total = getattr(invoice, "total", None)
    if credited is not None and total is not None:
        if _money(credited, "AmountCredited") >= _money(total, "Total"):
            return InvoiceStatus.CREDITED
    return InvoiceStatus.PAID


def contact_emails(contact: Any) -> tuple[str, ...]:
    """The contact's own address, then every person marked "include in emails".

    Blank addresses are skipped and each address appears once, in Xero's order.
    """
    found: list[str] = []
    candidates = [getattr(contact, "email_address", None)]
    for person in getattr(contact, "contact_persons", None) or ():
        if getattr(person, "include_in_emails", False):
            candidates.append(getattr(person, "email_address", None))
    for address in candidates:
        if isinstance(address, str) and address.strip() and address.strip() not in found:
            found.append(address.strip())
    return tuple(found)


def to_contact(contact: Any, *, language: str | None = None, policy: str | None = None) -> Contact:
    """Build a ``Contact`` from a Xero contact.

    Args:
        contact: An SDK ``Contact``, full or the summary an invoice carries.
        language: The language chosen for this contact (from its contact group).
        policy: The policy named by the contact's group (see ``contacts.Contacts``).

    Raises:
        MappingError: The contact has no id.
    """
    contact_id = getattr(contact, "contact_id", None)
    if not contact_id:
        raise MappingError("contact without ContactID")
    name = getattr(contact, "name", None) or ""
    return Contact(
        id=str(contact_id),
        name=str(name),
        emails=contact_emails(contact),
        language=language,
        policy=policy,
        phones=contact_phones(contact),
    )


_PHONE_ORDER = {"MOBILE": 0, "DEFAULT": 1, "DDI": 2}
"""Xero's phone types a message can go to, mobile first; FAX is never one."""


def contact_phones(contact: Any) -> tuple[str, ...]:
    """The contact's phone numbers, mobile first, without fax numbers.

    Xero splits a number in country code, area code and number: with a country code it
    is written ``+`` and all three, without one it is national, read later with the
    business's country.
    """
    found: list[tuple[int, str]] = []
    for phone in getattr(contact, "phones", None) or ():
        kind = getattr(getattr(phone, "phone_type", None), "value", None) or str(
            getattr(phone, "phone_type", "")
        )
        number = getattr(phone, "phone_number", None)
        if kind.upper() not in _PHONE_ORDER or not isinstance(number, str) or not number.strip():
            continue
        country = str(getattr(phone, "phone_country_code", None) or "").strip().lstrip("+")
        area = str(getattr(phone, "phone_area_code", None) or "").strip()
        text = f"{area}{number.strip()}"
        found.append((_PHONE_ORDER[kind.upper()], f"+{country}{text}" if country else text))
    return tuple(dict.fromkeys(number for _, number in sorted(found, key=lambda p: p[0])))


def to_invoice(invoice: Any, contact: Contact) -> Invoice:
    """Build an ``Invoice`` from a Xero invoice and its already-mapped contact.

    Raises:
        MappingError: A field the reminder needs is missing or malformed.
    """
    number = getattr(invoice, "invoice_number", None)
    if not number:
        raise MappingError("no InvoiceNumber")
    issue = _date(getattr(invoice, "date", None), "Date")
    due_value = getattr(invoice, "due_date", None)
    due = _date(due_value, "DueDate") if due_value is not None else issue
    return Invoice(
        id=str(invoice.invoice_id),
        number=str(number),
        contact=contact,
        currency=_currency(getattr(invoice, "currency_code", None)),
        total=_money(getattr(invoice, "total", None), "Total"),
        amount_due=_money(getattr(invoice, "amount_due", None), "AmountDue"),
        issue_date=issue,
        due_date=due,
        status=settled_status(invoice),
        reference=getattr(invoice, "reference", None) or None,
        updated_at=_moment(getattr(invoice, "updated_date_utc", None)),
    )


def to_paid_invoice(invoice: Any, contact: Contact) -> PaidInvoice:
    """Build a ``PaidInvoice`` from a Xero invoice with status PAID and a payment on it.

    Raises:
        MappingError: The invoice is not paid in full (a credited one is not paid), or
            lacks ``FullyPaidOnDate``.
    """
    base = to_invoice(invoice, contact)
    if base.status is not InvoiceStatus.PAID:
        raise MappingError(f"status {getattr(invoice, 'status', None)!r}, not PAID")
    return PaidInvoice.of(
        base, _date(getattr(invoice, "fully_paid_on_date", None), "FullyPaidOnDate")
    )


def is_open_receivable(invoice: Any) -> bool:
    """True for an authorised sales invoice with money still owing."""
    due = getattr(invoice, "amount_due", None)
    return (
        getattr(invoice, "type", None) == RECEIVABLE
        and getattr(invoice, "status", None) == "AUTHORISED"
        and due is not None
        and Decimal(str(due)) > 0
    )


def clip_note(text: str) -> str:
    """Fit a note into Xero's history limit, marking a cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= NOTE_LIMIT:
        return text
    return text[: NOTE_LIMIT - 1].rstrip() + "…"


def is_id(text: str) -> bool:
    """Whether ``text`` has the shape of a Xero id (a GUID), as an ``IDs`` filter needs."""
    return _GUID.fullmatch(text) is not None


def contact_ids(invoices: Iterable[Any]) -> list[str]:
    """Distinct contact ids of the invoices, in first-seen order."""
    seen: dict[str, None] = {}
    for invoice in invoices:
        contact = getattr(invoice, "contact", None)
        contact_id = getattr(contact, "contact_id", None)
        if contact_id:
            seen[str(contact_id)] = None
    return list(seen)


def _money(value: object, field: str) -> Decimal:
    if value is None:
        raise MappingError(f"no {field}")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _date(value: object, field: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise MappingError(f"no {field}")


def _moment(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _currency(value: object) -> str:
    code = getattr(value, "value", value)
    if not isinstance(code, str) or len(code) != 3:
        raise MappingError(f"bad CurrencyCode {code!r}")
    return code


def idempotency_key(invoice_id: str, key: str) -> str:
    """The ``Idempotency-Key`` of a note: the outbox key, scoped to the invoice."""
    # Scoped to the invoice, so one outbox key never collides across invoices; hashed
    # when long, as Xero takes at most 128 characters.
    raw = f"tahseel-note-{invoice_id}-{key}"
    if len(raw) <= 128:
        return raw
    return "tahseel-note-" + str(uuid.UUID(bytes=hashlib.sha256(raw.encode()).digest()[:16]))


def wanted(row: Any, *, full: bool) -> bool:
    """Whether a list row is read on.

    On a full read, open receivables; on an incremental one, every receivable, so the
    caller also learns of those paid or voided.
    """
    if full:
        return is_open_receivable(row)
    return getattr(row, "type", None) == RECEIVABLE
