"""What a run can do about an invoice: the planner's actions and its decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from connectors.models import Invoice


class ActionKind(StrEnum):
    """Every kind of step the outbox records about an invoice."""

    SEND_REMINDER = "send_reminder"
    RESEND_INVOICE = "resend_invoice"
    THANK_YOU = "thank_you"
    ESCALATE = "escalate"
    ACKNOWLEDGE = "acknowledge"
    PAUSE = "pause"
    """Reminders stopped until a person resumes them (no email)."""
    SNOOZE = "snooze"
    """Reminders wait for a promised date (no email)."""
    NOTICE = "notice"
    """An email to the business's own people, not to the customer."""
    LATE_FEE = "late_fee"
    """A late fee invoiced in the ledger (no email; the stage's message states it)."""
    INSTALMENT = "instalment"
    """A message of an instalment plan: its confirmation, or a reminder of one instalment."""
    PLAN_ENDED = "plan_ended"
    """An instalment plan ended (missed, or cancelled by a person): a note, no email."""
    SEND_STATEMENT = "send_statement"
    """One email to a customer listing several invoices (one outbox row per invoice)."""


@dataclass(frozen=True, slots=True)
class SendReminder:
    """Email the customer the reminder of one rung."""

    invoice: Invoice
    stage: str
    cycle: int
    template: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    language: str
    attach_pdf: bool
    channels: tuple[str, ...] = ("email",)
    """The stage's channels (its policy's): the text channels beside the email."""
    action: ActionKind = ActionKind.SEND_REMINDER


@dataclass(frozen=True, slots=True)
class ResendInvoice:
    """Send the invoice again, attached, because the customer asked."""

    invoice: Invoice
    cycle: int
    request_ref: str
    template: str
    to: tuple[str, ...]
    language: str
    stage: str = "resend"
    attach_pdf: bool = True
    cc: tuple[str, ...] = ()
    action: ActionKind = ActionKind.RESEND_INVOICE


@dataclass(frozen=True, slots=True)
class ThankYou:
    """Thank the customer once for paying a reminded invoice."""

    invoice: Invoice
    template: str
    to: tuple[str, ...]
    language: str
    stage: str = "thank_you"
    cycle: int = 0
    attach_pdf: bool = False
    cc: tuple[str, ...] = ()
    action: ActionKind = ActionKind.THANK_YOU


@dataclass(frozen=True, slots=True)
class Escalate:
    """Hand the invoice to a person (a lawyer, a collection agency) with its dossier."""

    invoice: Invoice
    stage: str
    cycle: int
    language: str
    to: tuple[str, ...] = ()
    action: ActionKind = ActionKind.ESCALATE


PLAN_CONFIRMED = "plan_confirmed"
"""The stage (and template) of the message confirming a recorded instalment plan."""
INSTALMENT_SOON = "instalment_soon"
"""The courtesy reminder ``instalments.remind_days_before`` days before an instalment."""
INSTALMENT_DUE = "instalment_due"
"""The reminder on an instalment's date."""
INSTALMENT_MISSED = "instalment_missed"
"""The one reminder after an instalment's date passed unpaid."""
INSTALMENT_REMINDERS = (INSTALMENT_SOON, INSTALMENT_DUE, INSTALMENT_MISSED)
"""The stages of an instalment's reminders: no rung of a ladder, but reminders for the
per-customer cap."""


def plan_cycle(plan_id: int, part: int) -> int:
    """The outbox cycle of a reminder of instalment ``part`` (from 0) of plan ``plan_id``."""
    return plan_id * 1000 + part + 1


@dataclass(frozen=True, slots=True)
class InstalmentMessage:
    """A message of an invoice's instalment plan (``sync.plan.instalments``).

    ``stage`` is ``plan_confirmed`` (``cycle``: the plan's id) or one of the
    reminders of an instalment (``cycle``: ``plan_cycle(plan, part)``); ``part`` is the
    instalment's index (from 0), None for the confirmation.
    """

    invoice: Invoice
    stage: str
    cycle: int
    template: str
    to: tuple[str, ...]
    language: str
    schedule: tuple[tuple[date, Decimal], ...]
    part: int | None = None
    attach_pdf: bool = False
    cc: tuple[str, ...] = ()
    action: ActionKind = ActionKind.INSTALMENT


@dataclass(frozen=True, slots=True)
class SendStatement:
    """Email a customer one statement listing its chasable invoices (``sync.plan.grouping``).

    ``invoice`` is the listed invoice at the statement's rung (the highest reached);
    ``cycle`` is the customer's date as an ordinal: at most one statement a day.
    """

    invoice: Invoice
    invoices: tuple[Invoice, ...]
    stage: str
    cycle: int
    template: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    language: str
    attach_pdf: bool
    action: ActionKind = ActionKind.SEND_STATEMENT


Action = SendReminder | ResendInvoice | ThankYou | Escalate | InstalmentMessage | SendStatement


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """Thank the customer for a promise to pay and confirm the date (``cycle``: the reply)."""

    invoice: Invoice
    cycle: int
    promised: date
    template: str
    to: tuple[str, ...]
    language: str
    stage: str = "acknowledge"
    attach_pdf: bool = False
    cc: tuple[str, ...] = ()
    action: ActionKind = ActionKind.ACKNOWLEDGE


EmailAction = SendReminder | ResendInvoice | ThankYou | Acknowledge | InstalmentMessage


@dataclass(frozen=True, slots=True)
class Decision:
    """What the planner concluded for one invoice: act, wait, or skip (needs a person)."""

    invoice: str
    outcome: Literal["act", "wait", "skip", "excluded", "closed"]
    """``skip`` needs a person; ``excluded`` is the policy's own choice and needs none."""
    reason: str
    policy: str = "default"
    """The name of the policy the invoice follows (``default`` for ``policy``)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """The actions of one run, and a decision for every invoice looked at."""

    actions: tuple[Action, ...]
    decisions: tuple[Decision, ...] = field(default=())

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """``(invoice number, reason)`` for each skip a person should see."""
        return tuple((d.invoice, d.reason) for d in self.decisions if d.outcome == "skip")

    @property
    def excluded(self) -> tuple[tuple[str, str], ...]:
        """``(invoice number, reason)`` for each invoice the policy excludes."""
        return tuple((d.invoice, d.reason) for d in self.decisions if d.outcome == "excluded")
