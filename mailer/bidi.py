"""Bidirectional isolation of inserted values, so a template author cannot forget it.

A value whose direction may differ from the paragraph's (a Latin customer name in an
Arabic sentence, an invoice number, a reference) is put in the context as
:class:`Isolated`. Every ``{{ … }}`` output goes through the environment's ``finalize``,
which wraps an ``Isolated`` value by the part it lands in:

* plain text: FSI (U+2068) before it and PDI (U+2069) after it;
* HTML: ``<bdi>…</bdi>`` around the escaped value;
* the subject: nothing, since a mail header must stay plain (bidi controls are refused
  there).

Without this, "Nakheel Trading Co." in an Arabic paragraph is shown as
".Nakheel Trading Co": the paragraph's direction places the final period. The ``plain``
filter takes the mark off a value that goes where markup cannot (an HTML attribute,
the ``<title>``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from markupsafe import Markup, escape

FSI = "\u2068"
"""FIRST STRONG ISOLATE: the value's direction comes from its first strong letter."""
PDI = "\u2069"
"""POP DIRECTIONAL ISOLATE: ends the isolate FSI opened."""

Part = Literal["subject", "text", "html"]


class Isolated(str):
    """A text value to be shown in a direction of its own, isolated from the paragraph."""

    __slots__ = ()


def isolated(value: str | None) -> Isolated | None:
    """``value`` marked for isolation (None stays None)."""
    return None if value is None else Isolated(value)


def finalizer(part: Part) -> Callable[[Any], Any]:
    """The Jinja ``finalize`` for one part: wraps :class:`Isolated` values, passes the rest."""
    if part == "html":

        def html(value: Any) -> Any:
            if isinstance(value, Isolated) and value:
                return Markup("<bdi>%s</bdi>") % escape(str(value))
            return value

        return html
    if part == "text":

        def text(value: Any) -> Any:
            if isinstance(value, Isolated) and value:
                return f"{FSI}{value}{PDI}"
            return value

        return text

    def subject(value: Any) -> Any:
        return str(value) if isinstance(value, Isolated) else value

    return subject


def plain(value: Any) -> Any:
    """The ``plain`` filter: the value without its isolation mark (for attributes, titles)."""
    return str(value) if isinstance(value, Isolated) else value
