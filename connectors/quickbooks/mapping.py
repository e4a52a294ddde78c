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
from decimal import Decimal
from typing import Any, Literal

from connectors.models import Contact, Invoice, InvoiceStatus, PaidInvoice
from connectors.quickbooks.fields import (
    MappingError,
    currency,
    day,
    money,
    paid_money,
    payment_ids,
    payments_to_check,
    plain,
    shown,
    to_status,
)

EmailSource = Literal["bill", "customer", "both"]
Row = Mapping[str, Any]
__all__ = ["MappingError", "payment_ids", "payments_to_check", "plain", "to_status"]

NOTE_LIMIT = 4000
"""Most characters kept in ``PrivateNote`` (Intuit documents about 4,000)."""

NOTE_PREFIX = "Tahseel"
_NOTE_LINE = re.compile(rf"^{NOTE_PREFIX} \[([^\]]+)\] ?(.*)$")
_KEY = re.compile(r"[\w.:-]{1,40}")
_LANGUAGES = {"arabic": "ar", "العربية": "ar", "عربي": "ar", "english": "en"}


def split_emails(value: object, field: str = "EmailAddress") -> tuple[str, ...]:
    """Addresses of an ``EmailAddress`` object; QuickBooks separates several by commas.

    Raises:
        MappingError: ``value`` is neither absent nor an object whose ``Address`` is
            text (``field`` names it in the message).
    """
    if value is None:
        return ()
    address = value.get("Address") if isinstance(value, Mapping) else value
    if address is None:
        return ()
    if not isinstance(address, str) or not isinstance(value, Mapping):
        raise MappingError(f"bad {field} {shown(value)}")
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
    fields = row.get("CustomField") or ()
    for field in fields if isinstance(fields, list) else ():
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
    policy_field: str | None = None,
) -> Contact:
    """Build the ``Contact`` an invoice is billed to.

    Args:
        customer: The full customer, or None when it could not be read (the
            invoice's ``CustomerRef`` name stands in).
        invoice: The invoice, for ``CustomerRef`` and ``BillEmail``.
        email_source: Whose addresses win (see ``choose_emails``).
        language_field: Custom field holding the language; the invoice's overrides
            the customer's.
        policy_field: Custom field holding the policy's name; the invoice's overrides
            the customer's.

    Raises:
        MappingError: The invoice names no customer, or an address is not as
            QuickBooks writes it.
    """
    ref = invoice.get("CustomerRef")
    customer_id = customer_id_of(invoice)
    if not customer_id:
        raise MappingError("no CustomerRef" if ref is None else f"bad CustomerRef {shown(ref)}")
    assert isinstance(ref, Mapping)
    name = (customer or {}).get("DisplayName") or ref.get("name") or ""
    primary = (customer or {}).get("PrimaryEmailAddr")
    customer_emails = split_emails(primary, "PrimaryEmailAddr of the customer")
    emails = choose_emails(
        split_emails(invoice.get("BillEmail"), "BillEmail"), customer_emails, email_source
    )
    language = to_language(
        custom_field(invoice, language_field) or custom_field(customer, language_field)
    )
    phones = tuple(
        dict.fromkeys(
            str(number).strip()
            for field in ("Mobile", "PrimaryPhone")  # mobile first
            if isinstance(found := (customer or {}).get(field), Mapping)
            and (number := found.get("FreeFormNumber"))
            and str(number).strip()
        )
    )
    policy = custom_field(invoice, policy_field) or custom_field(customer, policy_field)
    return Contact(
        id=str(customer_id),
        name=str(name),
        emails=emails,
        language=language,
        policy=policy,
        phones=phones,
    )


def to_invoice(
    row: Row,
    contact: Contact,
    *,
    reference_field: str | None = None,
    payments: Mapping[str, Row] | None = None,
) -> Invoice:
    """Build an ``Invoice`` from a QuickBooks invoice and its already-mapped contact.

    ``payments`` are the payments read so far (see ``to_status``).

    Raises:
        MappingError: A field the reminder needs is missing or malformed.
    """
    if not plain(row.get("Id")):
        raise MappingError("no Id")
    number = row.get("DocNumber") if plain(row.get("DocNumber")) else row["Id"]
    meta = row.get("MetaData")
    return Invoice(
        id=str(row["Id"]),
        number=str(number),
        contact=contact,
        currency=currency(row.get("CurrencyRef")),
        total=money(row.get("TotalAmt"), "TotalAmt"),
        amount_due=money(row.get("Balance"), "Balance"),
        issue_date=day(row.get("TxnDate"), "TxnDate"),
        due_date=day(row.get("DueDate"), "DueDate"),
        status=to_status(row, payments),
        reference=custom_field(row, reference_field),
        updated_at=_moment(meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None),
    )


def to_paid_invoice(
    row: Row,
    contact: Contact,
    paid_on: date,
    *,
    reference_field: str | None = None,
    payments: Mapping[str, Row] | None = None,
) -> PaidInvoice:
    """Build a ``PaidInvoice`` from a QuickBooks invoice with nothing left to pay.

    Args:
        row: The invoice.
        contact: Its already-mapped customer.
        paid_on: The date of the last payment linked to it.
        reference_field: As ``to_invoice``.
        payments: As ``to_invoice``.

    Raises:
        MappingError: The invoice still has a balance, or lacks a needed field.
    """
    base = to_invoice(row, contact, reference_field=reference_field, payments=payments)
    if base.status is not InvoiceStatus.PAID:
        raise MappingError(f"not paid in full ({base.status.value}, balance {base.amount_due})")
    return PaidInvoice.of(base, paid_on)


def paid_invoice_dates(payment: Row) -> dict[str, date]:
    """The invoices a QuickBooks Payment pays (its lines' ``LinkedTxn``), with its date.

    A zero-dollar payment pays nothing: it only applies a credit memo or a journal
    entry to the invoices it links.

    Raises:
        MappingError: The payment has no ``TxnDate``.
    """
    when = day(payment.get("TxnDate"), "TxnDate")
    found: dict[str, date] = {}
    if not paid_money(payment):
        return found
    lines = payment.get("Line") or ()
    for line in lines if isinstance(lines, list) else ():
        for linked in (line.get("LinkedTxn") if isinstance(line, Mapping) else None) or ():
            if isinstance(linked, Mapping) and linked.get("TxnType") == "Invoice":
                if linked.get("TxnId"):
                    found[str(linked["TxnId"])] = when
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
    for name in ("DocNumber", "Id"):
        if plain(row.get(name)):
            return str(row[name])
    return "(no DocNumber or Id)"


def skipped(what: str, row: Row, error: MappingError) -> str:
    """The problem line of a row left out: which invoice, which field, what to do."""
    return f"quickbooks: {what} {label(row)}: {error}; skipped (correct it in QuickBooks)"


def customer_id_of(row: Row) -> str | None:
    """The id in an invoice's ``CustomerRef``, or None when it names none plainly."""
    ref = row.get("CustomerRef")
    value = ref.get("value") if isinstance(ref, Mapping) else None
    return str(value) if plain(value) else None


def customer_ids(rows: Iterable[Row]) -> list[str]:
    """Distinct customer ids of the invoices, in first-seen order."""
    seen: dict[str, None] = {}
    for row in rows:
        value = customer_id_of(row)
        if value:
            seen[value] = None
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


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
