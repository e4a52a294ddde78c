"""QuickBooks Online's values checked one by one, and an invoice's status told from them.

Pure: no I/O. Each check raises ``MappingError`` naming the field and the value it
found, so that one odd row is skipped with a reason and the others go on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from connectors.models import InvoiceStatus

Row = Mapping[str, Any]

_STATUSES = {
    "Deleted": InvoiceStatus.DELETED,
    "Voided": InvoiceStatus.VOIDED,
    "Draft": InvoiceStatus.DRAFT,
    "Pending": InvoiceStatus.DRAFT,
}
_SYNC_STATES = frozenset({"Synchronized", "InTransit", "SyncError"})
"""The other values of ``EntityStatusEnum`` (IntuitBaseTypes.xsd): sync states that say
nothing about the money, so the balance decides."""
_CURRENCY = re.compile(r"[A-Z]{3}")
VOID_MARK = "Voided"
"""What QuickBooks puts before the PrivateNote of an invoice it voids."""


class MappingError(ValueError):
    """A QuickBooks object lacks something an ``Invoice`` needs; the message names what."""


def to_status(row: Row, payments: Mapping[str, Row] | None = None) -> InvoiceStatus:
    """The invoice's status, from what QuickBooks really returns.

    QuickBooks has no status field on invoices. Deleted and draft objects carry the
    ``status`` attribute. A voided one carries none: QuickBooks zeroes its amounts and
    puts "Voided" before its PrivateNote (Intuit, "Voiding Invoice Objects", developer
    blog, 6 April 2016). With nothing left due, the invoice is paid only when a
    payment is linked to it (``LinkedTxn`` of type ``Payment``) that moved money: a
    credit memo or journal entry is applied through a zero-dollar payment. Else it is
    credited (settled, but not by the customer's money: no thank-you).

    Args:
        row: The invoice.
        payments: The payments read so far, by id; a linked payment not among them
            counts as money received.

    Raises:
        MappingError: The status attribute, Balance or LinkedTxn is not as QuickBooks
            writes it.
    """
    marked = row.get("status")
    if marked is not None:
        if isinstance(marked, str) and marked in _STATUSES:
            return _STATUSES[marked]
        if not (isinstance(marked, str) and marked in _SYNC_STATES):
            raise MappingError(f"unexpected status {shown(marked)}")
    if money(row.get("Balance"), "Balance") > 0:
        return InvoiceStatus.OPEN
    note = row.get("PrivateNote")
    total = money(row.get("TotalAmt"), "TotalAmt")
    if total == 0 and isinstance(note, str) and note.startswith(VOID_MARK):
        return InvoiceStatus.VOIDED
    linked = payment_ids(row, strict=True)
    known = payments or {}
    if payments is not None:
        linked = [i for i in linked if i not in known or paid_money(known[i])]
    return InvoiceStatus.PAID if linked else InvoiceStatus.CREDITED


def payment_ids(row: Row, *, strict: bool = False) -> list[str]:
    """Ids of the payments linked to an invoice (``LinkedTxn`` of type ``Payment``).

    Raises:
        MappingError: With ``strict``, ``LinkedTxn`` is not a list of links.
    """
    links = row.get("LinkedTxn") or []
    if not isinstance(links, list):
        if strict:
            raise MappingError(f"bad LinkedTxn {shown(links)}")
        return []
    found = []
    for link in links:
        if isinstance(link, Mapping) and link.get("TxnType") == "Payment":
            if isinstance(link.get("TxnId"), str | int) and str(link["TxnId"]):
                found.append(str(link["TxnId"]))
    return found


def payments_to_check(row: Row) -> list[str]:
    """The payments to read before ``to_status`` can tell paid from credited.

    Only an invoice with nothing left due needs them; an odd row needs none (it is
    skipped anyway).
    """
    try:
        if row.get("status") is not None or money(row.get("Balance"), "Balance") > 0:
            return []
    except MappingError:
        return []
    return payment_ids(row)


def paid_money(payment: Row) -> bool:
    """Whether a payment moved money: a zero-dollar one only applies credits."""
    try:
        return money(payment.get("TotalAmt"), "TotalAmt") > 0
    except MappingError:
        return True  # unreadable: the link itself is the evidence


def plain(value: object) -> bool:
    """A scalar id or number QuickBooks writes: a non-empty string or an integer."""
    return (isinstance(value, str) and bool(value.strip())) or (
        isinstance(value, int) and not isinstance(value, bool)
    )


def shown(value: object) -> str:
    """A value as a problem line quotes it: short, one line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def money(value: object, field: str) -> Decimal:
    """A finite amount: a number, or text that reads as one (NaN and infinities fail)."""
    if value is None:
        raise MappingError(f"no {field}")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise MappingError(f"bad {field} {shown(value)}")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise MappingError(f"bad {field} {shown(value)}") from None
    if not amount.is_finite():
        raise MappingError(f"bad {field} {shown(value)}")
    return amount


def day(value: object, field: str) -> date:
    """A date written ``YYYY-MM-DD`` (a time after it is ignored)."""
    if value is None or value == "":
        raise MappingError(f"no {field}")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise MappingError(f"bad {field} {shown(value)}")


def currency(value: object) -> str:
    """The code of a ``CurrencyRef``: three capital letters, as ISO 4217 writes them.

    A code new to the world, like XCG, still passes: QuickBooks may know currencies
    that Tahseel's own tables do not.
    """
    code = value.get("value") if isinstance(value, Mapping) else None
    if value is None:
        raise MappingError("no CurrencyRef")
    if not isinstance(code, str) or not _CURRENCY.fullmatch(code):
        raise MappingError(f"bad CurrencyRef {shown(value)}")
    return code
