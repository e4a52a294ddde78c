"""Umm al-Qura (Hijri) dates for messages, by the ``hijridate`` package's table.

The table covers 1 Muharram 1343 to 30 Dhu al-Hijjah 1500 AH, that is 1924-08-01 to
2077-11-16; a day outside it raises :class:`OutsideUmmAlQura`, which names the day and
what to do, and the renderer turns it into an error for that one message.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from hijridate import Gregorian, Hijri
from hijridate.ummalqura import GREGORIAN_RANGE

FIRST = date(*GREGORIAN_RANGE[0])
LAST = date(*GREGORIAN_RANGE[1])


class OutsideUmmAlQura(ValueError):
    """A date the Umm al-Qura table does not cover, so it has no Hijri form."""

    def __init__(self, day: date) -> None:
        super().__init__(
            f"{day.isoformat()} is outside the Umm al-Qura calendar ({FIRST.isoformat()}"
            f" to {LAST.isoformat()}), so it has no Hijri date: correct the date in the"
            " ledger, or set language.calendar: gregorian"
        )
        self.day = day


def to_hijri(day: date) -> Hijri:
    """The Umm al-Qura date of ``day``.

    Raises:
        OutsideUmmAlQura: ``day`` is before 1924-08-01 or after 2077-11-16.
    """
    if not FIRST <= day <= LAST:
        raise OutsideUmmAlQura(day)
    return Gregorian(day.year, day.month, day.day).to_hijri()


def hijri_text(day: date, language: str, format: str = "long") -> str:
    """``day`` as an Umm al-Qura date, in Latin digits.

    Args:
        day: The Gregorian day.
        language: ``ar`` writes "26 جمادى الآخرة 1448 هـ"; any other language the
            English transliteration, "26 Jumada al-Akhirah 1448 AH".
        format: ``short`` writes "26/06/1448 هـ"; ``full`` puts the weekday first;
            ``long`` and ``medium`` write the month's name.

    Raises:
        OutsideUmmAlQura: The table does not cover ``day``.
        ValueError: An unknown ``format``.
    """
    hijri = to_hijri(day)
    names: Literal["ar", "en"] = "ar" if language == "ar" else "en"
    era = hijri.notation(names)
    if format == "short":
        return f"{hijri.dmyformat('/')} {era}"
    if format not in ("long", "medium", "full"):
        raise ValueError(f"unknown date format {format!r}; use short, medium, long or full")
    text = f"{hijri.day} {hijri.month_name(names)} {hijri.year} {era}"
    if format == "full":
        comma = "،" if names == "ar" else ","
        text = f"{hijri.day_name(names)}{comma} {text}"
    return text
