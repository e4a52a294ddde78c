"""What the state store knows about an invoice, as the planner reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class MessageStatus(StrEnum):
    """Where an outbox row stands: the steps of exactly-once sending."""

    PENDING = "pending"
    """Intent recorded; the send has not been confirmed."""
    SENT = "sent"
    """The mailbox accepted it (or the action needed no email)."""
    UNKNOWN = "unknown"
    """The send may have happened; the mailbox must settle it before the next rung."""
    FAILED = "failed"
    """Refused for good (a bad address, a refused message)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One thing already done about an invoice, as the outbox remembers it."""

    stage: str
    cycle: int
    at: datetime
    status: MessageStatus = MessageStatus.SENT
    emailed: bool = True
    statement: bool = False
    """Sent as part of a customer's statement (one message for several invoices)."""


@dataclass(frozen=True, slots=True)
class ResendRequest:
    """A customer's request to have the invoice sent again (ordinal counts from 1)."""

    ref: str
    at: datetime
    ordinal: int


@dataclass(frozen=True, slots=True)
class InstalmentPlan:
    """An invoice's latest instalment plan, as ``tahseel instalments`` recorded it.

    Attributes:
        id: The plan's id in the state store (its messages' rungs are keyed by it).
        schedule: Each instalment's date and amount, in date order; they add up to the
            amount due when the plan was recorded.
        ended: None while the plan runs; ``missed``, ``cancelled`` or ``paid`` once ended.
        remind_days_before: Days before an instalment that its courtesy reminder goes.
        grace_days: Days past a missed instalment before the plan ends.
    """

    id: int
    schedule: tuple[tuple[date, Decimal], ...]
    ended: str | None = None
    remind_days_before: int = 3
    grace_days: int = 7

    @property
    def total(self) -> Decimal:
        """The amount the plan covers: the sum of its instalments."""
        return sum((amount for _, amount in self.schedule), Decimal(0))

    def remaining_after(self, part: int) -> Decimal:
        """What is still owed once instalment ``part`` (from 0) and those before it are paid."""
        return self.total - sum((a for _, a in self.schedule[: part + 1]), Decimal(0))


@dataclass(frozen=True, slots=True)
class History:
    """Everything the state store knows about one invoice."""

    messages: tuple[Message, ...] = ()
    paused: str | None = None
    snoozed_until: date | None = None
    resend_requests: tuple[ResendRequest, ...] = ()
    instalments: InstalmentPlan | None = None
    """The invoice's latest instalment plan, running or ended (``sync.plan.instalments``)."""
