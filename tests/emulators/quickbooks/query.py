"""The part of QuickBooks' query language Tahseel sends, parsed and run over JSON objects.

``SELECT * | COUNT(*) FROM Entity [WHERE cond AND cond ...] [ORDERBY|ORDER BY field
[ASC|DESC]] [STARTPOSITION n] [MAXRESULTS n]``; a condition is ``field op value``
with ``=, <, >, <=, >=`` and a quoted value, ``IN (v, ...)`` or ``LIKE '%x%'``. Fields
may be dotted (``MetaData.LastUpdatedTime``). MAXRESULTS is at most 1,000.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.emulators.quickbooks.faults import Fault

MAX_RESULTS = 1000
_SELECT = re.compile(
    r"^\s*SELECT\s+(?P<what>\*|COUNT\(\*\))\s+FROM\s+(?P<entity>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s*BY\s+(?P<order>[\w.]+)(?:\s+(?P<dir>ASC|DESC))?)?"
    r"(?:\s+STARTPOSITION\s+(?P<start>\d+))?"
    r"(?:\s+MAXRESULTS\s+(?P<max>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COND = re.compile(
    r"^\s*(?P<field>[\w.]+)\s*(?P<op><=|>=|=|<|>|\bIN\b|\bLIKE\b)\s*(?P<value>.+?)\s*$",
    re.IGNORECASE | re.DOTALL,
)


@dataclass
class Query:
    """A parsed SELECT."""

    entity: str
    count: bool = False
    conditions: list[tuple[str, str, Any]] = field(default_factory=list)
    order: str | None = None
    descending: bool = False
    start: int = 1
    max_results: int = 100


def parse(text: str) -> Query:
    """Parse a SELECT; raise ``Fault`` (code 4000) as QuickBooks does for a bad one."""
    match = _SELECT.match(text)
    if not match:
        raise Fault.query(f"cannot parse {text[:60]!r}")
    query = Query(entity=match["entity"], count=match["what"] != "*")
    if match["where"]:
        for part in re.split(r"\s+AND\s+", match["where"], flags=re.IGNORECASE):
            query.conditions.append(_condition(part))
    query.order = match["order"]
    query.descending = (match["dir"] or "").upper() == "DESC"
    query.start = int(match["start"] or 1)
    query.max_results = int(match["max"] or 100)
    if query.max_results > MAX_RESULTS:
        raise Fault.query(f"value {query.max_results} is too large. Max allowed value is 1000")
    if query.start < 1:
        raise Fault.query("STARTPOSITION must be 1 or more")
    return query


def run(query: Query, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Filter, order and page ``rows`` (all objects of the entity) by the query."""
    found = [row for row in rows if all(_holds(row, *cond) for cond in query.conditions)]
    if query.order:
        found.sort(key=lambda row: _key(_lookup(row, query.order or "")), reverse=query.descending)
    return found[query.start - 1 : query.start - 1 + query.max_results]


def _condition(text: str) -> tuple[str, str, Any]:
    match = _COND.match(text)
    if not match:
        raise Fault.query(f"cannot parse condition {text[:40]!r}")
    op = match["op"].upper()
    raw = match["value"]
    if op == "IN":
        inner = re.fullmatch(r"\((.*)\)", raw.strip(), re.DOTALL)
        if not inner:
            raise Fault.query("IN needs a parenthesised list")
        return match["field"], op, [_literal(v) for v in inner.group(1).split(",")]
    return match["field"], op, _literal(raw)


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("\\'", "'")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return text
    raise Fault.query(f"unquoted value {text[:20]!r}")


def _lookup(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _holds(row: dict[str, Any], name: str, op: str, wanted: Any) -> bool:
    value = _lookup(row, name)
    if op == "IN":
        return any(_compare(value, item) == 0 for item in wanted)
    if op == "LIKE":
        pattern = re.escape(str(wanted)).replace("%", ".*")
        return value is not None and re.fullmatch(pattern, str(value), re.IGNORECASE) is not None
    order = _compare(value, wanted)
    if order is None:
        return False
    return {"=": order == 0, "<": order < 0, ">": order > 0, "<=": order <= 0, ">=": order >= 0}[op]


def _compare(value: Any, wanted: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(wanted, bool):
        return 0 if value == wanted else 1
    left, right = _key(value), _key(wanted)
    if type(left) is not type(right):
        left, right = str(value), str(wanted)
    return (left > right) - (left < right)


def _key(value: Any) -> Any:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            pass
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return "" if value is None else str(value)
