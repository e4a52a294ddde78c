"""Hijri dates in a reply ("10 شوال", "أول ذي الحجة"), on the Umm al-Qura calendar. Pure.

Months are those of the Umm al-Qura calendar (the official calendar of Saudi Arabia)
as tabulated by the ``hijridate`` package, which the ``hijri`` date filter of the
templates also uses. A Hijri date outside its table (1343 to 1500 AH) is not read
(None), which leaves the promise without a date.

A month named with a day ("10 شوال"), its start ("أول", "بداية", "مطلع", "غرة"), its
middle ("منتصف", "نص") or its end ("نهاية", "آخر", "أواخر") is the next such day on or
after the day the reply arrived. Text is already folded (``sync.replies.text.fold``).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from hijridate import Gregorian, Hijri

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
    month = next(i for i in range(12) if m[f"m{i}"]) + 1
    try:
        year = Gregorian.fromdate(received).to_hijri().year
    except OverflowError:
        return None  # outside the Umm al-Qura table
    for hijri_year in (year, year + 1):
        try:
            first_of = Hijri(hijri_year, month, 1)
            first = date.fromordinal(first_of.to_gregorian().toordinal())
            length = first_of.month_length()
        except (OverflowError, ValueError):
            return None
        if m["d"]:
            if not 1 <= int(m["d"]) <= length:
                return None
            day = first + timedelta(days=int(m["d"]) - 1)
        elif m["mid"]:
            day = first + timedelta(days=14)
        elif m["end"]:
            day = first + timedelta(days=length - 1)
        else:
            day = first
        if day >= received:
            return day
    return None
