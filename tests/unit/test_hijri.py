"""Umm al-Qura dates: the conversion, the template filters, the range limits, Hijri holidays."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from mailer.errors import TemplateError, UnwritableValue
from mailer.filters import babel_filters
from mailer.hijri import FIRST, LAST, OutsideUmmAlQura, hijri_text, to_hijri
from mailer.render import Renderer
from sync.config.hijri import HijriHoliday, parse_holiday
from sync.config.loader import load_settings
from sync.errors import ConfigError
from sync.plan.calendar import BusinessCalendar, calendar_of

# Published first days, as the Saudi authorities announced them, which the Umm al-Qura
# table agrees with:
# - 1 Ramadan 1447 = Wednesday 18 February 2026 (Saudi announcement, reported by
#   en.dailypakistan.com.pk, 17 February 2026);
# - 1 Shawwal 1447 = Friday 20 March 2026 ("Eid Al Fitr is on Friday, 20 March 2026",
#   Haramain Sharifain, reported by dailyeconomy.ng);
# - 1 Shawwal 1446 = Sunday 30 March 2025 and 1 Shawwal 1444 = Friday 21 April 2023
#   (Saudi Supreme Court, reported by everydaylagos.ng and expatbio.com).
PUBLISHED = [
    (date(2026, 2, 18), (1447, 9, 1)),
    (date(2026, 3, 20), (1447, 10, 1)),
    (date(2025, 3, 30), (1446, 10, 1)),
    (date(2023, 4, 21), (1444, 10, 1)),
]
DEC_6 = date(2026, 12, 6)  # the issue's example day: 26 Jumada al-Akhirah 1448


@pytest.mark.parametrize(("day", "hijri"), PUBLISHED)
def test_published_first_days_convert(day, hijri):
    assert to_hijri(day).datetuple() == hijri


def test_the_issue_example_day_is_the_26th_of_jumada_al_akhirah():
    assert to_hijri(DEC_6).datetuple() == (1448, 6, 26)
    assert hijri_text(DEC_6, "ar") == "26 جمادى الآخرة 1448 هـ"
    assert hijri_text(DEC_6, "en") == "26 Jumada al-Akhirah 1448 AH"
    assert hijri_text(DEC_6, "ar", "short") == "26/06/1448 هـ"
    assert hijri_text(DEC_6, "ar", "full") == "الأحد، 26 جمادى الآخرة 1448 هـ"


def test_arabic_month_names():
    firsts = {
        1: date(2026, 6, 16),
        2: date(2026, 7, 15),
        3: date(2026, 8, 14),
        9: date(2026, 2, 18),
        12: date(2026, 5, 18),
    }
    words = {1: "محرم", 2: "صفر", 3: "ربيع الأول", 9: "رمضان", 12: "ذو الحجة"}
    for month, day in firsts.items():
        assert words[month] in hijri_text(day, "ar")


@pytest.mark.parametrize(
    ("digits", "calendar", "expected"),
    [
        ("latin", "gregorian", "6 ديسمبر 2026"),
        ("latin", "hijri", "26 جمادى الآخرة 1448 هـ"),
        ("latin", "both", "26 جمادى الآخرة 1448 هـ (6 ديسمبر 2026)"),
        ("arabic", "gregorian", "٦ ديسمبر ٢٠٢٦"),
        ("arabic", "hijri", "٢٦ جمادى الآخرة ١٤٤٨ هـ"),
        ("arabic", "both", "٢٦ جمادى الآخرة ١٤٤٨ هـ (٦ ديسمبر ٢٠٢٦)"),
    ],
)
def test_the_date_filter_follows_the_calendar_and_the_digits(digits, calendar, expected):
    assert babel_filters("ar", digits, calendar)["date"](DEC_6) == expected


@pytest.mark.parametrize("calendar", ["gregorian", "hijri", "both"])
def test_english_messages_stay_gregorian(calendar):
    filters = babel_filters("en", "arabic", calendar)
    assert filters["date"](DEC_6) == "December 6, 2026"
    assert filters["hijri"](DEC_6) == "26 Jumada al-Akhirah 1448 AH"


def test_explicit_filters_choose_whatever_the_setting():
    gregorian_setting = babel_filters("ar", "arabic", "gregorian")
    assert gregorian_setting["hijri"](DEC_6) == "٢٦ جمادى الآخرة ١٤٤٨ هـ"
    hijri_setting = babel_filters("ar", "latin", "hijri")
    assert hijri_setting["gregorian"](DEC_6) == "6 ديسمبر 2026"
    assert hijri_setting["hijri"](DEC_6, "short") == "26/06/1448 هـ"


def test_the_table_limits_are_the_ones_hijridate_supports():
    assert (FIRST, LAST) == (date(1924, 8, 1), date(2077, 11, 16))
    assert to_hijri(FIRST).datetuple() == (1343, 1, 1)
    assert to_hijri(LAST).datetuple() == (1500, 12, 30)


@pytest.mark.parametrize("day", [date(1924, 7, 31), date(2077, 11, 17), date(1, 1, 1)])
def test_a_day_outside_the_table_is_a_clear_error(day):
    with pytest.raises(OutsideUmmAlQura) as caught:
        babel_filters("ar", "latin", "both")["date"](day)
    message = str(caught.value)
    assert day.isoformat() in message and "1924-08-01 to 2077-11-16" in message
    assert "language.calendar: gregorian" in message
    # a Gregorian setting never needs the table
    assert babel_filters("ar", "latin", "gregorian")["date"](day)


def _renderer(tmp_path: Path, calendar: str) -> Renderer:
    folder = tmp_path / "t" / "ar"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "x.subject.txt").write_text("فاتورة {{ number }}\n", "utf-8")
    (folder / "x.txt").write_text("موعد الاستحقاق: {{ due | date }}\n", "utf-8")
    (folder / "x.html").write_text("<p>{{ due | date }}</p>\n", "utf-8")
    return Renderer([tmp_path / "t"], calendar=calendar)  # type: ignore[arg-type]


def test_a_message_with_a_date_outside_the_table_is_skipped_not_aborted(tmp_path):
    renderer = _renderer(tmp_path, "both")
    ok = renderer.render("x", "ar", {"number": "INV-1", "due": DEC_6})
    assert "26 جمادى الآخرة 1448 هـ (6 ديسمبر 2026)" in ok.text
    with pytest.raises(UnwritableValue) as caught:
        renderer.render("x", "ar", {"number": "INV-1", "due": date(2090, 1, 1)})
    assert caught.value.disposition == "skip"
    assert "x.txt:1: 2090-01-01 is outside the Umm al-Qura calendar" in str(caught.value)


def test_a_broken_template_still_aborts(tmp_path):
    renderer = _renderer(tmp_path, "both")
    with pytest.raises(TemplateError) as caught:
        renderer.render("x", "ar", {"number": "INV-1", "due": "not a date"})
    assert not isinstance(caught.value, UnwritableValue)
    assert caught.value.disposition == "abort"


def test_the_renderer_refuses_an_unknown_calendar(tmp_path):
    with pytest.raises(ValueError, match="calendar must be"):
        Renderer([tmp_path], calendar="julian")  # type: ignore[arg-type]


# -- holidays ------------------------------------------------------------------------------


def test_a_dated_hijri_holiday_is_one_gregorian_day():
    holiday = parse_holiday("hijri:1447-10-01")
    assert holiday == HijriHoliday(1447, (10, 1), (10, 1))
    assert holiday.days() == {date(2026, 3, 20)}
    assert str(holiday) == "hijri:1447-10-01"


def test_an_annual_hijri_range_falls_every_year():
    eid = parse_holiday("hijri:10-01..10-03")
    days = eid.days()
    assert {date(2026, 3, 20), date(2026, 3, 21), date(2026, 3, 22)} <= days  # 1447
    assert {date(2025, 3, 30), date(2025, 3, 31), date(2025, 4, 1)} <= days  # 1446
    assert date(2026, 3, 23) not in days and date(2026, 3, 19) not in days
    assert len(days) == 3 * (1500 - 1343 + 1)
    assert str(eid) == "hijri:10-01..10-03"


def test_an_annual_range_may_run_into_the_next_year():
    new_year = parse_holiday("hijri:12-30..01-01").days()
    # Dhu al-Hijjah 1447 has 29 days: no 30th that year, the range starts on 1 Muharram
    assert date(2026, 6, 16) in new_year and date(2026, 6, 15) not in new_year
    # Dhu al-Hijjah 1445 had 30 days: 2024-07-06 is its 30th, 2024-07-07 1 Muharram 1446
    assert {date(2024, 7, 6), date(2024, 7, 7)} <= new_year
    assert date(2024, 7, 5) not in new_year and date(2024, 7, 8) not in new_year


def test_a_day_30_is_a_holiday_only_in_the_years_that_have_it():
    thirtieth = parse_holiday("hijri:09-30").days()
    assert date(2026, 3, 19) in thirtieth  # Ramadan 1447 had 30 days
    assert not any(d.year == 2025 and d.month == 3 for d in thirtieth)  # 1446: 29 days


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("hijri:1448-13-01", "a Hijri month is 1 to 12, not 13"),
        ("hijri:10-31", "a Hijri day is 1 to 30, not 31"),
        ("hijri:1501-10-01", "1501 AH is outside the Umm al-Qura calendar (1343 to 1500 AH)"),
        ("hijri:1342-10-01", "1342 AH is outside the Umm al-Qura calendar"),
        ("hijri:1447-12-30", "Dhu al-Hijjah 1447 has 29 days, not 30"),
        ("hijri:1448-10-03..1448-10-01", "the range ends before it starts"),
        ("hijri:10-01..1448-10-03", "give the year on both days of the range, or on neither"),
        ("hijri:1447-12-01..1448-01-02", "a range stays within one Hijri year"),
        ("hijri:09-01..11-15", "a holiday spans at most 60 days"),
        ("hijri:Shawwal 1", "write a Hijri holiday like hijri:1448-10-01"),
        ("hijri:", "write a Hijri holiday like"),
    ],
)
def test_a_bad_hijri_holiday_says_what_is_wrong(text, says):
    with pytest.raises(ValueError) as caught:
        parse_holiday(text)
    assert says in str(caught.value) and repr(text) in str(caught.value)


def test_the_business_calendar_skips_hijri_holidays():
    cal = BusinessCalendar.from_names(
        "Asia/Riyadh",
        ["friday", "saturday"],
        [date(2026, 12, 2), parse_holiday("hijri:10-01..10-03")],
        (time(8), time(18)),
    )
    assert not cal.is_business_day(date(2026, 12, 2))
    assert not cal.is_business_day(date(2026, 3, 22))  # 3 Shawwal 1447, a Sunday
    assert cal.next_business_day(date(2026, 3, 20)) == date(2026, 3, 23)
    assert cal.is_business_day(date(2026, 3, 23))


# -- the configuration ---------------------------------------------------------------------

CONFIG = """\
business: {name: Nakheel}
sender: {name: Nakheel, email: ar@nakheel.example}
policy: {stages: [{name: due, offset_days: 0}]}
language:
  calendar: %s
calendar:
  holidays:
    - 2026-12-02
    - hijri:10-01..10-03
    - "hijri:1448-12-10"
"""


def test_settings_read_the_calendar_and_hijri_holidays(tmp_path):
    path = tmp_path / "tahseel.yaml"
    path.write_text(CONFIG % "both", "utf-8")
    settings = load_settings(path)
    assert settings.language.calendar == "both"
    assert settings.calendar.holidays == (
        date(2026, 12, 2),
        HijriHoliday(None, (10, 1), (10, 3)),
        HijriHoliday(1448, (12, 10), (12, 10)),
    )
    dumped = settings.model_dump(mode="json")["calendar"]["holidays"]
    assert dumped == ["2026-12-02", "hijri:10-01..10-03", "hijri:1448-12-10"]
    cal = calendar_of(settings)
    assert not cal.is_business_day(date(2027, 5, 16))  # 10 Dhu al-Hijjah 1448
    assert not cal.is_business_day(date(2027, 3, 9))  # 1 Shawwal 1448


def test_the_calendar_defaults_to_gregorian(tmp_path):
    path = tmp_path / "tahseel.yaml"
    path.write_text((CONFIG % "gregorian").replace("  calendar: gregorian\n", "  digits: latin\n"))
    assert load_settings(path).language.calendar == "gregorian"


def test_bad_holidays_and_calendar_are_reported_with_file_and_line(tmp_path):
    path = tmp_path / "tahseel.yaml"
    text = (CONFIG % "islamic") + "    - hijri:1501-01-01\n    - tomorrow\n"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    lines = str(caught.value)
    assert f"{path}:5: language.calendar:" in lines and "'islamic'" in lines
    assert f"{path}:11: calendar.holidays[3]: 'hijri:1501-01-01': 1501 AH is outside" in lines
    assert f"{path}:12: calendar.holidays[4]: expected a date like 2026-12-01" in lines
    assert "hijri:1448-10-01" in lines
