"""The report's figures against hand computations, and the page they make."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from connectors.models import Contact, Invoice, InvoiceStatus, PaidInvoice
from sync.reports.figures import (
    SentAction,
    StageOutcome,
    aging,
    compute,
    days_sales_outstanding,
    late_payers,
    outcomes,
)
from sync.reports.page import render_page

TODAY = date(2026, 11, 23)
ACME = Contact("K1", "Acme")


def inv(
    n: str,
    due: str,
    owed: str,
    *,
    currency: str = "SAR",
    total: str | None = None,
    issued: str = "2026-01-01",
    status: InvoiceStatus = InvoiceStatus.OPEN,
) -> Invoice:
    return Invoice(
        id=n,
        number=n,
        contact=ACME,
        currency=currency,
        total=Decimal(total or owed),
        amount_due=Decimal(owed),
        issue_date=date.fromisoformat(issued),
        due_date=date.fromisoformat(due),
        status=status,
    )


def paid(
    n: str,
    due: str,
    on: str,
    *,
    contact: Contact = ACME,
    total: str = "100",
    currency: str = "SAR",
    issued: str = "2026-01-01",
) -> PaidInvoice:
    return PaidInvoice(
        id=n,
        number=n,
        contact=contact,
        currency=currency,
        total=Decimal(total),
        issue_date=date.fromisoformat(issued),
        due_date=date.fromisoformat(due),
        paid_date=date.fromisoformat(on),
    )


def sent(invoice_id: str, stage: str, on: str, action: str = "send_reminder") -> SentAction:
    return SentAction(invoice_id, stage, action, date.fromisoformat(on))


def test_aging_puts_each_amount_in_its_bucket_by_days_past_due():
    invoices = [
        inv("A", "2026-11-30", "100"),  # 7 days before due: current
        inv("B", "2026-11-23", "50"),  # due today: current
        inv("C", "2026-11-22", "10"),  # 1 day late
        inv("D", "2026-10-24", "20"),  # 30 days late
        inv("E", "2026-10-23", "30"),  # 31 days late
        inv("F", "2026-08-25", "40", currency="USD"),  # 90 days late
        inv("G", "2026-08-24", "5", currency="USD"),  # 91 days late
        inv("H", "2026-01-01", "999", status=InvoiceStatus.PAID),  # not owed
        inv("I", "2026-01-01", "0"),  # owes nothing
    ]
    zero = Decimal(0)
    assert aging(invoices, TODAY) == {
        "SAR": {"current": 150, "1-30": 30, "31-60": 30, "61-90": zero, "90+": zero},
        "USD": {"current": zero, "1-30": zero, "31-60": zero, "61-90": 40, "90+": 5},
    }


def test_dso_is_what_is_owed_over_the_period_sales_times_its_days():
    open_invoices = [
        inv("X", "2026-12-01", "200", total="300", issued="2026-11-01"),  # in the period
        inv("Y", "2026-09-25", "100", issued="2026-08-25"),  # a day before it: owed, not sales
        inv("U", "2026-02-01", "50", currency="USD"),  # owed, no USD sales at all
    ]
    history = [
        paid("Z", "2026-09-25", "2026-09-30", total="500", issued="2026-08-26"),  # first day
        paid("W", "2026-09-19", "2026-09-19", total="700", issued="2026-08-20"),  # before
    ]
    # SAR: owed 200 + 100 = 300; sales 300 + 500 = 800; 300 / 800 * 90 = 33.75 -> 33.8
    assert days_sales_outstanding(open_invoices, history, TODAY, 90) == {
        "SAR": Decimal("33.8"),
        "USD": None,
    }


def test_late_payers_rank_by_how_often_then_by_how_late():
    k2, k3, k4 = Contact("K2", "Beta"), Contact("K3", "Gamma"), Contact("K4", "Delta")
    history = [
        paid("1", "2026-05-01", "2026-05-11"),  # Acme 10 days late
        paid("2", "2026-06-01", "2026-06-21", currency="USD", total="40"),  # Acme 20 late
        paid("3", "2026-07-01", "2026-06-29"),  # Acme early
        paid("4", "2026-05-01", "2026-06-10", contact=k2),  # Beta 40 late, once
        paid("5", "2026-05-01", "2026-05-01", contact=k3),  # Gamma on the day: never late
        paid("6", "2026-05-01", "2026-05-04", contact=k4),  # Delta 3 late
        paid("7", "2026-06-01", "2026-06-08", contact=k4),  # Delta 7 late
        paid("7", "2026-06-01", "2026-06-08", contact=k4),  # the same invoice again: once
    ]
    payers = late_payers(history)
    assert [(p.name, p.late, p.paid) for p in payers] == [
        ("Acme", 2, 3),
        ("Delta", 2, 2),
        ("Beta", 1, 1),
    ]
    acme = payers[0]
    assert acme.average_days_late == Decimal("15.0") and acme.most_days_late == 20
    assert acme.late_amounts == {"SAR": Decimal(100), "USD": Decimal(40)}
    assert acme.late_share == Decimal(2) / 3
    assert payers[1].average_days_late == Decimal("5.0")


def test_a_payment_is_credited_to_the_last_reminder_within_the_window():
    actions = [
        sent("i1", "due", "2026-10-01"),
        sent("i1", "overdue", "2026-10-02"),
        sent("i1", "weekly", "2026-10-09"),  # paid 3 days later: credited
        sent("i2", "due", "2026-10-01"),  # paid 19 days later: too late to count
        sent("i3", "overdue", "2026-11-20"),  # unpaid, 3 days ago: waiting
        sent("i4", "overdue", "2026-11-01"),  # unpaid, 22 days ago: did not work
        sent("i5", "due", "2026-11-20"),  # paid the same day: credited
        sent("i1", "thank_you", "2026-10-12", action="thank_you"),  # not a reminder
    ]
    history = [
        paid("i1", "2026-10-01", "2026-10-12"),
        paid("i2", "2026-10-01", "2026-10-20"),
        paid("i5", "2026-11-20", "2026-11-20"),
    ]
    result = outcomes(actions, history, TODAY, 14, ("courtesy", "due", "overdue", "weekly"))
    assert result == [
        StageOutcome("due", sent=3, settled=1, waiting=0),
        StageOutcome("overdue", sent=3, settled=0, waiting=1),
        StageOutcome("weekly", sent=1, settled=1, waiting=0),
    ]
    assert [o.rate for o in result] == [Decimal(1) / 3, Decimal(0), Decimal(1)]


def test_the_window_is_inclusive_of_its_last_day():
    actions = [sent("a", "due", "2026-10-01"), sent("b", "due", "2026-10-01")]
    history = [paid("a", "2026-10-01", "2026-10-15"), paid("b", "2026-10-01", "2026-10-16")]
    assert outcomes(actions, history, TODAY, 14) == [StageOutcome("due", 2, 1, 0)]


def test_without_paid_history_the_late_payers_and_outcomes_are_left_out():
    figures = compute(
        [inv("A", "2026-11-01", "10")],
        None,
        [sent("A", "due", "2026-11-01")],
        today=TODAY,
        since=date(2025, 11, 23),
    )
    assert figures.late_payers is None and figures.outcomes is None
    assert figures.sent == {"due": 1} and figures.open_count == 1
    page = render_page(figures, business="Acme", language="en", ledger_name="Test")
    assert page.count("Not shown: the Test ledger cannot list paid invoices") == 2
    assert "upper bound" in page


def _figures():
    return compute(
        [inv("A", "2026-11-01", "1234.5"), inv("B", "2026-12-01", "10", currency="USD")],
        [paid("P", "2026-10-01", "2026-10-09", contact=Contact("K9", "مؤسسة <النخيل>"))],
        [sent("P", "due", "2026-10-01"), sent("P", "overdue", "2026-10-02")],
        today=TODAY,
        since=date(2025, 11, 23),
        stage_order=("due", "overdue"),
    )


def test_the_english_page_is_self_contained_with_its_charts():
    page = render_page(_figures(), business="Acme & Sons", language="en")
    assert '<html lang="en" dir="ltr">' in page
    assert "Acme &amp; Sons" in page and "مؤسسة &lt;النخيل&gt;" in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 5
    assert "1,234.50" in page and "November 23, 2026" in page
    # nothing is fetched: no scripts, no links or sources pointing anywhere
    assert not re.search(r"<script|<link|<img|\bsrc=|\bhref=|@import|url\(", page)


@pytest.mark.parametrize(("digits", "amount"), [("latin", "1,234.50"), ("arabic", "١٬٢٣٤٫٥٠")])
def test_the_arabic_page_is_right_to_left_with_babel_numbers(digits, amount):
    page = render_page(_figures(), business="نخيل", language="ar", digits=digits)
    assert '<html lang="ar" dir="rtl">' in page
    assert "أعمار المبالغ المستحقة" in page and "يوم الاستحقاق" in page
    assert amount in page
    assert 'direction="rtl"' in page and 'direction="ltr"' not in page


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Could not read"), ("ar", "تعذّرت القراءة")]
)
def test_rows_the_ledger_could_not_read_are_listed_before_the_aging(language, heading):
    line = "invoices.csv:6: due_date: expected a date like 2026-11-23, got '2026-9-9' <x>"
    page = render_page(_figures(), business="Acme", language=language, problems=[line])
    section = page.split('id="unreadable"')[1].split("</section>")[0]
    assert heading in section
    assert "invoices.csv:6: due_date:" in section and "&lt;x&gt;" in section
    assert page.index('id="unreadable"') < page.index('id="aging"')
    assert 'id="unreadable"' not in render_page(_figures(), business="Acme", language=language)
