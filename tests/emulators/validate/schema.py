"""JSON-schema validation shared by the Xero and Gmail checks (OpenAPI 3.0 dialect).

Built on openapi-schema-validator's OAS 3.0 validators (``nullable``, ``readOnly`` in
requests, ``writeOnly`` in answers) with three additions:

* objects are closed: a property the schema does not name is a problem (the vendors'
  specs list every field their answers carry; an emulator that invents a field teaches
  the client a shape the real service never sends; unknown request fields are refused
  by Google with 400 "Invalid JSON payload received. Unknown name", and Xero ignores
  them, which hides a typo: be strict);
* ``x-is-msdate`` / ``x-is-msdate-time`` (Xero's extensions on string dates): the value
  must be ``/Date(ms)/`` or ``/Date(ms+hhmm)/``, which is all xero-python parses for
  fields typed ``date[ms-format]``/``datetime[ms-format]``
  (``xero_python/api_client/deserializer.py``, ``MS_DATETIME_RE``); an ISO string there
  crashes deserialisation (shared reference, section 1.9);
* Google's string-encoded integers (``format: int64/uint64`` on ``type: string``)
  must hold digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jsonschema import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_schema_validator._format import oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

UNDEFINED = "a property the spec does not define"
MS_DATE = re.compile(r"/Date\(-?\d+([+-]\d{4})?\)/")
_DIGITS = re.compile(r"-?\d+")


def _closed(
    validator: Any, properties: dict[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for name, subschema in properties.items():
        if name in instance:
            yield from validator.descend(instance[name], subschema, path=name, schema_path=name)
    if "additionalProperties" not in schema:
        for name in sorted(set(instance) - set(properties)):
            yield ValidationError(UNDEFINED, path=[name])


def _ms_date(validator: Any, flag: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if flag and isinstance(instance, str) and not MS_DATE.fullmatch(instance):
        yield ValidationError(
            f"{instance!r} is not Xero's /Date(ms+0000)/ form, the only date xero-python parses"
        )


def _google_format(validator: Any, fmt: str, instance: Any, schema: Any) -> Iterator[Any]:
    if fmt in ("int64", "uint64", "int32", "uint32") and isinstance(instance, str):
        if not _DIGITS.fullmatch(instance):
            yield ValidationError(f"{instance!r} is not a string-encoded integer ({fmt})")
        return
    if fmt == "byte" and isinstance(instance, str):
        if not re.fullmatch(r"[A-Za-z0-9_\-+/]*={0,2}", instance):
            yield ValidationError(f"{instance!r:.60} is not base64 (format byte)")
        return
    if fmt in ("int64", "uint64", "int32", "uint32", "byte", "google-datetime", "google-duration"):
        return
    yield from OAS30ReadValidator.VALIDATORS["format"](validator, fmt, instance, schema)


_ENUMS: dict[int, frozenset[str]] = {}


def _enum(validator: Any, enums: list[Any], instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's ``enum``, with strings looked up in a set (Xero's currency enum has
    some 170 values, compared one by one otherwise)."""
    if isinstance(instance, str) and all(isinstance(e, str) for e in enums):
        allowed = _ENUMS.get(id(enums))
        if allowed is None:
            allowed = _ENUMS[id(enums)] = frozenset(enums)
        if instance not in allowed:
            shown = enums if len(enums) <= 12 else f"the {len(enums)} values the spec lists"
            yield ValidationError(f"{instance!r} is not one of {shown}")
        return
    yield from OAS30ReadValidator.VALIDATORS["enum"](validator, enums, instance, schema)


_EXTRA = {
    "properties": _closed,
    "enum": _enum,
    "x-is-msdate": _ms_date,
    "x-is-msdate-time": _ms_date,
}
ReadValidator = extend(OAS30ReadValidator, {**_EXTRA, "format": _google_format})
WriteValidator = extend(OAS30WriteValidator, {**_EXTRA, "format": _google_format})


class Document:
    """One spec document, its schemas validated by ``$ref`` into it.

    Args:
        uri: A name for the document (``urn:xero``).
        contents: The parsed document.
        extra: Properties the vendor really sends that the spec leaves out, as
            ``(where, name)`` with ``where`` the path of the object (list indexes as
            ``*``, ``""`` for the top), each with its source: these are let through.
    """

    def __init__(
        self, uri: str, contents: dict[str, Any], extra: dict[tuple[str, str], str] | None = None
    ) -> None:
        self.uri = uri
        self.extra = extra or {}
        resource = Resource(contents=contents, specification=DRAFT4)
        self.registry: Registry[Any] = Registry().with_resource(uri, resource)
        self._validators: dict[tuple[str, bool], Any] = {}

    def problems(self, pointer: str, instance: Any, *, answer: bool) -> list[str]:
        """What is wrong with ``instance`` against the schema at ``#<pointer>``."""
        key = (pointer, answer)
        validator = self._validators.get(key)
        if validator is None:
            cls = ReadValidator if answer else WriteValidator
            schema = {"$ref": f"{self.uri}#{pointer}"}
            validator = cls(schema, registry=self.registry, format_checker=oas30_format_checker)
            self._validators[key] = validator
        return self._describe(validator.iter_errors(instance))

    def check(self, schema: dict[str, Any], instance: Any, *, answer: bool) -> list[str]:
        """What is wrong with ``instance`` against an inline ``schema``."""
        cls = ReadValidator if answer else WriteValidator
        validator = cls(schema, registry=self.registry, format_checker=oas30_format_checker)
        return self._describe(validator.iter_errors(instance))

    def _describe(self, errors: Iterator[ValidationError]) -> list[str]:
        problems = []
        for error in errors:
            steps = ["*" if isinstance(p, int) else str(p) for p in error.absolute_path]
            if error.message == UNDEFINED and ("/".join(steps[:-1]), steps[-1]) in self.extra:
                continue
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            problems.append(f"{where}: {error.message}")
        return problems
