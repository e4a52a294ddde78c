"""One customer, at most ``max_messages_per_customer_per_day`` reminders a day. Pure.

A customer with several invoices reaching rungs on one day gets the most urgent first:
the reminder whose rung fell due first (its invoice's due date plus the rung's offset),
so a reminder held back goes before any that fell due after it and none waits for
ever; among rungs that fell due the same day, the highest rung (its offset from the due
date), then the most days late, then the invoice number. The others wait for a following
business day (the planner decides them again then). Reminders already sent, or perhaps sent, to the
customer on the customer's date count against the cap. Resends and thank-yous answer the
customer or close the matter, so they neither count nor wait; an escalation is no email
to the customer and neither counts nor waits. An instalment's reminders
(``sync.plan.instalments``) count and wait like a rung's; a plan's confirmation does not.
A statement (``sync.plan.grouping``) is one message however many invoices it lists: it
counts, and is held, as one reminder.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from connectors.models import Invoice
from sync.config.policy import Policy
from sync.plan.actions import (
    INSTALMENT_REMINDERS,
    Action,
    Decision,
    InstalmentMessage,
    SendReminder,
    SendStatement,
)
from sync.plan.calendar import BusinessCalendar
from sync.plan.history import History, Message, MessageStatus

OFF_LADDER = frozenset({"resend", "thank_you", "acknowledge", "pause", "plan_confirmed"})
"""Stages of messages that are no rung of any ladder."""


@dataclass(frozen=True, slots=True)
class Planned:
    """What the planner decided for one invoice, before the customer's cap.

    Attributes:
        invoice: The invoice.
        action: The action, if any.
        decision: The decision.
        policy: The policy the invoice follows (None when the ledger names no known one).
        today: The customer's date.
        offset: The offset of the action's rung from the due date (reminders only).
        chasable: A statement of the customer may list it (``sync.plan.grouping``).
    """

    invoice: Invoice
    action: Action | None
    decision: Decision
    policy: Policy | None
    today: date
    offset: int = 0
    chasable: bool = False


def reminders_today(
    history: History, calendar: BusinessCalendar, zone: str | None, today: date
) -> int:
    """Reminders about one invoice that went out (or may have) on the customer's ``today``.

    A statement is counted apart (``statements_today``): it is one message for many.
    """
    return sum(1 for m in _today(history, calendar, zone, today) if not m.statement)


def statements_today(
    history: History, calendar: BusinessCalendar, zone: str | None, today: date
) -> set[tuple[str, int]]:
    """The statements listing the invoice that went out (or may have) on ``today``."""
    return {(m.stage, m.cycle) for m in _today(history, calendar, zone, today) if m.statement}


def _today(
    history: History, calendar: BusinessCalendar, zone: str | None, today: date
) -> list[Message]:
    return [
        m
        for m in history.messages
        if m.emailed
        and m.stage not in OFF_LADDER
        and m.status in (MessageStatus.SENT, MessageStatus.PENDING, MessageStatus.UNKNOWN)
        and abs((m.at.date() - today).days) <= 1  # no time zone is further off than a day
        and calendar.today(m.at, zone) == today
    ]


def cap_per_customer(
    planned: Sequence[Planned], history: Mapping[str, History], calendar: BusinessCalendar
) -> list[Planned]:
    """Hold back the reminders past each customer's daily cap (same order as ``planned``)."""
    by_customer: dict[str, list[int]] = defaultdict(list)
    for index, entry in enumerate(planned):
        by_customer[entry.invoice.contact.id].append(index)
    result = list(planned)
    for indexes in by_customer.values():
        reminders = [i for i in indexes if _reminder(planned[i].action)]
        if not reminders:
            continue
        first = planned[reminders[0]]
        assert first.policy is not None  # a reminder is only planned under a policy
        cap = first.policy.max_messages_per_customer_per_day
        zone = first.invoice.contact.timezone
        known = [
            history[p.invoice.id] for p in (planned[i] for i in indexes) if p.invoice.id in history
        ]
        sent = sum(reminders_today(h, calendar, zone, first.today) for h in known)
        sent += len(set().union(*(statements_today(h, calendar, zone, first.today) for h in known)))
        ranked = sorted(reminders, key=lambda i: _urgency(planned[i]))
        room = max(cap - sent, 0)
        for i in ranked[room:]:
            result[i] = _held(planned[i], cap, sent, ranked[:room], planned)
    return result


def _reminder(action: Action | None) -> bool:
    """A ladder's reminder or an instalment's: what the cap holds back."""
    if isinstance(action, InstalmentMessage):
        return action.stage in INSTALMENT_REMINDERS
    return isinstance(action, SendReminder | SendStatement)


def _urgency(entry: Planned) -> tuple[date, int, int, str]:
    inv = entry.invoice
    late = (entry.today - inv.due_date).days
    return (inv.due_date + timedelta(days=entry.offset), -entry.offset, -late, inv.number)


def _held(
    entry: Planned, cap: int, sent: int, going: Sequence[int], planned: Sequence[Planned]
) -> Planned:
    stage = entry.action.stage if entry.action else "reminder"
    name = entry.invoice.contact.name
    first = ", ".join(planned[i].invoice.number for i in going)
    today = f"{first} goes today" if first else f"{sent} already went today"
    reason = (
        f"{stage} is due but held: customer {name!r} gets at most {cap} reminder(s) a day"
        f" (max_messages_per_customer_per_day) and {today}; it goes on a following"
        " business day"
    )
    held = Decision(entry.decision.invoice, "wait", reason, entry.decision.policy)
    return Planned(entry.invoice, None, held, entry.policy, entry.today, entry.offset)
