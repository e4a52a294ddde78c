"""The API endpoints the emulator answers, for one company.

Paths are relative to ``/v3/company/{realmId}/``: ``query``, ``invoice``,
``invoice/{id}``, ``invoice/{id}/pdf``, ``batch`` and ``cdc``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.emulators.quickbooks import query as ql
from tests.emulators.quickbooks import writes
from tests.emulators.quickbooks.company import Company, stamp
from tests.emulators.quickbooks.faults import Fault, now_text

if TYPE_CHECKING:
    from tests.emulators.quickbooks.server import QuickBooksEmulator

Answer = tuple[int, str, bytes]
BATCH_MAX = 30
CDC_MAX = 1000


def route_name(method: str, rest: str) -> str:
    """A counter key like ``GET invoice/{id}`` for a request."""
    return f"{method} " + re.sub(r"^(invoice|customer)/\d+", r"\1/{id}", rest)


def answer(
    emulator: QuickBooksEmulator,
    company: Company,
    method: str,
    rest: str,
    params: dict[str, str],
    body: bytes,
) -> Answer:
    """Answer one API request for ``company``."""
    link = params.get("include") == "invoiceLink"
    if link:  # the request log tells a test which requests asked for links
        emulator.log.count(f"{route_name(method, rest)} include=invoiceLink")
    try:
        written = writes.answer(company, method, rest, params, body)  # the seed's creates
        if written is not None:
            return written
        if rest == "query":
            text = body.decode() if method == "POST" else params.get("query", "")
            return _json({"QueryResponse": _query(company, text, link=link)})
        if rest == "invoice" and method == "POST":
            return _json({"Invoice": company.sparse_update(json.loads(body), link=link)})
        if rest == "batch" and method == "POST":
            return _json({"BatchItemResponse": _batch(company, json.loads(body))})
        if rest == "cdc" and method == "GET":
            return _json({"CDCResponse": _cdc(emulator, company, params)})
        match = re.fullmatch(r"invoice/(\d+)(/pdf)?", rest)
        if match and method == "GET":
            record = company.invoices.get(match.group(1))
            if record is None:
                raise Fault.not_found("Invoice", match.group(1))
            if match.group(2):
                return 200, "application/pdf", _pdf(record.number)
            return _json({"Invoice": company.invoice_json(record, link=link)})
    except Fault as fault:
        return fault.status, "application/json", fault.payload()
    except (ValueError, KeyError):
        return (
            400,
            "application/json",
            Fault.validation("2020", "Request has invalid or unsupported property").payload(),
        )
    return 404, "text/html", b"<html><body>Not Found</body></html>"


def _ids_asked(conditions: list[tuple[str, str, Any]]) -> set[str] | None:
    """The ids an ``Id = ...`` or ``Id IN (...)`` condition allows; None without one.

    Rows are still filtered by every condition; this only spares writing out rows no
    answer can hold.
    """
    for name, op, wanted in conditions:
        if name == "Id" and op == "=":
            return {str(wanted)}
        if name == "Id" and op == "IN":
            return {str(value) for value in wanted}
    return None


def _query(company: Company, text: str, *, link: bool) -> dict[str, Any]:
    parsed = ql.parse(text)
    ids = _ids_asked(parsed.conditions)
    with company.lock:
        if parsed.entity.lower() == "invoice":
            records = company.invoices.values()
            if ids is not None:  # only the rows asked for by id are written out
                records = [r for r in records if r.id in ids]  # type: ignore[assignment]
            rows = [company.invoice_json(r, link=link) for r in records]
            name = "Invoice"
        elif parsed.entity.lower() == "customer":
            rows = [c.json() for c in company.customers.values()]
            name = "Customer"
            if not any(cond[0] == "Active" for cond in parsed.conditions):
                # QuickBooks lists only active customers unless asked otherwise.
                parsed.conditions.append(("Active", "=", True))
        elif parsed.entity.lower() == "payment":
            rows = [company.payment_json(r) for r in company.payment_records.values()]
            name = "Payment"
        else:
            raise Fault.query(f"unknown entity {parsed.entity}")
    if parsed.count:
        everything = ql.Query(parsed.entity, conditions=parsed.conditions, max_results=10**9)
        return {"totalCount": len(ql.run(everything, rows))}
    found = ql.run(parsed, rows)
    if not found:
        return {}
    return {name: found, "startPosition": parsed.start, "maxResults": len(found)}


def _batch(company: Company, request: dict[str, Any]) -> list[dict[str, Any]]:
    items = request.get("BatchItemRequest") or []
    if len(items) > BATCH_MAX:
        raise Fault.validation("1040", f"Number of items in the batch exceeds {BATCH_MAX}")
    answers = []
    for item in items:
        reply: dict[str, Any] = {"bId": item.get("bId")}
        try:
            if "Query" in item:
                reply["QueryResponse"] = _query(company, item["Query"], link=False)
            elif item.get("operation") == "update" and "Invoice" in item:
                reply["Invoice"] = company.sparse_update(item["Invoice"])
            else:
                raise Fault.validation("2020", "Unsupported batch operation")
        except Fault as fault:
            reply["Fault"] = fault.body()
        answers.append(reply)
    return answers


def _cdc(emulator: QuickBooksEmulator, company: Company, params: dict[str, str]) -> list[Any]:
    entities = params.get("entities", "").split(",")
    try:
        since = datetime.fromisoformat(params.get("changedSince", ""))
    except ValueError:
        raise Fault.validation("2080", "changedSince is not a valid date-time") from None
    if since.tzinfo is None or since < emulator.wall() - timedelta(days=emulator.cdc_days):
        raise Fault.validation(
            "2080", f"changedSince must be within the last {emulator.cdc_days} days"
        )
    found: list[tuple[datetime, dict[str, Any]]] = []
    if "Invoice" in entities:
        with company.lock:
            for record in company.invoices.values():
                if record.updated >= since:
                    found.append((record.updated, company.invoice_json(record, link=False)))
            for invoice_id, when in company.deleted.items():
                if when >= since:
                    gone = {"Id": invoice_id, "status": "Deleted", "domain": "QBO"}
                    gone["MetaData"] = {"LastUpdatedTime": stamp(when)}
                    found.append((when, gone))
    found.sort(key=lambda pair: pair[0])
    rows = [row for _, row in found[:CDC_MAX]]
    block: dict[str, Any] = {"startPosition": 1, "maxResults": len(rows)}
    if rows:
        block["Invoice"] = rows
    return [{"QueryResponse": [block]}]


def _pdf(number: str) -> bytes:
    text = f"Invoice {number}".encode()
    return b"%PDF-1.4\n1 0 obj <<>> endobj\n% " + text + b"\ntrailer <<>>\n%%EOF\n"


def _json(body: dict[str, Any]) -> Answer:
    body["time"] = now_text()
    return 200, "application/json", json.dumps(body).encode()
