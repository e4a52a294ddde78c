"""What goes into a message and a ledger note for one action. Pure.

The job gathers the inputs (payment link, PDF, thread) and the outbox records the result;
this module only decides the words and headers.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from connectors.models import Contact, Invoice, InvoiceStatus
from mailer.bidi import isolated
from mailer.render import Rendered
from sync.config.settings import Settings
from sync.plan.actions import ActionKind
from sync.replies.intents import Intent
from sync.run.schedule import note_words
from sync.run.wording import PLAIN, Wording
from sync.store.tables import ReplyRow, ThreadInfo

_RE = ("re:", "aw:", "رد:")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who sends, for whom: what every template and header needs of the settings."""

    tenant: str
    business_name: str
    sender_name: str
    sender_email: str
    reply_to: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Identity:
        """Take the identity from validated settings."""
        return cls(
            tenant=settings.tenant,
            business_name=settings.business.name,
            sender_name=settings.sender.name,
            sender_email=settings.sender.email,
            reply_to=settings.sender.reply_to,
        )

    @property
    def domain(self) -> str:
        """The sender's mail domain, where Tahseel's Message-IDs live."""
        return self.sender_email.rpartition("@")[2]


def template_context(
    invoice: Invoice,
    identity: Identity,
    *,
    stage: str,
    cycle: int,
    language: str,
    payment_link: str | None,
    attachment: bool,
    today: date,
    promised_date: date | None = None,
    thread: ThreadInfo | None = None,
    wording: Wording = PLAIN,
    deadline: date | None = None,
    salutation: str | None = None,
    late_fee: dict[str, Any] | None = None,
    plan: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The plain data a template sees: nothing callable, nothing secret.

    Text from the ledger is made one clean line: a line break, NUL or bidi override in
    a customer's name or a reference would otherwise reach the message as it is. Names,
    numbers and references are marked ``Isolated``, so each part of the message keeps
    them in a direction of their own (``mailer.bidi``).

    What the record says of the invoice (``thread``: replies, promises, reminders) lets
    a template state only what is so: ``replied`` is a customer's own reply on record
    (not an automatic one), ``promised`` the latest date a reply promised,
    ``promise_kept`` None until that date has passed unpaid (False) or the invoice is
    paid by it (True).
    """
    record = thread or _NO_THREAD
    promised = record.promised
    kept: bool | None = None
    if promised is not None:
        if invoice.amount_due <= 0:
            kept = today <= promised
        elif today > promised:
            kept = False
    return {
        "business": {"name": isolated(identity.business_name), "email": identity.sender_email},
        "customer": {
            "name": isolated(one_line(invoice.contact.name)),
            "salutation": salutation or wording.salutation(invoice.contact),
        },
        "invoice": {
            "number": isolated(one_line(invoice.number)),
            "reference": isolated(one_line(invoice.reference)) if invoice.reference else None,
            "currency": invoice.currency,
            "total": invoice.total,
            "amount_due": invoice.amount_due,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "days_overdue": (today - invoice.due_date).days,
        },
        "payment_link": payment_link,
        "stage": {"name": stage, "cycle": cycle},
        "sender": {
            "name": isolated(identity.sender_name),
            "email": identity.sender_email,
            "phone": isolated(wording.phone),
        },
        "language": language,
        "attachment": attachment,
        "promised_date": promised_date,
        "replied": record.replied,
        "promised": promised,
        "promise_kept": kept,
        "reminders_sent": record.reminders_sent,
        "deadline": deadline or today,
        **wording.for_language(language),
        "late_fee": late_fee,
        "plan": None,
        "instalment": None,
        **(plan or {}),  # an instalment plan's messages (sync.run.schedule.plan_context)
    }


_NO_THREAD = ThreadInfo(None, None, ())


_BREAKS = re.compile(r"[\r\n\x85\u2028\u2029]+")
_HIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """``text`` with line breaks made spaces and control characters and bidi overrides gone."""
    return _HIDDEN.sub("", _BREAKS.sub(" ", text)).strip()


def test_copy(rendered: Rendered, *, to: Sequence[str], cc: Sequence[str]) -> Rendered:
    """The message as test mode sends it: to the test address, saying who it was for."""
    who = ", ".join(to) + (f" (cc {', '.join(cc)})" if cc else "")
    line = f"TEST MODE: in live mode this message would go to {who}."
    banner = (
        f'<p dir="ltr" style="border:2px solid #b00;padding:8px;color:#b00">{html.escape(line)}</p>'
    )
    body = rendered.html
    at = body.lower().find("<body")
    if at >= 0:
        close = body.find(">", at) + 1
        body = body[:close] + banner + body[close:]
    else:
        body = banner + body
    return replace(rendered, text=f"{line}\n\n{rendered.text}", html=body)


def thread_subject(previous: str | None, rendered: str) -> tuple[str, str]:
    """The subject to send with, and the thread's base subject to remember.

    The first message of a thread uses its rendered subject, the neutral thread subject
    (``<lang>/_subject.txt``: no stage wording, so it reads true at every stage); every
    later message answers it with ``Re:``, so the subject stays stable and the thread
    holds together. A thread on record keeps the subject it was started with, even one
    from before subjects were neutral: changing it would split the customer's thread.
    """
    if previous is None:
        return rendered, rendered
    return f"Re: {strip_reply_prefix(previous)}", previous


def strip_reply_prefix(subject: str) -> str:
    """The subject without leading ``Re:`` markers."""
    text = subject.strip()
    while text.lower().startswith(_RE):
        text = text.split(":", 1)[1].strip()
    return text


def rung_key(tenant: str, invoice_id: str, stage: str, cycle: int) -> str:
    """A stable key for one rung of one invoice: the ledger note's idempotency key."""
    digest = hashlib.sha256(f"{tenant}\x00{invoice_id}".encode()).hexdigest()[:16]
    return f"tahseel:{digest}:{stage}:{cycle}"


def tahseel_headers(invoice: Invoice, stage: str, cycle: int) -> dict[str, str]:
    """The headers that let Tahseel find its own messages in any mailbox."""
    return {
        "X-Tahseel-Invoice": invoice.number,
        "X-Tahseel-Stage": stage,
        "X-Tahseel-Cycle": str(cycle),
    }


PAUSES = {
    Intent.ALREADY_PAID: "the customer says it is paid",
    Intent.DISPUTE: "the customer disputes it",
    Intent.PAYMENT_PLAN: "the customer asks to pay in instalments",
}
"""The replies that pause an invoice's reminders, and why, in the pause's note."""


def hold_detail(reply: ReplyRow) -> str:
    """Why a reply holds its invoice (a pause, a snooze), as the hold's note says it.

    Made from the stored reply alone, so a note written again after a crash has the
    words of the first try: a ledger that remembers the note's key (Xero) refuses the
    same key with other words.
    """
    intent = Intent(reply.kind)
    if intent is Intent.PROMISE_TO_PAY and reply.promised is not None:
        return f"the customer promised {reply.promised}"
    if intent in PAUSES:
        return f"{PAUSES[intent]} ({reply.received_at:%Y-%m-%d})"
    return ""


def note_text(
    action: str, stage: str, *, to: str = "", when: datetime, detail: str = "", cycle: int = 0
) -> str:
    """The short line written on the invoice in the ledger for one action (rung ``cycle``)."""
    day = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if action == ActionKind.INSTALMENT:
        text = f"Tahseel: {note_words(stage, cycle, to)}"
    elif action == ActionKind.PLAN_ENDED:
        text = "Tahseel: instalment plan ended"
    elif action == ActionKind.SEND_REMINDER:
        text = f"Tahseel: '{stage}' reminder emailed to {to}"
    elif action == ActionKind.RESEND_INVOICE:
        text = f"Tahseel: invoice re-sent to {to} with the PDF, as the customer asked"
    elif action == ActionKind.THANK_YOU:
        text = f"Tahseel: thank-you for the payment emailed to {to}"
    elif action == ActionKind.ESCALATE:
        text = f"Tahseel: escalated at stage '{stage}'; reminders stopped, " + (
            f"the case handed to {to} with its dossier" if to else "a person takes over"
        )
    elif action == ActionKind.PAUSE:
        text = "Tahseel: reminders paused until a person resumes them"
    elif action == ActionKind.ACKNOWLEDGE:
        text = f"Tahseel: the customer's promise to pay was acknowledged by email to {to}"
    elif action == ActionKind.SNOOZE:
        text = "Tahseel: reminders wait for the date the customer gave"
    elif action == ActionKind.LATE_FEE:
        text = "Tahseel: late fee invoiced to the customer"
    elif action == ActionKind.SEND_STATEMENT:
        text = f"Tahseel: '{stage}' statement listing this invoice emailed to {to}"
    else:
        text = f"Tahseel: {action}"
    if detail:
        text += f" ({detail})"
    return f"{text}. {day}."


def sample_invoice(currency: str = "SAR") -> Invoice:
    """A made-up invoice to render every template against in ``tahseel check``."""
    return Invoice(
        id="sample-0001",
        number="INV-0001",
        contact=Contact("sample", "Sample Customer Co.", ("ap@example.com",), None, None),
        currency=currency,
        total=Decimal("1250.00"),
        amount_due=Decimal("1000.00"),
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        status=InvoiceStatus.OPEN,
        reference="PO-1",
        updated_at=datetime.combine(date(2026, 1, 1), time(), tzinfo=UTC),
    )
