"""QuickBooks Online's JSON objects turned into Tahseel's types, and the note format.

Pure: no I/O, no clock. The ledger reads raw JSON through python-quickbooks with
``use_decimal=True``, so amounts arrive as ``Decimal`` (or ``int``); everything that
leaves is checked and typed: money as ``Decimal``, moments aware.

Notes live in the invoice's ``PrivateNote``, which the accountant also writes. Each
line Tahseel adds reads ``Tahseel [<key>] <text>``; every other line is the
accountant's and is never changed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from connectors.models import Contact, Invoice, InvoiceStatus, PaidInvoice

EmailSource = Literal["bill", "customer", "both"]
Row = Mapping[str, Any]

NOTE_LIMIT = 4000
"""Most characters kept in ``PrivateNote`` (Intuit documents about 4,000)."""

NOTE_PREFIX = "Tahseel"
_NOTE_LINE = re.compile(rf"^{NOTE_PREFIX} \[([^\]]+)\] ?(.*)$")
_KEY = re.compile(r"[\w.:-]{1,40}")
_STATUSES = {
    "Deleted": InvoiceStatus.DELETED,
    "Voided": InvoiceStatus.VOIDED,
    "Draft": InvoiceStatus.DRAFT,
    "Pending": InvoiceStatus.DRAFT,
}
_LANGUAGES = {"arabic": "ar", "العربية": "ar", "عربي": "ar", "english": "en"}


class MappingError(ValueError):
    """A QuickBooks object lacks something an ``Invoice`` needs; the message names what."""


def to_status(row: Row) -> InvoiceStatus:
    """The invoice's status: the entity's ``status`` attribute, else by its balance.

    QuickBooks has no status field on invoices; voided, deleted and draft objects
    carry the ``status`` attribute, and a paid invoice is one with nothing left due.
    """
    marked = row.get("status")
    if isinstance(marked, str) and marked in _STATUSES:
        return _STATUSES[marked]
    return InvoiceStatus.OPEN if _money(row.get("Balance"), "Balance") > 0 else InvoiceStatus.PAID


def split_emails(value: object) -> tuple[str, ...]:
    """Addresses of an ``EmailAddress`` object; QuickBooks separates several by commas."""
    address = value.get("Address") if isinstance(value, Mapping) else None
    if not isinstance(address, str):
        return ()
    found: list[str] = []
    for part in re.split(r"[,;]", address):
        part = part.strip()
        if part and part not in found:
            found.append(part)
    return tuple(found)


def choose_emails(
    bill: tuple[str, ...], customer: tuple[str, ...], source: EmailSource
) -> tuple[str, ...]:
    """The addresses to remind, by ``source``; one side stands in when the other is empty.

    ``bill``: the invoice's BillEmail; ``customer``: the customer's primary address;
    ``both``: BillEmail first, then the customer's, each address once.
    """
    if source == "both":
        return tuple(dict.fromkeys(bill + customer))
    first, second = (bill, customer) if source == "bill" else (customer, bill)
    return first or second


def custom_field(row: Row | None, name: str | None) -> str | None:
    """The string value of the custom field called ``name`` (case ignored), if set."""
    if row is None or not name:
        return None
    for field in row.get("CustomField") or ():
        if not isinstance(field, Mapping):
            continue
        if str(field.get("Name", "")).strip().casefold() == name.strip().casefold():
            value = field.get("StringValue")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def to_language(value: str | None) -> str | None:
    """A language code from a custom field: ``ar``, ``en-GB`` or a name like ``Arabic``."""
    if not value:
        return None
    text = value.strip()
    if text.casefold() in _LANGUAGES:
        return _LANGUAGES[text.casefold()]
    if re.fullmatch(r"[A-Za-z]{2}([-_][A-Za-z]{2})?", text):
        return text[:2].lower()
    return None


def to_contact(
    customer: Row | None,
    invoice: Row,
    *,
    email_source: EmailSource = "bill",
    language_field: str | None = None,
) -> Contact:
    """Build the ``Contact`` an invoice is billed to.

    Args:
        customer: The full customer, or None when it could not be read (the
            invoice's ``CustomerRef`` name stands in).
        invoice: The invoice, for ``CustomerRef`` and ``BillEmail``.
        email_source: Whose addresses win (see ``choose_emails``).
        language_field: Custom field holding the language; the invoice's overrides
            the customer's.

    Raises:
        MappingError: The invoice names no customer.
    """
    ref = invoice.get("CustomerRef")
    customer_id = ref.get("value") if isinstance(ref, Mapping) else None
    if not customer_id:
        raise MappingError("no CustomerRef")
    name = (customer or {}).get("DisplayName") or (ref.get("name") if ref else None) or ""
    customer_emails = split_emails((customer or {}).get("PrimaryEmailAddr"))
    emails = choose_emails(split_emails(invoice.get("BillEmail")), customer_emails, email_source)
    language = to_language(
        custom_field(invoice, language_field) or custom_field(customer, language_field)
    )
    return Contact(id=str(customer_id), name=str(name), emails=emails, language=language)


def to_invoice(row: Row, contact: Contact, *, reference_field: str | None = None) -> Invoice:
    """Build an ``Invoice`` from a QuickBooks invoice and its already-mapped contact.

    Raises:
        MappingError: A field the reminder needs is missing or malformed.
    """
    number = row.get("DocNumber") or row.get("Id")
    if not row.get("Id") or not number:
        raise MappingError("no Id")
    issue = _date(row.get("TxnDate"), "TxnDate")
    due = _date(row.get("DueDate"), "DueDate") if row.get("DueDate") else issue
    meta = row.get("MetaData")
    return Invoice(
        id=str(row["Id"]),
        number=str(number),
        contact=contact,
        currency=_currency(row.get("CurrencyRef")),
        total=_money(row.get("TotalAmt"), "TotalAmt"),
        amount_due=_money(row.get("Balance"), "Balance"),
        issue_date=issue,
        due_date=due,
        status=to_status(row),
        reference=custom_field(row, reference_field),
        updated_at=_moment(meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None),
    )


def to_paid_invoice(
    row: Row, contact: Contact, paid_on: date, *, reference_field: str | None = None
) -> PaidInvoice:
    """Build a ``PaidInvoice`` from a QuickBooks invoice with nothing left to pay.

    Args:
        row: The invoice.
        contact: Its already-mapped customer.
        paid_on: The date of the last payment linked to it.
        reference_field: As ``to_invoice``.

    Raises:
        MappingError: The invoice still has a balance, or lacks a needed field.
    """
    base = to_invoice(row, contact, reference_field=reference_field)
    if base.status is not InvoiceStatus.PAID:
        raise MappingError(f"not paid in full ({base.status.value}, balance {base.amount_due})")
    return PaidInvoice.of(base, paid_on)


def paid_invoice_dates(payment: Row) -> dict[str, date]:
    """The invoices a QuickBooks Payment pays (its lines' ``LinkedTxn``), with its date.

    Raises:
        MappingError: The payment has no ``TxnDate``.
    """
    day = _date(payment.get("TxnDate"), "TxnDate")
    found: dict[str, date] = {}
    for line in payment.get("Line") or ():
        for linked in (line.get("LinkedTxn") if isinstance(line, Mapping) else None) or ():
            if isinstance(linked, Mapping) and linked.get("TxnType") == "Invoice":
                if linked.get("TxnId"):
                    found[str(linked["TxnId"])] = day
    return found


def deleted_invoice(row: Row) -> Invoice:
    """A stand-in for an invoice that change data capture reports as deleted.

    QuickBooks sends only the id and the moment; the caller needs just the status.
    """
    meta = row.get("MetaData")
    moment = _moment(meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None)
    day = (moment or datetime(1970, 1, 1, tzinfo=UTC)).date()
    return Invoice(
        id=str(row.get("Id")),
        number=str(row.get("DocNumber") or row.get("Id")),
        contact=Contact(id="", name=""),
        currency="XXX",
        total=Decimal(0),
        amount_due=Decimal(0),
        issue_date=day,
        due_date=day,
        status=InvoiceStatus.DELETED,
        updated_at=moment,
    )


def label(row: Row) -> str:
    """How a problem names an invoice row: its number, else its id."""
    return str(row.get("DocNumber") or row.get("Id"))


def customer_ids(rows: Iterable[Row]) -> list[str]:
    """Distinct customer ids of the invoices, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        ref = row.get("CustomerRef")
        value = ref.get("value") if isinstance(ref, Mapping) else None
        if value:
            seen[str(value)] = None
    return list(seen)


def note_key(key: str) -> str:
    """The key as written in a note line: itself when short and plain, else a digest."""
    if _KEY.fullmatch(key):
        return key
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def note_lines(private_note: str | None) -> list[tuple[str, str]]:
    """Tahseel's own lines of a ``PrivateNote`` as ``(key, text)``, oldest first."""
    found: list[tuple[str, str]] = []
    for line in (private_note or "").split("\n"):
        match = _NOTE_LINE.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def append_note(
    private_note: str | None, text: str, key: str, limit: int = NOTE_LIMIT
) -> str | None:
    """The ``PrivateNote`` with one more Tahseel line, or None when ``key`` is there already.

    Lines not written by Tahseel stay as they are. When the result would pass
    ``limit``, Tahseel's oldest lines go first; the new line is shortened only when
    the accountant's own text leaves no other room.

    Raises:
        MappingError: The accountant's text alone leaves no room for a note.
    """
    tag = note_key(key)
    if any(found == tag for found, _ in note_lines(private_note)):
        return None
    lines = private_note.split("\n") if private_note else []
    new = f"{NOTE_PREFIX} [{tag}] " + " ".join(text.split())
    result = [*lines, new]
    while _length(result) > limit:
        ours = [n for n, line in enumerate(result[:-1]) if _NOTE_LINE.match(line)]
        if not ours:
            break
        del result[ours[0]]
    if _length(result) > limit:
        room = limit - _length(result[:-1]) - (1 if len(result) > 1 else 0)
        head = f"{NOTE_PREFIX} [{tag}] "
        if room < len(head) + 2:
            raise MappingError("the private note is full of the accountant's text")
        result[-1] = new[: room - 1].rstrip() + "…"
    return "\n".join(result)


def _length(lines: list[str]) -> int:
    return len("\n".join(lines))


def _money(value: object, field: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise MappingError(f"no {field}")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise MappingError(f"bad {field}") from None


def _date(value: object, field: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise MappingError(f"no {field}")


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _currency(value: object) -> str:
    code = value.get("value") if isinstance(value, Mapping) else value
    if not isinstance(code, str) or len(code) != 3:
        raise MappingError(f"bad CurrencyRef {code!r}")
    return code
