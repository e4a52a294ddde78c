from datetime import date
from decimal import Decimal

from connectors.models import Contact, Invoice, InvoiceStatus
from sync.config.settings import Safety
from sync.plan.actions import Escalate, SendReminder
from sync.plan.safety import fingerprint, weigh


def invoice(n: int) -> Invoice:
    return Invoice(
        id=f"i{n}",
        number=f"INV-{n}",
        contact=Contact(f"c{n}", "C", ("c@example.com",)),
        currency="USD",
        total=Decimal(10),
        amount_due=Decimal(10),
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 2, 1),
        status=InvoiceStatus.OPEN,
    )


def reminders(count: int, stage: str = "overdue") -> list:
    return [
        SendReminder(
            invoice=invoice(n),
            stage=stage,
            cycle=0,
            template=stage,
            language="en",
            to=("c@example.com",),
            cc=(),
            attach_pdf=False,
        )
        for n in range(count)
    ]


LIMITS = Safety(max_emails_per_run=100, max_share_of_open=0.5, max_growth=3, floor=20)


def test_an_ordinary_plan_goes_ahead():
    verdict = weigh(reminders(30), open_invoices=200, previous=[25, 0, 28], limits=LIMITS)
    assert verdict.ok and verdict.emails == 30 and not verdict.reason


def test_the_absolute_cap_trips_even_on_a_huge_ledger():
    verdict = weigh(reminders(101), open_invoices=100_000, previous=[100], limits=LIMITS)
    assert not verdict.ok and "max_emails_per_run" in verdict.reason


def test_mailing_most_of_the_open_invoices_trips():
    verdict = weigh(reminders(60), open_invoices=100, previous=[], limits=LIMITS)
    assert not verdict.ok and "60% of the 100 open invoices" in verdict.reason


def test_a_sudden_surge_over_recent_runs_trips_but_quiet_weekends_do_not():
    assert not weigh(reminders(70), open_invoices=1000, previous=[20, 15], limits=LIMITS).ok
    # weekends send nothing: the floor keeps 40 emails on Monday ordinary
    assert weigh(reminders(40), open_invoices=1000, previous=[0, 0, 0], limits=LIMITS).ok


def test_small_plans_never_trip_the_relative_limits():
    assert weigh(reminders(20), open_invoices=20, previous=[1], limits=LIMITS).ok


def test_approval_is_for_exactly_this_plan():
    plan = reminders(60)
    stopped = weigh(plan, open_invoices=100, previous=[], limits=LIMITS)
    assert not stopped.ok
    approved = weigh(
        plan, open_invoices=100, previous=[], limits=LIMITS, approved=stopped.fingerprint
    )
    assert approved.ok
    other = reminders(61)
    assert not weigh(
        other, open_invoices=100, previous=[], limits=LIMITS, approved=stopped.fingerprint
    ).ok


def test_fingerprint_ignores_order_and_non_email_actions():
    plan = reminders(5)
    escalation = Escalate(invoice=invoice(99), stage="escalate", cycle=0, language="en")
    assert fingerprint(plan) == fingerprint([escalation, *reversed(plan)])
    assert fingerprint(plan) != fingerprint(reminders(5, stage="final"))
