"""Operations of an OpenAPI 3.0 document: find the one a request calls, check its parts.

Parameters are checked as the spec declares them (required ones present, values of the
declared type once deserialised from the query string or header, form arrays split on
commas when ``explode: false``, unknown query parameters refused), the JSON body
against the request schema, and the answer against the schema of its status and
content type.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.emulators.validate.record import thin
from tests.emulators.validate.schema import Document


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Operation:
    """One method on one path, with the JSON pointer of every schema it uses."""

    name: str
    method: str
    template: str
    pattern: re.Pattern[str]
    pointer: str
    parameters: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    body: dict[str, Any] | None = None


class OpenApi:
    """An OpenAPI 3.0 document, its operations indexed for lookup.

    Args:
        uri: A name for the document.
        contents: The parsed document.
        extra: Properties let through (see ``Document``).
    """

    def __init__(
        self, uri: str, contents: dict[str, Any], extra: dict[tuple[str, str], str] | None = None
    ) -> None:
        self.spec = contents
        self.document = Document(uri, contents, extra)
        self.operations: list[Operation] = []
        for template, item in contents["paths"].items():
            path_pointer = "/paths/" + _escape(template)
            shared = item.get("parameters", [])
            regex = re.sub(r"\\\{[^/]+?\\\}", "([^/]+)", re.escape(template))
            for method, op in item.items():
                if method == "parameters" or not isinstance(op, dict):
                    continue
                pointer = f"{path_pointer}/{method}"
                params: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
                for index, param in enumerate(shared):
                    resolved, where = self._resolve(param, f"{path_pointer}/parameters/{index}")
                    params[resolved["in"], resolved["name"].lower()] = (resolved, where)
                for index, param in enumerate(op.get("parameters", [])):
                    resolved, where = self._resolve(param, f"{pointer}/parameters/{index}")
                    params[resolved["in"], resolved["name"].lower()] = (resolved, where)
                body = op.get("requestBody")
                if body is not None:
                    body, _ = self._resolve(body, f"{pointer}/requestBody")
                operation = Operation(
                    op.get("operationId", f"{method} {template}"),
                    method.upper(),
                    template,
                    re.compile(regex),
                    pointer,
                    list(params.values()),
                    body,
                )
                self.operations.append(operation)
        # Literal segments win over templated ones (/Invoices/{id}/pdf vs /Invoices/{id}).
        self.operations.sort(key=lambda o: o.template.count("{"))

    def _resolve(self, node: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str]:
        while "$ref" in node:
            pointer = node["$ref"].lstrip("#")
            node = self.spec
            for token in pointer.strip("/").split("/"):
                node = node[token.replace("~1", "/").replace("~0", "~")]
        return node, pointer

    def find(self, method: str, path: str) -> Operation | None:
        """The operation ``method path`` calls, or None."""
        for operation in self.operations:
            if operation.method == method and operation.pattern.fullmatch(path):
                return operation
        return None

    # -- the request ------------------------------------------------------------------

    def request_problems(
        self, op: Operation, path: str, query: str, header: Any, body: bytes
    ) -> list[str]:
        """What is wrong with a request to ``op``; ``header(name)`` reads request headers."""
        problems: list[str] = []
        values = parse_qs(query, keep_blank_values=True)
        path_values = op.pattern.fullmatch(path).groups()  # type: ignore[union-attr]
        path_names = re.findall(r"\{([^}]+)\}", op.template)
        known = set()
        for param, where in op.parameters:
            name, place = param["name"], param["in"]
            if place == "query":
                known.add(name)
                raw = values.get(name)
                text = raw[0] if raw else None
            elif place == "header":
                text = header(name)
            elif place == "path":
                text = dict(zip(path_names, path_values, strict=True)).get(name)
            else:
                continue
            if text is None:
                if param.get("required"):
                    problems.append(f"{place} parameter {name}: required, missing")
                continue
            if "schema" in param:
                value = _deserialise(text, param)
                for problem in self.document.problems(f"{where}/schema", value, answer=False):
                    problems.append(f"{place} parameter {name}={text!r}: {problem}")
        for name in sorted(set(values) - known):
            problems.append(f"query parameter {name}: not a parameter of {op.name}")
        problems += self._body_problems(op, header("Content-Type"), body)
        return problems

    def _body_problems(self, op: Operation, ctype: str | None, body: bytes) -> list[str]:
        if op.body is None:
            return ["a body, where the spec defines none"] if body.strip() else []
        if not body:
            return ["request body: required, missing"] if op.body.get("required") else []
        media = (ctype or "").split(";")[0].strip()
        content = op.body.get("content", {})
        if media not in content:
            return [f"request Content-Type {media!r}: the spec takes {sorted(content)}"]
        if "json" not in media:
            return []
        try:
            document = json.loads(body)
        except ValueError:
            return ["request body: not JSON"]
        pointer = _body_pointer(op, content[media], media)
        return [
            f"request body {p}" for p in self.document.problems(pointer, document, answer=False)
        ]

    # -- the answer -------------------------------------------------------------------

    def answer_schema(self, op: Operation, status: int) -> tuple[dict[str, Any], str] | None:
        """The spec's response for ``status`` (or ``default``) and its pointer, or None."""
        responses = self.spec_at(op.pointer).get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                return self._resolve(responses[key], f"{op.pointer}/responses/{key}")
        return None

    def answer_problems(
        self, response: dict[str, Any], pointer: str, ctype: str | None, body: bytes
    ) -> list[str]:
        """What is wrong with an answer against the spec's ``response`` object."""
        content = response.get("content")
        media = (ctype or "").split(";")[0].strip()
        if not content:
            return [f"a body ({len(body)} bytes) where the spec defines none"] if body else []
        if media not in content:
            return [f"Content-Type {media!r}: the spec answers {sorted(content)}"]
        if "json" not in media:
            return [] if body else ["an empty body"]
        try:
            document = thin(json.loads(body))
        except ValueError:
            return ["the body is not JSON"]
        schema_pointer = f"{pointer}/content/{_escape(media)}/schema"
        return self.document.problems(schema_pointer, document, answer=True)

    def spec_at(self, pointer: str) -> dict[str, Any]:
        """The node at ``pointer``."""
        node: Any = self.spec
        for token in pointer.strip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node  # type: ignore[no-any-return]


def _body_pointer(op: Operation, media_object: dict[str, Any], media: str) -> str:
    schema = media_object["schema"]
    if "$ref" in schema:
        return str(schema["$ref"]).lstrip("#")
    return f"{op.pointer}/requestBody/content/{_escape(media)}/schema"


def _deserialise(text: str, param: dict[str, Any]) -> Any:
    """A query or header value as the schema's type (form style, comma arrays)."""
    schema = param.get("schema", {})
    kind = schema.get("type")
    if kind == "array":
        items = text.split(",") if not param.get("explode", True) or "," in text else [text]
        return [_scalar(item, schema.get("items", {}).get("type")) for item in items]
    return _scalar(text, kind)


def _scalar(text: str, kind: str | None) -> Any:
    if kind == "integer":
        return int(text) if re.fullmatch(r"-?\d+", text) else text
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "boolean":
        # Xero reads booleans case-insensitively (.NET bool.Parse); the SDK sends True.
        return {"true": True, "false": False}.get(text.lower(), text)
    return text
