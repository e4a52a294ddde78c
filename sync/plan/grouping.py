"""One statement per customer: the day's reminders of a customer made one message. Pure.

Under a policy with ``grouping: customer``, on a day when any of a customer's invoices
reaches a rung (the planner decided a reminder for it), the customer gets one statement
instead: one email listing every chasable invoice of the customer, at the highest rung
reached among the day's reminders (the rung's offset from the due date; the latest
invoice number breaks a tie), with that rung's ``<template>_statement`` template.

An invoice is *chasable* when it is open with an amount due, not excluded by the
policy, not below its ``minimum_amount``, not paused or snoozed, with no message whose
sending is unsettled, no resend asked for, not escalated, and its customer has an
email address (``sync.plan.planner`` marks it so). An invoice not yet due is listed too:
a statement is the customer's whole account.

Each listed invoice's ladder then advances as if it had been reminded that day: the
outbox records one row per listed invoice (action ``send_statement``, the statement's
stage, ``cycle`` the customer's date as an ordinal), which counts as the last email rung
whose offset is at most the days the invoice was late that day (``sync.plan.reached``),
and as the invoice's last contact, so its next rung waits the policy's gap. The next
statement also waits ``min_days_between`` days (at least one) after the customer's last
statement, and a customer already at ``max_messages_per_customer_per_day`` today gets
it on a following business day. A statement is one message for the cap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from sync.plan.actions import Decision, SendReminder, SendStatement
from sync.plan.calendar import BusinessCalendar
from sync.plan.cap import Planned, reminders_today, statements_today
from sync.plan.history import History, MessageStatus

STATEMENT_SUFFIX = "_statement"
"""A stage's statement template is its template's name with this suffix."""


def statement_template(template: str) -> str:
    """The statement template of a stage whose own template is ``template``."""
    return f"{template}{STATEMENT_SUFFIX}"


def group_by_customer(
    planned: Sequence[Planned], history: Mapping[str, History], calendar: BusinessCalendar
) -> list[Planned]:
    """Make the reminders of each customer under ``grouping: customer`` one statement.

    Args:
        planned: The planner's decision for every invoice, before the daily cap.
        history: What the state store knows, by invoice id.
        calendar: Business days (a held statement goes on a following one).

    Returns:
        ``planned`` (same order) with, for each such customer with a reminder due, the
        statement as the action of the invoice at its rung, every other listed invoice
        decided ``act`` without an action of its own, and no other reminder.
    """
    customers: dict[str, list[int]] = defaultdict(list)
    for index, entry in enumerate(planned):
        if entry.policy is not None and entry.policy.grouping == "customer":
            customers[entry.invoice.contact.id].append(index)
    result = list(planned)
    for indexes in customers.values():
        due = [i for i in indexes if isinstance(planned[i].action, SendReminder)]
        if due:
            for i, entry in _statement(planned, indexes, due, history, calendar):
                result[i] = entry
    return result


def _statement(
    planned: Sequence[Planned],
    indexes: list[int],
    due: list[int],
    history: Mapping[str, History],
    calendar: BusinessCalendar,
) -> list[tuple[int, Planned]]:
    """The new decisions of one customer's invoices with reminders ``due`` today."""
    lead_index = max(due, key=lambda i: (planned[i].offset, planned[i].invoice.number))
    lead = planned[lead_index]
    reminder = lead.action
    assert isinstance(reminder, SendReminder) and lead.policy is not None
    policy, today, contact = lead.policy, lead.today, lead.invoice.contact
    known = [history[planned[i].invoice.id] for i in indexes if planned[i].invoice.id in history]
    why = _why_wait(known, calendar, contact.timezone, today, policy.min_days_between)
    if why is None:
        sent = sum(reminders_today(h, calendar, contact.timezone, today) for h in known)
        statements: set[tuple[str, int]] = set()
        for h in known:
            statements |= statements_today(h, calendar, contact.timezone, today)
        cap = policy.max_messages_per_customer_per_day
        if sent + len(statements) >= cap:
            why = (
                f"customer {contact.name!r} already got {cap} message(s) today"
                " (max_messages_per_customer_per_day); it goes on a following business day"
            )
    if why is not None:
        return [
            (i, _wait(planned[i], f"{planned[i].decision.reason}; the statement waits: {why}"))
            for i in due
        ]
    listed = sorted(
        (i for i in indexes if planned[i].chasable),
        key=lambda i: (planned[i].invoice.due_date, planned[i].invoice.number),
    )
    invoices = tuple(planned[i].invoice for i in listed)
    statement = SendStatement(
        lead.invoice,
        invoices,
        reminder.stage,
        today.toordinal(),
        statement_template(reminder.template),
        reminder.to,
        reminder.cc,
        reminder.language,
        reminder.attach_pdf,
    )
    numbers = ", ".join(inv.number for inv in invoices)
    changed = [
        (
            lead_index,
            replace(
                lead,
                action=statement,
                decision=replace(
                    lead.decision,
                    reason=f"{reminder.stage} statement is due: lists {numbers}",
                ),
            ),
        )
    ]
    for i in listed:
        if i != lead_index:
            entry = planned[i]
            reason = f"listed in the {reminder.stage} statement with {lead.invoice.number}"
            changed.append((i, replace(entry, action=None, decision=_act(entry, reason))))
    for i in due:
        if i not in listed:  # cannot be: a reminder is chasable; kept safe all the same
            changed.append((i, _wait(planned[i], "not listed in the customer's statement")))
    return changed


def _why_wait(
    known: Sequence[History],
    calendar: BusinessCalendar,
    zone: str | None,
    today: date,
    gap: int,
) -> str | None:
    """Why the customer's statement waits for its spacing (None: it may go today)."""
    last: date | None = None
    for h in known:
        for m in h.messages:
            if m.statement and m.status != MessageStatus.FAILED:
                day = calendar.today(m.at, zone)
                last = day if last is None or day > last else last
    days = max(gap, 1)  # one statement a day at most: its key is the customer's date
    if last is None or (today - last).days >= days:
        return None
    earliest = calendar.next_business_day(last + timedelta(days=days))
    return f"the customer's last statement went on {last}; the next waits until {earliest}"


def _act(entry: Planned, reason: str) -> Decision:
    return Decision(entry.decision.invoice, "act", reason, entry.decision.policy)


def _wait(entry: Planned, reason: str) -> Planned:
    decision = Decision(entry.decision.invoice, "wait", reason, entry.decision.policy)
    return replace(entry, action=None, decision=decision)
