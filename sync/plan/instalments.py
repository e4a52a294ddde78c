"""An invoice on an instalment plan: its messages instead of the ladder's. Pure.

While a plan runs, the invoice's own ladder is paused. The plan's messages, one at a
time and each once:

1. ``plan_confirmed``: the schedule, each date and amount, on the first run after the
   plan was recorded;
2. for the first instalment not yet paid: ``instalment_soon`` from
   ``remind_days_before`` days before its date (moved to the next business day; none
   when that is the instalment's own day), ``instalment_due`` on its date (or the next
   business day), and ``instalment_missed`` once the date has passed unpaid.

An instalment is paid when the amount due has dropped to what the plan leaves owing
after it (cumulative: paying two at once pays both). ``grace_days`` after a missed
instalment's day the plan has lapsed: the ladder resumes at the final notice (the
last email stage that attaches the PDF, or else the last email stage), or from the
rung reached when that is higher. A plan cancelled, or ended by payment, leaves the
ladder as it was: it goes on from the rung reached (the plan's messages are no rung).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from connectors.models import Invoice
from sync.config.policy import Policy, Stage
from sync.plan.actions import (
    INSTALMENT_DUE,
    INSTALMENT_MISSED,
    INSTALMENT_SOON,
    PLAN_CONFIRMED,
    Action,
    Decision,
    InstalmentMessage,
    SendReminder,
    plan_cycle,
)
from sync.plan.calendar import BusinessCalendar
from sync.plan.history import InstalmentPlan, Message
from sync.plan.reached import Rung, reached


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a plan stands on one day.

    Attributes:
        paid: How many instalments are paid, counted from the first.
        next: The first instalment not paid (its index), None when all are.
        day: The day the next instalment is chased on (its date, or the next business day).
        lapsed: The next instalment was missed more than ``grace_days`` ago.
    """

    paid: int
    next: int | None
    day: date | None
    lapsed: bool


def standing(
    plan: InstalmentPlan, amount_due: Decimal, today: date, calendar: BusinessCalendar
) -> Standing:
    """Where ``plan`` stands on ``today`` with ``amount_due`` still owed on the invoice."""
    parts = len(plan.schedule)
    paid = sum(1 for i in range(parts) if amount_due <= plan.remaining_after(i))
    if paid >= parts:
        return Standing(parts, None, None, False)
    day = calendar.next_business_day(plan.schedule[paid][0])
    return Standing(paid, paid, day, (today - day).days > plan.grace_days)


def final_notice(policy: Policy) -> Stage | None:
    """The stage a lapsed plan resumes at: the last email stage with the PDF, else the last."""
    emailed = [s for s in policy.stages if s.action == "email"]
    with_pdf = [s for s in emailed if s.attach_pdf]
    chosen = with_pdf or emailed
    return chosen[-1] if chosen else None


@dataclass(frozen=True, slots=True)
class Chase:
    """What the planner knows of one invoice that ``follow`` needs.

    Attributes:
        invoice: The invoice.
        messages: What was done about it.
        policy: Its policy.
        calendar: Business days.
        today: The customer's date.
        closed: Why mail cannot go now, or None.
        last: The customer's date of the last message about it.
        language: The language to write in.
    """

    invoice: Invoice
    messages: Sequence[Message]
    policy: Policy
    calendar: BusinessCalendar
    today: date
    closed: str | None
    last: date | None
    language: str


def follow(
    plan: InstalmentPlan, chase: Chase, rungs: Sequence[Rung]
) -> tuple[Action | None, Decision] | None:
    """The plan's action and decision for the invoice today; None to follow the ladder."""
    if plan.ended in ("cancelled", "paid"):
        return None
    inv = chase.invoice
    now = standing(plan, inv.amount_due, chase.today, chase.calendar)
    if plan.ended == "missed" or now.lapsed:
        return _resume(plan, chase, rungs, now)
    if not _sent(chase.messages, PLAN_CONFIRMED, plan.id):
        return _message(chase, plan, PLAN_CONFIRMED, plan.id, None, "confirm the instalment plan")
    if now.next is None or now.day is None:  # every instalment paid; the rest is a rounding
        return None, Decision(inv.number, "wait", "instalment plan: every instalment is paid")
    part, day = now.next, now.day
    when, amount = plan.schedule[part]
    which = f"instalment {part + 1} of {len(plan.schedule)} ({inv.currency} {amount}, {when})"
    cycle = plan_cycle(plan.id, part)
    if chase.today > day:
        if _sent(chase.messages, INSTALMENT_MISSED, cycle):
            lapse = day + timedelta(days=plan.grace_days + 1)
            reason = f"instalment plan: {which} missed; the plan ends on {lapse} unless it is paid"
            return None, Decision(inv.number, "wait", reason)
        return _message(chase, plan, INSTALMENT_MISSED, cycle, part, f"{which} was missed")
    if chase.today == day:
        if _sent(chase.messages, INSTALMENT_DUE, cycle):
            return None, Decision(inv.number, "wait", f"instalment plan: {which} reminded today")
        return _message(chase, plan, INSTALMENT_DUE, cycle, part, f"{which} is due today")
    soon = chase.calendar.next_business_day(when - timedelta(days=plan.remind_days_before))
    if soon <= chase.today < day and not _sent(chase.messages, INSTALMENT_SOON, cycle):
        return _message(chase, plan, INSTALMENT_SOON, cycle, part, f"{which} is coming due")
    nearest = soon if chase.today < soon else day
    reason = f"instalment plan: {which}; next reminder on {nearest}"
    return None, Decision(inv.number, "wait", reason)


def _sent(messages: Sequence[Message], stage: str, cycle: int) -> bool:
    """Whether the message of (stage, cycle) was claimed, whatever became of it."""
    return any(m.stage == stage and m.cycle == cycle for m in messages)


def _message(
    chase: Chase, plan: InstalmentPlan, stage: str, cycle: int, part: int | None, why: str
) -> tuple[Action | None, Decision]:
    number = chase.invoice.number
    if chase.last is not None and chase.last >= chase.today:
        reason = f"instalment plan: {why}; waits a day (one message a day about an invoice)"
        return None, Decision(number, "wait", reason)
    if chase.closed:
        return None, Decision(number, "wait", f"instalment plan: {why}; waits: {chase.closed}")
    action = InstalmentMessage(
        chase.invoice,
        stage,
        cycle,
        stage,
        chase.invoice.contact.emails,
        chase.language,
        plan.schedule,
        part,
    )
    return action, Decision(number, "act", f"instalment plan: {why}")


def _resume(
    plan: InstalmentPlan, chase: Chase, rungs: Sequence[Rung], now: Standing
) -> tuple[Action | None, Decision] | None:
    """A lapsed plan: the final notice now, unless the ladder already reached it."""
    final = final_notice(chase.policy)
    if final is None:
        return None
    index = next(i for i, r in enumerate(rungs) if r.stage.name == final.name and r.cycle == 0)
    due, zone = chase.invoice.due_date, chase.invoice.contact.timezone
    top = reached(chase.messages, rungs, due, lambda at: chase.calendar.today(at, zone))
    if top is not None and top >= index:
        return None  # the ladder is at the final notice or beyond: it goes on from there
    number = chase.invoice.number
    why = "the instalment plan lapsed (an instalment missed past the grace days)"
    gap = chase.policy.min_days_between
    if chase.last is not None and (chase.today - chase.last).days < max(gap, 1):
        earliest = chase.last + timedelta(days=max(gap, 1))
        return None, Decision(number, "wait", f"{why}; {final.name} waits until {earliest}")
    if chase.closed:
        return None, Decision(number, "wait", f"{why}; {final.name} waits: {chase.closed}")
    inv = chase.invoice
    action = SendReminder(
        inv,
        final.name,
        0,
        final.template_name,
        inv.contact.emails,
        final.cc,
        chase.language,
        final.attach_pdf,
    )
    return action, Decision(number, "act", f"{why}: the ladder resumes at {final.name}")
