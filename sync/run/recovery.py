"""Repairs after a crash, at the start of the next run: settle unsettled sends, write notes.

An intent row left ``pending`` (or ``unknown``) is settled by asking the mailbox whether
it holds the message; a sent row left without its ledger note gets the note.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from connectors.base import NoteLookup
from connectors.batches import chunks
from connectors.errors import LedgerError
from connectors.models import Invoice
from mailer.errors import MailError
from sync.errors import Aborted
from sync.plan.actions import ActionKind
from sync.plan.history import MessageStatus
from sync.run import statements
from sync.run.context import REREAD_CHUNK
from sync.run.outbound import hold_detail
from sync.run.outbox import Outbox
from sync.store.tables import OutboxRow

log = logging.getLogger(__name__)


def reconcile(outbox: Outbox) -> None:
    """Settle intents left by a crash: sent if the mailbox has them, else try again.

    A send whose outcome the mailbox cannot tell stays ``unknown``: it blocks that
    invoice's next rung, is reported, and is asked about again on every run.
    """
    store = outbox.ctx.store
    unsettled = store.rows(outbox.ctx.tenant, status=MessageStatus.PENDING)
    unsettled += store.rows(outbox.ctx.tenant, status=MessageStatus.UNKNOWN)
    for row in statements.settle(outbox, unsettled):
        if row.action == ActionKind.LATE_FEE:
            continue  # settled with the ledger: sync.run.fees.LateFees.settle_pending
        # A pause, and an escalation recorded before dossiers were emailed, sent nothing.
        if row.action in (ActionKind.ESCALATE, ActionKind.PAUSE) and not row.message_id:
            store.complete(row.id, status=MessageStatus.SENT, sent_at=row.created_at)
        else:
            _settle(outbox, row)


def _settle(outbox: Outbox, row: OutboxRow) -> None:
    """Settle one unsettled email by asking the mailbox whether it holds it."""
    try:
        found = outbox.ctx.transport.find_sent(row.message_id or "", prepared=row.transport_ref)
    except MailError as exc:
        if exc.disposition != "reconcile":
            raise
        outbox.ctx.store.complete(row.id, status=MessageStatus.UNKNOWN, error=str(exc))
        outbox.ctx.report.errors.append(
            f"{row.invoice_number} {row.stage}: the mailbox cannot tell whether it"
            f" was sent; its next reminder waits until it can ({exc})"
        )
        return
    if found is None:
        log.info("%s %s: not in the mailbox; will send again", row.invoice_number, row.stage)
        outbox.ctx.store.release(row.id)
        return
    # A notice to a person is not written on the invoice (see ReplyDesk._tell):
    # settled here, it is done, or the next step would note it as if it were.
    outbox.mark_sent(row.id, found, sent_at=row.created_at, noted=row.action == ActionKind.NOTICE)
    outbox.ctx.report.reconciled += 1


def finish_notes(outbox: Outbox, invoices: dict[str, Invoice]) -> None:
    """Write the ledger notes a crash left unwritten, as they would have been written.

    Each note says what its outbox row recorded (its send time too, not this run's),
    so the same key carries the same words: a ledger that remembers a key refuses
    another body for it. Where the ledger may have forgotten the key, the note is first
    looked for on the invoice (``already_written``), so it is not written twice.
    """
    ctx = outbox.ctx
    rows = ctx.store.unnoted(ctx.tenant)
    missing = [r.invoice_id for r in rows if r.invoice_id not in invoices]
    for chunk in chunks(sorted(set(missing)), REREAD_CHUNK):
        invoices.update({inv.id: inv for inv in ctx.ledger.get_invoices(chunk)})
    for row in rows:
        invoice = invoices.get(row.invoice_id)
        if invoice is None:
            ctx.report.errors.append(
                f"{row.invoice_number}: no longer in the ledger; note not written"
            )
            continue
        at = row.sent_at or row.created_at
        detail = ""
        if row.action in (ActionKind.PAUSE, ActionKind.SNOOZE):  # cycle: the reply's id
            reply = ctx.store.reply(ctx.tenant, row.cycle)
            detail = hold_detail(reply) if reply is not None else ""
        elif row.action in (ActionKind.LATE_FEE, ActionKind.PLAN_ENDED):
            detail = row.subject or ""  # the fee's amount and number; why a plan ended
        try:
            outbox.note(
                (row.id, row.cycle),
                invoice,
                row.action,
                row.stage,
                to=row.recipients,
                detail=detail,
                at=at,
                written=partial(already_written, outbox, invoice, at=at),
            )
        except LedgerError as exc:  # the look-up failed: write nothing blind
            ctx.report.errors.append(f"{row.invoice_number}: note not written yet ({exc})")
            if exc.disposition == "abort":
                raise Aborted(str(exc)) from exc


def already_written(outbox: Outbox, invoice: Invoice, text: str, *, at: datetime) -> bool:
    """Whether an earlier run's note is on the invoice, its key perhaps forgotten.

    While the ledger still remembers the key (``NoteLookup.note_key_lifetime`` after
    ``at``, the earliest the note can have been written), writing again adds nothing:
    no look-up. A clock that did not move (a rerun with the same ``--today``) cannot
    say how long ago that was: look.

    Raises:
        LedgerError: The look-up failed.
    """
    ledger, now = outbox.ctx.ledger, outbox.ctx.now
    if not isinstance(ledger, NoteLookup):
        return False
    if timedelta(0) < now - at < ledger.note_key_lifetime:
        return False
    found = ledger.has_note(invoice, text)
    if found:
        log.info("%s: the note is already in the ledger; not written again", invoice.number)
    return found
