"""The ``money_text`` filter: an amount for a sentence, its currency written as a word.

In an Arabic sentence the symbol "ر.س.‏" ends in a period that collides with the
sentence's own punctuation ("بمبلغ ١٬٠٠٠٫٠٠ ر.س.‏، المستحقة…"); ``money_text`` writes
"١٬٠٠٠٫٠٠ ريال سعودي" instead. In other languages it is ``money`` ("SAR 1,000.00"),
which reads well in a sentence. Tables keep ``money``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import babel
from babel.numbers import format_currency
from jinja2 import Undefined

from mailer.filters import babel_filters

_TO_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def money_text(language: str, digits: str) -> Callable[..., str]:
    """The ``money_text`` filter for one language (see the module's docstring)."""
    locale = babel.Locale.parse(language.replace("-", "_"))
    money = babel_filters(language, digits)["money"]
    if locale.language != "ar":
        return money
    arabic = digits == "arabic"

    @functools.lru_cache(maxsize=4096, typed=True)
    def named(value: Decimal | int | float, code: str) -> str:
        system = "arab" if arabic else "latn"
        text = format_currency(
            value, code, locale=locale, format_type="name", numbering_system=system
        )
        number, _, name = text.partition(" ")
        # A no-break space keeps the amount and its currency on one line.
        number = number.translate(_TO_ARABIC_DIGITS) if arabic else number
        return f"{number}\u00a0{name}" if name else text

    def filter_(amount: Any, currency: Any) -> str:
        if isinstance(amount, Undefined) or isinstance(currency, Undefined):
            return money(amount, currency)
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int | float):
            raise TypeError(f"money_text filter expects a number, got {type(amount).__name__}")
        return named(amount, str(currency))

    return filter_
