"""Reading a list of email addresses as ledgers export it, and keeping each one once.

A field may hold several addresses separated by ``,`` or ``;``, each bare
(``ap@example.com``) or with a name (``Accounts <ap@example.com>``, ``"Doe, J"
<j@example.com>``). They are parsed by the standard library's RFC 5322 address-list
parser (``email.headerregistry``), which reports what it had to guess as defects; a
field with any defect is refused rather than read as the parser guessed it.
``email.utils.getaddresses`` is not used: before Python 3.13 (and its backports) it
reads ``ap@x.example Bcc: victim@example.com`` as two addresses without complaint.

An address repeated in any case (``a@x, A@X``) is kept once, as first written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.headerregistry import AddressHeader, HeaderRegistry

from connectors.csvformat import Unaccepted

__all__ = ["ACCEPTED", "parse_addresses", "unique_addresses"]

ACCEPTED = "addresses like name@example.com or Name <name@example.com>"
"""What an address field may hold, as an error message says it."""

_EMAIL = re.compile(r"[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\].]+(?:\.[^@\s<>(),;:\"\[\].]+)+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_HEADERS = HeaderRegistry()
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
"""A bare ASCII dot-atom address: what the RFC 5322 parser reads as itself, with no defect.

Most ledger fields are a few of these; they are taken as they stand, and only a field
with anything else (a name, quotes, non-ASCII) goes through the parser, which costs
about 0.2 ms a field."""


def parse_addresses(value: str) -> tuple[str, ...]:
    """The addresses in ``value``, each once, in order; display names are dropped.

    Args:
        value: A field such as ``Accounts <ap@x.example>; boss@x.example``.

    Raises:
        Unaccepted: The field holds a control character, something that is not an
            address, or an address the parser had to guess at; the message says which.
    """
    if _CONTROL.search(value):
        raise Unaccepted(ACCEPTED, "on one line without control characters")
    pieces = [piece.strip() for piece in re.split(r"[,;]", value)]
    if all(_PLAIN.fullmatch(piece) for piece in pieces if piece) and any(pieces):
        return unique_addresses(piece for piece in pieces if piece)
    found: list[str] = []
    for part in value.split(";"):
        if not part.strip():
            continue
        header = _HEADERS("To", part)
        assert isinstance(header, AddressHeader)
        groups = [group for group in header.groups if group.display_name is not None]
        addresses = [a.addr_spec for a in header.addresses]
        whole = part.strip() == value.strip()
        if header.defects or groups or not addresses:
            raise Unaccepted(ACCEPTED, "" if whole else f"{part.strip()!r} is not a list of them")
        for address in addresses:
            if not _EMAIL.fullmatch(address):
                alone = whole and address == value.strip()
                raise Unaccepted(ACCEPTED, "" if alone else f"{address!r} is not one")
        found.extend(addresses)
    return unique_addresses(found)


def unique_addresses(addresses: Iterable[str]) -> tuple[str, ...]:
    """Each address once, compared without regard to case; the first spelling is kept."""
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.casefold(), address)
    return tuple(seen.values())


def parse_phones(value: str) -> tuple[str, ...]:
    """The phone numbers in ``value`` (separated by ``;`` or ``,``), each once, in order."""
    # Normalised later, with the business's country (mailer.phones): kept as written.
    return tuple(dict.fromkeys(p.strip() for p in re.split(r"[;,]", value) if p.strip()))


def parse_channels(value: str) -> tuple[str, ...]:
    """The channels a customer prefers, from ``whatsapp, email``.

    Raises:
        Unaccepted: A word is not a channel.
    """
    words = tuple(dict.fromkeys(w.strip().lower() for w in re.split(r"[;, ]", value) if w.strip()))
    if any(w not in ("email", "whatsapp", "sms") for w in words):
        raise Unaccepted("email, whatsapp or sms, separated by commas")
    return words
