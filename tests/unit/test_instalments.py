"""The planner's part of instalment plans (``sync.plan.instalments``): pure, day by day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.models import Contact, Invoice, InvoiceStatus
from mailer.render import Renderer, default_search_path
from sync.config.settings import Policy, Settings, Stage
from sync.plan.actions import InstalmentMessage, SendReminder, ThankYou, plan_cycle
from sync.plan.calendar import BusinessCalendar
from sync.plan.history import History, InstalmentPlan, Message
from sync.plan.instalments import final_notice, standing
from sync.plan.planner import plan
from sync.run.checks import check_templates
from sync.run.outbound import Identity, sample_invoice, template_context
from sync.run.schedule import note_words, plan_context
from sync.run.timeline import events
from sync.store.case import CaseFile
from sync.store.tables import OutboxRow

IDENTITY = Identity("t", "Nakheel Trading Co.", "Huda Saleh", "huda@nakheel.example", None)
RIYADH = ZoneInfo("Asia/Riyadh")
CAL = BusinessCalendar.from_names(
    "Asia/Riyadh", ["friday", "saturday"], [date(2026, 12, 2)], (time(8), time(18))
)
POLICY = Policy(
    min_days_between=1,
    stages=(
        Stage(name="due", offset_days=0),
        Stage(name="overdue", offset_days=1),
        Stage(name="weekly", offset_days=8, repeat_every_days=7, repeat_limit=2),
        Stage(name="final", offset_days=30, attach_pdf=True),
        Stage(name="escalate", offset_days=45, action="escalate"),
    ),
)
DUE = date(2026, 11, 1)
SUN = date(2026, 11, 29)  # a Sunday; Friday and Saturday are the weekend
PLAN = InstalmentPlan(
    7,
    (
        (date(2026, 12, 6), Decimal("300.00")),  # a Sunday
        (date(2027, 1, 5), Decimal("300.00")),
        (date(2027, 2, 4), Decimal("400.00")),
    ),
)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=RIYADH)


def invoice(amount_due: str = "1000.00", *, number: str = "INV-1", contact: str = "C1") -> Invoice:
    status = InvoiceStatus.PAID if Decimal(amount_due) == 0 else InvoiceStatus.OPEN
    return Invoice(
        id=f"id-{number}",
        number=number,
        contact=Contact(contact, "Customer", ("a@example.com",), None),
        currency="SAR",
        total=Decimal("1000.00"),
        amount_due=Decimal(amount_due),
        issue_date=DUE - timedelta(days=30),
        due_date=DUE,
        status=status,
    )


def history(*sent: tuple[str, int, date], plan_: InstalmentPlan = PLAN) -> History:
    messages = [Message("overdue", 0, at(DUE + timedelta(days=1)))]
    messages += [Message(s, c, at(d)) for s, c, d in sent]
    return History(messages=tuple(messages), instalments=plan_)


def step(inv: Invoice, hist: History, day: date, hour: int = 10):
    result = plan([inv], {inv.id: hist}, POLICY, CAL, at(day, hour))
    (decision,) = result.decisions
    return (result.actions[0] if result.actions else None), decision


CONFIRMED = ("plan_confirmed", 7, SUN - timedelta(days=7))
FIRST = plan_cycle(7, 0)


def test_the_confirmation_goes_first_and_the_ladder_stays_quiet():
    action, decision = step(invoice(), history(plan_=PLAN), SUN - timedelta(days=7))
    assert isinstance(action, InstalmentMessage)
    assert (action.stage, action.cycle, action.template, action.part) == (
        "plan_confirmed",
        7,
        "plan_confirmed",
        None,
    )
    assert action.schedule == PLAN.schedule
    # Without the plan, the same day is a weekly reminder: the plan paused the ladder.
    ladder, _ = step(invoice(), replace(history(), instalments=None), SUN - timedelta(days=7))
    assert isinstance(ladder, SendReminder)


@pytest.mark.parametrize(
    ("day", "stage"),
    [
        (date(2026, 12, 1), None),  # before the courtesy day (6 Dec - 3 = 3 Dec)
        (date(2026, 12, 3), "instalment_soon"),
        (date(2026, 12, 5), None),  # a Saturday
        (date(2026, 12, 6), "instalment_due"),
        (date(2026, 12, 7), "instalment_missed"),
    ],
)
def test_each_reminder_of_an_instalment_on_its_day(day, stage):
    action, decision = step(invoice(), history(CONFIRMED), day)
    assert (action.stage if action else None) == stage, decision
    if stage:
        assert action.cycle == FIRST and action.part == 0
    else:
        assert decision.outcome == "wait" and "instalment 1 of 3" in decision.reason


def test_each_reminder_goes_once():
    sent = history(CONFIRMED, ("instalment_soon", FIRST, date(2026, 12, 3)))
    assert step(invoice(), sent, date(2026, 12, 4))[0] is None
    sent = history(CONFIRMED, ("instalment_due", FIRST, date(2026, 12, 6)))
    assert step(invoice(), sent, date(2026, 12, 6), 16)[0] is None
    missed = history(CONFIRMED, ("instalment_missed", FIRST, date(2026, 12, 7)))
    action, decision = step(invoice(), missed, date(2026, 12, 10))
    assert action is None and "missed; the plan ends on 2026-12-14" in decision.reason


def test_a_courtesy_day_on_the_weekend_moves_to_the_next_business_day():
    moved = replace(PLAN, schedule=((date(2026, 12, 9), Decimal("1000.00")),))  # a Wednesday
    hist = history(("plan_confirmed", 7, date(2026, 12, 1)), plan_=moved)
    assert step(invoice(), hist, date(2026, 12, 5))[0] is None  # 6 Dec - 3 is a Saturday
    assert step(invoice(), hist, date(2026, 12, 6))[0].stage == "instalment_soon"


def test_a_paid_instalment_is_recognised_from_the_amount_due():
    # 300 paid: the second instalment is next.
    action, _ = step(invoice("700.00"), history(CONFIRMED), date(2027, 1, 5))
    assert action.stage == "instalment_due" and action.part == 1
    # Less than an instalment paid: the first is still unpaid.
    action, _ = step(invoice("750.00"), history(CONFIRMED), date(2026, 12, 7))
    assert action.stage == "instalment_missed" and action.part == 0
    # Two paid at once (cumulative): the third is next, nothing is missed.
    action, decision = step(invoice("400.00"), history(CONFIRMED), date(2027, 1, 10))
    assert action is None and "instalment 3 of 3" in decision.reason


def test_paid_in_full_the_plan_ends_and_the_customer_is_thanked():
    hist = history(CONFIRMED, ("instalment_due", plan_cycle(7, 2), date(2027, 2, 4)))
    action, _ = step(invoice("0"), hist, date(2027, 2, 7))
    assert isinstance(action, ThankYou)


def test_past_the_grace_days_the_ladder_resumes_at_the_final_notice():
    missed = history(CONFIRMED, ("instalment_missed", FIRST, date(2026, 12, 7)))
    # 6 Dec + 7 grace days: still the plan on the 13th, lapsed on the 14th.
    assert step(invoice(), missed, date(2026, 12, 13))[0] is None
    action, decision = step(invoice(), missed, date(2026, 12, 14))
    assert isinstance(action, SendReminder) and action.stage == "final" and action.attach_pdf
    assert "lapsed" in decision.reason
    # Ended by the run ("missed"): the same, however much later.
    ended = replace(missed, instalments=replace(PLAN, ended="missed"))
    assert step(invoice(), ended, date(2026, 12, 20))[0].stage == "final"
    # Once the final notice went, the ladder goes on from it (the escalation is next).
    gone = replace(ended, messages=(*ended.messages, Message("final", 0, at(date(2026, 12, 14)))))
    action, decision = step(invoice(), gone, date(2026, 12, 21))
    assert action is None and decision.reason == "next reminder on 2026-12-29"  # 15 days on


def test_a_cancelled_plan_leaves_the_ladder_where_it_was():
    hist = history(CONFIRMED, ("instalment_soon", FIRST, date(2026, 12, 3)))
    cancelled = replace(hist, instalments=replace(PLAN, ended="cancelled"))
    # The plan's messages are no rung: the ladder goes on from overdue, with a weekly
    # (a week after the last message, the plan's, as after any contact).
    action, decision = step(invoice(), cancelled, date(2026, 12, 6))
    assert action is None and decision.reason == "next reminder on 2026-12-10"
    action, _ = step(invoice(), cancelled, date(2026, 12, 10))
    assert isinstance(action, SendReminder) and (action.stage, action.cycle) == ("weekly", 2)


def test_window_and_one_message_a_day():
    action, decision = step(invoice(), history(CONFIRMED), date(2026, 12, 3), hour=20)
    assert action is None and "waits" in decision.reason
    today = history(("plan_confirmed", 7, date(2026, 12, 3)))
    action, decision = step(invoice(), today, date(2026, 12, 3), hour=16)
    assert action is None and "one message a day" in decision.reason


def test_a_pause_still_holds_an_invoice_on_a_plan():
    paused = replace(history(CONFIRMED), paused="the customer disputes it")
    action, decision = step(invoice(), paused, date(2026, 12, 6))
    assert action is None and decision.outcome == "skip"


def test_instalment_reminders_count_against_the_customer_cap():
    one, two = invoice(number="INV-1"), invoice(number="INV-2")
    hists = {one.id: history(CONFIRMED), two.id: replace(history(), instalments=None)}
    result = plan([one, two], hists, POLICY, CAL, at(date(2026, 12, 6)))
    # INV-2's weekly and INV-1's instalment fall on the same day: one goes, one waits.
    assert len(result.actions) == 1
    held = [d for d in result.decisions if "max_messages_per_customer_per_day" in d.reason]
    assert len(held) == 1


def test_the_final_notice_is_the_last_stage_with_the_pdf_or_the_last_email_stage():
    assert final_notice(POLICY).name == "final"
    plain = Policy(stages=(Stage(name="due", offset_days=0), Stage(name="late", offset_days=9)))
    assert final_notice(plain).name == "late"


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.integers(1, 10_000), min_size=2, max_size=8),
    paid=st.integers(0, 80_000),
)
def test_standing_counts_the_instalments_the_payments_cover(amounts, paid):
    start = date(2027, 1, 3)
    plan_ = InstalmentPlan(
        1, tuple((start + timedelta(days=30 * i), Decimal(a)) for i, a in enumerate(amounts))
    )
    due = max(plan_.total - paid, Decimal(0))
    now = standing(plan_, due, start, CAL)
    # An instalment is paid once the payments cover it and every one before it.
    assert now.paid == sum(1 for i in range(len(amounts)) if paid >= sum(amounts[: i + 1]))
    assert now.next == (now.paid if now.paid < len(amounts) else None)


def test_what_templates_and_notes_are_told():
    context = plan_context(PLAN.schedule, 1, Decimal("700.00"))
    assert context["instalment"]["number"] == 2 and context["plan"]["count"] == 3
    assert [p["paid"] for p in context["plan"]["instalments"]] == [True, False, False]
    assert context["plan"]["total"] == Decimal("1000.00")
    assert note_words("plan_confirmed", 7, "a@x") == (
        "instalment plan 7 confirmed to the customer by email to a@x"
    )
    assert note_words("instalment_missed", FIRST, "a@x") == (
        "reminder of missed instalment 1 emailed to a@x"
    )


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize(
    "template", ["plan_confirmed", "instalment_soon", "instalment_due", "instalment_missed"]
)
def test_the_built_in_templates_state_each_date_and_amount(template, language):
    renderer = Renderer(default_search_path())
    invoice = sample_invoice()
    part = None if template == "plan_confirmed" else 1
    schedule = (
        (date(2026, 3, 1), Decimal("300.00")),
        (date(2026, 4, 1), Decimal("300.00")),
        (date(2026, 5, 1), Decimal("400.00")),
    )
    context = template_context(
        invoice,
        IDENTITY,
        stage=template,
        cycle=7,
        language=language,
        payment_link=None,
        attachment=False,
        today=date(2026, 3, 29),
        plan=plan_context(schedule, part, Decimal("700.00")),
    )
    assert renderer.check(template, language, context) == []
    rendered = renderer.render(template, language, context)
    shown = [schedule[part]] if part is not None else schedule
    months = {"en": ("March 1, 2026", "April 1, 2026", "May 1, 2026"),
              "ar": ("1 مارس 2026", "1 أبريل 2026", "1 مايو 2026")}[language]  # fmt: skip
    for (day, amount), words in zip(schedule, months, strict=True):
        if (day, amount) in shown:
            assert words in rendered.text and words in rendered.html, (words, rendered.text)
            figure = f"{amount:,.2f}"
            assert figure in rendered.text and figure in rendered.html
    if language == "ar":
        assert 'dir="rtl"' in rendered.html
    if template == "plan_confirmed":  # the paid one says so
        assert ("(paid)" if language == "en" else "(مسدَّد)") in rendered.text


def test_check_renders_the_plan_templates(tmp_path):
    settings = Settings.model_validate(
        {
            "business": {"name": "Nakheel", "timezone": "Asia/Riyadh"},
            "sender": {"name": "Accounts", "email": "accounts@nakheel.example"},
            "policy": {"stages": [{"name": "overdue", "offset_days": 1}]},
            "templates": str(tmp_path),
        }
    )
    renderer = Renderer([tmp_path, *default_search_path()])
    assert check_templates(settings, renderer) == []
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "instalment_due.txt").write_text(
        '{% extends "en/_layout.txt" %}{% block intro %}{{ instalment.when }}{% endblock %}'
    )
    problems = check_templates(settings, Renderer([tmp_path, *default_search_path()]))
    assert problems and any("instalment_due" in p for p in problems), problems


def test_a_dossier_tells_the_plan_s_story():
    def row(stage: str, action: str, subject: str | None = None) -> OutboxRow:
        moment = at(date(2026, 12, 14))
        return OutboxRow(
            tenant="t", invoice_id="id-1", invoice_number="INV-1", stage=stage, cycle=7,
            action=action, status="sent", recipients="a@example.com" if subject is None else "",
            subject=subject, created_at=moment, sent_at=moment, message_id="<m@x>",
        )  # fmt: skip

    case = CaseFile(
        (row("plan_confirmed", "instalment"), row("plan_ended", "plan_ended", "plan 7: missed")),
        (),
        {},
        None,
    )
    told = [e.text for e in events(case)]
    assert "instalment plan message 'plan_confirmed': sent by email to a@example.com" in told
    assert "instalment plan ended: plan 7: missed" in told
