"""Hijri dates in a reply ("10 شوال", "أول ذي الحجة"), on the Umm al-Qura calendar. Pure.

The month starts of 1447 and 1448 AH are a table, not a calculation: they are the Umm
al-Qura calendar's (the official calendar of Saudi Arabia, as published by the King
Abdulaziz City for Science and Technology and tabulated by the ``hijridate`` package,
version 2.6), 1 Muharram 1447 = 26 June 2025 to 1 Muharram 1449 = 6 June 2027. A Hijri
date outside the table is not read (None), which leaves the promise without a date.

A month named with a day ("10 شوال"), its start ("أول", "بداية", "مطلع", "غرة"), its
middle ("منتصف", "نص") or its end ("نهاية", "آخر", "أواخر") is the next such day on or
after the day the reply arrived. Text is already folded (``sync.replies.text.fold``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

# 1 Muharram 1447 .. 1 Muharram 1449: the first day of each month, Umm al-Qura.
_STARTS = tuple(
    date.fromisoformat(day)
    for day in (
        "2025-06-26", "2025-07-26", "2025-08-24", "2025-09-23", "2025-10-23", "2025-11-22",
        "2025-12-21", "2026-01-20", "2026-02-18", "2026-03-20", "2026-04-18", "2026-05-18",
        "2026-06-16", "2026-07-15", "2026-08-14", "2026-09-12", "2026-10-12", "2026-11-11",
        "2026-12-10", "2027-01-09", "2027-02-08", "2027-03-09", "2027-04-08", "2027-05-07",
        "2027-06-06",
    )
)  # fmt: skip
_MONTHS = (
    r"محرم",
    r"صفر",
    r"ربيع (?:الاول|الاولي)",
    r"ربيع (?:الثاني|الاخر|الاخير)",
    r"جمادي (?:الاولي|الاول)",
    r"جمادي (?:الاخره|الثانيه|الاخر|الثاني)",
    r"رجب",
    r"شعبان",
    r"رمضان",
    r"شوال",
    r"(?:ذو|ذي|ذا) القعده",
    r"(?:ذو|ذي|ذا) الحجه",
)
_MONTH = "|".join(f"(?P<m{i}>{name})" for i, name in enumerate(_MONTHS))
PATTERN = (
    r"(?:(?P<d>\d{1,2}) (?:من )?|(?P<start>اول|بدايه|مطلع|غره) |(?P<mid>منتصف|نص|نصف) "
    r"|(?P<end>نهايه|اخر|اواخر) )(?:شهر )?"
    rf"(?:{_MONTH})\b"
)


def resolve(m: re.Match[str], received: date) -> date | None:
    """The Gregorian day ``m`` names, the first on or after ``received``; None if unknown."""
    month = next(i for i in range(12) if m[f"m{i}"])
    for index in range(month, len(_STARTS) - 1, 12):
        first, following = _STARTS[index], _STARTS[index + 1]
        if m["d"]:
            day = first + timedelta(days=int(m["d"]) - 1)
            if not 1 <= int(m["d"]) <= (following - first).days:
                return None
        elif m["mid"]:
            day = first + timedelta(days=14)
        elif m["end"]:
            day = following - timedelta(days=1)
        else:
            day = first
        if day >= received:
            return day
    return None
