r"""How many SMS segments a text is billed as (pure).

An SMS carries 140 bytes. In the GSM-7 alphabet that is 160 characters, or 153 a part
when the text is split (the rest holds the concatenation header); a character of the
extension table (``{ } [ ] ~ \ | ^ €`` and form feed) takes two. A single character
outside GSM-7 (Arabic, most emoji) makes the whole text UCS-2: 70 UTF-16 code units, 67
a part, and a character beyond the Basic Multilingual Plane (most emoji) is a surrogate
pair, two units. Twilio bills and paces by segment (reference [16], [19]). A part never
ends in the middle of an escape pair or a surrogate pair, so the count packs characters
into parts rather than dividing a length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# GSM 03.38 basic character set (ESC at 0x1B is the escape to the extension table).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE = {"gsm7": 160, "ucs2": 70}
"""Units one unsplit message holds."""
PART = {"gsm7": 153, "ucs2": 67}
"""Units each part of a split message holds."""


@dataclass(frozen=True, slots=True)
class Segments:
    """A text's encoding and how many parts it is sent and billed as.

    Attributes:
        encoding: ``gsm7`` or ``ucs2``.
        count: Segments (0 for an empty text).
        units: Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes.
        first_non_gsm: The first character that forced UCS-2, if any (to say which
            character to replace to halve the cost).
    """

    encoding: Literal["gsm7", "ucs2"]
    count: int
    units: int
    first_non_gsm: str | None = None


def _cost(char: str, encoding: str) -> int:
    if encoding == "gsm7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def count_segments(text: str) -> Segments:
    """Count the segments ``text`` is sent as.

    Args:
        text: The message as it will be sent.

    Returns:
        The encoding, the segment count and the units.
    """
    strange = next((c for c in text if c not in GSM7_BASIC and c not in GSM7_EXTENSION), None)
    encoding: Literal["gsm7", "ucs2"] = "gsm7" if strange is None else "ucs2"
    costs = [_cost(c, encoding) for c in text]
    units = sum(costs)
    if units == 0:
        return Segments(encoding, 0, 0, strange)
    if units <= SINGLE[encoding]:
        return Segments(encoding, 1, units, strange)
    parts, room = 1, PART[encoding]
    for cost in costs:
        if cost > room:
            parts, room = parts + 1, PART[encoding]
        room -= cost
    return Segments(encoding, parts, units, strange)


class TooManySegments(ValueError):
    """A text is longer than the configured number of segments."""


def check_segments(text: str, max_segments: int, *, where: str) -> Segments:
    """Count ``text``'s segments and refuse more than ``max_segments``.

    Args:
        text: The rendered SMS.
        max_segments: The most segments allowed (``sms.max_segments``).
        where: What the text is (the template file), for the message.

    Raises:
        TooManySegments: Saying by how much, and which character made it UCS-2.
    """
    found = count_segments(text)
    if found.count <= max_segments:
        return found
    limit = SINGLE[found.encoding] if max_segments == 1 else PART[found.encoding] * max_segments
    hint = (
        f"; it is sent as UCS-2 because of {found.first_non_gsm!r}"
        if found.first_non_gsm is not None
        else ""
    )
    raise TooManySegments(
        f"{where}: {found.count} SMS segments, more than the {max_segments} allowed "
        f"({found.units} {'characters' if found.encoding == 'gsm7' else 'UTF-16 units'}, "
        f"at most {limit} in {found.encoding.upper()}{hint}): shorten the text or raise "
        "sms.max_segments"
    )
