"""The Accounting API endpoints the emulator answers, as pure functions of an ``Org``."""

from __future__ import annotations

import json
import math
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.emulators.xero import creates, writes
from tests.emulators.xero.keys import KEY_LENGTH, KeyReused
from tests.emulators.xero.org import BadRequest, Org, ms_date

Answer = tuple[int, str, bytes, dict[str, str]]
_ID = r"[^/]+"
_TRUE = ("true", "1")
MAX_PAGE_SIZE = 1000


def route_name(method: str, path: str) -> str:
    """A counter key like ``GET /Invoices/{id}`` for a request."""
    name = re.sub(r"^/(Invoices|ContactGroups)/[^/]+", r"/\1/{id}", path)
    return f"{method} {name}"


def answer(
    org: Org,
    method: str,
    path: str,
    query: dict[str, str],
    body: bytes,
    *,
    since: datetime | None,
    accept: str,
    key: str | None,
) -> Answer:
    """Answer one accounting request for ``org``."""
    try:
        if method in ("PUT", "POST") and path == "/Invoices":
            return creates.answer(org, method, body, key)  # the seed's and a late fee's
        written = writes.answer(org, method, path, query, body)  # the seed's writes
        if written is not None:
            return written
        if method == "GET" and path == "/Invoices":
            return _json(_invoices(org, query, since))
        if method == "GET" and path == "/Contacts":
            return _json(_contacts(org, query))
        if method == "GET" and path == "/ContactGroups":
            return _json({"ContactGroups": org.group_json(None, query.get("where", ""))})
        match = re.fullmatch(rf"/ContactGroups/({_ID})", path)
        if method == "GET" and match:
            groups = org.group_json(match.group(1), "")
            return _json({"ContactGroups": groups}) if groups else _not_found()
        match = re.fullmatch(rf"/Invoices/({_ID})(/OnlineInvoice|/History)?", path)
        if match:
            return _invoice_route(org, method, match.group(1), match.group(2), body, accept, key)
    except BadRequest as exc:
        return _bad_request(str(exc))
    return _not_found()


def _invoice_route(
    org: Org,
    method: str,
    invoice_id: str,
    tail: str | None,
    body: bytes,
    accept: str,
    key: str | None,
) -> Answer:
    record = org.invoices.get(invoice_id)
    if record is None:
        return _not_found()
    if tail is None and method == "GET":
        if "application/pdf" in accept:
            return _pdf(record.number)
        contact = org.contacts[record.contact_id]
        return _json(_envelope(Invoices=[record.json(contact, summary=False)]))
    if tail == "/OnlineInvoice" and method == "GET":
        if record.type != "ACCREC" or record.status in ("DRAFT", "SUBMITTED", "DELETED"):
            raise BadRequest("Online invoice is not available for this invoice")
        return _json(_envelope(OnlineInvoices=[{"OnlineInvoiceUrl": org.payment_url(invoice_id)}]))
    if tail == "/History" and method == "GET":
        with org.lock:
            rows = list(org.history.get(invoice_id, []))
        return _json(_envelope(HistoryRecords=rows))
    if tail == "/History" and method in ("PUT", "POST"):
        return _add_history(org, invoice_id, method, body, key)
    return _not_found()


def _add_history(org: Org, invoice_id: str, method: str, body: bytes, key: str | None) -> Answer:
    if key is not None and len(key) > KEY_LENGTH:
        raise BadRequest(f"Idempotency-Key must be at most {KEY_LENGTH} characters")
    path = f"/Invoices/{invoice_id}/History"
    with org.lock:
        if key is not None:
            try:
                replayed = org.idempotent.replay(key, method, path, body)
            except KeyReused as exc:
                return _bad_request(str(exc))
            if replayed is not None:
                return replayed
        try:
            answer = _json(_envelope(HistoryRecords=_history_rows(org, invoice_id, body)))
        except BadRequest as exc:
            answer = _bad_request(str(exc))
        if key is not None:
            org.idempotent.keep(key, method, path, body, answer)  # errors are kept too
        return answer


def _history_rows(org: Org, invoice_id: str, body: bytes) -> list[dict[str, Any]]:
    try:
        records = json.loads(body or b"{}").get("HistoryRecords") or []
    except ValueError:
        raise BadRequest("The request body is not JSON") from None
    added = [org.add_history(invoice_id, str(row.get("Details") or "")) for row in records]
    return [{**row, "DateUTCString": _iso(row["DateUTC"]), "ValidationErrors": []} for row in added]


def _invoices(org: Org, query: dict[str, str], since: datetime | None) -> dict[str, Any]:
    rows = org.select(query, since)
    summary = query.get("summaryOnly", "").lower() in _TRUE
    pagination = None
    if "page" in query:
        page = max(1, int(query["page"]))
        size = min(MAX_PAGE_SIZE, max(1, int(query.get("pageSize") or 100)))
        pagination = {
            "page": page,
            "pageSize": size,
            "pageCount": math.ceil(len(rows) / size),
            "itemCount": len(rows),
        }
        rows = rows[(page - 1) * size : page * size]
    with org.lock:
        invoices = [row.json(org.contacts[row.contact_id], summary=summary) for row in rows]
    extra = {"pagination": pagination} if pagination else {}
    return _envelope(**extra, Invoices=invoices)


def _contacts(org: Org, query: dict[str, str]) -> dict[str, Any]:
    ids = [part for part in query.get("IDs", "").split(",") if part]
    for part in ids:
        try:
            uuid.UUID(part)
        except ValueError:
            raise BadRequest(f"'{part[:40]}' is not a valid GUID") from None
    with org.lock:
        rows = [c for c in org.contacts.values() if not ids or c.contact_id in ids]
        return _envelope(Contacts=[c.full() for c in rows])


def _envelope(**collections: Any) -> dict[str, Any]:
    return {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": "Tahseel Xero emulator",
        "DateTimeUTC": ms_date(datetime.now(UTC)),
        **collections,
    }


def _json(document: dict[str, Any]) -> Answer:
    return 200, "application/json; charset=utf-8", json.dumps(document).encode(), {}


def _not_found() -> Answer:
    return 404, "text/plain", b"The resource you're looking for cannot be found", {}


def _bad_request(message: str) -> Answer:
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": message}]}],
    }
    return 400, "application/json; charset=utf-8", json.dumps(body).encode(), {}


def _pdf(number: str) -> Answer:
    text = f"Invoice {number}".encode("ascii", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number_, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number_} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    headers = {"Content-Disposition": f'attachment; filename="Invoice-{uuid.uuid4().hex[:8]}.pdf"'}
    return 200, "application/pdf", out, headers


def _iso(ms: str) -> str:
    millis = int(re.search(r"\d+", ms).group(0))  # type: ignore[union-attr]
    return datetime.fromtimestamp(millis / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
