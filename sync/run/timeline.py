"""An escalated invoice's story, as its dossier tells it: messages, replies, promises, holds.

Pure: made from the invoice's case file (:func:`sync.store.case.read_case`), the invoice
as read this run and the day; no query, no clock.

A promise to pay is **kept** when, by the first run after the promised day, the invoice
was paid or its amount due had dropped below what it was when the promise was made
(:func:`promise_kept`). Tahseel sees the ledger only when it runs, so a payment made on
the promised day and one made before the next run count alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from connectors.models import Invoice
from sync.plan.actions import ActionKind
from sync.plan.history import MessageStatus
from sync.replies.intents import Intent
from sync.run.outbound import hold_detail
from sync.store.case import CaseFile
from sync.store.tables import OutboxRow, PromiseRow, ReplyRow

INTENTS = {
    Intent.INVOICE_NOT_RECEIVED.value: "asks for the invoice again",
    Intent.ALREADY_PAID.value: "says it is paid",
    Intent.DISPUTE.value: "disputes it",
    Intent.PAYMENT_PLAN.value: "asks to pay in instalments",
    Intent.PROMISE_TO_PAY.value: "promises to pay",
    Intent.OTHER.value: "wrote something Tahseel could not act on",
    Intent.AUTO_REPLY.value: "an automatic reply (out of office, delivery report)",
}
"""How the dossier names what a reply was understood to say."""

CHANNEL = "email"
"""The channel every message goes by today."""


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the timeline: when, and what happened."""

    at: datetime
    text: str

    def as_dict(self) -> dict[str, str]:
        """The line as the dossier template sees it."""
        return {"date": f"{self.at:%Y-%m-%d %H:%M}", "text": self.text}


def promise_kept(amount_then: Decimal, invoice: Invoice) -> bool:
    """Whether a promise made when ``amount_then`` was due is kept by ``invoice`` as read."""
    return invoice.is_paid or invoice.amount_due < amount_then


def events(case: CaseFile) -> list[Event]:
    """Every message sent, reply received, hold and hand-over, oldest first."""
    replies = {r.id: r for r in case.replies}
    found = [e for row in case.rows if (e := _row_event(row, replies)) is not None]
    found += [_reply_event(r) for r in case.replies]
    return sorted(found, key=lambda e: e.at)


def _row_event(row: OutboxRow, replies: dict[int, ReplyRow]) -> Event | None:
    """What one outbox row adds to the story (None for a step that did not happen)."""
    at = row.sent_at or row.created_at
    action = row.action
    to = f" to {row.recipients}" if row.recipients else " (address not recorded)"
    if action == ActionKind.PAUSE:
        reply = replies.get(row.cycle)
        why = hold_detail(reply) if reply is not None else ""
        return Event(at, "reminders paused" + (f": {why}" if why else ""))
    if action == ActionKind.SNOOZE:
        reply = replies.get(row.cycle)
        if reply is not None and reply.promised is not None:
            until = reply.promised + timedelta(days=1)
            return Event(at, f"reminders snoozed until {until}: the customer promised a date")
        return Event(at, "reminders snoozed")
    if action == ActionKind.PLAN_ENDED:
        return Event(at, f"instalment plan ended: {row.subject or 'no reason recorded'}")
    if row.status == MessageStatus.PENDING:
        return None  # claimed, never sent (this very dossier, while it is built)
    words: dict[str, str] = {
        ActionKind.SEND_REMINDER: f"reminder '{row.stage}'"
        + (f" (repeat {row.cycle})" if row.cycle else ""),
        ActionKind.RESEND_INVOICE: "invoice re-sent at the customer's request",
        ActionKind.THANK_YOU: "thank-you for a payment",
        ActionKind.ACKNOWLEDGE: "acknowledgement of the customer's promise",
        ActionKind.NOTICE: "the business's staff told of the customer's reply",
        ActionKind.ESCALATE: f"escalated at stage '{row.stage}', dossier",
        ActionKind.INSTALMENT: f"instalment plan message '{row.stage}'",
        ActionKind.SEND_STATEMENT: f"statement '{row.stage}' listing this invoice",
    }
    sent = words.get(action, action)
    if row.status == MessageStatus.FAILED:
        return Event(at, f"{sent}: refused by the mailbox ({row.error or 'no reason given'})")
    if row.status == MessageStatus.UNKNOWN:
        return Event(at, f"{sent}: the mailbox could not say whether it went")
    if action == ActionKind.ESCALATE and not row.message_id:
        return Event(at, f"escalated at stage '{row.stage}' (no dossier was emailed then)")
    return Event(at, f"{sent}: sent by {CHANNEL}{to}")


def _reply_event(reply: ReplyRow) -> Event:
    said = INTENTS.get(reply.kind, reply.kind)
    if reply.kind == Intent.PROMISE_TO_PAY.value and reply.promised is not None:
        said = f"promises to pay by {reply.promised}"
    return Event(reply.received_at, f"reply by {CHANNEL} from {reply.sender}: {said}")


def promises(case: CaseFile, invoice: Invoice, today: date) -> list[dict[str, Any]]:
    """Each promise to pay with a date, and whether it was kept (see the module's rule)."""
    made = []
    for reply in case.replies:
        if reply.kind != Intent.PROMISE_TO_PAY.value or reply.promised is None:
            continue
        record = case.promises.get(reply.id)
        made.append(
            {
                "made": f"{reply.received_at:%Y-%m-%d}",
                "promised": reply.promised.isoformat(),
                "amount": Decimal(record.amount_due) if record is not None else None,
                "verdict": verdict(record, reply.promised, invoice, today),
            }
        )
    return made


def verdict(record: PromiseRow | None, promised: date, invoice: Invoice, today: date) -> str:
    """``kept``, ``not kept``, or why it cannot be said yet."""
    if record is None:
        return "not known (the amount due when it was made was not recorded)"
    kept = record.kept
    if kept is None:
        if promised >= today:
            return "its date has not come yet"
        kept = promise_kept(Decimal(record.amount_due), invoice)
    return "kept" if kept else "not kept"


def hold(case: CaseFile, today: date) -> str:
    """The invoice's hold as the dossier states it; empty when there is none."""
    control = case.control
    if control is None:
        return ""
    if control.paused:
        return f"paused ({control.paused})"
    if control.snoozed_until is not None and control.snoozed_until > today:
        return f"snoozed until {control.snoozed_until}"
    return ""
