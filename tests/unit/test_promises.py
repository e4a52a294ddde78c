"""Promised payment dates, counted from the day the reply arrived."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.replies.promises import promised_date
from sync.replies.text import normalise

MON = date(2026, 11, 23)  # a Monday


def when(text: str, received: date = MON) -> date | None:
    return promised_date(normalise(text), received)


@pytest.mark.parametrize(
    ("text", "received", "expected"),
    [
        # day of the month, this month or the next; clamped to a short month
        ("we will pay on the 25th", MON, date(2026, 11, 25)),
        ("we will pay on the 15th", MON, date(2026, 12, 15)),
        ("by the 23rd", MON, MON),
        ("on the 5th", date(2026, 12, 20), date(2027, 1, 5)),
        ("on the 31st", date(2026, 4, 15), date(2026, 4, 30)),
        ("on the 30th", date(2027, 2, 10), date(2027, 2, 28)),
        ("on the 30th", date(2028, 2, 10), date(2028, 2, 29)),
        ("the 3rd of next month", MON, date(2026, 12, 3)),
        ("سندفع يوم 15", MON, date(2026, 12, 15)),
        ("سندفع يوم ١٥", MON, date(2026, 12, 15)),
        ("سيتم السداد ١٥ الشهر", MON, date(2026, 12, 15)),
        ("بتاريخ ۲۸ الشهر", MON, date(2026, 11, 28)),  # Persian digits
        ("يوم ١٠ الشهر الجاي", MON, date(2026, 12, 10)),
        # weekdays: the next one after the day received
        ("next Tuesday", MON, date(2026, 11, 24)),
        ("on Monday", MON, date(2026, 11, 30)),
        ("by fri", MON, date(2026, 11, 27)),
        ("يوم الثلاثاء", MON, date(2026, 11, 24)),
        ("الأحد القادم", MON, date(2026, 11, 29)),
        ("الخميس الجاي", MON, date(2026, 11, 26)),
        ("يوم التلات", MON, date(2026, 11, 24)),
        # tomorrow, today, the day after
        ("tomorrow", MON, date(2026, 11, 24)),
        ("بكرة", MON, date(2026, 11, 24)),
        ("بكرا ان شاء الله", MON, date(2026, 11, 24)),
        ("غداً", MON, date(2026, 11, 24)),
        ("غدا", date(2026, 12, 31), date(2027, 1, 1)),
        ("باجر", MON, date(2026, 11, 24)),
        ("today", MON, MON),
        ("النهارده", MON, MON),
        ("the day after tomorrow", MON, date(2026, 11, 25)),
        ("بعد بكرة", MON, date(2026, 11, 25)),
        # end and start of month
        ("end of the month", MON, date(2026, 11, 30)),
        ("end of the month", date(2028, 2, 3), date(2028, 2, 29)),
        ("نهاية الشهر", date(2027, 2, 3), date(2027, 2, 28)),
        ("آخر الشهر", MON, date(2026, 11, 30)),
        ("end of next month", MON, date(2026, 12, 31)),
        ("next month", MON, date(2026, 12, 1)),
        ("أول الشهر الجاي", date(2026, 12, 14), date(2027, 1, 1)),
        ("منتصف الشهر", MON, date(2026, 12, 15)),
        # weeks and counted days
        # "next week" names no day (tests/fixtures/replies/README.md, "Promised dates")
        ("next week", MON, None),
        ("الأسبوع القادم", MON, None),
        ("we'll pay within the next week or so", MON, None),
        ("خلال الاسبوع الحالي", MON, None),
        # Hijri months, Umm al-Qura (1 Shawwal 1447 = 2026-03-20, 1 Muharram 1448 = 2026-06-16)
        ("راح نسدد قبل 10 شوال", date(2026, 3, 10), date(2026, 3, 29)),
        ("نهاية رمضان", date(2026, 3, 1), date(2026, 3, 19)),
        ("منتصف رمضان", date(2026, 2, 16), date(2026, 3, 4)),
        ("أول ذي الحجة", date(2026, 4, 29), date(2026, 5, 18)),
        ("نهاية ذي القعدة", date(2026, 5, 4), date(2026, 5, 17)),
        ("في أول محرم", date(2026, 6, 2), date(2026, 6, 16)),
        ("أول محرم", date(2027, 7, 1), date(2028, 5, 25)),  # 1 Muharram 1450
        ("أول محرم", date(2077, 12, 1), None),  # beyond the Umm al-Qura table: no guess
        # Gulf "عقب باجر", Arabizi days, a fraction that is not a date
        ("ندفعها عقب باجر", date(2026, 8, 26), date(2026, 8, 28)),
        ("ba3d bokra insha2allah", date(2026, 9, 15), date(2026, 9, 17)),
        ("el payment ha yetla3 yom el khamees", date(2026, 11, 2), date(2026, 11, 5)),
        ("could we pay 1/3 per month?", date(2026, 1, 5), None),
        ("end of the week", MON, date(2026, 11, 27)),
        ("نهاية الأسبوع", MON, date(2026, 11, 26)),
        ("within 3 days", MON, date(2026, 11, 26)),
        ("in two weeks", MON, date(2026, 12, 7)),
        ("خلال ٣ أيام", MON, date(2026, 11, 26)),
        ("خلال يومين", MON, date(2026, 11, 25)),
        ("خلال أسبوع", MON, date(2026, 11, 30)),
        ("within 10 days", date(2026, 12, 28), date(2027, 1, 7)),
        # numeric dates: day first unless impossible
        ("15/12", MON, date(2026, 12, 15)),
        ("12/15", MON, date(2026, 12, 15)),
        ("05/12", MON, date(2026, 12, 5)),
        ("15-12-2026", MON, date(2026, 12, 15)),
        ("15.12.2026", MON, date(2026, 12, 15)),
        ("2026-12-15", MON, date(2026, 12, 15)),
        ("٢٠٢٦/١٢/١٥", MON, date(2026, 12, 15)),
        ("10/02", date(2026, 12, 29), date(2027, 2, 10)),
        ("29/02", date(2026, 3, 1), date(2028, 2, 29)),
        # month names, English and Arabic (Levantine and Egyptian / Gulf)
        ("5 January", date(2026, 12, 20), date(2027, 1, 5)),
        ("January 8th", date(2026, 12, 20), date(2027, 1, 8)),
        ("20th of December", MON, date(2026, 12, 20)),
        ("Dec 1, 2026", MON, date(2026, 12, 1)),
        ("29 Feb", date(2026, 3, 1), date(2028, 2, 29)),
        ("10 كانون الثاني", date(2026, 12, 28), date(2027, 1, 10)),
        ("3 شباط", MON, date(2027, 2, 3)),
        ("٣ آذار", MON, date(2027, 3, 3)),
        ("5 نيسان", MON, date(2027, 4, 5)),
        ("2 أيار", MON, date(2027, 5, 2)),
        ("10 حزيران", MON, date(2027, 6, 10)),
        ("10 تموز", MON, date(2027, 7, 10)),
        ("10 آب", MON, date(2027, 8, 10)),
        ("10 أيلول", MON, date(2027, 9, 10)),
        ("10 تشرين الأول", MON, date(2027, 10, 10)),
        ("30 تشرين الثاني", MON, date(2026, 11, 30)),
        ("10 كانون الأول", MON, date(2026, 12, 10)),
        ("٢٠ يناير", MON, date(2027, 1, 20)),
        ("20 فبراير", MON, date(2027, 2, 20)),
        ("20 مارس", MON, date(2027, 3, 20)),
        ("20 أبريل", MON, date(2027, 4, 20)),
        ("20 ابريل", MON, date(2027, 4, 20)),
        ("20 مايو", MON, date(2027, 5, 20)),
        ("20 يونيو", MON, date(2027, 6, 20)),
        ("20 يونيه", MON, date(2027, 6, 20)),
        ("20 يوليو", MON, date(2027, 7, 20)),
        ("20 يوليه", MON, date(2027, 7, 20)),
        ("20 أغسطس", MON, date(2027, 8, 20)),
        ("20 سبتمبر", MON, date(2027, 9, 20)),
        ("20 أكتوبر", MON, date(2027, 10, 20)),
        ("25 نوفمبر", MON, date(2026, 11, 25)),
        ("20 ديسمبر", MON, date(2026, 12, 20)),
        ("15 ديسمبر 2026", MON, date(2026, 12, 15)),
        # the earliest date still to come wins
        ("half on the 15th and the rest on the 30th", MON, date(2026, 11, 30)),
        ("one on 1 May and one on 1 June", date(2026, 4, 16), date(2026, 5, 1)),
    ],
)
def test_promised_dates(text, received, expected):
    assert when(text, received) == expected


@pytest.mark.parametrize(
    "text",
    [
        "we will pay soon",
        "15/11/2026",  # a full date already past is not a promise
        "paid on the 3rd",
        "we transferred it last Friday",
        "حولنا المبلغ يوم الأحد الماضي",
        "it should reach you in 1-2 working days",
        "500 a month",
        "£1,240.00 due 10.50",
        "call me at 10:30",
        "31/02",
        "2026-02-30",
    ],
)
def test_no_promised_date(text):
    assert when(text, date(2026, 11, 20)) is None


_DATEISH = st.one_of(
    st.text(),
    st.from_regex(
        r"(on the |by |يوم |خلال |in |next )?[0-9٠-٩]{1,4}([/.-][0-9٠-٩]{1,4}){0,2}"
        r"( (days|weeks|ايام|الشهر|jan|feb|ديسمبر|شباط))?",
        fullmatch=True,
    ),
    st.sampled_from(["tomorrow", "end of the month", "next week", "الأحد القادم", "29 feb"]),
)


@given(_DATEISH, st.dates())
def test_never_before_received(text, received):
    found = promised_date(normalise(text), received)
    assert found is None or found >= received


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)))
def test_tomorrow_is_always_the_next_day(received):
    assert when("we will pay tomorrow", received) == received + timedelta(days=1)
