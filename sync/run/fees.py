"""The late fee: created in the ledger once, noted, and stated in the stage's message.

A policy's ``late_fee`` charges a fixed amount at one stage to an invoice that is at
least ``after_days`` late. The fee is its own invoice to the same customer, naming the
late invoice in its reference and line. It follows the outbox's steps, each committed
before the next: claim a ``late_fee`` row (unique per invoice, and per cycle when not
``once``), create the fee in the ledger, mark the row with the fee's number, write the
note on the late invoice. Only then is the stage's message built, so it can name the
fee invoice. A crash between two steps is repaired by the next run: a claimed row is
settled by creating again with the same idempotency key after looking the fee up by
its reference (``CreatesFees.create_fee(settle=True)``); a created one gets its note
from ``recovery.finish_notes``.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from connectors.base import CreatesFees, FeeRequest
from connectors.errors import LedgerError, LedgerRejected
from connectors.models import Invoice
from sync.errors import Aborted
from sync.plan.actions import ActionKind, SendReminder
from sync.plan.history import MessageStatus
from sync.run.faults import checkpoint
from sync.run.outbound import rung_key
from sync.run.outbox import Outbox
from sync.store.tables import OutboxRow

log = logging.getLogger(__name__)

FEE_STAGE = "late_fee"
"""The outbox stage of a fee row (``stage`` names cannot take it: it has no rung)."""


def fee_reference(number: str, cycle: int) -> str:
    """The fee invoice's reference: names the late invoice, unique per fee."""
    return f"Late fee {number}" + (f" ({cycle + 1})" if cycle else "")


def is_fee(invoice: Invoice) -> bool:
    """Whether ``invoice`` is itself a late fee (which never gets a fee of its own)."""
    return invoice.number.startswith("FEE-") or (invoice.reference or "").startswith("Late fee ")


def fee_number(number: str, cycle: int) -> str:
    """The number a file ledger gives the fee invoice (``FEE-INV-0001``)."""
    return f"FEE-{number}" + (f"-{cycle + 1}" if cycle else "")


def fee_detail(amount: Decimal, currency: str, number: str, reference: str) -> str:
    """What the late invoice's note says about its fee (kept on the row, for a retry)."""
    return f"{amount:.2f} {currency} as invoice {number}, reference '{reference}'"


class LateFees:
    """Charges the policy's late fee through the outbox of one run."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.ctx = outbox.ctx

    def charge(self, action: SendReminder, invoice: Invoice) -> dict[str, Any] | None:
        """The ``late_fee`` the action's message states, the fee created first; or None.

        None when the policy has no fee, the action is not at the fee's stage, the
        invoice is a fee itself or not late enough, or the fee has no amount in the invoice's
        currency (reported for that invoice). The returned ``number`` is None in a
        dry run, where nothing is created.

        Raises:
            LedgerError: The fee could not be created (or it is not known whether it
                was): the message is not sent either, and the next run tries again.
        """
        ctx = self.ctx
        policy = ctx.policy_for(invoice).late_fee
        if policy is None or action.stage != policy.stage or is_fee(invoice):
            return None
        late = (ctx.calendar.today(ctx.now) - invoice.due_date).days
        if late < policy.after_days:
            return None
        amount = policy.amount_in(invoice.currency)
        if amount is None:
            ctx.report.problems.append(
                f"{invoice.number}: no late fee charged or stated: the invoice is in"
                f" {invoice.currency} and policy.late_fee has an amount in"
                f" {', '.join(policy.amounts)} only; add {invoice.currency} to"
                " policy.late_fee.amount (amount: {" + f"{invoice.currency}: …" + "})"
            )
            return None
        stated: dict[str, Any] = {"amount": amount, "currency": invoice.currency, "number": None}
        cycle = 0 if policy.once else action.cycle
        if ctx.dry_run:
            done = self._row(invoice, cycle)
            if done is None or done.status != MessageStatus.SENT:
                ctx.report.fees += 1
            stated["number"] = done.request_ref if done is not None else None
            return stated
        stated["number"] = self._create(invoice, amount, cycle)
        return stated

    def settle_pending(self, invoices: dict[str, Invoice]) -> None:
        """Finish the fees a crash left claimed (and perhaps created), at a run's start.

        A fee of an invoice still open is created or found (``settle``), marked and
        noted, so its stage's message states it when it goes; one of an invoice paid or
        closed meanwhile is let go, and the run says where to look in the ledger.
        """
        ctx = self.ctx
        pending = ctx.store.rows(
            ctx.tenant, action=ActionKind.LATE_FEE, status=MessageStatus.PENDING
        )
        missing = [r.invoice_id for r in pending if r.invoice_id not in invoices]
        known = {inv.id: inv for inv in ctx.ledger.get_invoices(missing)} if missing else {}
        for row in pending:
            invoice = invoices.get(row.invoice_id) or known.get(row.invoice_id)
            policy = ctx.policy_for(invoice).late_fee if invoice is not None else None
            amount = policy.amount_in(invoice.currency) if policy and invoice else None
            if invoice is None or not invoice.is_open or amount is None:
                ctx.store.release(row.id)
                state = invoice.status.value if invoice is not None else "not in the ledger"
                ctx.report.problems.append(
                    f"{row.invoice_number}: a run stopped while creating its late fee, and"
                    f" the invoice is {state} now; no fee is charged: look in the ledger for"
                    f" an invoice with reference '{fee_reference(row.invoice_number, row.cycle)}'"
                    " and void it if it is there"
                )
                continue
            try:
                self._create(invoice, amount, row.cycle)
            except LedgerError as exc:
                ctx.report.errors.append(f"{row.invoice_number}: {exc}")
                if exc.disposition == "abort":
                    raise Aborted(str(exc)) from exc

    def _row(self, invoice: Invoice, cycle: int) -> OutboxRow | None:
        rows = self.ctx.store.rows(
            self.ctx.tenant, invoice_id=invoice.id, stage=FEE_STAGE, cycle=cycle
        )
        return rows[0] if rows else None

    def _create(self, invoice: Invoice, amount: Decimal, cycle: int) -> str:
        """Claim, create, mark and note the fee; its number (an earlier run's, if made)."""
        ctx, outbox = self.ctx, self.outbox
        ledger = ctx.ledger
        if not isinstance(ledger, CreatesFees):  # `check` refuses such a configuration
            raise LedgerRejected(
                f"the {ledger.display_name} ledger cannot create a late fee; remove"
                " policy.late_fee or use a ledger that can (CSV, Xero, QuickBooks)"
            )
        row = self._row(invoice, cycle)
        if row is not None and row.status == MessageStatus.SENT:
            return row.request_ref or ""
        settle = row is not None
        if row is None:
            claimed = outbox.claim(
                outbox.row_for(
                    invoice, FEE_STAGE, cycle, ActionKind.LATE_FEE, MessageStatus.PENDING, None
                )
            )
            row = self._row(invoice, cycle)
            assert row is not None  # claimed now, or by an overlapping run
            settle = claimed is None
        checkpoint("after_intent")
        request = FeeRequest(
            invoice=invoice,
            amount=amount,
            currency=invoice.currency,
            reference=fee_reference(invoice.number, cycle),
            description=(
                f"Late payment fee on invoice {invoice.number} (due {invoice.due_date.isoformat()})"
            ),
            issued=ctx.calendar.today(ctx.now),
            key=rung_key(ctx.tenant, invoice.id, FEE_STAGE, cycle),
            number=fee_number(invoice.number, cycle),
        )
        try:
            created = ledger.create_fee(request, settle=settle)
        except LedgerError as exc:
            if exc.disposition == "skip":  # refused: certainly not created; try again later
                ctx.store.release(row.id)
            exc.args = (
                f"late fee not created yet ({exc}); the {_stage(ctx, invoice)} message waits for it"
                " and the next run tries again",
            )
            raise
        checkpoint("after_send")
        detail = fee_detail(amount, invoice.currency, created.number, request.reference)
        ctx.store.complete(
            row.id,
            status=MessageStatus.SENT,
            transport_ref=created.id,
            request_ref=created.number,
            subject=detail,
            sent_at=ctx.now,
        )
        ctx.report.fees += 1
        log.info("%s: late fee %s", invoice.number, detail)
        checkpoint("after_mark_sent")
        outbox.note((row.id, cycle), invoice, ActionKind.LATE_FEE, FEE_STAGE, detail=detail)
        return created.number


def _stage(ctx: Any, invoice: Invoice) -> str:
    fee = ctx.policy_for(invoice).late_fee
    return repr(fee.stage) if fee is not None else "stage's"
