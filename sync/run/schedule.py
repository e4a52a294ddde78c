"""What an instalment plan's messages and notes say of the plan. Pure.

The templates of a plan (``plan_confirmed``, ``instalment_soon``, ``instalment_due``,
``instalment_missed``) see ``plan`` (every instalment, its date, amount and whether
it is paid) and ``instalment`` (the one a reminder is about).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sync.plan.actions import INSTALMENT_DUE, INSTALMENT_MISSED, INSTALMENT_SOON, PLAN_CONFIRMED
from sync.plan.history import InstalmentPlan

Schedule = tuple[tuple[date, Decimal], ...]

PLAN_TEMPLATES = (PLAN_CONFIRMED, INSTALMENT_SOON, INSTALMENT_DUE, INSTALMENT_MISSED)
"""The templates of an instalment plan's messages (each named as its stage)."""

NOTE_WORDS = {
    PLAN_CONFIRMED: "instalment plan {plan} confirmed to the customer by email to {to}",
    INSTALMENT_SOON: "reminder of instalment {part} (coming due) emailed to {to}",
    INSTALMENT_DUE: "reminder of instalment {part} (due today) emailed to {to}",
    INSTALMENT_MISSED: "reminder of missed instalment {part} emailed to {to}",
}
"""The ledger note of each message of a plan (``cycle`` gives the plan and the part)."""


def plan_context(schedule: Schedule, part: int | None, amount_due: Decimal) -> dict[str, Any]:
    """``plan`` and ``instalment`` as the templates see them.

    Args:
        schedule: The plan's dates and amounts.
        part: The instalment a reminder is about (from 0); None for the confirmation.
        amount_due: What the invoice owes now (instalments paid are marked so).
    """
    plan = InstalmentPlan(0, schedule)
    rows = [
        {
            "number": i + 1,
            "date": day,
            "amount": amount,
            "paid": amount_due <= plan.remaining_after(i),
            "remaining_after": plan.remaining_after(i),
        }
        for i, (day, amount) in enumerate(schedule)
    ]
    return {
        "plan": {"instalments": rows, "count": len(rows), "total": plan.total},
        "instalment": rows[part] if part is not None else None,
    }


def sample_plan(stage: str, amount_due: Decimal, today: date) -> dict[str, Any] | None:
    """What ``tahseel check`` renders a plan's template with: three instalments, one paid."""
    if stage not in PLAN_TEMPLATES:
        return None
    third = (amount_due / 3).quantize(Decimal("0.01"))
    amounts = (third, third, amount_due - 2 * third)
    schedule = tuple((today + timedelta(days=30 * i - 30), a) for i, a in enumerate(amounts))
    return plan_context(schedule, None if stage == PLAN_CONFIRMED else 1, amount_due - third)


def note_words(stage: str, cycle: int, to: str) -> str:
    """The note of one message of a plan, from its outbox row alone (the same after a crash)."""
    plan, part = (cycle, 0) if stage == PLAN_CONFIRMED else divmod(cycle, 1000)
    return NOTE_WORDS[stage].format(plan=plan, part=part, to=to)


def ended_detail(plan: InstalmentPlan, part: int, currency: str, final: str | None) -> str:
    """Why a lapsed plan ended, as its note says it."""
    day, amount = plan.schedule[part]
    then = f"the ladder resumes at {final!r}" if final else "the ladder resumes"
    return (
        f"plan {plan.id}: instalment {part + 1} of {len(plan.schedule)} ({currency} {amount},"
        f" {day}) not paid within {plan.grace_days} days; {then}"
    )
