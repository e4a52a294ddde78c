"""Statements: one email to a customer listing its invoices, sent exactly once.

A statement (``sync.plan.grouping``) takes the steps of every email (claim, send, mark
sent, note), with one outbox row per listed invoice, all sharing the statement's
Message-ID and claimed in one transaction with the customer's ``statements`` row
(``sync.store.statements``):

- the pre-send re-read drops every listed invoice paid or closed meanwhile; a
  statement left with no invoice is not sent;
- the message continues the customer's statement thread (In-Reply-To, References and
  the thread's first subject) and its Message-ID is the same for the same customer,
  stage and day, so after a crash the mailbox is asked first, once per statement
  (``settle``), and a statement found there is never sent again;
- every listed invoice gets its own ledger note; a crash before a note leaves its row
  unnoted for the next run (``recovery.finish_notes``);
- the final-notice statement (a stage with ``attach_pdf``) attaches a statement PDF
  listing the invoices, drawn by ``connectors.letters`` (not a tax invoice).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from email.message import EmailMessage

from connectors.models import Invoice
from mailer.compose import Attachment, compose, make_message_id
from mailer.errors import MailError
from mailer.transport import Sent
from sync.plan.actions import ActionKind, SendStatement
from sync.plan.history import MessageStatus
from sync.run.faults import checkpoint
from sync.run.outbound import tahseel_headers, template_context, test_copy, thread_subject
from sync.run.outbox import Outbox
from sync.run.statement_context import PDF_TEMPLATE, statement_part
from sync.store.statements import claim_statement, complete_all, statement_thread
from sync.store.tables import OutboxRow, StatementRow, ThreadInfo

log = logging.getLogger(__name__)


class Statements:
    """Sends the statements of one run through the outbox."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.ctx = outbox.ctx

    def send(self, action: SendStatement, fresh: Mapping[str, Invoice]) -> None:
        """Send ``action`` with the invoices as re-read (``fresh``, by id); note each one."""
        ctx = self.ctx
        listed: list[Invoice] = []
        for planned in action.invoices:
            now = fresh.get(planned.id)
            if now is None or not now.is_open or now.amount_due <= 0:
                why = "no longer in the ledger" if now is None else f"{now.status.value}"
                ctx.report.skip(
                    planned.number, f"{why} before sending; dropped from the statement", quiet=True
                )
                continue
            listed.append(now)
        if not listed:
            log.info("%s: every invoice of the statement is settled; not sent", action.stage)
            return
        contact = action.invoice.contact
        thread = statement_thread(ctx.store, ctx.tenant, contact.id)
        message, base = self.build(action, listed, thread)
        if ctx.dry_run:
            ctx.report.record(action)
            return
        message_id = str(message["Message-ID"])
        rows = [self._row(action, inv, message_id, base) for inv in listed]
        statement = StatementRow(
            tenant=ctx.tenant,
            message_id=message_id,
            customer_id=contact.id,
            stage=action.stage,
            cycle=action.cycle,
            created_at=ctx.now,
        )
        ids = claim_statement(ctx.store, rows, statement)
        if ids is None:
            log.info("%s: statement already claimed today; not sent again", contact.name)
            return
        checkpoint("after_intent")
        pairs = list(zip(ids, listed, strict=True))
        if self.outbox.fresh:
            to = [a.addr_spec for a in message["To"].addresses] if message["To"] else []
            found = ctx.transport.find_sent(message_id, recipient=to[0] if to else None)
            if found is not None:
                complete_all(ctx.store, ids, **_sent_fields(found, ctx.now))
                ctx.report.reconciled += 1
                self._notes(action, pairs)
                return
        sent = self._transmit(ids, message, thread.thread)
        complete_all(ctx.store, ids, **_sent_fields(sent, ctx.now))
        ctx.report.record(action)
        log.info("%s: %s statement sent, listing %d", contact.name, action.stage, len(listed))
        checkpoint("after_mark_sent")
        self._notes(action, pairs)

    def build(
        self, action: SendStatement, invoices: Sequence[Invoice], thread: ThreadInfo
    ) -> tuple[EmailMessage, str]:
        """The statement's message listing ``invoices`` in ``thread``, and its base subject."""
        ctx, composer = self.ctx, self.outbox.composer
        today = ctx.calendar.today(ctx.now)
        lead = next((i for i in invoices if i.id == action.invoice.id), invoices[-1])
        context = template_context(
            lead,
            ctx.identity,
            stage=action.stage,
            cycle=action.cycle,
            language=action.language,
            payment_link=composer.payment_link(lead),
            attachment=action.attach_pdf,
            today=today,
            thread=thread,
            wording=composer.wording,
            deadline=composer.wording.deadline(today, ctx.calendar),
        )
        links = {inv.id: composer.payment_link(inv) for inv in invoices}
        context["statement"] = statement_part(invoices, links, today)
        rendered = ctx.renderer.render(action.template, action.language, context)
        subject, base = thread_subject(thread.subject, rendered.subject)
        to, cc = action.to, action.cc
        if ctx.settings.mode == "test":
            rendered = test_copy(rendered, to=to, cc=cc)
            subject = f"[TEST] {subject}"
            to, cc = ctx.settings.test_recipients, ()
        ids = thread.message_ids
        contact = action.invoice.contact
        attachments = []
        if action.attach_pdf:
            attachments.append(self._pdf(action, context))
        message = compose(
            rendered=rendered,
            sender_name=ctx.identity.sender_name,
            sender_email=ctx.identity.sender_email,
            to=to,
            cc=cc,
            reply_to=ctx.identity.reply_to,
            subject=subject,
            message_id=statement_message_id(
                ctx.tenant, contact.id, action.stage, action.cycle, ctx.identity.domain
            ),
            in_reply_to=ids[-1] if ids else None,
            references=ids,
            date=ctx.now,
            headers={
                **tahseel_headers(lead, action.stage, action.cycle),
                "X-Tahseel-Statement": ", ".join(inv.number for inv in invoices),
            },
            attachments=attachments,
        )
        return message, base

    def _pdf(self, action: SendStatement, context: dict[str, object]) -> Attachment:
        """The statement PDF: its words rendered, drawn as a letter (right to left in Arabic)."""
        from connectors.letters import render_letter_pdf

        dossiers = self.outbox.dossiers
        language = dossiers.letter_language(action.language)
        text = self.ctx.renderer.render_text(PDF_TEMPLATE, language, context)
        today = self.ctx.calendar.today(self.ctx.now)
        title = "كشف حساب" if language == "ar" else "Statement of account"
        pdf = render_letter_pdf(
            text, title=title, dated=today, language=language, font=dossiers.font
        )
        return Attachment(f"Statement-{today.isoformat()}.pdf", pdf)

    def _row(self, action: SendStatement, inv: Invoice, message_id: str, base: str) -> OutboxRow:
        row = self.outbox.row_for(
            inv, action.stage, action.cycle, ActionKind.SEND_STATEMENT, MessageStatus.PENDING,
            message_id,
        )  # fmt: skip
        row.recipients, row.subject = ", ".join(action.to), base
        return row

    def _transmit(self, ids: Sequence[int], message: EmailMessage, thread: str | None) -> Sent:
        """Send through the outbox (as one row); settle every row if the send raises."""
        first, rest = ids[0], ids[1:]
        try:
            sent = self.outbox._transmit(first, message, thread, also=rest)
        except MailError as exc:
            for other in rest:
                self.outbox.send_failed(other, exc)
            raise
        return sent

    def _notes(self, action: SendStatement, pairs: Sequence[tuple[int, Invoice]]) -> None:
        to = ", ".join(action.to)
        for row_id, inv in pairs:
            self.outbox.note(
                (row_id, action.cycle), inv, ActionKind.SEND_STATEMENT, action.stage, to=to
            )


def statement_message_id(tenant: str, customer_id: str, stage: str, cycle: int, domain: str) -> str:
    """The Message-ID of a customer's statement at one stage on one day: the same every run."""
    return make_message_id(
        tenant=tenant,
        invoice_id=f"customer:{customer_id}",
        invoice_number="statement",
        stage=stage,
        cycle=cycle,
        domain=domain,
    )


def settle(outbox: Outbox, rows: Sequence[OutboxRow]) -> list[OutboxRow]:
    """Settle the statements a crash left unsettled: the mailbox is asked once a statement.

    Every row of a statement is marked sent when the mailbox has its Message-ID, and
    every one released (sent again on a later run) when it has not. A statement whose
    fate the mailbox cannot tell stays ``unknown`` on each of its rows.

    Returns:
        The rows that are not a statement's, for the usual settling.
    """
    ctx = outbox.ctx
    groups: dict[str, list[OutboxRow]] = {}
    others = []
    for row in rows:
        if row.action == ActionKind.SEND_STATEMENT and row.message_id:
            groups.setdefault(row.message_id, []).append(row)
        else:
            others.append(row)
    for message_id, group in groups.items():
        ids = [r.id for r in group]
        prepared = next((r.transport_ref for r in group if r.transport_ref), None)
        try:
            found = ctx.transport.find_sent(message_id, prepared=prepared)
        except MailError as exc:
            if exc.disposition != "reconcile":
                raise
            complete_all(ctx.store, ids, status=MessageStatus.UNKNOWN, error=str(exc))
            numbers = ", ".join(r.invoice_number for r in group)
            ctx.report.errors.append(
                f"statement listing {numbers}: the mailbox cannot tell whether it was sent;"
                f" the next reminders of these invoices wait until it can ({exc})"
            )
            continue
        if found is None:
            for r in group:
                ctx.store.release(r.id)
            continue
        fields = _sent_fields(found, group[0].created_at)
        complete_all(ctx.store, ids, **fields)
        ctx.report.reconciled += 1
    return others


def _sent_fields(sent: Sent, at: object) -> dict[str, object]:
    return {
        "status": MessageStatus.SENT,
        "message_id": sent.message_id,
        "thread": sent.thread,
        "transport_ref": sent.ref,
        "sent_at": at,
    }
