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
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta
from email.message import EmailMessage
from typing import TYPE_CHECKING

from connectors.errors import LedgerError
from connectors.models import Invoice
from mailer.compose import compose, make_message_id
from mailer.errors import MailError
from mailer.render import Rendered
from mailer.transport import Incoming
from sync.plan.actions import Acknowledge
from sync.plan.history import History, ResendRequest
from sync.plan.planner import language_of
from sync.replies.understanding import Intent, Understanding, failed_recipients, understand
from sync.run.faults import checkpoint
from sync.store.tables import ReplyRow

if TYPE_CHECKING:
    from sync.run.job import Job

log = logging.getLogger(__name__)

PAUSES = {
    Intent.ALREADY_PAID: "the customer says it is paid",
    Intent.DISPUTE: "the customer disputes it",
    Intent.PAYMENT_PLAN: "the customer asks to pay in instalments",
}
TELLS = {
    **PAUSES,
    Intent.PROMISE_TO_PAY: "the customer promises to pay, without a date",
    Intent.OTHER: "the customer wrote something Tahseel cannot act on",
}


class ReplyDesk:
    """Reads the mailbox for one run of ``job`` and acts on what customers wrote."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.people = {a.lower() for a in job.settings.notify_addresses}

    def read(self, by_number: dict[str, Invoice]) -> None:
        """Record new replies, then act on every reply not yet handled."""
        job = self.job
        cursor = job.store.cursor(job.tenant, "replies")
        incoming, new_cursor = job.transport.replies_since(cursor)
        for msg in incoming:
            if job.store.seen_reply(job.tenant, msg.ref, msg.message_id):
                continue
            if msg.sender.lower() in self.people:
                continue  # a person answering Tahseel's own notice, not a customer
            invoice = self._invoice_of(msg, by_number)
            meant, original = self._understand(msg)
            job.report.count_reply(meant.intent.value)
            if meant.bounce:
                self._bounced(msg, original, invoice)
            if invoice is None:
                job.report.problems.append(
                    f"reply from {msg.sender} ({msg.message_id}) matches no open invoice; read it"
                )
            if job.dry_run:
                if invoice is not None:
                    self._overlay(msg, meant, invoice)
                continue
            job.store.record_reply(self._row(msg, meant, invoice))
            checkpoint("after_reply")
        if not job.dry_run:
            job.store.save_cursor(job.tenant, "replies", new_cursor)
            self._act(by_number)

    def _understand(self, msg: Incoming) -> tuple[Understanding, EmailMessage | None]:
        """Understand a reply; an automatic one is fetched whole, for its headers."""
        received = self.job.calendar.today(msg.received_at)
        if not msg.automatic:
            return understand(msg.text, subject=msg.subject, received=received), None
        whole = self.job.transport.fetch(msg.ref)
        headers = {k: str(v) for k, v in whole.items()}
        meant = understand(msg.text, subject=msg.subject, received=received, headers=headers)
        return meant, whole

    def _bounced(self, msg: Incoming, whole: EmailMessage | None, invoice: Invoice | None) -> None:
        """Mark the addresses a bounce names as failing, and say so in the report."""
        job = self.job
        addresses = failed_recipients(whole) if whole is not None else ()
        if not addresses and invoice is not None:
            addresses = tuple(a.lower() for a in invoice.contact.emails)
        number = invoice.number if invoice else None
        for address in addresses:
            if not job.dry_run:
                job.store.mark_failing(job.tenant, address, msg.received_at, number)
            job.report.problems.append(
                f"mail to {address} bounced ({number or 'no invoice'}): it is not emailed"
                " again; correct the address in the ledger"
            )

    def _row(self, msg: Incoming, meant: Understanding, invoice: Invoice | None) -> ReplyRow:
        # A resend is the planner's to do; everything else is done here, then marked.
        done = invoice is None or meant.intent in (Intent.AUTO_REPLY,)
        return ReplyRow(
            tenant=self.job.tenant,
            ref=msg.ref,
            message_id=msg.message_id,
            invoice_id=invoice.id if invoice else None,
            invoice_number=invoice.number if invoice else None,
            kind=meant.intent.value,
            sender=msg.sender,
            received_at=msg.received_at,
            handled=done,
            excerpt=msg.text[:4000],
            promised=meant.promised_date,
        )

    def _act(self, by_number: dict[str, Invoice]) -> None:
        job = self.job
        for row in job.store.open_replies(job.tenant):
            invoice = by_number.get(row.invoice_number or "")
            if row.kind == Intent.INVOICE_NOT_RECEIVED.value:
                continue
            if invoice is None:
                job.store.handle_reply(job.tenant, row.ref)
                continue
            intent = Intent(row.kind)
            if intent is Intent.PROMISE_TO_PAY and row.promised is not None:
                until = row.promised + timedelta(days=1)
                job.store.set_control(
                    job.tenant, invoice.id, invoice.number, job.now, snoozed_until=until
                )
                job.hold_note(invoice, "snooze", row.id, f"the customer promised {row.promised}")
                job.report.snoozes += 1
                if not self._acknowledge(row, invoice, row.promised):
                    continue
            else:
                if intent in PAUSES:
                    reason = f"{PAUSES[intent]} ({row.received_at:%Y-%m-%d})"
                    job.pause(invoice, reason, cycle=row.id)
                if not self._tell(row, invoice, TELLS[intent]):
                    continue
            job.store.handle_reply(job.tenant, row.ref)

    def _acknowledge(self, row: ReplyRow, invoice: Invoice, promised: date) -> bool:
        """Thank the customer for the promise, in the thread; False to try in a later run.

        The thanks waits for the send window like any other mail; the snooze does not.
        """
        job = self.job
        settings = job.settings.policy.acknowledge
        if not settings.enabled or not invoice.contact.emails:
            return True
        if not job.calendar.in_send_window(job.now):
            return False
        action = Acknowledge(
            invoice=invoice,
            cycle=row.id,
            promised=promised,
            template=settings.template,
            to=invoice.contact.emails,
            language=language_of(invoice, job.settings.language),
        )
        try:
            job.email(action, invoice)
        except (MailError, LedgerError) as exc:
            if exc.disposition == "abort":
                raise
            job.report.errors.append(f"{invoice.number}: acknowledgement not sent ({exc})")
            return exc.disposition == "skip"
        return True

    def _tell(self, row: ReplyRow, invoice: Invoice, what: str) -> bool:
        """Email the people in ``notify`` about a reply; False when it could not go."""
        job = self.job
        to = job.settings.notify_addresses
        message_id = make_message_id(
            tenant=job.tenant,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            stage="notice",
            cycle=row.id,
            domain=job.identity.domain,
        )
        outbox = job.row_for(invoice, "notice", row.id, "notice", "pending", message_id)
        outbox.recipients = ", ".join(to)
        row_id = job.store.claim(outbox)
        if row_id is None:
            return True
        quoted = "\n".join(f"> {line}" for line in (row.excerpt or "").splitlines()[:60])
        text = (
            f"{invoice.contact.name} answered about invoice {invoice.number}"
            f" ({invoice.amount_due} {invoice.currency} due {invoice.due_date}): {what}.\n\n"
            f"From {row.sender} on {row.received_at:%Y-%m-%d %H:%M} UTC:\n\n{quoted}\n\n"
            f"When it is settled: tahseel resume {invoice.number}"
            f" (or tahseel snooze {invoice.number} --until YYYY-MM-DD).\n"
        )
        message = compose(
            rendered=Rendered(
                subject=f"Tahseel: {invoice.number}, {what}",
                text=text,
                html=f"<pre>{_escape(text)}</pre>",
                language="en",
            ),
            sender_name=job.identity.sender_name,
            sender_email=job.identity.sender_email,
            to=to,
            subject=f"Tahseel: {invoice.number}, {what}",
            message_id=message_id,
            date=job.now,
        )
        try:
            sent = job.transport.send(message, thread=None)
        except MailError as exc:
            job.send_failed(row_id, exc)
            job.report.errors.append(f"{invoice.number}: notice not sent ({exc})")
            return False
        job.store.complete(
            row_id,
            status="sent",
            message_id=sent.message_id,
            transport_ref=sent.ref,
            sent_at=job.now,
            noted_at=job.now,
        )
        job.report.notices += 1
        log.info("%s: told %s that %s", invoice.number, ", ".join(to), what)
        return True

    def _overlay(self, msg: Incoming, meant: Understanding, invoice: Invoice) -> None:
        """In a dry run, show the plan as if the reply had been acted on."""
        job = self.job
        base = job.overlay.get(invoice.id) or job.store.history(job.tenant).get(
            invoice.id, History()
        )
        if meant.intent is Intent.INVOICE_NOT_RECEIVED:
            request = ResendRequest(msg.ref, msg.received_at, len(base.resend_requests) + 1)
            base = replace(base, resend_requests=(*base.resend_requests, request))
        elif meant.intent in PAUSES:
            base = replace(base, paused=PAUSES[meant.intent])
        elif meant.intent is Intent.PROMISE_TO_PAY and meant.promised_date:
            base = replace(base, snoozed_until=meant.promised_date + timedelta(days=1))
        job.overlay[invoice.id] = base

    def _invoice_of(self, msg: Incoming, by_number: dict[str, Invoice]) -> Invoice | None:
        """Find the invoice a reply is about, from the messages it answers."""
        job = self.job
        for mid in msg.refers_to:
            rows = job.store.rows(job.tenant, message_id=mid)
            if rows:
                return by_number.get(rows[0].invoice_number)
        for mid in msg.refers_to:
            sent = job.transport.find_sent(mid)
            if sent is not None and sent.invoice in by_number:
                invoice = by_number[sent.invoice]
                self._adopt(invoice, sent.ref, sent.message_id, sent.thread)
                return invoice
        return None

    def _adopt(self, invoice: Invoice, ref: str, message_id: str, thread: str) -> None:
        """Record a message found in the mailbox that the state store did not know."""
        job = self.job
        original = job.transport.fetch(ref)
        stage = str(original.get("X-Tahseel-Stage", "unknown"))
        cycle = int(str(original.get("X-Tahseel-Cycle", "0")) or 0)
        sent_at = original["Date"].datetime if original.get("Date") else job.now
        if job.dry_run:
            return
        row = job.row_for(invoice, stage, cycle, "send_reminder", "sent", message_id)
        row.thread, row.transport_ref, row.sent_at, row.noted_at = thread, ref, sent_at, job.now
        row.subject = str(original.get("Subject", "")) or None
        row.created_at = sent_at
        if job.store.claim(row) is not None:
            log.info("%s: adopted %s from the mailbox", invoice.number, message_id)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
