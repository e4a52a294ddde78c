"""Creating invoices: ``PUT /Invoices`` (createInvoices) and ``POST /Invoices``
(updateOrCreateInvoices), as the seed and a late fee make them.

Sources: the spec (``shared/specs/xero_accounting.yaml``): both operations take an
``Invoices`` array and the ``Idempotency-Key`` header and answer 200 with the
``Invoices`` created; the createInvoices example response is the shape written here
(``LineItems`` with ``LineItemID``, ``LineAmount``, ``TaxAmount``; ``SubTotal``,
``TotalTax``, ``Total``). The key is kept as ``keys.py`` says (six minutes, the same
request only, errors kept too).

Where the docs are silent the emulator is strict, and says so:

- an invoice without ``InvoiceNumber`` is numbered ``INV-`` and the next free four
  digits (Xero numbers it from the organisation's invoice settings; the format there
  is the organisation's);
- an ``AUTHORISED`` invoice needs at least one line, each with an ``AccountCode``, a
  ``Quantity`` and a ``UnitAmount``, and a total above zero (Xero refuses to approve
  an invoice without an account on every line; the messages are the emulator's);
- the ``Contact`` must exist (``ContactID``), the ``Type`` must be given;
- ``LineAmountTypes`` ``NoTax`` makes the line amount the total; any other gives no
  tax too (the emulator keeps no tax rates).
"""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from tests.emulators.xero import writes
from tests.emulators.xero.keys import KEY_LENGTH, KeyReused
from tests.emulators.xero.org import BadRequest, Org

Answer = tuple[int, str, bytes, dict[str, str]]


def answer(org: Org, method: str, body: bytes, key: str | None) -> Answer:
    """Answer ``PUT`` or ``POST /Invoices``, replaying a repeated ``Idempotency-Key``."""
    from tests.emulators.xero.routes import _bad_request, _envelope, _json

    if key is not None and len(key) > KEY_LENGTH:
        return _bad_request(f"Idempotency-Key must be at most {KEY_LENGTH} characters")
    with org.lock:
        if key is not None:
            try:
                replayed = org.idempotent.replay(key, method, "/Invoices", body)
            except KeyReused as exc:
                return _bad_request(str(exc))
            if replayed is not None:
                return replayed
        try:
            rows = json.loads(body or b"{}").get("Invoices") or []
            made = [_create(org, row) for row in rows]
            answered = _json(_envelope(Invoices=made))
        except BadRequest as exc:
            answered = _bad_request(str(exc))
        except (ValueError, KeyError, TypeError) as exc:
            answered = _bad_request(f"The request body is not an Invoices array ({exc})")
        if key is not None:
            org.idempotent.keep(key, method, "/Invoices", body, answered)
        return answered


def created_lines(org: Org, invoice_id: str) -> list[dict[str, Any]]:
    """The lines an invoice was created with (the test API)."""
    lines: dict[str, list[dict[str, Any]]] = org.__dict__.setdefault("created_lines", {})
    return lines.get(invoice_id, [])


def _create(org: Org, row: dict[str, Any]) -> dict[str, Any]:
    if not row.get("Type"):
        raise BadRequest("Type is required")  # strict: the spec's example always gives it
    lines = [_line(item) for item in row.get("LineItems") or []]
    if row.get("Status") == "AUTHORISED":
        if not lines:
            raise BadRequest("An approved invoice needs at least one line item")
        if any(not item.get("AccountCode") for item in lines):
            raise BadRequest("Every line of an approved invoice needs an AccountCode")
        if sum(Decimal(str(item["LineAmount"])) for item in lines) <= 0:
            raise BadRequest("An approved invoice must total above zero")
    if "InvoiceNumber" not in row:
        row = {**row, "InvoiceNumber": _next_number(org)}
    made = writes._add_invoice(org, row)
    org.__dict__.setdefault("created_lines", {})[made["InvoiceID"]] = lines
    made["LineItems"] = lines
    made["LineAmountTypes"] = row.get("LineAmountTypes", "Exclusive")
    return made


def _line(item: dict[str, Any]) -> dict[str, Any]:
    quantity = Decimal(str(item.get("Quantity", 1)))
    unit = Decimal(str(item.get("UnitAmount", item.get("LineAmount", 0))))
    amount = Decimal(str(item["LineAmount"])) if "LineAmount" in item else quantity * unit
    line = {
        "Description": item.get("Description", ""),
        "Quantity": float(quantity),
        "UnitAmount": float(unit),
        "TaxType": item.get("TaxType", "NONE"),
        "TaxAmount": 0.0,
        "LineAmount": float(amount),
        "Tracking": [],
        "LineItemID": str(uuid.uuid4()),
    }  # the example's line also has ValidationErrors, which the spec's LineItem lacks
    if item.get("AccountCode"):
        line["AccountCode"] = item["AccountCode"]
    return line


def _next_number(org: Org) -> str:
    taken = {record.number for record in org.invoices.values()}
    n = 1
    while f"INV-{n:04d}" in taken:
        n += 1
    return f"INV-{n:04d}"
