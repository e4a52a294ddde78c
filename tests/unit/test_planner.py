"""The planner's rules, as tables of scenarios and as properties over many days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.models import Contact, Invoice, InvoiceStatus
from sync.config.settings import Exclusions, LanguageSettings, Policy, Stage
from sync.plan.actions import ThankYou
from sync.plan.calendar import BusinessCalendar
from sync.plan.history import History, Message, ResendRequest
from sync.plan.planner import ladder, plan, plan_rows
from tests.support.oracle import gaps_of

RIYADH = ZoneInfo("Asia/Riyadh")
CAL = BusinessCalendar.from_names(
    "Asia/Riyadh", ["friday", "saturday"], [date(2026, 12, 2)], (time(8), time(18))
)
POLICY = Policy(
    min_days_between=1,
    minimum_amount={"SAR": Decimal("10")},
    stages=(
        Stage(name="courtesy", offset_days=-3),
        Stage(name="due", offset_days=0),
        Stage(name="overdue", offset_days=1),
        Stage(name="weekly", offset_days=8, repeat_every_days=7, repeat_limit=2),
        Stage(name="final", offset_days=30, attach_pdf=True),
        Stage(name="escalate", offset_days=45, action="escalate"),
    ),
)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=RIYADH)


def invoice(
    due: date,
    *,
    number: str = "INV-1",
    status: InvoiceStatus = InvoiceStatus.OPEN,
    amount: str = "100",
    emails: tuple[str, ...] = ("a@example.com",),
    language: str | None = None,
    currency: str = "SAR",
) -> Invoice:
    contact = Contact("C1", "Customer One", emails, language)
    return Invoice(
        id=f"id-{number}",
        number=number,
        contact=contact,
        currency=currency,
        total=Decimal(amount),
        amount_due=Decimal(amount),
        issue_date=due - timedelta(days=30),
        due_date=due,
        status=status,
    )


def sent(*rungs: tuple[str, int, date]) -> History:
    return History(messages=tuple(Message(s, c, at(d)) for s, c, d in rungs))


def only(result, inv: Invoice):
    actions = [a for a in result.actions if a.invoice.id == inv.id]
    assert len(actions) <= 1
    return actions[0] if actions else None


MON = date(2026, 11, 23)  # a Monday; Friday 27th and Saturday 28th are the weekend


@pytest.mark.parametrize(
    ("due", "history", "now", "expected"),
    [
        # courtesy note three days before the due date
        (MON + timedelta(days=3), History(), at(MON), ("courtesy", 0)),
        # nothing yet four days before
        (MON + timedelta(days=4), History(), at(MON), None),
        # due today
        (MON, sent(("courtesy", 0, MON - timedelta(days=3))), at(MON), ("due", 0)),
        # one day late, after the due-day reminder yesterday
        (
            MON - timedelta(days=1),
            sent(("due", 0, MON - timedelta(days=1))),
            at(MON),
            ("overdue", 0),
        ),
        # an invoice never contacted, 60 days late, starts with the first overdue reminder
        (MON - timedelta(days=60), History(), at(MON), ("overdue", 0)),
        # after the overdue reminder the weekly repeats collapse to the latest one due
        (
            MON - timedelta(days=60),
            sent(("overdue", 0, MON - timedelta(days=7))),
            at(MON),
            ("weekly", 2),
        ),
        (MON - timedelta(days=60), sent(("overdue", 0, MON - timedelta(days=6))), at(MON), None),
        # the final notice only after the earlier rungs
        (
            MON - timedelta(days=60),
            sent(("overdue", 0, MON - timedelta(days=9)), ("weekly", 2, MON - timedelta(days=8))),
            at(MON),
            ("final", 0),
        ),
        # escalation after the final notice
        (
            MON - timedelta(days=60),
            sent(("final", 0, MON - timedelta(days=15))),
            at(MON),
            ("escalate", 0),
        ),
        # ... but a backlog climbs at the ladder's rhythm: escalation waits 15 days after the final
        (MON - timedelta(days=60), sent(("final", 0, MON - timedelta(days=14))), at(MON), None),
        # due today, never contacted: the due-day note, not the courtesy one
        (MON, History(), at(MON), ("due", 0)),
        # the ladder ends at its top rung
        (MON - timedelta(days=90), sent(("escalate", 0, MON - timedelta(days=20))), at(MON), None),
        # spacing: a message yesterday holds today's rung when min_days_between is 2 (see below)
    ],
)
def test_ladder_scenarios(due, history, now, expected):
    inv = invoice(due)
    result = plan([inv], {inv.id: history}, POLICY, CAL, now)
    action = only(result, inv)
    if expected is None:
        assert action is None
    else:
        assert action is not None and (action.stage, action.cycle) == expected


def test_spacing_holds_the_next_rung():
    inv = invoice(MON - timedelta(days=1))
    history = {inv.id: sent(("due", 0, MON - timedelta(days=1)))}
    spaced = POLICY.model_copy(update={"min_days_between": 2})
    assert only(plan([inv], history, spaced, CAL, at(MON)), inv) is None
    assert (
        only(plan([inv], history, spaced, CAL, at(MON + timedelta(days=1))), inv).stage == "overdue"
    )


def test_reminder_on_a_weekend_moves_to_the_next_business_day():
    friday = date(2026, 11, 27)
    inv = invoice(friday)  # due-day rung falls on Friday
    history = {inv.id: sent(("courtesy", 0, date(2026, 11, 24)))}
    assert only(plan([inv], history, POLICY, CAL, at(friday)), inv) is None
    sunday = date(2026, 11, 29)
    action = only(plan([inv], history, POLICY, CAL, at(sunday)), inv)
    # by Sunday the invoice is late, so the due-day note is superseded by the overdue one
    assert action.stage == "overdue"


def test_holiday_and_send_window():
    inv = invoice(date(2026, 12, 1), number="H")
    holiday = date(2026, 12, 2)
    assert only(plan([inv], {}, POLICY, CAL, at(holiday)), inv) is None
    result = plan([inv], {}, POLICY, CAL, at(date(2026, 12, 3), hour=7))
    assert only(result, inv) is None
    assert "send window" in result.decisions[0].reason
    assert only(plan([inv], {}, POLICY, CAL, at(date(2026, 12, 3), hour=8)), inv).stage == "overdue"


@pytest.mark.parametrize(
    ("inv", "history", "reason"),
    [
        (invoice(MON - timedelta(days=5), status=InvoiceStatus.PAID, amount="0"), {}, "paid"),
        (invoice(MON - timedelta(days=5), status=InvoiceStatus.VOIDED), {}, "voided"),
        (invoice(MON - timedelta(days=5), status=InvoiceStatus.DRAFT), {}, "draft"),
        (invoice(MON - timedelta(days=5), amount="0"), {}, "paid"),
        (invoice(MON - timedelta(days=5), amount="9.99"), {}, "below the minimum"),
        (invoice(MON - timedelta(days=5), emails=()), {}, "no email address"),
        (
            invoice(MON - timedelta(days=5)),
            {"id-INV-1": History(paused="dispute")},
            "paused: dispute",
        ),
        (
            invoice(MON - timedelta(days=5)),
            {"id-INV-1": History(snoozed_until=MON + timedelta(days=3))},
            "snoozed until",
        ),
        (
            invoice(MON - timedelta(days=5)),
            {
                "id-INV-1": History(
                    messages=(Message("due", 0, at(MON - timedelta(days=5)), "unknown"),)
                )
            },
            "may or may not",
        ),
    ],
)
def test_no_reminder(inv, history, reason):
    result = plan([inv], history, POLICY, CAL, at(MON))
    assert result.actions == ()
    assert reason in result.decisions[0].reason


def test_snooze_ends_on_its_date():
    inv = invoice(MON - timedelta(days=5))
    history = {inv.id: History(snoozed_until=MON)}
    assert only(plan([inv], history, POLICY, CAL, at(MON)), inv).stage == "overdue"


def test_exclusions():
    inv = invoice(MON - timedelta(days=5))
    for exclude in (
        Exclusions(contacts=("C1",)),
        Exclusions(contacts=("Customer One",)),
        Exclusions(invoices=("INV-1",)),
    ):
        policy = POLICY.model_copy(update={"exclude": exclude})
        result = plan([inv], {}, policy, CAL, at(MON))
        assert result.actions == () and not result.skipped
        assert "excluded" in result.excluded[0][1]


def test_thank_you_once_after_payment():
    paid = invoice(MON - timedelta(days=5), status=InvoiceStatus.PAID, amount="0")
    reminded = {paid.id: sent(("overdue", 0, MON - timedelta(days=4)))}
    action = only(plan([paid], reminded, POLICY, CAL, at(MON)), paid)
    assert isinstance(action, ThankYou)
    thanked = {paid.id: sent(("overdue", 0, MON - timedelta(days=4)), ("thank_you", 0, MON))}
    assert only(plan([paid], thanked, POLICY, CAL, at(MON + timedelta(days=1))), paid) is None
    # never reminded: no thank-you
    assert only(plan([paid], {}, POLICY, CAL, at(MON)), paid) is None


def test_a_credited_invoice_closes_without_thanks():
    credited = invoice(MON - timedelta(days=5), status=InvoiceStatus.CREDITED, amount="0")
    reminded = {credited.id: sent(("overdue", 0, MON - timedelta(days=4)))}
    result = plan([credited], reminded, POLICY, CAL, at(MON))
    assert result.actions == ()
    (decision,) = [d for d in result.decisions if d.invoice == credited.number]
    assert decision.outcome == "closed" and "credited" in decision.reason


def test_resend_request_answered_before_any_reminder():
    inv = invoice(MON - timedelta(days=12))
    history = {
        inv.id: History(
            messages=(Message("overdue", 0, at(MON - timedelta(days=11))),),
            resend_requests=(ResendRequest("INBOX/1", at(MON - timedelta(days=1)), 1),),
        )
    }
    action = only(plan([inv], history, POLICY, CAL, at(MON)), inv)
    assert action.action == "resend_invoice" and action.attach_pdf and action.cycle == 1


def test_language_choice():
    inv = invoice(MON - timedelta(days=5), language="ar")
    assert only(plan([inv], {}, POLICY, CAL, at(MON)), inv).language == "ar"
    override = LanguageSettings(default="en", contacts={"C1": "en"})
    assert only(plan([inv], {}, POLICY, CAL, at(MON), languages=override), inv).language == "en"
    plain = invoice(MON - timedelta(days=5))
    assert (
        only(
            plan([plain], {}, POLICY, CAL, at(MON), languages=LanguageSettings(default="ar")), plain
        ).language
        == "ar"
    )


def test_plan_rows_are_json_ready():
    inv = invoice(MON - timedelta(days=5))
    rows = plan_rows(plan([inv], {}, POLICY, CAL, at(MON)))
    assert rows[0]["invoice"] == "INV-1" and rows[0]["to"] == ["a@example.com"]
    assert {"invoice", "customer", "stage", "action", "to", "language"} <= rows[0].keys()


def test_repeats_stop_where_the_next_stage_begins():
    offsets = [(r.stage.name, r.cycle, r.offset) for r in ladder(POLICY)]
    assert offsets == [
        ("courtesy", 0, -3),
        ("due", 0, 0),
        ("overdue", 0, 1),
        ("weekly", 0, 8),
        ("weekly", 1, 15),
        ("weekly", 2, 22),
        ("final", 0, 30),
        ("escalate", 0, 45),
    ]


# -- a year of daily runs ------------------------------------------------------------------


def simulate(invoices, start: date, days: int, *, skip=frozenset(), hours=(10,)):
    """Run the planner every day (and hour) as a run would, recording what it sends."""
    history: dict[str, History] = {}
    log: list[tuple[str, str, int, date]] = []
    for n in range(days):
        day = start + timedelta(days=n)
        if day in skip:
            continue
        for hour in hours:
            now = at(day, hour)
            for action in plan(invoices, history, POLICY, CAL, now).actions:
                h = history.get(action.invoice.id, History())
                history[action.invoice.id] = replace(
                    h,
                    messages=(
                        *h.messages,
                        Message(
                            action.stage, action.cycle, now, "sent", action.action != "escalate"
                        ),
                    ),
                )
                log.append((action.invoice.number, action.stage, action.cycle, day))
    return log


def test_a_year_of_daily_runs():
    start = date(2026, 1, 1)
    invoices = [invoice(start + timedelta(days=7 * k + 3), number=f"Y{k}") for k in range(40)]
    log = simulate(invoices, start, 365, hours=(7, 10, 12, 17, 19))
    keys = [(n, s, c) for n, s, c, _ in log]
    assert len(keys) == len(set(keys)), "an invoice got one rung twice"
    for _number, _, _, day in log:
        assert CAL.is_business_day(day)
    by_invoice: dict[str, list[tuple[str, date]]] = {}
    for number, stage, _, day in log:
        by_invoice.setdefault(number, []).append((stage, day))
    for sends in by_invoice.values():
        days = [d for _, d in sends]
        assert days == sorted(days)
        assert all((b - a).days >= 1 for a, b in zip(days, days[1:], strict=False))
    assert {s for s, _ in by_invoice["Y0"]} == {
        "courtesy",
        "due",
        "overdue",
        "weekly",
        "final",
        "escalate",
    }


def test_missed_days_never_cause_a_burst():
    start = date(2026, 3, 1)
    inv = invoice(start + timedelta(days=10), number="M")
    missed = frozenset(start + timedelta(days=n) for n in range(12, 40))  # a month of no runs
    log = simulate([inv], start, 120, skip=missed)
    after = [(s, c, d) for _, s, c, d in log if d >= start + timedelta(days=40)]
    first_day = after[0][2]
    assert sum(1 for *_, d in after if d == first_day) == 1
    # the weekly repeats due during the gap collapse into one message
    assert [s for s, _, _ in after].count("weekly") == 1


def test_time_machine_drives_a_run_clock():
    import time_machine

    inv = invoice(MON - timedelta(days=5))
    with time_machine.travel(datetime(2026, 11, 23, 7, 30, tzinfo=UTC), tick=False):
        now = datetime.now(UTC)  # 10:30 in Riyadh
        assert only(plan([inv], {}, POLICY, CAL, now), inv).stage == "overdue"
    with time_machine.travel(datetime(2026, 11, 27, 7, 30, tzinfo=UTC), tick=False):
        assert plan([inv], {}, POLICY, CAL, datetime.now(UTC)).actions == ()  # Friday


@settings(max_examples=150, deadline=None)
@given(
    offsets=st.lists(st.integers(-10, 80), min_size=1, max_size=6),
    start=st.dates(date(2026, 1, 1), date(2027, 12, 1)),
    gaps=st.sets(st.integers(0, 90), max_size=40),
)
def test_properties_over_random_portfolios(offsets, start, gaps):
    invoices = [invoice(start + timedelta(days=o), number=f"P{i}") for i, o in enumerate(offsets)]
    skip = frozenset(start + timedelta(days=g) for g in gaps)
    log = simulate(invoices, start, 100, skip=skip)
    keys = [(n, s, c) for n, s, c, _ in log]
    assert len(keys) == len(set(keys))
    per_day = [(n, d) for n, _, _, d in log]
    assert len(per_day) == len(set(per_day)), "two messages to one invoice on one day"
    assert all(CAL.is_business_day(d) for *_, d in log)
    for number in {n for n, *_ in log}:
        stages = [s for n, s, _, _ in log if n == number]
        if "final" in stages:
            assert stages.index("final") > 0, "a final notice came first"
    assert not too_close(log), too_close(log)


def too_close(log, policy: Policy = POLICY) -> list[str]:
    """Sends closer to the invoice's previous email than the policy's gap for their rung."""
    stages = [s.model_dump() for s in policy.stages]
    gaps = gaps_of(stages, policy.min_days_between)
    emailed = {s.name for s in policy.stages if s.action == "email"}
    last: dict[str, date] = {}
    found = []
    for number, stage, cycle, day in sorted(log, key=lambda row: row[3]):
        previous = last.get(number)
        if previous is not None and (day - previous).days < gaps[stage, cycle]:
            found.append(f"{number}: {stage} #{cycle} on {day}, {previous} before")
        if stage in emailed:
            last[number] = day
    return found


def test_a_resend_counts_as_contact_and_the_weekly_rung_keeps_its_week():
    """The demo's INV-1004: overdue long ago, a resend yesterday; weekly waits a week."""
    due = date(2026, 11, 25)
    inv = invoice(due, number="INV-1004")
    history = History(
        messages=(
            Message("overdue", 0, at(date(2026, 11, 26))),
            Message("resend", 1, at(date(2026, 12, 8))),
        )
    )
    for day in (date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 14)):
        assert only(plan([inv], {inv.id: history}, POLICY, CAL, at(day)), inv) is None, day
    action = only(plan([inv], {inv.id: history}, POLICY, CAL, at(date(2026, 12, 15))), inv)
    assert (action.stage, action.cycle) == ("weekly", 1)


def test_a_late_first_reminder_sets_the_weekly_rhythm():
    """13 days late on its first run: overdue, then weekly rungs a week apart, not two days."""
    start = date(2026, 12, 8)
    inv = invoice(start - timedelta(days=13), number="LATE")
    log = simulate([inv], start, 40)
    sends = [(s, c, d) for _, s, c, d in log]
    assert sends[0] == ("overdue", 0, start)
    days = [d for _, _, d in sends if _ != "escalate"]
    assert all((b - a).days >= 7 for a, b in zip(days[1:], days[2:], strict=False)), sends
    assert not too_close(log)


def test_the_gap_checker_catches_bunched_reminders():
    log = [("X", "overdue", 0, MON), ("X", "weekly", 0, MON + timedelta(days=2))]
    assert too_close(log) == [f"X: weekly #0 on {MON + timedelta(days=2)}, {MON} before"]
