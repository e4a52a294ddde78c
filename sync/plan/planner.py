"""Decide what to do today for every invoice. Pure: no clock, no network, no database.

The stages of the policy form a ladder that each invoice climbs one rung per message.
A rung is due when its offset from the due date has passed (moved to the next business
day) and at least ``min_days_between`` days have passed since the last message about the
invoice. Repeats of one stage collapse to the latest one due, notes meant for before the
due date collapse to the latest one and are dropped once the invoice is late, so missed
runs never cause a burst and an inherited backlog starts with the first overdue reminder.
Two messages about one invoice are never closer than the policy's gap between their
rungs: the next rung waits at least as many days after the previous message of any kind
(a resend and an acknowledgement count) as the policy puts between that rung and the
one before it, so an invoice behind its ladder climbs at the ladder's own rhythm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from connectors.models import Invoice, InvoiceStatus
from sync.config.policies import PolicyBook
from sync.config.settings import LanguageSettings, Policy, Stage
from sync.plan.actions import (
    INSTALMENT_REMINDERS,
    PLAN_CONFIRMED,
    Action,
    Decision,
    Escalate,
    Plan,
    ResendInvoice,
    SendReminder,
    SendStatement,
    ThankYou,
)
from sync.plan.calendar import BusinessCalendar
from sync.plan.cap import Planned, cap_per_customer
from sync.plan.grouping import group_by_customer
from sync.plan.history import History, MessageStatus
from sync.plan.instalments import Chase, follow
from sync.plan.reached import positions, reached


@dataclass(frozen=True, slots=True)
class Rung:
    """One step of the ladder: a stage and its repeat cycle, ``offset`` days from the due date."""

    stage: Stage
    cycle: int
    offset: int


def ladder(policy: Policy) -> tuple[Rung, ...]:
    """Expand the stages into rungs; a stage's repeats stop where the next stage begins."""
    rungs: list[Rung] = []
    stages = policy.stages
    for i, stage in enumerate(stages):
        limit = stages[i + 1].offset_days if i + 1 < len(stages) else None
        rungs.append(Rung(stage, 0, stage.offset_days))
        for cycle in range(1, stage.repeat_limit + 1):
            offset = stage.offset_days + cycle * (stage.repeat_every_days or 0)
            if limit is not None and offset >= limit:
                break
            rungs.append(Rung(stage, cycle, offset))
    return tuple(rungs)


def language_of(invoice: Invoice, languages: LanguageSettings) -> str:
    """The language to write to this invoice's customer in."""
    contact = invoice.contact
    chosen = languages.contacts.get(contact.id) or languages.contacts.get(contact.name)
    if chosen:
        return chosen
    if contact.language in ("en", "ar"):
        return contact.language
    return languages.default


def plan(
    invoices: Iterable[Invoice],
    history: Mapping[str, History],
    policy: Policy,
    calendar: BusinessCalendar,
    now: datetime,
    *,
    languages: LanguageSettings | None = None,
    policies: PolicyBook | None = None,
) -> Plan:
    """Decide the actions of a run at ``now``.

    Args:
        invoices: Open invoices, plus re-read invoices that have history but closed.
        history: What the state store knows, by invoice id.
        policy: The accountant's policy.
        calendar: Business days and send window.
        now: The moment of the run (aware).
        languages: Language choices; English by default.
        policies: The named policies and each customer's choice; ``policy`` for all
            when None.

    Returns:
        The plan: at most one action per invoice, and one decision per invoice (naming
        the policy it followed); at most ``max_messages_per_customer_per_day``
        reminders to one customer on one day (``sync.plan.cap``); under a policy with
        ``grouping: customer``, a customer's reminders of the day made one statement
        (``sync.plan.grouping``).
    """
    languages = languages or LanguageSettings()
    book = policies or PolicyBook(policy)
    ladders: dict[str, tuple[Rung, ...]] = {}
    planned: list[Planned] = []
    # The customer's date and whether mail may go out now depend only on the time zone.
    local: dict[str | None, tuple[date, str | None]] = {}
    no_history = History()
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.number)):
        zone = invoice.contact.timezone
        if zone not in local:
            local[zone] = (calendar.today(now, zone), calendar.why_closed(now, zone))
        today, closed = local[zone]
        choice = book.choose(invoice.contact)
        if choice.policy is None:
            reason = (
                f"customer {invoice.contact.name!r} has policy {choice.name!r} in the ledger,"
                " which is not a policy of the configuration; correct the ledger or add it"
                " under `policies`"
            )
            skip = Decision(invoice.number, "skip", reason, choice.name)
            planned.append(Planned(invoice, None, skip, None, today))
            continue
        rungs = ladders.get(choice.name) or ladders.setdefault(choice.name, ladder(choice.policy))
        past = history.get(invoice.id, no_history)
        last = _last_contact(past, calendar, zone) if past.messages else None
        ctx = _Context(invoice, past, choice.policy, calendar, now, today, closed, last)
        action, decision = _decide(ctx, rungs, language_of(invoice, languages))
        offset = 0
        if isinstance(action, SendReminder):
            offset = rungs[positions(rungs)[action.stage, action.cycle]].offset
        if choice.name != decision.policy:
            decision = replace(decision, policy=choice.name)
        listable = choice.policy.grouping == "customer" and _chasable(ctx, action)
        planned.append(Planned(invoice, action, decision, choice.policy, today, offset, listable))
    capped = cap_per_customer(group_by_customer(planned, history, calendar), history, calendar)
    actions = tuple(p.action for p in capped if p.action is not None)
    return Plan(actions, tuple(p.decision for p in capped))


@dataclass(frozen=True, slots=True)
class _Context:
    invoice: Invoice
    history: History
    policy: Policy
    calendar: BusinessCalendar
    now: datetime
    today: date  # the customer's date at ``now``
    closed: str | None  # why mail cannot go out to the customer at ``now``, or None
    last: date | None  # the customer's date of the last message about the invoice

    def last_contact(self) -> date | None:
        return self.last


def _last_contact(history: History, calendar: BusinessCalendar, zone: str | None) -> date | None:
    """The customer's date of the last message that may have reached them, if any."""
    sent = [
        m.at
        for m in history.messages
        if m.emailed
        and m.status in (MessageStatus.SENT, MessageStatus.PENDING, MessageStatus.UNKNOWN)
    ]
    return calendar.today(max(sent), zone) if sent else None


def _decide(ctx: _Context, rungs: Sequence[Rung], language: str) -> tuple[Action | None, Decision]:
    inv, number = ctx.invoice, ctx.invoice.number
    if inv.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOIDED, InvoiceStatus.DELETED):
        return None, Decision(number, "closed", f"invoice is {inv.status.value}")
    if inv.status is InvoiceStatus.CREDITED:
        return None, Decision(number, "closed", "settled without a payment (credited): no thanks")
    if inv.is_paid:
        return _thank(ctx, language)
    blocked = _blocked(ctx)
    if blocked is not None:
        return None, blocked
    if ctx.history.resend_requests:
        return _resend(ctx, language)
    plan_ = ctx.history.instalments
    if plan_ is not None:  # while a plan runs, its messages instead of the ladder's
        chase = Chase(
            inv,
            ctx.history.messages,
            ctx.policy,
            ctx.calendar,
            ctx.today,
            ctx.closed,
            ctx.last,
            language,
        )
        followed = follow(plan_, chase, rungs)
        if followed is not None:
            return followed
    return _climb(ctx, rungs, language)


def _chasable(ctx: _Context, action: Action | None) -> bool:
    """Whether a customer's statement may list the invoice (``sync.plan.grouping``)."""
    if not (action is None or isinstance(action, SendReminder)):
        return False
    inv, hist = ctx.invoice, ctx.history
    if not inv.is_open or inv.amount_due <= 0 or hist.resend_requests:
        return False
    if hist.instalments is not None and hist.instalments.ended is None:
        return False  # on an instalment plan: its own messages, never a statement's line
    handed = {s.name for s in ctx.policy.stages if s.action == "escalate"}
    if any(m.stage in handed for m in hist.messages):
        return False
    return _blocked(ctx) is None


def _blocked(ctx: _Context) -> Decision | None:
    inv, hist, policy = ctx.invoice, ctx.history, ctx.policy
    number = inv.number
    ex = policy.exclude
    if inv.contact.id in ex.contacts or inv.contact.name in ex.contacts:
        return Decision(number, "excluded", f"customer {inv.contact.name!r} is excluded")
    if number in ex.invoices or (inv.reference and inv.reference in ex.references):
        return Decision(number, "excluded", "the invoice is excluded")
    minimum = policy.minimum_amount.get(inv.currency, policy.minimum_amount.get("*"))
    if minimum is not None and inv.amount_due < minimum:
        return Decision(
            number, "wait", f"amount due {inv.amount_due} is below the minimum {minimum}"
        )
    if hist.paused:
        return Decision(number, "skip", f"paused: {hist.paused}")
    if any(m.status in (MessageStatus.PENDING, MessageStatus.UNKNOWN) for m in hist.messages):
        return Decision(number, "skip", "an earlier message may or may not have gone out; check it")
    if hist.snoozed_until and ctx.today < hist.snoozed_until:
        return Decision(number, "wait", f"snoozed until {hist.snoozed_until.isoformat()}")
    if not inv.contact.emails:
        return Decision(number, "skip", f"customer {inv.contact.name!r} has no email address")
    return None


def _thank(ctx: _Context, language: str) -> tuple[Action | None, Decision]:
    inv, hist, number = ctx.invoice, ctx.history, ctx.invoice.number
    emailed = {s.name for s in ctx.policy.stages if s.action == "email"} | {"resend"}
    emailed |= {PLAN_CONFIRMED, *INSTALMENT_REMINDERS}
    reminded = any(m.stage in emailed and m.status == MessageStatus.SENT for m in hist.messages)
    if not reminded or not ctx.policy.thank_you.enabled:
        return None, Decision(number, "closed", "paid")
    if any(m.stage == "thank_you" for m in hist.messages):
        return None, Decision(number, "closed", "paid; thanked")
    if not inv.contact.emails:
        return None, Decision(number, "skip", "paid, but the customer has no email to thank")
    closed = ctx.closed
    if closed:
        return None, Decision(number, "wait", f"thank-you waits: {closed}")
    action = ThankYou(inv, ctx.policy.thank_you.template, inv.contact.emails, language)
    return action, Decision(number, "act", "paid after reminders: thank the customer")


def _resend(ctx: _Context, language: str) -> tuple[Action | None, Decision]:
    inv, number = ctx.invoice, ctx.invoice.number
    request = min(ctx.history.resend_requests, key=lambda r: r.ordinal)
    closed = ctx.closed
    if closed:
        return None, Decision(number, "wait", f"resend requested; waits: {closed}")
    action = ResendInvoice(
        inv, request.ordinal, request.ref, ctx.policy.resend.template, inv.contact.emails, language
    )
    return action, Decision(number, "act", "the customer asked for the invoice again")


def _climb(ctx: _Context, rungs: Sequence[Rung], language: str) -> tuple[Action | None, Decision]:
    inv, number = ctx.invoice, ctx.invoice.number
    rung, next_date = _next_rung(ctx, rungs)
    if rung is None:
        if next_date is None:
            return None, Decision(number, "wait", "every stage of the policy is done")
        return None, Decision(number, "wait", f"next reminder on {next_date.isoformat()}")
    last = ctx.last_contact()
    gap = ctx.policy.min_days_between
    if last is not None and (ctx.today - last).days < gap:
        earliest = last + timedelta(days=gap)
        return None, Decision(number, "wait", f"{rung.stage.name} waits until {earliest} (spacing)")
    closed = ctx.closed
    if closed:
        return None, Decision(number, "wait", f"{rung.stage.name} is due; waits: {closed}")
    stage = rung.stage
    if stage.action == "escalate":
        esc = Escalate(inv, stage.name, rung.cycle, language)
        return esc, Decision(number, "act", f"{stage.name}: hand over to a person")
    action = SendReminder(
        inv,
        stage.name,
        rung.cycle,
        stage.template_name,
        inv.contact.emails,
        stage.cc,
        language,
        stage.attach_pdf,
        stage.channels,
    )
    return action, Decision(number, "act", f"{stage.name} reminder is due")


def _next_rung(ctx: _Context, rungs: Sequence[Rung]) -> tuple[Rung | None, date | None]:
    """The rung to send now (or None), and otherwise the date the next one falls due."""
    today, due = ctx.today, ctx.invoice.due_date
    zone = ctx.invoice.contact.timezone
    top = reached(ctx.history.messages, rungs, due, lambda at: ctx.calendar.today(at, zone))
    start = top + 1 if top is not None else 0
    late = today > due
    # Dates are worked out only as far as needed: the rest of the ladder is later.
    upcoming = (
        (
            index,
            rungs[index],
            ctx.calendar.next_business_day(due + timedelta(days=rungs[index].offset)),
        )
        for index in range(start, len(rungs))
        if not (
            late and rungs[index].offset <= 0
        )  # a note meant for before the due date is wrong now
    )
    found = next(upcoming, None)
    if found is None:
        return None, None
    index, first, first_date = found
    first_date = max(first_date, _spaced(ctx, rungs, index))
    if first_date > today:
        return None, first_date
    chosen = first
    for later, rung, when in upcoming:
        if when > today:
            break
        same_stage = rung.stage.name == first.stage.name
        both_before_due = first.offset <= 0 and rung.offset <= 0
        if (same_stage or both_before_due) and _spaced(ctx, rungs, later) <= today:
            chosen = rung  # collapse repeats, and notes before the due date, to the latest due
    return chosen, None


def _spaced(ctx: _Context, rungs: Sequence[Rung], index: int) -> date:
    """The first day rung ``index`` may go, counted from the last message about the invoice.

    The gap is the policy's own between that rung and the one before it on the ladder
    (7 days for a weekly rung, after the overdue rung or another weekly one), and never
    less than ``min_days_between``: a resend or an acknowledgement is contact too, so the
    ladder does not bunch up after one.
    """
    last = ctx.last_contact()
    if last is None:
        return date.min
    gap = rungs[index].offset - rungs[index - 1].offset if index > 0 else 0
    days = max(gap, ctx.policy.min_days_between)
    return ctx.calendar.next_business_day(last + timedelta(days=days))


def plan_rows(result: Plan, policy_of: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """The plan as plain rows, as ``tahseel plan --json`` prints it.

    ``policy_of`` gives each invoice's policy by number (from ``result``'s decisions
    when None). ``statement`` lists the invoices of a customer's statement (empty for
    any other action).
    """
    rows = []
    if policy_of is None:
        policy_of = {d.invoice: d.policy for d in result.decisions}
    for a in result.actions:
        inv = a.invoice
        rows.append(
            {
                "invoice": inv.number,
                "invoice_id": inv.id,
                "customer": inv.contact.name,
                "policy": policy_of.get(inv.number, "default"),
                "stage": a.stage,
                "cycle": a.cycle,
                "action": a.action,
                "to": list(a.to),
                "cc": list(getattr(a, "cc", ())),
                "language": a.language,
                "amount_due": str(inv.amount_due),
                "currency": inv.currency,
                "due_date": inv.due_date.isoformat(),
                "attach_pdf": bool(getattr(a, "attach_pdf", False)),
                "statement": (
                    [listed.number for listed in a.invoices] if isinstance(a, SendStatement) else []
                ),
            }
        )
    return rows
