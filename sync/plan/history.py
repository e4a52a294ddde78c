"""What the state store knows about an invoice, as the planner reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
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
class History:
    """Everything the state store knows about one invoice."""

    messages: tuple[Message, ...] = ()
    paused: str | None = None
    snoozed_until: date | None = None
    resend_requests: tuple[ResendRequest, ...] = ()
