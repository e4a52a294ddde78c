"""The state store's tables: the outbox, controls, replies, cursors, runs, the ledger cache.

Every datetime is stored as UTC and read back aware, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from sync.plan.actions import ActionKind

INTERNAL_ACTIONS = (
    ActionKind.NOTICE,
    ActionKind.SNOOZE,
    ActionKind.LATE_FEE,
    ActionKind.PLAN_ENDED,
)
"""Outbox actions that are not contact with the customer: no rung, no thread."""

NOT_IN_THREAD = (*INTERNAL_ACTIONS, ActionKind.ESCALATE, ActionKind.SEND_STATEMENT)
"""Outbox actions whose messages never join the invoice's thread: the escalation's
dossier goes to the business's people, as a notice does; a statement is in the
customer's own thread (``sync.store.statements``)."""

RESEND_KIND = "invoice_not_received"
"""The reply kind that asks for the invoice again."""
MACHINE_KINDS = ("auto_reply",)
"""Reply kinds a machine wrote (out-of-office, bounces): not a customer's answer."""
SEND_REMINDER = ActionKind.SEND_REMINDER


class _UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of every table of the state store."""


class OutboxRow(Base):
    """One intended or completed action on one invoice (email, escalation)."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("tenant", "invoice_id", "stage", "cycle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    invoice_id: Mapped[str] = mapped_column(String(200))
    invoice_number: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(60))
    cycle: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))  # pending, sent, unknown, failed
    message_id: Mapped[str | None] = mapped_column(String(400), nullable=True)
    thread: Mapped[str | None] = mapped_column(String(400), nullable=True)
    transport_ref: Mapped[str | None] = mapped_column(String(400), nullable=True)
    recipients: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str | None] = mapped_column(Text, nullable=True)
    request_ref: Mapped[str | None] = mapped_column(String(400), nullable=True)
    created_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)
    noted_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class TextRow(Base):
    """One WhatsApp or SMS message of a rung: intended, sent, settled, noted.

    Unique per (tenant, invoice, stage, cycle, channel), as an email's ``OutboxRow`` is
    per rung: the rung itself is the email's row, a text beside it is one of these.
    """

    __tablename__ = "texts"
    __table_args__ = (UniqueConstraint("tenant", "invoice_id", "stage", "cycle", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    invoice_id: Mapped[str] = mapped_column(String(200))
    invoice_number: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(60))
    cycle: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40))
    tag: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    """The message as sent, to send it again unchanged: JSON (``body``, or ``template``
    and ``variables``)."""
    status: Mapped[str] = mapped_column(String(20))  # pending, sent, unknown, failed, deferred
    ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    segments: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)
    noted_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class OptOutRow(Base):
    """A number that asked for no more messages (STOP, إيقاف), until ``tahseel opt-in``."""

    __tablename__ = "opt_outs"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), primary_key=True)
    since: Mapped[datetime] = mapped_column(_UTCDateTime())
    how: Mapped[str] = mapped_column(Text)


class ControlRow(Base):
    """A person's or a reply's hold on an invoice: paused, snoozed, or closed for good."""

    __tablename__ = "controls"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(200))
    paused: Mapped[str | None] = mapped_column(Text, nullable=True)
    snoozed_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(_UTCDateTime())


class ReplyRow(Base):
    """A customer's message seen in the mailbox, and what it was understood to say."""

    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("tenant", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    ref: Mapped[str] = mapped_column(String(400))
    message_id: Mapped[str] = mapped_column(String(400))
    invoice_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    invoice_number: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))
    sender: Mapped[str] = mapped_column(String(400))
    received_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)
    promised: Mapped[date | None] = mapped_column(Date, nullable=True)


class PromiseRow(Base):
    """A customer's promise to pay by a date, the amount due then, and whether it was kept.

    ``kept`` is decided at the first run after the promised day: kept when the invoice
    was paid by then or owed less than when the promise was made.
    """

    __tablename__ = "promises"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    reply_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(200))
    promised: Mapped[date] = mapped_column(Date)
    amount_due: Mapped[str] = mapped_column(String(40))
    made_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    kept: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    judged_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)


class PlanRow(Base):
    """An invoice's instalment plan, recorded by ``tahseel instalments`` (``sync.store.plans``).

    ``schedule`` is JSON: ``[["2027-01-15", "333.33"], ...]``, in date order. A plan runs
    until ``ended`` says why it stopped: ``missed``, ``cancelled`` or ``paid``.
    """

    __tablename__ = "instalment_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    invoice_id: Mapped[str] = mapped_column(String(200))
    invoice_number: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    schedule: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    ended: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)


class CursorRow(Base):
    """Where the last read of a feed stopped (mailbox replies, ledger changes)."""

    __tablename__ = "cursors"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class RunRow(Base):
    """One run of the job and its summary."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(_UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(_UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="{}")


class FailingAddressRow(Base):
    """An address a delivery failure report named: not emailed again until it changes."""

    __tablename__ = "failing_addresses"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    address: Mapped[str] = mapped_column(String(400), primary_key=True)
    since: Mapped[datetime] = mapped_column(_UTCDateTime())
    invoice_number: Mapped[str | None] = mapped_column(String(200), nullable=True)


class CachedInvoiceRow(Base):
    """The last known copy of an invoice from a ledger read incrementally."""

    __tablename__ = "ledger_invoices"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[str] = mapped_column(Text)


class PaymentLinkRow(Base):
    """A payment link fetched from the ledger, kept so it is fetched once per invoice."""

    __tablename__ = "payment_links"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    invoice_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    link: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(_UTCDateTime())


class StatementRow(Base):
    """One statement to a customer: what keeps one mail thread per customer.

    Its outbox rows, one per listed invoice, share its Message-ID (``sync.store.statements``).
    """

    __tablename__ = "statements"

    tenant: Mapped[str] = mapped_column(String(200), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(400), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(200), index=True)
    stage: Mapped[str] = mapped_column(String(60))
    cycle: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(_UTCDateTime())


@dataclass(frozen=True, slots=True)
class ThreadInfo:
    """The mail thread of one invoice: its id, subject and Message-IDs, oldest first."""

    thread: str | None
    subject: str | None
    message_ids: tuple[str, ...]
    replied: bool = False
    """A customer's own reply (not an automatic one) is on record for the invoice."""
    promised: date | None = None
    """The latest date a reply promised payment by, if any."""
    reminders_sent: int = 0
    """Reminders (``send_reminder`` rows) the mailbox accepted for the invoice."""
