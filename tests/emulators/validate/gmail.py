"""Gmail: every API request and answer against Gmail's discovery document.

The document is the one google-api-python-client ships and builds its client from
(``googleapiclient/discovery_cache/documents/gmail.v1.json``). Each method gives its
HTTP method and path, its parameters (location, type, ``repeated``, ``required``,
``enum``), its request schema and its response schema; the schemas become JSON Schema
(``$ref: "Message"`` -> ``#/schemas/Message``) checked with the OAS 3.0 validator and
closed objects (``schema.py``). A method without ``response`` answers an empty body.
Error bodies are not in the discovery document; they follow Google's error model
(``ERROR``). The OAuth token endpoint is outside the document and not counted.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import googleapiclient

from tests.emulators.validate import Verdict
from tests.emulators.validate.record import Call, thin
from tests.emulators.validate.schema import Document

DISCOVERY = (
    Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "gmail.v1.json"
)

#: Google's JSON error body: https://cloud.google.com/apis/design/errors#http_mapping and
#: Gmail's "Resolve errors" page (https://developers.google.com/gmail/api/guides/handle-errors),
#: whose examples carry ``code``, ``message`` and ``errors`` [{domain, reason, message}];
#: ``status`` is the canonical code name sent by the current front end.
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "integer"},
                "message": {"type": "string"},
                "status": {"type": "string"},
                "errors": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["reason", "message"],
                        "properties": {
                            "domain": {"type": "string"},
                            "reason": {"type": "string"},
                            "message": {"type": "string"},
                            "location": {"type": "string"},
                            "locationType": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}


class Method:
    """One discovery method: its id, how its path matches, what it takes and answers."""

    def __init__(self, spec: dict[str, Any], base: str) -> None:
        self.id = str(spec["id"])
        self.http = str(spec["httpMethod"])
        self.spec = spec
        self.paths = [base + spec["flatPath"]]
        for protocol in spec.get("mediaUpload", {}).get("protocols", {}).values():
            self.paths.append(protocol["path"])
        self.patterns = [
            re.compile(re.sub(r"\\\{\+?[^/]+?\\\}", "([^/]+)", re.escape(p))) for p in self.paths
        ]


@functools.cache
def _discovery() -> tuple[dict[str, Any], list[Method], Document]:
    document = json.loads(DISCOVERY.read_text(encoding="utf-8"))
    methods: list[Method] = []

    def walk(resources: dict[str, Any]) -> None:
        for resource in resources.values():
            for method in resource.get("methods", {}).values():
                methods.append(Method(method, "/" + document["servicePath"]))
            walk(resource.get("resources", {}))

    walk(document["resources"])
    schemas = {name: _json_schema(schema) for name, schema in document["schemas"].items()}
    contents = {"schemas": schemas, "error": ERROR}
    return document, methods, Document("urn:gmail-v1", contents)


def _json_schema(node: Any) -> Any:
    """A discovery schema as JSON Schema (refs by id become JSON pointers)."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref":
            out[key] = f"#/schemas/{value}"
        elif key in ("properties", "additionalProperties", "items"):
            if key == "properties":
                out[key] = {k: _json_schema(v) for k, v in value.items()}
            else:
                out[key] = _json_schema(value)
        elif key in ("type", "format", "enum", "description", "readOnly"):
            if key == "type" and value == "any":
                continue
            out[key] = value
    return out


def check(call: Call) -> Verdict:
    """Check one exchange with the loopback Gmail."""
    document, methods, schemas = _discovery()
    verb = call.method
    if verb == "PUT" and "/upload/" in call.path and "upload_id=" in call.query:
        # A resumable session's chunks are PUT to the session URI (Google's resumable
        # upload guide); the method is the POST that opened the session.
        verb = "POST"
    for method in methods:
        if method.http != verb:
            continue
        for pattern in method.patterns:
            if pattern.fullmatch(call.path):
                request = _request(document, method, call, schemas)
                return Verdict(
                    "gmail", method.id, tuple(request), tuple(_answer(method, call, schemas))
                )
    if re.match(r"/(upload/|resumable/upload/)?gmail/v1/", call.path):
        return Verdict("gmail", f"{call.method} {call.path}", request=("no such method",))
    return Verdict("gmail", None)


def _request(document: dict[str, Any], method: Method, call: Call, schemas: Document) -> list[str]:
    problems: list[str] = []
    given = parse_qs(call.query, keep_blank_values=True)
    declared = {**document["parameters"], **method.spec.get("parameters", {})}
    for name, param in declared.items():
        if param.get("location") != "query":
            continue
        values = given.get(name, [])
        if not values:
            if param.get("required"):
                problems.append(f"query parameter {name}: required, missing")
            continue
        if len(values) > 1 and not param.get("repeated"):
            problems.append(f"query parameter {name}: given {len(values)} times, not repeated")
        for value in values:
            problem = _parameter_problem(param, value)
            if problem:
                problems.append(f"query parameter {name}={value!r}: {problem}")
    if "/upload/" in call.path:  # the session URI Google hands out carries its id
        declared = {**declared, "upload_id": {"type": "string", "location": "query"}}
    for name in sorted(set(given) - set(declared)):
        problems.append(f"query parameter {name}: not a parameter of {method.id}")
    expects = method.spec.get("request")
    uploading = "/upload/" in call.path
    if expects is None or uploading:
        if call.body.strip() and not uploading:
            problems.append("a body, where the method takes none")
        return problems
    try:
        body = json.loads(call.body or b"null")
    except ValueError:
        return [*problems, "request body: not JSON"]
    pointer = "/schemas/" + expects["$ref"]
    problems += [f"request body {p}" for p in schemas.problems(pointer, body, answer=False)]
    return problems


def _parameter_problem(param: dict[str, Any], value: str) -> str | None:
    kind = param.get("type")
    if kind == "boolean" and value not in ("true", "false"):
        return "not true or false"
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return "not an integer"
        number = int(value)
        if "minimum" in param and number < int(param["minimum"]):
            return f"below the minimum {param['minimum']}"
        if "maximum" in param and number > int(param["maximum"]):
            return f"above the maximum {param['maximum']}"
    if "enum" in param and value not in param["enum"]:
        return f"not one of {param['enum']}"
    return None


def _answer(method: Method, call: Call, schemas: Document) -> list[str]:
    if "uploadType=resumable" in call.query and call.status in (200, 308):
        session = _resumable_step(call)
        if session is not None:
            return session
    if call.status >= 400:
        return _error(call, schemas)
    returns = method.spec.get("response")
    if returns is None:
        return [f"a {len(call.answer)}-byte body; {method.id} answers none"] if call.answer else []
    if call.status != 200:
        return [f"status {call.status}; {method.id} answers 200 with a {returns['$ref']}"]
    if "application/json" not in (call.content_type or ""):
        return [f"Content-Type {call.content_type!r}; Gmail answers application/json"]
    try:
        body = thin(json.loads(call.answer))
    except ValueError:
        return ["the body is not JSON"]
    return schemas.problems("/schemas/" + returns["$ref"], body, answer=True)


def _resumable_step(call: Call) -> list[str] | None:
    """Check the answers of a resumable upload's protocol, which no schema describes.

    Google's resumable upload guide (developers.google.com/gmail/api/guides/uploads,
    "Resumable upload"): the session is opened with 200 OK, an empty body and the
    session URI in ``Location``; a chunk short of the whole is answered ``308 Resume
    Incomplete`` with ``Range: bytes=0-N`` once bytes are held. The last chunk's
    answer is the method's own (None here: checked as any answer).
    """
    headers = {k.lower(): v for k, v in call.answer_headers.items()}
    if "upload_id=" not in call.query:
        if call.status != 200 or call.answer.strip() or "location" not in headers:
            return ["a resumable session opens with 200, no body and a Location header"]
        return []
    if call.status == 308:
        held = headers.get("range")
        if held is not None and not re.fullmatch(r"bytes=0-\d+", held):
            return [f"308 with Range {held!r}; Google writes bytes=0-N"]
        return [] if not call.answer.strip() else ["308 with a body; Google sends none"]
    return None


#: Google's front end, not the API, refuses a request body too large for it, with an
#: HTML page (reports: googleapis/google-api-go-client#374, dacastro4/laravel-gmail#111:
#: "413. That's an error. Your client issued a request that was too large").
_FRONT_END_PAGES = (413,)


def _error(call: Call, schemas: Document) -> list[str]:
    if call.status in _FRONT_END_PAGES and "text/html" in (call.content_type or ""):
        return []
    if "application/json" not in (call.content_type or ""):
        return [f"{call.status} as {call.content_type!r}; Google answers JSON errors"]
    try:
        body = json.loads(call.answer)
    except ValueError:
        return [f"{call.status}: the body is not JSON"]
    problems = schemas.problems("/error", body, answer=True)
    code = body.get("error", {}).get("code") if isinstance(body, dict) else None
    if code != call.status:
        problems.append(f"error.code {code!r} is not the HTTP status {call.status}")
    return problems
