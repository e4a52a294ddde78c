"""Pages of a Xero list that xero-python cannot read whole, read again row by row.

xero-python checks every enum field against the values its generated models know and
raises ``ValueError`` on any other, which loses the whole answer for one row: a
currency added after the SDK was generated (``XCG``, the Caribbean guilder of 2025, is
not in xero-python 15's ``CurrencyCode``), or a value Xero writes otherwise than its
own spec (a contact's ``TaxNumberType`` comes as ``TAXNUMBERTYPE/EIN``). See
https://github.com/XeroAPI/xero-python/pull/231 ("the per-attribute setters validate
against a hardcoded allowed_values and raise ValueError, which crashes deserialization
of an otherwise-valid API response", for issues #203, #205 and #206) and
https://github.com/XeroAPI/xero-python/issues/95 ("'TOOLS' is not a valid
AllowanceType").

Such a page is asked for again through the same SDK call with
``_preload_content=False`` (the SDK then returns urllib3's response unread), and each
row goes through the SDK's own model deserialiser: the rows it reads go on, each one
it cannot is described in ``problems`` and left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xero_python.api_client.deserializer import deserialize

from connectors.errors import LedgerDataError
from connectors.xero.client import XeroClient

Raw = dict[str, Any]


@dataclass
class Page:
    """One answer of a list call.

    Attributes:
        rows: The SDK models read.
        size: Rows in Xero's answer, read or not (a short page is the last one).
        pagination: The SDK's ``Pagination``, when Xero sent one.
    """

    rows: list[Any]
    size: int
    pagination: Any = None


@dataclass(frozen=True)
class Listing:
    """What is listed and how a row that cannot be read is named.

    Attributes:
        collection: The answer's key, e.g. ``Invoices``.
        model: The SDK model of one row, e.g. ``Invoice``.
        name: Names a raw row in a problem, e.g. ``invoice INV-7``.
        trim: Keeps the fields Tahseel reads of a row the SDK refused, to try once
            more (fields it never reads need not be understood); None: no second try.
    """

    collection: str
    model: str
    name: Callable[[Raw], str]
    trim: Callable[[Raw], Raw] | None = None


def read_page(
    client: XeroClient,
    operation: str,
    method: Callable[..., Any],
    *args: Any,
    listing: Listing,
    problems: list[str],
    **options: Any,
) -> Page:
    """Call a list method; when the SDK cannot read the answer, read it row by row.

    Args:
        client: The SDK connection.
        operation: Name for counts and messages, e.g. ``invoices.list``.
        method: The bound SDK list method.
        *args: Its positional arguments (the tenant id).
        listing: What the answer lists.
        problems: Where a row that cannot be read is described.
        **options: The method's keyword arguments.

    Raises:
        LedgerError: By kind, as ``XeroClient.call``.
    """
    try:
        found = client.call(operation, method, *args, **options)
    except LedgerDataError as exc:
        if not isinstance(exc.__cause__, ValueError):
            raise
        return _row_by_row(client, operation, method, args, listing, problems, options)
    rows = list(getattr(found, listing.collection.lower(), None) or ())
    return Page(rows, len(rows), getattr(found, "pagination", None))


def _row_by_row(
    client: XeroClient,
    operation: str,
    method: Callable[..., Any],
    args: tuple[Any, ...],
    listing: Listing,
    problems: list[str],
    options: dict[str, Any],
) -> Page:
    response = client.call(operation, method, *args, _preload_content=False, **options)
    try:
        document = json.loads(bytes(response.data), parse_float=Decimal)
        raw_rows = list(document.get(listing.collection) or ())
    except (ValueError, AttributeError, TypeError) as exc:
        raise LedgerDataError(
            f"xero: {operation}: could not read Xero's answer ({type(exc).__name__})"
        ) from exc
    finder = client.accounting.get_model_finder()
    rows = []
    for raw in raw_rows:
        row = _read_row(raw, listing, finder, problems)
        if row is not None:
            rows.append(row)
    pagination = document.get("pagination")
    page = deserialize("Pagination", pagination, finder) if isinstance(pagination, dict) else None
    return Page(rows, len(raw_rows), page)


def _read_row(raw: Any, listing: Listing, finder: Any, problems: list[str]) -> Any:
    if not isinstance(raw, dict):
        problems.append(f"xero: a row of {listing.collection} is not an object; left out")
        return None
    try:
        return deserialize(listing.model, raw, finder)
    except ValueError as exc:
        refused = exc
    if listing.trim is not None:
        try:
            return deserialize(listing.model, listing.trim(raw), finder)
        except ValueError as exc:
            refused = exc
    line = (
        f"xero: {listing.name(raw)}: left out, as xero-python cannot read it ({refused}). "
        "Update xero-python (pip install -U xero-python), or change the value in Xero"
    )
    if line not in problems:  # a row read again on a later page is described once
        problems.append(line)
    return None


INVOICES = Listing(
    "Invoices",
    "Invoice",
    lambda raw: f"invoice {raw.get('InvoiceNumber') or raw.get('InvoiceID') or '(no number)'}",
)

_CONTACT_FIELDS = ("ContactID", "Name", "EmailAddress", "ContactPersons")

CONTACTS = Listing(
    "Contacts",
    "Contact",
    lambda raw: f"contact {raw.get('Name') or raw.get('ContactID') or '(no name)'}",
    trim=lambda raw: {key: raw[key] for key in _CONTACT_FIELDS if key in raw},
)
"""Contacts carry many enums Tahseel never reads (``TaxNumberType``, ``ContactStatus``,
``DefaultCurrency``); a contact the SDK refuses is read again with only its id, name
and addresses."""
