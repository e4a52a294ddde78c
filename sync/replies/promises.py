"""Find the date a customer promises to pay, relative to the day the reply arrived. Pure.

Reads text already normalised by ``sync.replies.text.normalise`` (Latin digits, folded
Arabic, case folded). Every date found is resolved against ``received``; the earliest
one on or after ``received`` is the promise. Conventions, chosen to match how our
customers write:

- Numeric dates are read day first (15/12, 15-12-2026), as in Arabic-speaking countries
  and the UK; month first only when day first is impossible (12/15). ``2026-12-15`` is
  read year, month, day.
- A day of the month alone ("on the 15th", "يوم 15", "15 الشهر") is the next such day on
  or after ``received``; in a shorter month it is that month's last day.
- A day and month without a year ("5 January", "10 كانون الثاني") is the next such date
  on or after ``received``; 29 February is the next leap day.
- A date with a year that is already past is ignored.
- A weekday ("next Tuesday", "يوم الثلاثاء", "الأحد القادم") is the next such day after
  ``received`` (one to seven days ahead), "next" or not; "Friday week" is a week after
  that; a weekday before a date ("Friday 3 July") yields to the date.
- Days in words ("the twenty-fifth", "الثلاثين من سبتمبر") are read as digits.
- "today" is ``received``; "tomorrow" / "بكرة" / "باجر" / "غدا" is the day after; "the day
  after tomorrow" / "بعد بكرة" two days after.
- "next week" / "this week" / "الأسبوع القادم" name no day (None); "end of the week" is
  the coming Friday in English and the coming Thursday in Arabic (the Gulf work week).
  "End of next week" is a week after that; "the start of next year" / "أول السنة" the
  first of January.
- "within N days" / "in N weeks" / "خلال ٣ أيام" counts calendar days; "a few days" is 3;
  "give me 10 days" is a day, "give us 60 days" asks for time and names none.
- "end of April" / "نهاية أبريل" is that month's last day; a month named alone ("in
  October", "في أكتوبر") is its first day, or ``received`` when
  it is the month the reply arrived in.
- "end of the month" / "نهاية الشهر" / "آخر الشهر" is the month's last day; "next month"
  / "beginning of next month" / "أول الشهر" the first of the next month; "mid-month" /
  "منتصف الشهر" the 15th, and "mid-October" the 15th of October.
- A Hijri month with a day, its start, middle or end ("10 شوال", "أول ذي الحجة") is
  read on the Umm al-Qura calendar (``sync.replies.hijri``).
- A date right after a word of the past ("paid on the 3rd", "منذ", "last Friday") is
  not a promise and is skipped.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime

from sync.replies import hijri
from sync.replies.calendar_words import (
    AR_DAY_NAMES,
    AR_MONTH_NAMES,
    EN_DAYS,
    EN_MONTHS,
    NUMBER_WORDS,
    spell_out_days,
)
from sync.replies.text import fold

_MONTHS = {**EN_MONTHS, **{fold(k): v for k, v in AR_MONTH_NAMES.items()}}
_MONTH = "(?P<mon>" + "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True)) + ")"

_WEEKDAYS = {**EN_DAYS, **{fold(k): v for k, v in AR_DAY_NAMES.items()}}
# Short English names ("sun", "sat", "wed") are ordinary words too: only after a cue.
_FULL_DAY = "|".join(
    sorted((k for k in _WEEKDAYS if len(k) > 4 or not k.isascii()), key=len, reverse=True)
)
_SHORT_DAY = "|".join(k for k in EN_DAYS if len(k) <= 4)
# A weekday before a date ("Friday 3 July", "الخميس ٢٥ يونيو"): the date decides.
_DAY_LEAD = rf"(?:(?:يوم\s+)?(?:{_FULL_DAY}|{_SHORT_DAY})\.?,?\s+)?"
_WEEKDAY = rf"(?:ه(?=ال))?(?P<wd>{_FULL_DAY}|(?:(?<=on |by )|(?<=pay ))(?:{_SHORT_DAY}))\b"

_COUNT = "(?P<n>\\d{1,2}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"
_NEXT_AR = r"(?:القادم|القادمه|الجاي|الجايه|الياي|المقبل|المقبله|اللي جاي|الي جاي)"
_NEXT_MONTH = rf"(?:next month|the following month|الشهر {_NEXT_AR}|شهر {_NEXT_AR})"
_THIS_MONTH = r"(?:this month|the month|الشهر(?: الحالي)?|هذا الشهر|هالشهر)"
_ORD = r"(?:st|nd|rd|th)?"
_DAY = r"(?P<d>[0-3]?\d)"
_NOT_DURATION = (
    r"(?!\s*(?:working |business )?"
    r"(?:days?|weeks?|months?|hours?|ايام|يوم|يوما|اسابيع|شهور|اشهر|ساعه|%))"
)
_GRACE = r"(?:give (?:me|us)|عطونا|اعطونا|امهلونا|تمهلونا)"  # "give me 10 days"
_PAST = re.compile(
    r"(?<!be )(?<!been )\b(?:(?<!get )(?<!this )(?<!it )paid|transferred|since|last"
    r"|دفعنا|سددنا|حولنا|دفعت|سددت|حولت|منذ)"
    r"(?: on| by| it| this| the)?\W*$"
)

Resolver = Callable[["re.Match[str]", date], "date | None"]


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _add_months(d: date, months: int, day: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day, _last_day(year, month + 1)))


def _day_of_month(day: int, received: date, *, next_month: bool = False) -> date | None:
    if not 1 <= day <= 31:
        return None
    start = _add_months(received, 1, 1) if next_month else received
    candidate = _add_months(start, 0, day)
    return candidate if candidate >= received else _add_months(start, 1, day)


def _day_and_month(day: int, month: int, year: int | None, received: date) -> date | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    if year is not None:
        year = year + 2000 if year < 100 else year
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for y in range(received.year, received.year + 9):
        try:
            candidate = date(y, month, day)
        except ValueError:
            continue
        if candidate >= received:
            return candidate
    return None


def _numeric(m: re.Match[str], received: date) -> date | None:
    first, second = int(m["a"]), int(m["b"])
    year = int(m["y"]) if m["y"] else None
    day, month = (second, first) if second > 12 >= first else (first, second)
    return _day_and_month(day, month, year, received)


def _iso(m: re.Match[str], received: date) -> date | None:
    return _day_and_month(int(m["d"]), int(m["m"]), int(m["y"]), received)


def _named(m: re.Match[str], received: date) -> date | None:
    year = int(m["y"]) if m["y"] else None
    return _day_and_month(int(m["d"]), _MONTHS[m["mon"]], year, received)


def _dom(m: re.Match[str], received: date) -> date | None:
    return _day_of_month(int(m["d"]), received, next_month=bool(m["nm"]))


def _weekday(m: re.Match[str], received: date) -> date | None:
    ahead = (_WEEKDAYS[m["wd"]] - received.weekday()) % 7 or 7
    return received + timedelta(days=ahead)


def _weekday_week(m: re.Match[str], received: date) -> date | None:
    found = _weekday(m, received)
    return found + timedelta(days=7) if found else None


def _within(m: re.Match[str], received: date) -> date | None:
    raw = m["n"]
    n = int(raw) if raw.isdigit() else NUMBER_WORDS[raw]
    unit = m["unit"]
    if raw.endswith("few") and not unit.startswith(("day", "ايام", "يوم")):
        return None  # "a few days" is about 3; "the next few months" names no date
    if unit.startswith(("week", "اسبوع", "اسابيع")):
        n *= 7
    elif unit.startswith(("month", "شهر", "اشهر", "شهور")):
        n *= 30
    return received + timedelta(days=n) if n <= 366 else None


def _grace(m: re.Match[str], received: date) -> date | None:
    found = _within(m, received)
    return found if found and (found - received).days <= 14 else None


def _fixed(days: int) -> Resolver:
    return lambda _m, received: received + timedelta(days=days)


def _end_of_week(weekday: int, *, weeks: int = 0) -> Resolver:
    return lambda _m, received: (
        received + timedelta(days=(weekday - received.weekday()) % 7 + 7 * weeks)
    )


def _month_day(months: int, day: int) -> Resolver:
    return lambda _m, received: _add_months(received, months, day)


def _first_of_next(_m: re.Match[str], received: date) -> date | None:
    return received if received.day == 1 else _add_months(received, 1, 1)


def _month_start(m: re.Match[str], received: date) -> date | None:
    start = _day_and_month(1, _MONTHS[m["mon"]], None, received)
    current = date(received.year, _MONTHS[m["mon"]], 1) <= received
    return received if current and received.month == _MONTHS[m["mon"]] else start


def _month_end(m: re.Match[str], received: date) -> date | None:
    month = _MONTHS[m["mon"]]
    year = received.year if month >= received.month else received.year + 1
    return date(year, month, _last_day(year, month))


def _mid_named(m: re.Match[str], received: date) -> date | None:
    return _day_and_month(15, _MONTHS[m["mon"]], None, received)


def _mid_month(_m: re.Match[str], received: date) -> date | None:
    return _day_of_month(15, received)


# (pattern, resolver), most specific first: a later match overlapping an earlier one
# is the same words read again and is skipped.
_RULES: tuple[tuple[str, Resolver], ...] = (
    (hijri.PATTERN, hijri.resolve),
    (r"(?<!\d)(?P<y>20\d\d)[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)", _iso),
    (r"(?<![\d.,])(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>20\d\d|\d\d)(?![\d])", _numeric),
    (
        rf"(?<![\d.,/$£])(?P<a>\d{{1,2}})[/-](?P<b>\d{{1,2}})(?P<y>)(?![\d/]|\.\d|\s(?:per|a|every|each)\b){_NOT_DURATION}",
        _numeric,
    ),
    (
        r"\b(?:on|by|before|يوم|بتاريخ)\s+(?P<a>\d{1,2})\.(?P<b>\d{1,2})(?P<y>)(?!\d|\.\d)",
        _numeric,
    ),
    (rf"\bmid[- ]?{_MONTH}\b", _mid_named),
    (rf"(?:منتصف|نص) (?:شهر )?{_MONTH}\b", _mid_named),
    (
        rf"\b{_DAY_LEAD}{_DAY}{_ORD}(?: of)?\s+(?:من\s+)?(?:شهر\s+)?{_MONTH}\b"
        r"(?:,?\s+(?P<y>20\d\d))?",
        _named,
    ),
    (rf"\b{_DAY_LEAD}{_MONTH}\s+(?:the\s+)?{_DAY}{_ORD}\b(?!\d)(?:,?\s+(?P<y>20\d\d))?", _named),
    (
        rf"\b{_DAY_LEAD}(?:the\s+)?{_DAY}(?:st|nd|rd|th)\b(?:\s+of\s+(?:(?P<nm>{_NEXT_MONTH})|{_THIS_MONTH}))?",
        _dom,
    ),
    (
        rf"\b(?:يوم|بتاريخ|تاريخ|في|ب|on|by|before|until|till)\s*{_DAY}\b{_NOT_DURATION}"
        rf"(?:\s+(?:من\s+)?(?:(?P<nm>{_NEXT_MONTH})|{_THIS_MONTH}))?(?![\d:/]|[.,]\d)",
        _dom,
    ),
    (rf"\b{_DAY}\s+(?:من\s+)?(?:(?P<nm>{_NEXT_MONTH})|{_THIS_MONTH})", _dom),
    (
        r"\b(?:end of next month|نهايه الشهر " + _NEXT_AR + r"|اخر الشهر " + _NEXT_AR + r")",
        _month_day(1, 31),
    ),
    (
        r"\b(?:(?:the )?end of (?:the |this )?month"
        r"|(?:the )?last (?:working |business )?day of (?:the |this )?month|month[- ]end|eom"
        r"|[لب]?نهايه (?:هذا )?الشهر"
        r"|اخر (?:هذا )?الشهر|اخر الشهر)",
        _month_day(0, 31),
    ),
    (rf"\b(?:mid[- ]|middle of )next month|(?:منتصف|نص) الشهر {_NEXT_AR}", _month_day(1, 15)),
    (r"\b(?:mid[- ]?month|middle of (?:the |this )?month|منتصف الشهر|نص الشهر)", _mid_month),
    (
        rf"\b(?:(?:beginning|start) of |early )?{_NEXT_MONTH}|(?:اول|بدايه|مطلع) {_NEXT_MONTH}"
        r"|\b(?:اول|بدايه|مطلع) الشهر",
        _first_of_next,
    ),
    (
        r"\b(?:in|during|over|early|early in|(?:the )?(?:beginning|start) of"
        r"|في|خلال|بدايه|اول|مطلع) "
        rf"{_MONTH}\b(?!\s*\d)",
        _month_start,
    ),
    (rf"\b(?:the )?end of {_MONTH}\b(?!\s*\d)", _month_end),
    (rf"(?:نهايه|اخر) (?:شهر )?{_MONTH}\b", _month_end),
    (r"\bend of next week", _end_of_week(4, weeks=1)),
    (rf"(?:نهايه|اخر) (?:ال)?اسبوع {_NEXT_AR}", _end_of_week(3, weeks=1)),
    (
        r"\b(?:(?:the )?(?:start|beginning) of (?:next|the new) year|early next year|new year)\b"
        r"|[لب]?(?:اول|بدايه|مطلع) (?:ال)?سنه(?: (?:ال)?(?:جايه|قادمه|الجديده))?",
        lambda _m, received: date(received.year + 1, 1, 1),
    ),
    (r"\b(?:end of (?:the |this )?week|by the weekend)", _end_of_week(4)),
    (r"(?:نهايه|اخر) (?:هذا )?الاسبوع", _end_of_week(3)),
    (
        rf"\b(?:next|this|the coming) week\b|(?:ال)?اسبوع (?:{_NEXT_AR}|الحالي|هذا)"
        r"|(?:هذا|هال) ?الاسبوع|(?:خلال|في) الاسبوع",
        lambda _m, _received: None,
    ),
    (
        r"\b(?:(?:the )?day after tomorrow|after tomorrow|ba3d bo?kra"
        r"|(?:بعد|عقب) (?:بكره|بكرا|باجر|غد|غدا|بكرة))",
        _fixed(2),
    ),
    (
        r"\b(?:tomorrow|tmrw|tmr|tomorow|tommorow|bokra|bukra|بكره|بكرا|باجر|باكر|غدا|غد)\b",
        _fixed(1),
    ),
    (
        r"\b(?:today|tonight|this (?:afternoon|evening)|اليوم|النهارده|النهاردا|el yom|el youm)\b",
        _fixed(0),
    ),
    (
        rf"\b(?:within|in|in the next|next|خلال|بعد|في غضون|في ظرف)\s+{_COUNT}\s+"
        r"(?:working |business )?(?P<unit>days?|weeks?|months?|ايام|يوم|يوما|اسابيع|شهور|اشهر)\b",
        _within,
    ),
    (r"\b(?:خلال|بعد|في غضون) (?:ها|هال)?يومين", _fixed(2)),
    (rf"\b{_COUNT} more (?P<unit>days?|weeks?)", _within),
    (rf"\b{_GRACE}\s+{_COUNT}\s+(?P<unit>days?|ايام|يوم)\b", _grace),
    (rf"\b(?:within|in) a fortnight|(?:خلال|بعد|في غضون|{_GRACE}) اسبوعين", _fixed(14)),
    (
        r"\b(?:within|in|after) (?:a|one) month\b|(?:خلال|بعد|في غضون) شهر\b(?! " + _NEXT_AR + ")",
        _fixed(30),
    ),
    (
        r"\b(?:within|in) (?:a|one) week|(?:خلال|بعد|في غضون) (?:ال)?اسبوع\b(?! " + _NEXT_AR + ")",
        _fixed(7),
    ),
    (
        r"\b(?:in|within) (?:a few|the next few|the coming) days|(?:خلال|بعد) (?:كم يوم|ايام)\b",
        _fixed(3),
    ),
    (rf"\b{_WEEKDAY}\s+week\b", _weekday_week),
    (rf"\b(?:(?:next|this|coming|on|by|before|until)\s+)?(?:يوم\s+)?{_WEEKDAY}", _weekday),
)
_COMPILED = tuple((re.compile(p), r) for p, r in _RULES)
_LAST_WEEKDAY = re.compile(r"^\s*(?:الماضي|الفايت|اللي فات|ago)\b")
_EVERY = re.compile(r"\b(?:every|each|كل) (?:other |second )?$")  # "every Friday": a habit


def _candidates(text: str, received: date) -> Iterator[date]:
    taken: list[tuple[int, int]] = []
    for pattern, resolve in _COMPILED:
        for m in pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            before = text[max(0, start - 24) : start]
            if _PAST.search(before) or _EVERY.search(before) or _LAST_WEEKDAY.match(text[end:]):
                continue
            try:
                found = resolve(m, received)
            except (ValueError, OverflowError):  # beyond the calendar: not a promise
                continue
            if found is not None:
                yield found


def promised_date(text: str, received: date) -> date | None:
    """The earliest date on or after ``received`` that ``text`` names.

    Args:
        text: A reply's own words, normalised (``sync.replies.text.normalise``).
        received: The day the reply arrived; every relative date is counted from it.

    Returns:
        The promised date, or None when the text names no date that is still to come.
    """
    return min(named_dates(text, received), default=None)


def named_dates(text: str, received: date) -> set[date]:
    """Every date on or after ``received`` that ``text`` names: more than one is a doubt."""
    return {d for d in _candidates(spell_out_days(text), received) if d >= received}


def writer_day(value: str) -> date:
    """The day a reply was written, in the writer's own time zone.

    Accepts what a mail's Date header gives and what people type: an RFC 2822 date
    ("Wed, 2 Dec 2026 23:30:00 +0400"), an ISO 8601 date-time with its offset
    ("2026-12-02T23:30:00+04:00"), or a day ("2026-12-02"). The offset given is the
    writer's, so the day is read in it, not converted: 23:30 at +04:00 on the 2nd is
    the 2nd, the day "tomorrow" is counted from.

    Args:
        value: The date as written.

    Returns:
        The writer's day.

    Raises:
        ValueError: When ``value`` is none of these forms.
    """
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        raise ValueError(
            f"expected a day (2026-12-01), an ISO 8601 date-time (2026-12-01T09:30:00+03:00)"
            f" or a Date header (Tue, 01 Dec 2026 09:30:00 +0300), got {value!r}"
        ) from None
