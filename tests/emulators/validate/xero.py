"""Xero: every accounting request and answer against Xero's OpenAPI document.

The document is ``tests/fixtures/specs/xero_accounting.yaml`` (XeroAPI/Xero-OpenAPI
16.1.0, see ``tests/fixtures/specs/SOURCE.md``). It documents 200, 204 and 400 answers
only; the other statuses Xero sends are checked against Xero's own pages, cited in
``DOCUMENTED_ELSEWHERE``. Identity and connection endpoints (``/connect/token``,
``/connections``, ``/identity/...``) are outside the Accounting spec and not counted.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml

from tests.emulators.validate import Verdict
from tests.emulators.validate.openapi import OpenApi
from tests.emulators.validate.record import Call

SPEC = Path(__file__).resolve().parents[2] / "fixtures" / "specs" / "xero_accounting.yaml"
PREFIX = "/api.xro/2.0"

#: Xero's problem body on 401 and 403, as the shared wire reference (section 1.6) gives
#: it: {"Type":null,"Title":"Unauthorized","Status":401,"Detail":"TokenExpired: ...",
#: "Instance":"<uuid>","Extensions":{}}. A real 401 captured in January 2020 writes the
#: same members in lower case (https://gist.github.com/dobesv/5b422c3deb749449df621a014ea35cfe:
#: {"title":"Unauthorized","status":401,"detail":"AuthenticationUnsuccessful",
#: "instance":"<uuid>"}), so either casing is accepted, not a mixture.
_MEMBERS = {
    "Type": {"type": "string", "nullable": True},
    "Title": {"type": "string"},
    "Status": {"type": "integer"},
    "Detail": {"type": "string"},
    "Instance": {"type": "string"},
    "Extensions": {"type": "object"},
}
_PROBLEM = {"type": "object", "required": ["Title", "Status", "Detail"], "properties": _MEMBERS}
_PROBLEM_LOWER = {
    "type": "object",
    "required": ["title", "status", "detail"],
    "properties": {name.lower(): schema for name, schema in _MEMBERS.items()},
}

#: Statuses the spec leaves out, with what Xero documents for them.
#: 400 on operations whose spec lists none (GETs): the same ``Error`` body the spec gives
#: writes (https://developer.xero.com/documentation/api/accounting/responsecodes: "A
#: validation exception has occurred"; the emulator answers it for a malformed ``IDs``
#: and for the online invoice of a draft).
#: 401/403: the problem body above. 404: Xero's pages give no body shape and
#: xero-python maps 404 to NotFoundException without reading it (reference 1.6).
#: 429: Retry-After and X-Rate-Limit-Problem headers, body not documented
#: (https://developer.xero.com/documentation/guides/oauth2/limits/, reference 1.5).
#: 500/503: listed on the responsecodes page with no body shape; any body is allowed.
DOCUMENTED_ELSEWHERE: dict[int, dict[str, Any] | str | None] = {
    400: "/components/schemas/Error",
    401: _PROBLEM,
    403: _PROBLEM,
    404: None,
    429: None,
    500: None,
    503: None,
}

_ENVELOPE = (
    "Every answer's envelope: the spec's own example answers (getInvoices, getContacts, "
    "createInvoiceHistory and the rest) show Id, Status, ProviderName and DateTimeUTC "
    "beside the collection, but no response schema defines them"
)
_CREATED = (
    "The spec's own example answer of createInvoiceHistory (components/responses/"
    "HistoryRecordCreated): each record carries DateUTCString and ValidationErrors, "
    "which the HistoryRecord schema leaves out"
)
#: Fields Xero really sends that the spec does not define, each with where it is shown.
ALLOWED_EXTRA: dict[tuple[str, str], str] = {
    ("", "Id"): _ENVELOPE,
    ("", "Status"): _ENVELOPE,
    ("", "ProviderName"): _ENVELOPE,
    ("", "DateTimeUTC"): _ENVELOPE,
    ("HistoryRecords/*", "DateUTCString"): _CREATED,
    ("HistoryRecords/*", "ValidationErrors"): _CREATED,
}


@functools.cache
def _api() -> OpenApi:
    with SPEC.open(encoding="utf-8") as handle:
        contents = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return OpenApi("urn:xero-accounting", contents, ALLOWED_EXTRA)


def check(call: Call) -> Verdict:
    """Check one exchange with the loopback Xero."""
    if not call.path.startswith(PREFIX):
        return Verdict("xero", None)
    api = _api()
    path = call.path[len(PREFIX) :]
    accept = call.header("Accept") or ""
    if call.method == "GET" and "application/pdf" in accept and path.count("/") == 2:
        # The spec's pseudo-path for GET /Invoices/{id} with Accept: application/pdf.
        path += "/pdf"
    op = api.find(call.method, path)
    if op is None:
        return Verdict("xero", f"{call.method} {path}", request=("no such operation in the spec",))
    body = _without_sdk_defaults(call.body) if call.method in ("PUT", "POST") else call.body
    request = api.request_problems(op, path, call.query, call.header, body)
    return Verdict("xero", op.name, tuple(request), tuple(_answer(api, op, call)))


def _without_sdk_defaults(body: bytes) -> bytes:
    """The request body less the read-only members xero-python writes on its own.

    xero-python's ``Invoice`` and ``Account`` models default ``has_attachments`` to
    False (xero_python/accounting/models/invoice.py and account.py, ``__init__``), so
    every Invoice or Account the SDK serialises carries ``"HasAttachments": false``,
    which the spec marks readOnly. Xero ignores read-only members on writes; only that
    default is let through, any other read-only member is still a violation.
    """
    try:
        document = json.loads(body)
    except ValueError:
        return body

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: strip(v) for k, v in node.items() if not (k == "HasAttachments" and v is False)
            }
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return json.dumps(strip(document)).encode()


def _answer(api: OpenApi, op: Any, call: Call) -> list[str]:
    found = api.answer_schema(op, call.status)
    if found is not None:
        response, pointer = found
        return api.answer_problems(response, pointer, call.content_type, call.answer)
    if call.status not in DOCUMENTED_ELSEWHERE:
        return [f"status {call.status}: neither the spec nor Xero's pages document it"]
    if call.status == 429:
        names = {k.lower() for k in call.answer_headers}
        missing = {"retry-after", "x-rate-limit-problem"} - names
        return [f"429 without the {h} header Xero sends" for h in sorted(missing)]
    schema = DOCUMENTED_ELSEWHERE[call.status]
    if schema is None:
        return []
    if "json" not in (call.content_type or ""):
        return [f"{call.status} as {call.content_type!r}; Xero answers application/json"]
    try:
        document = json.loads(call.answer)
    except ValueError:
        return [f"{call.status}: the body is not JSON"]
    if schema is _PROBLEM and isinstance(document, dict) and "title" in document:
        schema = _PROBLEM_LOWER
    if isinstance(schema, str):
        found = api.document.problems(schema, document, answer=True)
    else:
        found = api.document.check(schema, document, answer=True)
    return [f"{call.status} {p}" for p in found]
