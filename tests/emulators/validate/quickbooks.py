"""QuickBooks Online: every API request and answer against Intuit's XSDs.

Intuit publishes no OpenAPI document; its XSDs (``tests/fixtures/specs/qbo-xsd``, see
``SOURCE.md`` there: the schema the official Java and .NET SDKs are generated from)
define the entities, and the JSON API writes the same objects as JSON: element and
attribute names become keys, repeated elements become arrays, a simple-content
element's text becomes ``value`` (``ReferenceType`` -> ``{"value": "1", "name": "x"}``).

Why walk the JSON along the XSD types instead of converting it to XML and validating
that: JSON keeps no order and does not say which keys were attributes, so a converter
would have to decide both from the schema anyway, and its errors would name XML
positions instead of the JSON field that is wrong. The walker here asks the schema for
each key (attribute, child element, or a substitute of ``IntuitObject``), checks arrays
against ``maxOccurs``, JSON kinds against the XSD primitive (decimal and int as
numbers, boolean as true/false, the rest as strings), values against the simple type
(enumerations, ``xs:date``, ``xs:dateTime``), and refuses keys the schema does not
define. Order is not checked (JSON has none); a sparse update's body (``"sparse":
true``) names only what changes, so required children are not asked of it. XML answers
(the 429 throttle body) are validated as XML by xmlschema itself.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import xmlschema

from tests.emulators.validate import Verdict
from tests.emulators.validate.record import Call, thin

XSD = Path(__file__).resolve().parents[2] / "fixtures" / "specs" / "qbo-xsd"
NS = "{http://schema.intuit.com/finance/v3}"
PREFIX = "/v3/company/"
_NUMERIC = {"decimal", "float", "double"}
_BOOLEAN = {"boolean"}

#: Query parameters of the v3 API, from Intuit's API reference
#: (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
#: and .../learn/explore-the-quickbooks-online-api/minor-versions): ``minorversion`` on
#: every call, ``requestid`` for idempotent writes, ``include=invoiceLink`` on reads,
#: ``query`` on GET query, ``entities`` and ``changedSince`` on cdc (both required,
#: .../learn/explore-the-quickbooks-online-api/change-data-capture).
PARAMETERS = {
    "query": ({"query"}, {"minorversion", "requestid", "include"}),
    "cdc": ({"entities", "changedSince"}, {"minorversion", "requestid"}),
    "": (set(), {"minorversion", "requestid", "include"}),
    # Voiding: POST .../invoice?operation=void with Id and SyncToken (Intuit's API
    # reference, Invoice, "Void an invoice"; python-quickbooks' ``Invoice.void``).
    "invoice": (set(), {"minorversion", "requestid", "include", "operation"}),
}

#: The 401 and 403 bodies Intuit sends are not the XSD's JSON: they are its Java
#: serialisation, keys in lower camel case, ``time`` in epoch ms, empty members null.
#: Captured real answers: routablehq/python-quickbooks issue 250 (401, "fault": {"error":
#: [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
#: "detail", "code": "3200", "element": null}], "type": "AUTHENTICATION"}, beside
#: "warnings", "intuitObject", "report", "queryResponse", ... "cdcresponse") and
#: intuit/oauth-jsclient issue 2 (403, the same envelope, AuthorizationFailed 3100).
LOWER_ENVELOPE = {
    "warnings", "intuitObject", "fault", "report", "queryResponse", "batchItemResponse",
    "attachableResponse", "syncErrorResponse", "requestId", "time", "status", "cdcresponse",
}  # fmt: skip
LOWER_ERROR = {"message", "detail", "code", "element"}


@functools.cache
def _schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD / "IntuitRestServiceDef.xsd"))


@functools.cache
def _type(name: str) -> Any:
    types = _schema().maps.types
    if NS + name in types:
        return types[NS + name]
    # A path names its entity in lower case ("creditmemo"); the XSD's type is CreditMemo.
    lowered = {key.lower(): key for key in types}
    return types[lowered[(NS + name).lower()]]


@functools.cache
def _members(xsd_type: Any) -> tuple[dict[str, Any], dict[str, Any], frozenset[str]]:
    """A complex type's attributes, child elements (substitutes included), required children."""
    attributes = {str(name): attr for name, attr in xsd_type.attributes.items() if name}
    children: dict[str, Any] = {}
    required: set[str] = set()
    groups = _schema().maps.substitution_groups

    def walk(group: Any, mandatory: bool, repeated: bool) -> None:
        for item in group:
            if hasattr(item, "model"):
                many = repeated or item.max_occurs is None or item.max_occurs > 1
                walk(item, mandatory and item.model != "choice" and item.min_occurs > 0, many)
                continue
            names = [item]
            if item.name in groups:
                names = [item, *groups[item.name]]
            many = repeated or item.max_occurs is None or item.max_occurs > 1
            for element in names:
                if not getattr(element, "abstract", False):
                    children[element.local_name] = (element, many)
            if mandatory and item.min_occurs > 0 and len(names) == 1:
                required.add(item.local_name)

    content = xsd_type.content
    if xsd_type.is_complex() and hasattr(content, "model"):
        many = content.max_occurs is None or content.max_occurs > 1
        walk(content, content.model != "choice", many)
    return attributes, children, frozenset(required)


def json_problems(value: Any, xsd_type: Any, where: str = "", *, sparse: bool = False) -> list[str]:
    """What is wrong with a JSON ``value`` written as an instance of ``xsd_type``."""
    here = where or "(top)"
    if xsd_type.is_simple():
        return _scalar(value, xsd_type, here)
    if not isinstance(value, dict):
        return [f"{here}: {type(value).__name__}, where the XSD has a {xsd_type.local_name} object"]
    attributes, children, required = _members(xsd_type)
    problems: list[str] = []
    for key, item in value.items():
        path = f"{where}/{key}" if where else key
        if key in attributes:
            problems += _scalar(item, attributes[key].type, path)
        elif key == "value" and xsd_type.has_simple_content():
            problems += _scalar(item, xsd_type.content, path)
        elif key in children:
            element, repeated = children[key]
            if repeated != isinstance(item, list):
                want = "an array" if repeated else "a single value"
                problems.append(f"{path}: the XSD has {want} here (maxOccurs)")
                continue
            for index, one in enumerate(item if repeated else [item]):
                at = f"{path}/{index}" if repeated else path
                problems += json_problems(one, element.type, at, sparse=sparse)
        else:
            problems.append(f"{path}: not defined by the XSD type {xsd_type.local_name}")
    if not sparse:
        for name in sorted(required - set(value)):
            problems.append(f"{here}/{name}: required by the XSD, missing")
        for name, attribute in attributes.items():
            if attribute.use == "required" and name not in value:
                problems.append(f"{here}/{name}: required attribute, missing")
    return problems


_DATE = re.compile(r"-?\d{4}-\d\d-\d\d(Z|[+-]\d\d:\d\d)?")
_DATETIME = re.compile(r"-?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def _scalar(value: Any, simple: Any, where: str) -> list[str]:
    """Check one JSON scalar against an XSD simple type.

    xmlschema's own simple-type validation parses each value as an XML document (about
    0.3 ms each, seconds for a page of invoices), so the facets used by these XSDs are
    checked here: the JSON kind of the primitive, enumerations, lengths, and the lexical
    forms of ``xs:date`` and ``xs:dateTime``.
    """
    primitive = getattr(simple, "primitive_type", simple)
    kind = primitive.local_name if primitive is not None else "string"
    if isinstance(value, (dict, list)):
        return [f"{where}: {type(value).__name__}, where the XSD has {kind}"]
    if kind in _BOOLEAN:
        if not isinstance(value, bool):
            return [f"{where}: {value!r} is not a JSON boolean (xs:boolean)"]
        return []
    if kind in _NUMERIC or kind.endswith(("int", "integer", "long", "short")):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [f"{where}: {value!r} is not a JSON number (xs:{kind})"]
        if kind not in _NUMERIC and not float(value).is_integer():
            return [f"{where}: {value!r} is not an integer (xs:{kind})"]
        return []
    if not isinstance(value, str):
        return [f"{where}: {value!r} is not a JSON string (xs:{kind})"]
    return _lexical(value, simple, kind, where)


def _lexical(text: str, simple: Any, kind: str, where: str) -> list[str]:
    name = simple.local_name or kind
    if kind in ("date", "dateTime"):
        form = _DATE if kind == "date" else _DATETIME
        try:
            valid = bool(form.fullmatch(text)) and bool(datetime.fromisoformat(text[:19]))
        except ValueError:
            valid = False
        if not valid:
            return [f"{where}: {text!r} is not an xs:{kind}"]
    allowed = getattr(simple, "enumeration", None)
    if allowed and text not in allowed:
        return [f"{where}: {text!r} is not one of the {name} values {allowed}"]
    longest = getattr(simple, "max_length", None)
    if longest is not None and len(text) > longest:
        return [f"{where}: {len(text)} characters, {name} allows {longest}"]
    return []


# -- exchanges --------------------------------------------------------------------------


def check(call: Call) -> Verdict:
    """Check one exchange with the loopback QuickBooks."""
    if not call.path.startswith(PREFIX):
        return Verdict("quickbooks", None)
    rest = call.path[len(PREFIX) :].partition("/")[2]
    operation, body_type = _operation(call, rest)
    request = _request(call, rest, body_type)
    return Verdict("quickbooks", operation, tuple(request), tuple(_answer(call, rest)))


def _operation(call: Call, rest: str) -> tuple[str, str | None]:
    if rest == "query":
        text = call.body.decode() if call.method == "POST" else _params(call).get("query", [""])[0]
        found = re.search(r"\bfrom\s+(\w+)", text, re.IGNORECASE)
        return f"query {found.group(1) if found else '?'}", None
    if rest == "batch":
        return "batch", "IntuitBatchRequest"
    if rest == "cdc":
        return "cdc", None
    match = re.fullmatch(r"([a-z]+)(?:/(\w+))?(/pdf)?", rest)
    if match is None:
        return f"{call.method} {rest}", None
    entity = match.group(1).capitalize()
    if match.group(3):
        return f"pdf {entity}", None
    if call.method == "POST":
        return f"update {entity}", entity
    return f"read {entity}", None


def _params(call: Call) -> dict[str, list[str]]:
    return parse_qs(call.query, keep_blank_values=True)


def _request(call: Call, rest: str, body_type: str | None) -> list[str]:
    params = _params(call)
    required, optional = PARAMETERS.get(rest, PARAMETERS[""])
    if rest == "query" and call.method == "POST":
        # POST query carries the statement as the body, Content-Type application/text
        # (Intuit's API reference, "Query an invoice"; python-quickbooks sends it so).
        required = set()
        if not call.body.strip() or "application/text" not in (call.header("Content-Type") or ""):
            return ["POST query: the statement goes in an application/text body"]
    problems = [f"query parameter {n}: required, missing" for n in sorted(required - set(params))]
    for name in sorted(set(params) - required - optional):
        problems.append(f"query parameter {name}: not a parameter of the v3 API")
    if body_type is None:
        return problems
    try:
        body = json.loads(call.body)
    except ValueError:
        return [*problems, "request body: not JSON"]
    if rest == "batch":
        xsd_type = _schema().elements["IntuitBatchRequest"].type
        return problems + [f"request body {p}" for p in json_problems(body, xsd_type, sparse=True)]
    sparse = isinstance(body, dict) and body.get("sparse") is True
    found = json_problems(body, _type(body_type), sparse=sparse)
    return problems + [f"request body {p}" for p in found]


def _answer(call: Call, rest: str) -> list[str]:
    ctype = (call.content_type or "").split(";")[0].strip()
    if call.status == 404 and ctype == "text/html":
        # An unknown URL: Intuit's front end answers HTML; its docs give no shape.
        return []
    if rest.endswith("/pdf") and call.status == 200:
        if ctype != "application/pdf" or not call.answer.startswith(b"%PDF-"):
            return [f"a PDF answer as {ctype!r} starting {call.answer[:8]!r}"]
        return []
    if ctype in ("application/xml", "text/xml"):
        errors = list(_schema().iter_errors(call.answer.decode()))
        return [f"XML answer: {e.reason}" for e in errors[:3]]
    if ctype != "application/json":
        return [f"Content-Type {ctype!r}; QuickBooks answers application/json (or XML)"]
    try:
        body = thin(json.loads(call.answer))
    except ValueError:
        return ["the body is not JSON"]
    if call.status in (401, 403) and isinstance(body, dict) and "fault" in body:
        return _auth_fault(body)
    problems = json_problems(body, _schema().elements["IntuitResponse"].type)
    if call.status >= 400 and "Fault" not in body:
        problems.append(f"status {call.status} without a Fault")
    return problems


def _auth_fault(body: dict[str, Any]) -> list[str]:
    problems = [f"{key}: not in Intuit's 401/403 envelope" for key in set(body) - LOWER_ENVELOPE]
    fault = body.get("fault")
    if not isinstance(fault, dict) or not isinstance(fault.get("error"), list):
        return [*problems, "fault: Intuit sends an object with an error list and a type"]
    problems += [f"fault/{key}: unknown" for key in sorted(set(fault) - {"error", "type"})]
    for index, error in enumerate(fault["error"]):
        for key in sorted(set(error) - LOWER_ERROR):
            problems.append(f"fault/error/{index}/{key}: unknown")
        if not isinstance(error.get("code"), str):
            problems.append(f"fault/error/{index}/code: Intuit sends the code as a string")
    return problems
