"""Repairs after a crash, at the start of the next run: settle unsettled sends, write notes.

An intent row left ``pending`` (or ``unknown``) is settled by asking the mailbox whether
it holds the message; a sent row left without its ledger note gets the note.
"""

from __future__ import annotations

import logging

from connectors.batches import chunks
from connectors.models import Invoice
from mailer.errors import MailError
from sync.plan.actions import ActionKind
from sync.plan.history import MessageStatus
from sync.run.context import REREAD_CHUNK
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
    for row in unsettled:
        if row.action in (ActionKind.ESCALATE, ActionKind.PAUSE):
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
    """Write the ledger notes a crash left unwritten."""
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
        outbox.note((row.id, row.cycle), invoice, row.action, row.stage, to=row.recipients)
