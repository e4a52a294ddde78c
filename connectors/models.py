"""Domain types shared by every ledger: invoices and the contacts they are billed to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class InvoiceStatus(StrEnum):
    """Where an invoice stands in the ledger, normalised across ledgers."""

    DRAFT = "draft"
    OPEN = "open"
    PAID = "paid"
    """Settled, and the ledger shows a payment on it."""
    CREDITED = "credited"
    """Nothing left due, but no payment settled it (a credit note, a write-off)."""
    VOIDED = "voided"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Contact:
    """The customer an invoice is billed to.

    Attributes:
        id: The ledger's id for the contact.
        name: Display name, as the ledger holds it.
        emails: Addresses to send to, in the ledger's order; may be empty.
        language: Preferred language code (``en``, ``ar``) if the ledger knows it.
        timezone: IANA time zone overriding the business's for the send window.
        salutation: ``company`` or ``person`` when the ledger says how to address it.
        policy: The name of the policy the ledger gives the customer (a CSV column, a
            Xero contact group, a QuickBooks custom field), if any.
        phones: Phone numbers as the ledger holds them (mobile first), not normalised.
        channels: The channels the customer prefers (``whatsapp``, ``sms``, ``email``)
            when the ledger says; empty when it does not.
    """

    id: str
    name: str
    emails: tuple[str, ...] = ()
    language: str | None = None
    timezone: str | None = None
    salutation: str | None = None
    policy: str | None = None
    phones: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Invoice:
    """A sales invoice (a receivable), normalised from any ledger.

    Money is always ``Decimal``; ``updated_at`` is timezone-aware when known.
    """

    id: str
    number: str
    contact: Contact
    currency: str
    total: Decimal
    amount_due: Decimal
    issue_date: date
    due_date: date
    status: InvoiceStatus
    reference: str | None = None
    updated_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """True while the invoice is authorised and still has money owing."""
        return self.status is InvoiceStatus.OPEN and self.amount_due > 0

    @property
    def is_paid(self) -> bool:
        """True when the ledger shows the invoice paid in full (a payment, not a credit)."""
        return self.status is InvoiceStatus.PAID or (
            self.status is InvoiceStatus.OPEN and self.amount_due <= 0
        )


@dataclass(frozen=True, slots=True)
class PaidInvoice:
    """A sales invoice paid in full, as a ledger's payment history gives it.

    ``paid_date`` is the day the last payment settled it (in the ledger's own calendar).
    """

    id: str
    number: str
    contact: Contact
    currency: str
    total: Decimal
    issue_date: date
    due_date: date
    paid_date: date

    @classmethod
    def of(cls, invoice: Invoice, paid_date: date) -> PaidInvoice:
        """The paid-history record of ``invoice``, settled on ``paid_date``."""
        return cls(
            id=invoice.id,
            number=invoice.number,
            contact=invoice.contact,
            currency=invoice.currency,
            total=invoice.total,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            paid_date=paid_date,
        )

    @property
    def days_late(self) -> int:
        """Days from the due date to the payment; zero or less when paid on time."""
        return (self.paid_date - self.due_date).days
