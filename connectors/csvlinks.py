"""Payment links of a CSV ledger: a pattern such as ``https://pay.example.com/{number}``.

The pattern names invoice fields from ``LINK_FIELDS`` in braces; each is replaced by
the invoice's value, URL-quoted, and nothing is evaluated.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote, urlsplit

from connectors.models import Invoice

LINK_FIELDS = ("number", "id", "amount_due", "currency", "contact_id")
"""Invoice fields a payment-link pattern may name, as ``{number}``."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def check_link_pattern(pattern: str) -> list[str]:
    """Find what is wrong with a payment-link pattern.

    The pattern is read as :meth:`string.Formatter.parse` reads a format string, so an
    unclosed ``{``, a lone ``}``, a field outside ``LINK_FIELDS``, a conversion
    (``!r``) or a format (``:>10``) is a problem; so is a brace outside a field
    (``{{`` included), which no link needs (a URL writes a brace as ``%7B``).

    Args:
        pattern: e.g. ``https://pay.example.com/{number}?amount={amount_due}``.

    Returns:
        One readable line per problem; empty when the pattern is fine.
    """
    problems: list[str] = []
    parts = urlsplit(pattern)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"must start with https:// or http://, got {pattern!r}")
    allowed = ", ".join("{" + name + "}" for name in LINK_FIELDS)
    try:
        pieces = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        problems.append(
            f"{pattern!r} has a brace that is not closed or not opened ({exc});"
            f" write fields as {allowed}"
        )
        return problems
    if any("{" in literal or "}" in literal for literal, *_ in pieces):
        problems.append(
            f"{pattern!r} has a brace outside a field; write a brace in a URL as %7B or %7D"
        )
    for _, name, spec, conversion in pieces:
        if name is None:
            continue
        if name not in LINK_FIELDS:
            problems.append(f"unknown field {{{name}}}; use one of {allowed}")
        elif spec or conversion:
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            problems.append(f"{{{written}}}: write the field as {{{name}}}, with nothing after it")
    return problems


def _link_values(invoice: Invoice) -> dict[str, str]:
    return {
        "number": invoice.number,
        "id": invoice.id,
        "amount_due": format(invoice.amount_due, "f"),
        "currency": invoice.currency,
        "contact_id": invoice.contact.id,
    }


def fill_link(pattern: str, invoice: Invoice) -> str:
    """Fill ``pattern`` with the invoice's URL-quoted fields.

    Only plain ``{field}`` names from ``LINK_FIELDS`` are replaced; ``{number.__class__}``
    stays as written.
    """
    values = _link_values(invoice)

    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else quote(value, safe="")

    return _PLACEHOLDER.sub(fill, pattern)
