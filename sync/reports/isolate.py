"""Inserted values kept in their own direction on the report page.

In a right-to-left paragraph a Latin name that ends in a period shows the period on the
wrong side (".Nakheel Trading Co"), and an amount followed by a Latin currency code is
read in the wrong order. Every value the page inserts into its words (names, numbers,
amounts, dates, currencies, stages, references) is therefore isolated: a ``<bdi>``
element in HTML, and the marks FSI … PDI where no element can go (SVG text, the
``<title>``). The words themselves stay in the page's direction.

An English page isolates the names (which may be Arabic) and the chart texts only; its
numbers, dates and stages are Latin or English and run in the page's direction anyway,
so ``Isolation(rtl=False)`` leaves them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

FSI = "\u2068"
"""FIRST STRONG ISOLATE: what follows takes the direction of its first strong letter."""
PDI = "\u2069"
"""POP DIRECTIONAL ISOLATE: ends the isolate FSI began."""


def bdi(value: Any) -> Markup:
    """``value`` escaped and isolated in a ``<bdi>`` element."""
    return Markup("<bdi>{}</bdi>").format(value)


def marks(text: str) -> str:
    """``text`` between FSI and PDI, for places that take text only (SVG, ``<title>``)."""
    return f"{FSI}{text}{PDI}"


def say(words: str, **values: Any) -> Markup:
    """The page's ``words`` (a ``str.format`` pattern) with each value isolated.

    Args:
        words: e.g. ``"From the invoices paid since {since}: …"``.
        values: The values to put in, each escaped and wrapped in ``<bdi>``.
    """
    return Markup(escape(words)).format(**{name: bdi(v) for name, v in values.items()})


@dataclass(frozen=True)
class Isolation:
    """The ``bdi`` and ``say`` a page's template uses: isolating on a right-to-left page."""

    rtl: bool

    def bdi(self, value: Any) -> Markup:
        """``value`` escaped, in a ``<bdi>`` on a right-to-left page."""
        return bdi(value) if self.rtl else escape(value)

    def say(self, words: str, **values: Any) -> Markup:
        """``words`` with the values put in, each isolated on a right-to-left page."""
        if self.rtl:
            return say(words, **values)
        return Markup(escape(words)).format(**values)
