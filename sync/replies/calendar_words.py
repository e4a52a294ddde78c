"""Names of months, weekdays and numbers in English and Arabic, for ``promises``. Pure data.

``spell_out_days`` turns days of the month written in words ("the twenty-fifth",
"الثلاثين من سبتمبر", "سبعة وعشرين من الشهر") into digits, so that the date patterns
of ``sync.replies.promises`` read them as they read "the 25th".
"""

from __future__ import annotations

import re

EN_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
AR_MONTH_NAMES = {
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7,
    "آب": 8, "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "إبريل": 4, "مايو": 5,
    "يونيو": 6, "يونيه": 6, "يوليو": 7, "يوليه": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9,
    "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
}  # fmt: skip
EN_DAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
    # common misspellings
    "thrusday": 3, "thursady": 3, "thurday": 3, "wendesday": 2, "wednsday": 2, "wensday": 2,
    "tuseday": 1, "tusday": 1, "firday": 4, "fridy": 4, "saterday": 5, "sunady": 6, "mondy": 0,
}  # fmt: skip
AR_DAY_NAMES = {
    "الاثنين": 0, "الإثنين": 0, "الاتنين": 0, "التنين": 0, "الثلاثاء": 1, "الثلاثا": 1,
    "التلات": 1, "التلاتاء": 1, "الأربعاء": 2, "الاربعا": 2, "الخميس": 3,
    "الجمعة": 4, "الجمعه": 4, "السبت": 5, "الأحد": 6, "الحد": 6,
    "el khamees": 3, "el khamis": 3, "el sabt": 5, "el a7ad": 6, "el ahad": 6, "el etnein": 0,
    "el itnein": 0, "el talat": 1, "el arba3": 2, "el arbe3": 2, "el gom3a": 4, "el jom3a": 4,
}  # fmt: skip
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "couple of": 2,
    "a few": 3, "few": 3, "واحد": 1, "ثلاث": 3, "ثلاثه": 3, "تلات": 3, "تلاته": 3,
    "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "سته": 6, "ست": 6, "سبع": 7, "سبعه": 7,
    "ثمان": 8, "ثمانيه": 8, "تمن": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10,
}  # fmt: skip

_EN_ORDINALS = {
    "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    "thirtieth": 30,
}  # fmt: skip
_EN_UNITS = {
    "first": 1,
    "second": 2,
    "third": 3,
    **{k: v for k, v in _EN_ORDINALS.items() if v < 10},
}
# Arabic units, cardinal and ordinal, as folded text (taa marbuta written as haa).
_AR_UNITS = {
    "واحد": 1, "الحادي": 1, "اثنين": 2, "الثاني": 2, "ثلاث": 3, "ثلاثه": 3,
    "الثالث": 3, "اربع": 4, "اربعه": 4, "الرابع": 4, "خمس": 5, "خمسه": 5, "الخامس": 5,
    "ست": 6, "سته": 6, "السادس": 6, "سبع": 7, "سبعه": 7, "السابع": 7, "ثمان": 8,
    "ثمانيه": 8, "تمانيه": 8, "الثامن": 8, "تسع": 9, "تسعه": 9, "التاسع": 9,
}  # fmt: skip
_AR_TENS = {"عشرين": 20, "العشرين": 20, "ثلاثين": 30, "الثلاثين": 30, "تلاتين": 30}
_EN_TENS = {"twenty": 20, "thirty": 30}


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_EN_COMPOUND = re.compile(
    rf"\b(?P<t>{_alternatives(_EN_TENS)})[- ](?P<u>{_alternatives(_EN_UNITS)})\b"
    rf"|\b(?P<o>{_alternatives(_EN_ORDINALS)})\b"
    rf"|(?<=\bthe )(?P<f>first|second|third)(?= of\b)"
)
_AR_COMPOUND = re.compile(
    rf"(?<![\w])(?:(?P<u>{_alternatives(_AR_UNITS)}) ?و ?)?(?P<t>{_alternatives(_AR_TENS)})\b"
)


def spell_out_days(text: str) -> str:
    """Days of the month written in words, as digits: "the twenty-fifth" as "the 25th".

    Args:
        text: Normalised text (``sync.replies.text.normalise``).

    Returns:
        The text with English ordinal days and Arabic tens ("الثلاثين", "سبعه وعشرين")
        written as digits; other words unchanged.
    """

    def english(m: re.Match[str]) -> str:
        if m["o"]:
            return f"{_EN_ORDINALS[m['o']]}th"
        if m["f"]:
            return f"{_EN_UNITS[m['f']]}th"
        return f"{_EN_TENS[m['t']] + _EN_UNITS[m['u']]}th"

    def arabic(m: re.Match[str]) -> str:
        return str(_AR_TENS[m["t"]] + (_AR_UNITS[m["u"]] if m["u"] else 0))

    if text.isascii():
        return _EN_COMPOUND.sub(english, text)
    return _AR_COMPOUND.sub(arabic, _EN_COMPOUND.sub(english, text))
