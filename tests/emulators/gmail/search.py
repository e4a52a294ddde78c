"""The part of Gmail's search syntax Tahseel uses, for ``messages.list?q=``.

Supported: ``rfc822msgid:``, ``label:``, ``in:`` (inbox, sent, drafts, spam, trash,
anywhere), ``from:``, ``to:``, ``after:`` (epoch seconds or ``yyyy/mm/dd``),
``newer_than:`` (``Nd``, ``Nh``, ``Nm``, ``Ny``), each optionally negated with ``-``.
Anything else is answered with 400, so a test notices an operator the emulator lacks.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import getaddresses

from tests.emulators.gmail.mailbox import ApiError, Mailbox, Stored

Predicate = Callable[[Stored], bool]
_UNITS = {"d": 86400, "h": 3600, "m": 30 * 86400, "y": 365 * 86400}
_IN = {"inbox": "INBOX", "sent": "SENT", "drafts": "DRAFT", "spam": "SPAM", "trash": "TRASH"}


def compile_query(q: str, mailbox: Mailbox) -> tuple[list[Predicate], bool]:
    """Turn ``q`` into predicates; the flag says whether spam and trash were asked for."""
    predicates: list[Predicate] = []
    spam_trash = False
    for term in shlex.split(q or ""):
        negate = term.startswith("-")
        name, _, value = term.lstrip("-").partition(":")
        if name == "in" and value in ("anywhere", "spam", "trash"):
            spam_trash = True
        predicate = _term(name.lower(), value, mailbox)
        predicates.append((lambda p: lambda m: not p(m))(predicate) if negate else predicate)
    return predicates, spam_trash


def _term(name: str, value: str, mailbox: Mailbox) -> Predicate:
    if name == "rfc822msgid":
        wanted = value.strip("<>")
        return lambda m: m.header("Message-ID").strip("<> ") == wanted
    if name == "in" and value == "anywhere":
        return lambda m: True
    if name == "in" and value in _IN:
        return lambda m: _IN[value] in m.labels
    if name == "label":
        label_id = _label_id(value, mailbox)
        return lambda m: label_id in m.labels
    if name in ("from", "to"):
        headers = ("From",) if name == "from" else ("To", "Cc", "Bcc")
        return lambda m: any(value.lower() in a.lower() for a in _addresses(m, headers))
    if name == "after":
        since = _epoch(value) * 1000
        return lambda m: m.internal_date > since
    if name == "newer_than" and value[:-1].isdigit() and value[-1:] in _UNITS:
        seconds = int(value[:-1]) * _UNITS[value[-1]]
        return lambda m: m.internal_date > (mailbox.clock() - seconds) * 1000
    raise ApiError(400, "invalidArgument", "Invalid search query")


def _label_id(value: str, mailbox: Mailbox) -> str:
    wanted = value.casefold().replace(" ", "-")
    for label in mailbox.labels.values():
        if label["name"].casefold().replace(" ", "-") == wanted:
            return label["id"]
    return f"unknown:{value}"


def _addresses(stored: Stored, headers: tuple[str, ...]) -> list[str]:
    found = []
    for name in headers:
        found += [addr for _, addr in getaddresses([stored.header(name)]) if addr]
    return found


def _epoch(value: str) -> int:
    if value.isdigit():
        return int(value)
    try:
        day = datetime.strptime(value, "%Y/%m/%d").replace(tzinfo=UTC)
    except ValueError:
        raise ApiError(400, "invalidArgument", "Invalid search query") from None
    return int(day.timestamp())


def search(mailbox: Mailbox, q: str, label_ids: list[str], spam_trash: bool) -> list[Stored]:
    """Messages matching ``q`` and carrying every label in ``label_ids``, newest first."""
    predicates, wants_spam_trash = compile_query(q, mailbox)
    include_hidden = spam_trash or wants_spam_trash
    with mailbox.lock:
        found = [
            m
            for m in mailbox.messages.values()
            if all(label in m.labels for label in label_ids)
            and (include_hidden or not m.labels & {"SPAM", "TRASH"})
            and all(p(m) for p in predicates)
        ]
    return sorted(found, key=lambda m: m.internal_date, reverse=True)
