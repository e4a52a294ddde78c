"""Checks on one value of the configuration: plain one-line text, an email address, a time zone."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2028\u2029\u2066-\u2069]")
"""Characters that must not be in one line of text headed for a mail header or subject:
C0 and C1 controls, line and paragraph separators, and bidi overrides and isolates."""


def check_plain_text(value: str) -> str:
    """Return ``value`` if it is one line without control characters, else raise ValueError.

    Line breaks would break a mail header; NUL and bidi overrides can hide or reorder
    what a reader sees.
    """
    found = CONTROL_CHARACTERS.search(value)
    if found:
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X}; use one line of plain text"
        )
    return value


def check_email(value: str) -> str:
    """Return ``value`` if it is a plain email address, else raise ValueError."""
    if not _EMAIL.match(value):
        raise ValueError(f"expected an email address like name@example.com, got {value!r}")
    return value


def check_zone(value: str) -> str:
    """Return ``value`` if it is a known IANA time zone, else raise ValueError."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Asia/Riyadh)"
        ) from None
    return value
