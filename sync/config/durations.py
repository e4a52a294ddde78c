"""Durations written in the configuration and on the command line: ``26h``, ``1d 12h``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([dhms])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_age(text: str) -> timedelta:
    """Read a duration like ``26h``, ``90m``, ``2d`` or ``1d 12h``.

    Raises:
        ValueError: The text is not such a duration, or it is zero.
    """
    compact = text.strip().lower()
    parts = _PART.findall(compact)
    if not parts or _PART.sub("", compact).strip():
        raise ValueError(
            f"expected a duration like 26h, 90m, 2d or 1d12h (d, h, m, s), got {text!r}"
        )
    age = sum((timedelta(**{_UNITS[unit]: float(n)}) for n, unit in parts), timedelta())
    if age <= timedelta(0):
        raise ValueError(f"the duration must be more than zero, got {text!r}")
    return age
