"""The Arabic report page: currencies named in Arabic, inserted values isolated."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from sync.reports.isolate import FSI, PDI, Isolation, say
from sync.reports.page import Numbers, render_page
from tests.unit.test_insights import _figures


@pytest.mark.parametrize(
    ("digits", "expected"),
    [("latin", "1,200.00 ريال سعودي"), ("arabic", "١٬٢٠٠٫٠٠ ريال سعودي")],
)
def test_an_arabic_amount_names_its_currency_in_arabic(digits, expected):
    numbers = Numbers("ar", digits)  # type: ignore[arg-type]
    assert numbers.amount(Decimal("1200"), "SAR") == expected
    assert numbers.currency("USD") == "دولار أمريكي"
    assert numbers.currency("QQQ") == "QQQ"  # a code Babel has no name for stays a code
    assert numbers.day(date(2026, 11, 23)).endswith(
        "نوفمبر " + ("٢٠٢٦" if digits == "arabic" else "2026")
    )


def test_arabic_digits_take_the_arabic_percent_sign():
    assert Numbers("ar", "arabic").percent(Decimal("0.36")) == "٣٦٪"
    assert Numbers("ar", "latin").percent(Decimal("0.36")) == "36%"


def test_english_amounts_keep_the_iso_code():
    assert Numbers("en").amount(Decimal("1200"), "SAR") == "1,200.00 SAR"


def test_say_isolates_each_value_and_escapes_it():
    said = say("منذ {since}: {who}", since="23 نوفمبر", who="Acme <Co.>")
    assert str(said) == "منذ <bdi>23 نوفمبر</bdi>: <bdi>Acme &lt;Co.&gt;</bdi>"
    plain = Isolation(rtl=False).say("since {since}", since="<b>")
    assert str(plain) == "since &lt;b&gt;"


def test_the_arabic_page_isolates_every_inserted_value():
    page = render_page(_figures(), business="Nakheel Trading Co.", language="ar")
    body = page.split("<body>", 1)[1]
    assert f"<title>تقرير الذمم المدينة · {FSI}Nakheel Trading Co.{PDI}</title>" in page
    # Every number, amount and currency in a cell is in a <bdi> of its own.
    for cell in re.findall(r'<td class="n">(.*?)</td>', body):
        outside = re.sub(r"<bdi>[^<]*</bdi>", "", cell)
        assert not re.search(r"\d", outside), cell
    assert "<td><bdi>ريال سعودي</bdi></td>" in body and "<td>SAR</td>" not in body
    assert "<bdi>1,234.50</bdi>" in body
    # Chart texts carry FSI…PDI: a Latin label keeps its period at its end.
    texts = re.findall(r"<text [^>]*>(.*?)</text>", body)
    assert texts and all(t.startswith(FSI) and t.endswith(PDI) for t in texts), texts
    # Words with values put in: the value isolated, the words not.
    assert re.search(r"منذ <bdi>[^<]+</bdi>:", body)


def test_the_english_page_leaves_its_numbers_as_they_were():
    page = render_page(_figures(), business="Acme", language="en")
    assert "<td>SAR</td>" in page and "<bdi>1,234.50</bdi>" not in page
