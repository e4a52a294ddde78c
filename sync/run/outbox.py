"""The outbox: every email and every ledger note of a run, done exactly once.

Every email follows the same steps, each committed before the next: record the intent
(claim), send, mark it sent, write the ledger note, mark it noted. A crash between any
two steps is repaired by the next run (``reconcile``, ``finish_notes``) without a
second email and without losing one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from connectors.models import Invoice
from mailer.errors import MailError, TransportUnavailable
from mailer.transport import Sent
from sync.errors import Aborted
from sync.plan.actions import ActionKind, EmailAction, Escalate, ResendInvoice
from sync.plan.history import MessageStatus
from sync.run.context import RunContext
from sync.run.dossier import Dossiers
from sync.run.faults import checkpoint
from sync.run.messages import Composer
from sync.run.notes import Batched, LedgerNotes
from sync.store.tables import OutboxRow, ThreadInfo

log = logging.getLogger(__name__)

REFUSED_IN_A_ROW = 3
"""Sends the mailbox may refuse in a row (``TransportUnavailable``: it cannot be reached
or written) before the run stops with exit 4. Each was already retried by the transport
and its row released; one or two can be a passing fault, but three in a row is the
mailbox, not the invoices, and going on would only report every invoice as skipped."""

NO_THREAD = ThreadInfo(None, None, ())


class Outbox(LedgerNotes):
    """Claims, sends, settles and notes the messages and holds of one run.

    Attributes:
        fresh: No run is on record for the tenant and the mailbox already holds mail:
            each message is looked for in the mailbox before it is sent.
    """

    def __init__(self, ctx: RunContext, composer: Composer) -> None:
        self.ctx = ctx
        self.composer = composer
        self.dossiers = Dossiers(ctx, composer)
        self.fresh = False
        self._batched: list[Batched] | None = None  # see LedgerNotes
        # The thread of every invoice with mail on record, read at once (None: ask); an
        # invoice not in it has none, one claimed since (None) is asked about again.
        self._threads: dict[str, ThreadInfo | None] | None = None
        self._sends = 0  # sends handed to the mailbox this run
        self._refused: list[str] = []  # the refusals since the last send that went

    # -- the mailbox refusing ---------------------------------------------------------------

    def refused_every_send(self) -> str | None:
        """Why the run must stop: every send of the run refused by the mailbox (or None)."""
        if self._sends and len(self._refused) == self._sends:
            return self._refusal()
        return None

    def _took(self, exc: MailError | None = None) -> None:
        """Count one send handed to the mailbox; stop the run at REFUSED_IN_A_ROW refusals."""
        self._sends += 1
        if not isinstance(exc, TransportUnavailable):
            self._refused.clear()  # it went, or this message alone was refused
            return
        self._refused.append(str(exc))
        if len(self._refused) >= REFUSED_IN_A_ROW:
            raise Aborted(self._refusal()) from exc

    def _refusal(self) -> str:
        n, went = len(self._refused), self._sends - len(self._refused)
        which = f"every send ({n} of {n})" if not went else f"{n} sends in a row"
        return (
            f"the mailbox refused {which}: {self._refused[-1]}. Those messages are not"
            " marked sent: the next run sends them once the mailbox takes mail"
        )

    # -- the rows -------------------------------------------------------------------------

    def row_for(
        self,
        invoice: Invoice,
        stage: str,
        cycle: int,
        action: str,
        status: str,
        message_id: str | None,
    ) -> OutboxRow:
        """A new outbox row about ``invoice`` for this run's tenant."""
        return OutboxRow(
            tenant=self.ctx.tenant,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            stage=stage,
            cycle=cycle,
            action=action,
            status=status,
            message_id=message_id,
            recipients="",
            created_at=self.ctx.now,
            sent_at=self.ctx.now if status == MessageStatus.SENT else None,
        )

    def claim(self, row: OutboxRow) -> int | None:
        """Commit the intent ``row``; its id, or None when that rung is already claimed."""
        return self.ctx.store.claim(row)

    def mark_sent(
        self, row_id: int, sent: Sent, *, sent_at: datetime | None = None, noted: bool = False
    ) -> None:
        """Record that row ``row_id``'s message is in the mailbox as ``sent``.

        ``sent_at`` is the run's moment unless given; ``noted`` marks a message that has
        no ledger note to write (a notice to a person) as done.
        """
        now = self.ctx.now
        extra: dict[str, Any] = {"noted_at": now} if noted else {}
        self.ctx.store.complete(
            row_id,
            status=MessageStatus.SENT,
            message_id=sent.message_id,
            thread=sent.thread,
            transport_ref=sent.ref,
            sent_at=now if sent_at is None else sent_at,
            **extra,
        )

    def send_failed(self, row_id: int, exc: MailError) -> None:
        """Settle an outbox row whose send raised, by what the error says."""
        if exc.disposition == "reconcile":
            self.ctx.store.complete(row_id, status=MessageStatus.UNKNOWN, error=str(exc))
        elif exc.disposition == "skip":
            self.ctx.store.complete(row_id, status=MessageStatus.FAILED, error=str(exc))
        else:
            self.ctx.store.release(row_id)

    # -- threads --------------------------------------------------------------------------

    def track_threads(self) -> None:
        """Read the thread of every invoice with mail on record (the others have none)."""
        self._threads = dict(self.ctx.store.threads(self.ctx.tenant))

    def thread_of(self, invoice: Invoice) -> ThreadInfo:
        """The invoice's thread; no query for one never mailed or read by ``track_threads``."""
        known = None if self._threads is None else self._threads.get(invoice.id, NO_THREAD)
        return known or self.ctx.store.thread_of(self.ctx.tenant, invoice.id)

    # -- email actions --------------------------------------------------------------------

    def email(
        self, action: EmailAction, invoice: Invoice, late_fee: dict[str, Any] | None = None
    ) -> None:
        """Send one email action (stating ``late_fee``) through the outbox: claim, send, note."""
        thread = self.thread_of(invoice)
        message, base_subject = self.composer.build(action, invoice, thread, late_fee)
        if self.ctx.dry_run:
            self.ctx.report.record(action)
            return
        row = self.row_for(
            invoice,
            action.stage,
            action.cycle,
            action.action,
            MessageStatus.PENDING,
            message["Message-ID"],
        )
        row.recipients, row.subject = ", ".join(action.to), base_subject
        row.request_ref = action.request_ref if isinstance(action, ResendInvoice) else None
        row_id = self.claim(row)
        if self._threads is not None:
            self._threads[invoice.id] = None
        if row_id is None:
            self._already_done(action)
            return
        checkpoint("after_intent")
        if self.fresh and self._found_in_mailbox(row_id, action, invoice, message):
            return
        sent = self._transmit(row_id, message, thread.thread)  # a claim is not a thread
        self._sent(row_id, action, invoice, sent)

    def escalate(self, action: Escalate, invoice: Invoice) -> None:
        """Hand an escalated invoice over: claim, send the dossier, mark it sent, note it.

        The dossier goes to ``escalation.to`` (test mode: ``test_recipients``), never
        into the customer's thread; its outbox row is the escalation's, so the rung is
        recorded once and the dossier sent once, across crashes.
        """
        message = self.dossiers.build(action, invoice)
        if self.ctx.dry_run:
            self.ctx.report.record(action)
            return
        to = ", ".join(self.dossiers.recipients)  # who it is handed to, for the note
        row = self.row_for(
            invoice,
            action.stage,
            action.cycle,
            ActionKind.ESCALATE,
            MessageStatus.PENDING,
            message["Message-ID"],
        )
        row.recipients, row.subject = to, str(message["Subject"])
        row_id = self.claim(row)
        if row_id is None:
            log.info("%s %s: already escalated; no second dossier", invoice.number, action.stage)
            return
        checkpoint("after_intent")
        if self.fresh and self._found_in_mailbox(row_id, action, invoice, message, note_to=to):
            return
        sent = self._transmit(row_id, message, None)
        self.mark_sent(row_id, sent)
        self.ctx.report.record(action)
        log.info("%s %s: escalated; dossier sent to %s", invoice.number, action.stage, to)
        checkpoint("after_mark_sent")
        self.note((row_id, action.cycle), invoice, ActionKind.ESCALATE, action.stage, to=to)

    def _already_done(self, action: EmailAction) -> None:
        """Another run (or an earlier crash) claimed this rung: never send it twice."""
        if isinstance(action, ResendInvoice):
            self.ctx.store.handle_reply(self.ctx.tenant, action.request_ref)
        log.info("%s %s: already claimed; not sent again", action.invoice.number, action.stage)

    def _found_in_mailbox(
        self,
        row_id: int,
        action: EmailAction | Escalate,
        invoice: Invoice,
        message: EmailMessage,
        *,
        note_to: str | None = None,
    ) -> bool:
        """With no runs on record (a first run, or a lost state file), ask the mailbox first.

        Message-IDs are the same for the same rung, so a message an earlier state store
        knew about is found and recorded instead of being sent a second time.
        """
        to = [a.addr_spec for a in message["To"].addresses] if message["To"] else []
        found = self.ctx.transport.find_sent(
            str(message["Message-ID"]), recipient=to[0] if to else None
        )
        if found is None:
            return False
        self.mark_sent(row_id, found)
        self.ctx.report.reconciled += 1
        log.info("%s %s: already in the mailbox; not sent again", invoice.number, action.stage)
        note_to = ", ".join(action.to) if note_to is None else note_to
        self.note((row_id, action.cycle), invoice, action.action, action.stage, to=note_to)
        return True

    def _sent(self, row_id: int, action: EmailAction, invoice: Invoice, sent: Sent) -> None:
        """Mark the claimed row sent, settle what asked for it, and write its note."""
        self.mark_sent(row_id, sent)
        if isinstance(action, ResendInvoice):
            self.ctx.store.handle_reply(self.ctx.tenant, action.request_ref)
        self.ctx.report.record(action)
        log.info("%s %s: sent to %s", invoice.number, action.stage, ", ".join(action.to))
        checkpoint("after_mark_sent")
        self.note(
            (row_id, action.cycle), invoice, action.action, action.stage, to=", ".join(action.to)
        )

    def _transmit(
        self, row_id: int, message: EmailMessage, thread: str | None, also: Sequence[int] = ()
    ) -> Sent:
        """Hand the claimed row's message to the transport; settle the row if it raises.

        ``also``: the other rows of the same message (a statement's), given its handle too.
        """

        def prepared(ref: str) -> None:
            # The transport's handle on a send about to happen (a Gmail draft): kept
            # so a crash from here on can be settled by asking about exactly it.
            for rid in (row_id, *also):
                self.ctx.store.complete(rid, transport_ref=ref)

        checkpoint("before_send")
        try:
            sent = self.ctx.transport.send(message, thread=thread, prepared=prepared)
        except MailError as exc:
            self.send_failed(row_id, exc)
            self._took(exc)
            raise
        self._took()
        checkpoint("after_send")
        return sent

    # -- notices and holds ----------------------------------------------------------------

    def tell(self, row: OutboxRow, message: EmailMessage) -> bool:
        """Send a notice to a person: claim, send, mark sent (and noted: it has no note).

        True when sent, False when an earlier run claimed it; a failed send raises
        ``MailError`` once the row is settled by what the error says.
        """
        row_id = self.claim(row)
        if row_id is None:
            return False
        try:
            sent = self.ctx.transport.send(message, thread=None)
        except MailError as exc:
            self.send_failed(row_id, exc)
            self._took(exc)
            raise
        self._took()
        self.mark_sent(row_id, sent, noted=True)
        return True

    def pause(self, invoice: Invoice, reason: str, cycle: int) -> None:
        """Stop reminders to ``invoice`` until a person resumes them, and note why.

        ``cycle`` keys the pause (the reply that caused it), so doing it again after a
        crash writes no second note.
        """
        ctx = self.ctx
        ctx.store.set_control(ctx.tenant, invoice.id, invoice.number, ctx.now, paused=reason)
        row_id = self.claim(
            self.row_for(invoice, "pause", cycle, ActionKind.PAUSE, MessageStatus.SENT, None)
        )
        if row_id is not None:
            ctx.report.pauses += 1
            self.note((row_id, cycle), invoice, ActionKind.PAUSE, "pause", detail=reason)

    def hold_note(self, invoice: Invoice, stage: str, cycle: int, detail: str) -> None:
        """Record a hold put on ``invoice`` (a snooze) in the outbox and as a ledger note."""
        row_id = self.claim(self.row_for(invoice, stage, cycle, stage, MessageStatus.SENT, None))
        if row_id is not None:
            self.note((row_id, cycle), invoice, stage, stage, detail=detail)
