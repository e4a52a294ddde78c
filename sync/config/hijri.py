"""Holidays written as Umm al-Qura (Hijri) dates: ``hijri:1448-10-01``, ``hijri:10-01``.

A holiday with a year is that one day (or range); one without a year, such as
``hijri:10-01..10-03`` for Eid al-Fitr, falls on that Hijri day every year, so the
calendar needs no yearly conversion. ``hijridate`` holds the Umm al-Qura table, which
covers 1343-1500 AH (1924-08-01 to 2077-11-16); this module is loaded only with the
settings, never by ``import sync.cli``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, timedelta

from hijridate import Hijri
from hijridate.ummalqura import HIJRI_RANGE

PREFIX = "hijri:"
FIRST_YEAR, LAST_YEAR = HIJRI_RANGE[0][0], HIJRI_RANGE[1][0]
LONGEST = 60
"""Days one holiday entry may span; a longer one is more likely a typo than a closure."""

_DAY = re.compile(r"(?:(\d{4})-)?(\d{1,2})-(\d{1,2})")
_FORMS = (
    "write a Hijri holiday like hijri:1448-10-01 (one day), hijri:10-01 (that day every"
    " Hijri year) or hijri:10-01..10-03 (a range)"
)
_MONTHS = (
    "Muharram",
    "Safar",
    "Rabi' al-Awwal",
    "Rabi' al-Thani",
    "Jumada al-Ula",
    "Jumada al-Akhirah",
    "Rajab",
    "Sha'ban",
    "Ramadan",
    "Shawwal",
    "Dhu al-Qa'dah",
    "Dhu al-Hijjah",
)


@dataclass(frozen=True)
class HijriHoliday:
    """One ``calendar.holidays`` entry written in the Umm al-Qura calendar.

    Attributes:
        year: The Hijri year, or None for the same day(s) every year.
        start: The first day, as (month, day).
        end: The last day, as (month, day); the same as ``start`` for one day. In an
            entry without a year an end before the start runs into the next year.
    """

    year: int | None
    start: tuple[int, int]
    end: tuple[int, int]

    def __str__(self) -> str:
        def day(month_day: tuple[int, int]) -> str:
            return f"{month_day[0]:02d}-{month_day[1]:02d}"

        year = f"{self.year}-" if self.year is not None else ""
        tail = "" if self.end == self.start else f"..{year}{day(self.end)}"
        return f"{PREFIX}{year}{day(self.start)}{tail}"

    def days(self) -> frozenset[date]:
        """The Gregorian days of this holiday, in every Hijri year of the table when it has none.

        The table's years are all a run can meet (1924 to 2077). A day 30 that a month
        lacks in some year is no holiday that year; a range starting on it starts on the
        next month's first day, and one ending on it ends on the month's last day.
        """
        return _days(self)


def parse_holiday(text: str) -> HijriHoliday:
    """Read ``hijri:1448-10-01``, ``hijri:10-01`` or a range of either with ``..``.

    Raises:
        ValueError: Saying what is wrong and how to write it.
    """
    body = text.strip()[len(PREFIX) :].strip()
    first, dots, last = body.partition("..")
    year, start = _read_day(first, text)
    end_year, end = _read_day(last, text) if dots else (year, start)
    if year is None and end_year is not None:
        raise ValueError(f"{text!r}: give the year on both days of the range, or on neither")
    if year is not None and end_year is not None and end_year != year:
        raise ValueError(f"{text!r}: a range stays within one Hijri year; write two entries")
    holiday = HijriHoliday(year, start, end)
    if year is not None:
        _check_dated(holiday, text)
    else:
        _check_annual(holiday, text)
    return holiday


def _read_day(part: str, text: str) -> tuple[int | None, tuple[int, int]]:
    found = _DAY.fullmatch(part.strip())
    if found is None:
        raise ValueError(f"{text!r}: {_FORMS}")
    year = int(found[1]) if found[1] else None
    month, day = int(found[2]), int(found[3])
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: a Hijri month is 1 to 12, not {month}")
    if not 1 <= day <= 30:
        raise ValueError(f"{text!r}: a Hijri day is 1 to 30, not {day}")
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(
            f"{text!r}: {year} AH is outside the Umm al-Qura calendar"
            f" ({FIRST_YEAR} to {LAST_YEAR} AH); check the year"
        )
    return year, (month, day)


def _check_dated(holiday: HijriHoliday, text: str) -> None:
    assert holiday.year is not None
    for month, day in (holiday.start, holiday.end):
        length = Hijri(holiday.year, month, 1).month_length()
        if day > length:
            raise ValueError(
                f"{text!r}: {_MONTHS[month - 1]} {holiday.year} has {length} days, not {day}"
            )
    if holiday.end < holiday.start:
        raise ValueError(f"{text!r}: the range ends before it starts")
    span = (_gregorian(holiday.year, holiday.end) - _gregorian(holiday.year, holiday.start)).days
    if span >= LONGEST:
        raise ValueError(f"{text!r}: a holiday spans at most {LONGEST} days, this one {span + 1}")


def _check_annual(holiday: HijriHoliday, text: str) -> None:
    # Months have 29 or 30 days: the span is within a day of 29.5 a month.
    (m1, d1), (m2, d2) = holiday.start, holiday.end
    months = (m2 - m1) % 12 if (m2, d2) >= (m1, d1) else (m2 - m1) % 12 or 12
    span = months * 29.5 + d2 - d1
    if span >= LONGEST:
        raise ValueError(f"{text!r}: a holiday spans at most {LONGEST} days, this one ~{span:.0f}")


def _gregorian(year: int, month_day: tuple[int, int]) -> date:
    month, day = month_day
    last = Hijri(year, month, 1).month_length()
    # hijridate's Gregorian is a date subclass; the calendar keeps plain dates.
    return date.fromordinal(Hijri(year, month, min(day, last)).to_gregorian().toordinal())


@functools.cache
def _days(holiday: HijriHoliday) -> frozenset[date]:
    years = [holiday.year] if holiday.year is not None else range(FIRST_YEAR, LAST_YEAR + 1)
    found: set[date] = set()
    for year in years:
        month, day = holiday.start
        length = Hijri(year, month, 1).month_length()
        if day > length and holiday.start == holiday.end:
            continue  # no such day this year
        end_year = year if holiday.end >= holiday.start else year + 1
        if end_year > LAST_YEAR:
            end_year, end = LAST_YEAR, (12, 30)  # the table stops here
        else:
            end = holiday.end
        first, last = _gregorian(year, holiday.start), _gregorian(end_year, end)
        if day > length:  # a range from a 30th the month lacks starts on the next 1st
            first += timedelta(days=1)
        found.update(first + timedelta(days=i) for i in range((last - first).days + 1))
    return frozenset(found)
