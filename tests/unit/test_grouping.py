"""One statement per customer (``grouping: customer``): what is listed, at which rung,
how each listed invoice's ladder advances, and how the daily cap counts a statement."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from connectors.models import Contact, Invoice, InvoiceStatus
from sync.config.settings import Policy, Stage
from sync.plan.actions import SendReminder, SendStatement
from sync.plan.calendar import BusinessCalendar
from sync.plan.history import History, Message, MessageStatus, ResendRequest
from sync.plan.planner import plan, plan_rows

RIYADH = ZoneInfo("Asia/Riyadh")
CAL = BusinessCalendar.from_names("Asia/Riyadh", ["friday", "saturday"], [], (time(8), time(18)))
MON = date(2026, 11, 23)
STAGES = (
    Stage(name="courtesy", offset_days=-3),
    Stage(name="due", offset_days=0),
    Stage(name="overdue", offset_days=1),
    Stage(name="weekly", offset_days=8, repeat_every_days=7, repeat_limit=2),
    Stage(name="final", offset_days=30, attach_pdf=True),
    Stage(name="escalate", offset_days=45, action="escalate"),
)
GROUPED = Policy(grouping="customer", stages=STAGES, minimum_amount={"SAR": Decimal(10)})
SINGLE = Policy(stages=STAGES)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=RIYADH)


def invoice(
    number: str, due: date, *, customer: str = "C1", amount: str = "100", currency: str = "SAR"
) -> Invoice:
    contact = Contact(customer, f"Customer {customer}", ("a@example.com",))
    return Invoice(
        id=f"id-{number}",
        number=number,
        contact=contact,
        currency=currency,
        total=Decimal(amount),
        amount_due=Decimal(amount),
        issue_date=due - timedelta(days=30),
        due_date=due,
        status=InvoiceStatus.OPEN,
    )


def decision(result, number: str):
    return next(d for d in result.decisions if d.invoice == number)


def statements(result) -> list[SendStatement]:
    return [a for a in result.actions if isinstance(a, SendStatement)]


def test_invoice_grouping_is_the_default_and_unchanged():
    assert SINGLE.grouping == "invoice"
    invoices = [invoice("INV-1", MON - timedelta(days=1)), invoice("INV-2", MON)]
    result = plan(invoices, {}, SINGLE, CAL, at(MON))
    assert [type(a) for a in result.actions] == [SendReminder]


def test_one_statement_lists_every_chasable_invoice_at_the_highest_rung():
    invoices = [
        invoice("INV-1", MON - timedelta(days=1)),  # overdue today
        invoice("INV-2", MON),  # due today
        invoice("INV-3", MON + timedelta(days=20)),  # no rung today: listed all the same
        invoice("INV-4", MON - timedelta(days=3), amount="5"),  # below the minimum: not listed
        invoice("INV-5", MON - timedelta(days=1), customer="C2"),  # another customer
    ]
    result = plan(invoices, {}, GROUPED, CAL, at(MON))
    statement, other = statements(result)
    assert statement.invoice.number == "INV-1" and statement.stage == "overdue"
    assert [i.number for i in statement.invoices] == ["INV-1", "INV-2", "INV-3"]
    assert statement.template == "overdue_statement" and statement.cycle == MON.toordinal()
    assert decision(result, "INV-2").outcome == "act"
    assert "listed in the overdue statement with INV-1" in decision(result, "INV-2").reason
    assert decision(result, "INV-4").outcome == "wait"
    # C2's one invoice is a statement too: the customer's thread is its statements'
    assert [i.number for i in other.invoices] == ["INV-5"] and len(result.actions) == 2
    row = next(r for r in plan_rows(result) if r["invoice"] == "INV-1")
    assert row["action"] == "send_statement" and row["statement"] == ["INV-1", "INV-2", "INV-3"]


def test_the_final_notice_statement_attaches_the_pdf():
    invoices = [invoice("INV-1", MON - timedelta(days=30)), invoice("INV-2", MON)]
    weekly = History(messages=(Message("weekly", 2, at(MON - timedelta(days=8))),))
    (statement,) = statements(plan(invoices, {"id-INV-1": weekly}, GROUPED, CAL, at(MON)))
    assert statement.stage == "final" and statement.attach_pdf
    assert statement.template == "final_statement"


def test_paused_snoozed_unsettled_resent_and_escalated_invoices_are_not_listed():
    due = MON - timedelta(days=2)
    numbers = ["INV-1", "INV-P", "INV-S", "INV-U", "INV-R", "INV-E"]
    invoices = [invoice(n, due) for n in numbers]
    yesterday = at(MON - timedelta(days=1))
    history = {
        "id-INV-P": History(paused="the customer disputes it"),
        "id-INV-S": History(snoozed_until=MON + timedelta(days=5)),
        "id-INV-U": History(messages=(Message("due", 0, yesterday, MessageStatus.UNKNOWN),)),
        "id-INV-R": History(resend_requests=(ResendRequest("r1", yesterday, 1),)),
        "id-INV-E": History(messages=(Message("escalate", 0, yesterday, emailed=False),)),
    }
    result = plan(invoices, history, GROUPED, CAL, at(MON))
    (statement,) = statements(result)
    assert [i.number for i in statement.invoices] == ["INV-1"]
    assert {a.invoice.number for a in result.actions} == {"INV-1", "INV-R"}  # R: its resend


def test_a_listed_invoice_advances_as_if_reminded_and_the_next_statement_waits_the_gap():
    first_day = MON
    invoices = [
        invoice("INV-1", MON - timedelta(days=1)),
        invoice("INV-2", MON - timedelta(days=9)),
    ]
    (statement,) = statements(plan(invoices, {}, GROUPED, CAL, at(first_day)))
    # A backlog starts with the first overdue reminder, so the statement is at overdue
    assert statement.stage == "overdue"
    listed = {
        i.id: History(
            messages=(Message(statement.stage, statement.cycle, at(MON), statement=True),)
        )
        for i in statement.invoices
    }
    # The next day nothing goes: each listed invoice counts as reminded at its own rung
    # (INV-1 at overdue, INV-2, 9 days late, at weekly) and waits its own gap.
    tuesday = plan(invoices, listed, GROUPED, CAL, at(MON + timedelta(days=1)))
    assert statements(tuesday) == []
    # A week on, INV-2's weekly repeat is due (INV-1's weekly too): one statement again.
    week = plan(invoices, listed, GROUPED, CAL, at(MON + timedelta(days=7)))
    (again,) = statements(week)
    assert again.stage == "weekly" and [i.number for i in again.invoices] == ["INV-2", "INV-1"]


def test_a_new_invoice_reaching_a_rung_waits_for_the_customers_last_statement():
    spaced = GROUPED.model_copy(update={"min_days_between": 3})
    old = invoice("INV-1", MON - timedelta(days=2))
    listed = {
        old.id: History(
            messages=(
                Message(
                    "overdue",
                    (MON - timedelta(days=1)).toordinal(),
                    at(MON - timedelta(days=1)),
                    statement=True,
                ),
            )
        )
    }
    new = invoice("INV-2", MON)  # due today
    result = plan([old, new], listed, spaced, CAL, at(MON))
    assert result.actions == ()
    reason = decision(result, "INV-2").reason
    assert "the statement waits" in reason and "last statement went on 2026-11-22" in reason


def test_a_statement_listed_invoice_is_never_counted_as_escalated():
    due = MON - timedelta(days=61)
    # Listed 46 days late (past the escalate rung's 45): it counts as the final notice,
    # not as escalated, so the escalation comes once the gap after the final (15 days)
    # has passed since.
    listed = History(messages=(Message("final", 1, at(due + timedelta(days=46)), statement=True),))
    result = plan([invoice("INV-1", due)], {"id-INV-1": listed}, GROUPED, CAL, at(MON))
    assert [(a.invoice.number, a.action) for a in result.actions] == [("INV-1", "escalate")]


def test_the_cap_counts_a_statement_as_one_message():
    # A statement of three invoices went this morning: the customer is at its cap of one.
    invoices = [invoice(f"INV-{n}", MON - timedelta(days=n)) for n in (1, 2, 3)]
    morning = at(MON, 9)
    history = {
        i.id: History(messages=(Message("overdue", MON.toordinal(), morning, statement=True),))
        for i in invoices[:2]
    }
    history["id-INV-9"] = History()
    other = invoice("INV-9", MON, customer="C1")
    lifted = GROUPED.model_copy(
        update={"max_messages_per_customer_per_day": 2, "min_days_between": 0}
    )
    # With a cap of two, the statement of this morning counts once, not twice: but one
    # statement a day is the most, so nothing more goes today.
    result = plan([*invoices, other], history, lifted, CAL, at(MON, 15))
    assert statements(result) == []
    assert "the statement waits" in decision(result, "INV-3").reason
    # Under per-invoice grouping, the same morning's statement counts once against the cap.
    single = SINGLE.model_copy(update={"max_messages_per_customer_per_day": 2})
    result = plan([*invoices, other], history, single, CAL, at(MON, 15))
    assert len([a for a in result.actions if isinstance(a, SendReminder)]) == 1


def test_a_customer_at_its_cap_today_gets_the_statement_on_a_following_day():
    invoices = [invoice("INV-1", MON - timedelta(days=1)), invoice("INV-2", MON)]
    earlier = {"id-INV-1": History(messages=(Message("due", 0, at(MON, 8)),))}
    result = plan(invoices, earlier, GROUPED, CAL, at(MON, 15))
    assert statements(result) == []
    assert "max_messages_per_customer_per_day" in decision(result, "INV-2").reason


def test_an_invoice_on_a_running_instalment_plan_is_never_a_statement_line():
    from sync.plan.history import InstalmentPlan

    invoices = [
        invoice("INV-1", MON - timedelta(days=1)),
        invoice("INV-2", MON - timedelta(days=1)),
    ]
    later = MON + timedelta(days=10)
    confirmed = (Message("plan_confirmed", 7, at(MON - timedelta(days=2))),)  # the plan waits
    on_plan = History(messages=confirmed, instalments=InstalmentPlan(7, ((later, Decimal(100)),)))
    result = plan(invoices, {"id-INV-2": on_plan}, GROUPED, CAL, at(MON))
    [statement] = statements(result)
    assert [i.number for i in statement.invoices] == ["INV-1"]
    ended = History(instalments=InstalmentPlan(7, ((later, Decimal(100)),), ended="cancelled"))
    result = plan(invoices, {"id-INV-2": ended}, GROUPED, CAL, at(MON))
    [statement] = statements(result)
    assert [i.number for i in statement.invoices] == ["INV-1", "INV-2"]
