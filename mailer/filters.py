"""Babel filters for templates: ``money``, ``date`` and ``number`` in the message's language.

Amounts are ``Decimal`` (or int or float) and currency codes ISO 4217; CLDR's currency
spacing is applied where Babel skips it, and Arabic messages can be written with
Arabic-Indic digits. An undefined value passes through, so that the sandbox reports it.
``date`` writes Arabic messages in the configured calendar (Gregorian, Umm al-Qura or
both); ``gregorian`` and ``hijri`` let a template choose one whatever the setting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import babel
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_currency_symbol
from jinja2 import Undefined

from mailer.hijri import hijri_text

_TO_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def babel_filters(
    language: str, digits: str, calendar: str = "gregorian"
) -> dict[str, Callable[..., str]]:
    """Build the ``money``, ``date``, ``gregorian``, ``hijri`` and ``number`` filters.

    Args:
        language: The Babel locale, such as ``en`` or ``ar`` (``en-GB`` also works).
        digits: ``"arabic"`` writes Arabic-Indic digits in Arabic; ``"latin"`` keeps 0-9.
        calendar: What ``date`` writes in Arabic: ``"gregorian"``, ``"hijri"`` (the
            Umm al-Qura date) or ``"both"`` (the Hijri date, the Gregorian one in
            brackets). Other languages always get the Gregorian date.

    Returns:
        The filters by name, for a Jinja environment's ``filters``.
    """
    locale = babel.Locale.parse(language.replace("-", "_"))
    arabic = digits == "arabic" and locale.language == "ar"
    numbering = "arab" if arabic else "latn"

    def finish(text: str) -> str:
        return text.translate(_TO_ARABIC_DIGITS) if arabic else text

    @functools.lru_cache(maxsize=4096, typed=True)
    def formatted(value: Decimal | int | float, code: str) -> str:
        # One email shows its amount in the subject, text and HTML: format it once.
        text = format_currency(value, code, locale=locale, numbering_system=numbering)
        return finish(_space_currency(text, get_currency_symbol(code, locale=locale)))

    def money(amount: Any, currency: Any) -> str:
        if isinstance(amount, Undefined) or isinstance(currency, Undefined):
            return str(amount) + str(currency)
        return formatted(_as_number(amount, "money"), str(currency))

    if calendar not in ("gregorian", "hijri", "both"):
        raise ValueError(f"calendar must be gregorian, hijri or both, not {calendar!r}")
    shown = calendar if locale.language == "ar" else "gregorian"

    def gregorian(value: Any, format: str = "long") -> str:
        if isinstance(value, Undefined):
            return str(value)
        return finish(format_date(_as_day(value, "gregorian"), format=format, locale=locale))

    def hijri(value: Any, format: str = "long") -> str:
        if isinstance(value, Undefined):
            return str(value)
        return finish(hijri_text(_as_day(value, "hijri"), locale.language, format))

    def date_filter(value: Any, format: str = "long") -> str:
        if isinstance(value, Undefined):
            return str(value)
        _as_day(value, "date")
        if shown == "hijri":
            return hijri(value, format)
        if shown == "both":
            return f"{hijri(value, format)} ({gregorian(value, format)})"
        return gregorian(value, format)

    def number(value: Any) -> str:
        if isinstance(value, Undefined):
            return str(value)
        return finish(
            format_decimal(_as_number(value, "number"), locale=locale, numbering_system=numbering)
        )

    return {
        "money": money,
        "date": date_filter,
        "gregorian": gregorian,
        "hijri": hijri,
        "number": number,
    }


def _as_day(value: Any, filter_name: str) -> date:
    if not isinstance(value, date):
        raise TypeError(f"{filter_name} filter expects a date, got {type(value).__name__}")
    return value.date() if isinstance(value, datetime) else value


def _space_currency(text: str, symbol: str) -> str:
    """Apply CLDR's currency spacing, which Babel skips: "SAR 11,500.00", not "SAR11,500.00".

    A symbol ending in a letter gets a no-break space before the digits that follow it.
    """
    rest = text[len(symbol) :]
    if symbol[-1:].isalpha() and text.startswith(symbol) and rest[:1].isdigit():
        return f"{symbol}\u00a0{rest}"
    return text


def _as_number(value: Any, filter_name: str) -> Decimal | int | float:
    # bool is an int, and Babel would happily print it as 1 or 0.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float):
        raise TypeError(f"{filter_name} filter expects a number, got {type(value).__name__}")
    return value
