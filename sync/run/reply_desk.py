"""What the job does with customers' replies: read, understand, and act once on each.

Every reply to a Tahseel message is recorded (unique per mailbox reference) before
anything is done about it, and marked handled only once its action is complete, so a
run killed half way acts on it in the next run, and the actions themselves are keyed
by the reply's row id in the outbox: nothing is done twice.

- ``invoice_not_received``: the planner resends the invoice in the thread.
- ``already_paid``, ``dispute``, ``payment_plan``: reminders pause, and a person is told.
- ``promise_to_pay``: reminders wait until the day after the promised date; without
  a date, a person is told.
- ``other``: a person is told; reminders go on.
- ``auto_reply``: nothing, except that a bounce is reported.

A reply to a message Tahseel sent about an invoice the ledger cannot give this run (its
row cannot be read) is kept open and reported as waiting; it is acted on in the first
run that can read the invoice. Only a reply to an invoice settled for good (closed),
or to nothing Tahseel sent, is put aside unacted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING

from connectors.errors import LedgerError
from connectors.models import Invoice
from mailer.errors import MailError, TemplateError
from mailer.mime import refers_to
from mailer.transport import Incoming
from sync.plan.actions import Acknowledge, ActionKind
from sync.plan.history import History, Message, MessageStatus, ResendRequest
from sync.plan.planner import language_of
from sync.replies.intents import Intent
from sync.run.context import RunContext
from sync.run.dossier import record_promise
from sync.run.faults import checkpoint
from sync.run.messages import Composer
from sync.run.outbound import PAUSES, hold_detail
from sync.run.outbox import Outbox
from sync.store.tables import ReplyRow

if TYPE_CHECKING:
    from sync.replies.understanding import Understanding

log = logging.getLogger(__name__)

TELLS = {
    **PAUSES,
    Intent.PROMISE_TO_PAY: "the customer promises to pay, without a date",
    Intent.OTHER: "the customer wrote something Tahseel cannot act on",
}


@dataclass(frozen=True)
class Match:
    """The invoice a reply is about.

    Attributes:
        number: The invoice's number, from the message the reply answers.
        invoice_id: Its id, or None when only the mailbox knows that message.
        invoice: The invoice as read this run, or None when the ledger could not give it.
    """

    number: str
    invoice_id: str | None
    invoice: Invoice | None


class ReplyDesk:
    """Reads the mailbox for one run and acts on what customers wrote, through the outbox."""

    def __init__(self, ctx: RunContext, outbox: Outbox, composer: Composer) -> None:
        self.ctx = ctx
        self.outbox = outbox
        self.composer = composer
        people = (*ctx.settings.notify_addresses, *ctx.settings.escalation_addresses)
        self.people = {a.lower() for a in people}
        self.doubts: dict[str, str] = {}  # reply ref -> why a person is told, this run

    def read(self, by_number: dict[str, Invoice]) -> None:
        """Record new replies, then act on every reply not yet handled."""
        ctx = self.ctx
        cursor = ctx.store.cursor(ctx.tenant, "replies")
        incoming, new_cursor = ctx.transport.replies_since(cursor)
        for msg in incoming:
            if ctx.store.seen_reply(ctx.tenant, msg.ref, msg.message_id):
                continue
            if msg.sender.lower() in self.people:
                continue  # a person answering Tahseel's own notice, not a customer
            match = self._invoice_of(msg, by_number)
            invoice = match.invoice if match else None
            meant, original = self._understand(msg)
            ctx.report.count_reply(meant.intent.value)
            if meant.bounce:
                self._bounced(msg, original, invoice)
            if match is None:
                ctx.report.problems.append(
                    f"reply from {msg.sender} ({msg.message_id}) matches no open invoice; read it"
                )
            if ctx.dry_run:
                if invoice is not None:
                    self._overlay(msg, meant, invoice)
                elif match is not None and meant.intent is not Intent.AUTO_REPLY:
                    self._report_waiting(msg.sender, match.number, meant.intent.value)
                continue
            ctx.store.record_reply(self._row(msg, meant, match))
            checkpoint("after_reply")
        if not ctx.dry_run:
            ctx.store.save_cursor(ctx.tenant, "replies", new_cursor)
            self._act(by_number)

    def _understand(self, msg: Incoming) -> tuple[Understanding, EmailMessage | None]:
        """Understand a reply; an automatic one is fetched whole, for its headers."""
        # The rules load on the first reply, not in every run (most days bring none).
        from sync.replies.understanding import settle, understand  # noqa: PLC0415

        received = self.ctx.calendar.today(msg.received_at)
        whole, headers = None, None
        if msg.automatic:
            whole = self.ctx.transport.fetch(msg.ref)
            headers = {k: str(v) for k, v in whole.items()}
        meant = understand(msg.text, subject=msg.subject, received=received, headers=headers)
        replies = self.ctx.settings.replies
        if replies.model and not (meant.intent is Intent.AUTO_REPLY and meant.score >= 0.99):
            from sync.replies.model import second_reading  # noqa: PLC0415 - optional

            meant = second_reading(
                meant, msg.text, subject=msg.subject, received=received, model_id=replies.model
            )
        meant = settle(meant, replies.min_confidence)
        if meant.doubt:
            self.doubts[msg.ref] = meant.doubt
        return meant, whole

    def _bounced(self, msg: Incoming, whole: EmailMessage | None, invoice: Invoice | None) -> None:
        """Mark the addresses a bounce names as failing, and say so in the report."""
        from sync.replies.understanding import failed_recipients  # noqa: PLC0415

        ctx = self.ctx
        addresses = failed_recipients(whole) if whole is not None else ()
        if not addresses and invoice is not None:
            addresses = tuple(a.lower() for a in invoice.contact.emails)
        number = invoice.number if invoice else None
        for address in addresses:
            if ctx.dry_run:
                ctx.bounced[address.lower()] = msg.received_at
            else:
                ctx.store.mark_failing(ctx.tenant, address, msg.received_at, number)
            ctx.report.problems.append(
                f"mail to {address} bounced ({number or 'no invoice'}): it is not emailed"
                " again; correct the address in the ledger"
            )

    def _row(self, msg: Incoming, meant: Understanding, match: Match | None) -> ReplyRow:
        # A resend is the planner's to do; everything else is done here, then marked.
        # A reply about an invoice the ledger cannot give now stays open until it can.
        done = match is None or meant.intent is Intent.AUTO_REPLY
        return ReplyRow(
            tenant=self.ctx.tenant,
            ref=msg.ref,
            message_id=msg.message_id,
            invoice_id=match.invoice_id if match else None,
            invoice_number=match.number if match else None,
            kind=meant.intent.value,
            sender=msg.sender,
            received_at=msg.received_at,
            handled=done,
            excerpt=msg.text[:4000],
            promised=meant.promised_date,
        )

    def _act(self, by_number: dict[str, Invoice]) -> None:
        ctx = self.ctx
        closed = {i for i, c in ctx.store.controls(ctx.tenant).items() if c.closed}
        for row in ctx.store.open_replies(ctx.tenant):
            invoice = by_number.get(row.invoice_number or "")
            if invoice is None:
                if row.invoice_number is None or row.invoice_id in closed:
                    # About no invoice, or one settled for good: nothing is left to do.
                    ctx.store.handle_reply(ctx.tenant, row.ref)
                else:
                    self._report_waiting(row.sender, row.invoice_number, row.kind)
                continue
            if row.invoice_id is None:
                self._attach(row, invoice)
            if row.kind == Intent.INVOICE_NOT_RECEIVED.value:
                continue
            intent = Intent(row.kind)
            if intent is Intent.PROMISE_TO_PAY and row.promised is not None:
                until = row.promised + timedelta(days=1)
                ctx.store.set_control(
                    ctx.tenant, invoice.id, invoice.number, ctx.now, snoozed_until=until
                )
                self.outbox.hold_note(invoice, "snooze", row.id, hold_detail(row))
                record_promise(ctx, row, invoice)
                ctx.report.snoozes += 1
                if not self._acknowledge(row, invoice, row.promised):
                    continue
            else:
                if intent in PAUSES:
                    self.outbox.pause(invoice, hold_detail(row), cycle=row.id)
                doubt = self.doubts.get(row.ref)
                what = f"Tahseel is not sure what it means ({doubt})" if doubt else TELLS[intent]
                if not self._tell(row, invoice, what):
                    continue
            ctx.store.handle_reply(ctx.tenant, row.ref)

    def _report_waiting(self, sender: str, number: str, kind: str) -> None:
        """Say that a reply waits for its invoice to be readable in the ledger again."""
        self.ctx.report.problems.append(
            f"reply from {sender} about {number} ({kind}) waits: {number} cannot be read"
            " from the ledger this run; it is acted on once it can"
        )

    def _attach(self, row: ReplyRow, invoice: Invoice) -> None:
        """Give a reply recorded while its invoice was unreadable the invoice's id.

        The message it answers, found then only in the mailbox, is recorded now, as a
        reply read with the invoice readable would have had it recorded.
        """
        ctx = self.ctx
        try:
            answered = refers_to(ctx.transport.fetch(row.ref))
        except MailError as exc:  # the reply left the mailbox since: the resend still goes
            log.info("%s: reply %s not found again (%s)", invoice.number, row.ref, exc)
            answered = ()
        for mid in answered:
            sent = ctx.transport.find_sent(mid)
            if sent is not None and sent.invoice == invoice.number:
                self._adopt(invoice, sent.ref, sent.message_id, sent.thread)
                break
        ctx.store.attach_reply(ctx.tenant, row.ref, invoice.id)
        row.invoice_id = invoice.id

    def _acknowledge(self, row: ReplyRow, invoice: Invoice, promised: date) -> bool:
        """Thank the customer for the promise, in the thread; False to try in a later run.

        The thanks waits for the send window like any other mail; the snooze does not.
        """
        ctx = self.ctx
        settings = ctx.policy_for(invoice).acknowledge
        if not settings.enabled or not invoice.contact.emails:
            return True
        if not ctx.calendar.in_send_window(ctx.now):
            return False
        action = Acknowledge(
            invoice=invoice,
            cycle=row.id,
            promised=promised,
            template=settings.template,
            to=invoice.contact.emails,
            language=language_of(invoice, ctx.settings.language),
        )
        try:
            self.outbox.email(action, invoice)
        except (MailError, LedgerError) as exc:
            if exc.disposition == "abort":
                raise
            ctx.report.errors.append(f"{invoice.number}: acknowledgement not sent ({exc})")
            return exc.disposition == "skip"
        return True

    def _tell(self, row: ReplyRow, invoice: Invoice, what: str) -> bool:
        """Email the people in ``notify`` about a reply; False when it could not go."""
        report = self.ctx.report
        to = self.ctx.settings.notify_addresses
        try:
            message = self.composer.notice(row, invoice, what)
        except TemplateError as exc:
            report.errors.append(f"{invoice.number}: notice not sent ({exc})")
            return False
        outbox = self.outbox.row_for(
            invoice,
            "notice",
            row.id,
            ActionKind.NOTICE,
            MessageStatus.PENDING,
            str(message["Message-ID"]),
        )
        outbox.recipients = ", ".join(to)
        try:
            told = self.outbox.tell(outbox, message)
        except MailError as exc:
            report.errors.append(f"{invoice.number}: notice not sent ({exc})")
            return False
        if told:
            report.notices += 1
            log.info("%s: told %s that %s", invoice.number, ", ".join(to), what)
        return True

    def _overlay(self, msg: Incoming, meant: Understanding, invoice: Invoice) -> None:
        """In a dry run, show the plan as if the reply had been acted on."""
        ctx = self.ctx
        base = ctx.overlay.get(invoice.id) or ctx.store.history(ctx.tenant).get(
            invoice.id, History()
        )
        if meant.intent is Intent.INVOICE_NOT_RECEIVED:
            request = ResendRequest(msg.ref, msg.received_at, len(base.resend_requests) + 1)
            base = replace(base, resend_requests=(*base.resend_requests, request))
        elif meant.intent in PAUSES:
            base = replace(base, paused=PAUSES[meant.intent])
        elif meant.intent is Intent.PROMISE_TO_PAY and meant.promised_date:
            base = replace(base, snoozed_until=meant.promised_date + timedelta(days=1))
        ctx.overlay[invoice.id] = base

    def _invoice_of(self, msg: Incoming, by_number: dict[str, Invoice]) -> Match | None:
        """Find the invoice a reply is about, from the messages it answers.

        None when it answers nothing Tahseel sent; a match without an invoice when the
        ledger could not give that invoice this run.
        """
        ctx = self.ctx
        for mid in msg.refers_to:
            rows = ctx.store.rows(ctx.tenant, message_id=mid)
            # A statement's rows share its Message-ID: the reply is about its first listed
            # invoice the statement went out with (one dropped as paid meanwhile is not).
            row = next(
                (r for r in rows if r.status == MessageStatus.SENT), rows[0] if rows else None
            )
            if row is not None:
                number = row.invoice_number
                return Match(number, row.invoice_id, by_number.get(number))
        for mid in msg.refers_to:
            sent = ctx.transport.find_sent(mid)
            if sent is None or not sent.invoice:
                continue
            invoice = by_number.get(sent.invoice)
            if invoice is None:
                return Match(sent.invoice, None, None)
            self._adopt(invoice, sent.ref, sent.message_id, sent.thread)
            return Match(invoice.number, invoice.id, invoice)
        return None

    def _adopt(self, invoice: Invoice, ref: str, message_id: str, thread: str) -> None:
        """Record a message found in the mailbox that the state store did not know."""
        ctx = self.ctx
        original = ctx.transport.fetch(ref)
        stage = str(original.get("X-Tahseel-Stage", "unknown"))
        cycle = int(str(original.get("X-Tahseel-Cycle", "0")) or 0)
        sent_at = original["Date"].datetime if original.get("Date") else ctx.now
        if ctx.dry_run:  # plan as if it were recorded, as the run will
            base = ctx.overlay.get(invoice.id) or ctx.store.history(ctx.tenant).get(
                invoice.id, History()
            )
            seen = Message(stage, cycle, sent_at, MessageStatus.SENT, True)
            ctx.overlay[invoice.id] = replace(base, messages=(*base.messages, seen))
            return
        row = self.outbox.row_for(
            invoice, stage, cycle, ActionKind.SEND_REMINDER, MessageStatus.SENT, message_id
        )
        row.thread, row.transport_ref, row.sent_at, row.noted_at = thread, ref, sent_at, ctx.now
        row.subject = str(original.get("Subject", "")) or None
        row.created_at = sent_at
        if self.outbox.claim(row) is not None:
            log.info("%s: adopted %s from the mailbox", invoice.number, message_id)
