"""The instalment plans of a run: handed to the planner, and ended when they are over.

The plan's messages themselves are planned (``sync.plan.instalments``) and sent through
the outbox like any email: claimed, sent, marked, noted. What is done here, before the
planning, is ending plans: one whose invoice is settled ends quietly (the thank-you
follows as usual), one lapsed past a missed instalment ends with a ledger note, once:
its outbox row (``plan_ended``, the plan's id) is claimed first, then the plan is
ended, then the note is written; a crash in between is finished by the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from connectors.models import Invoice
from sync.config.policies import PolicyBook
from sync.plan.actions import ActionKind
from sync.plan.history import History, MessageStatus
from sync.plan.instalments import final_notice, standing
from sync.run.outbox import Outbox
from sync.run.schedule import ended_detail
from sync.store.plans import PLAN_ENDED, PlanBook, plan_of, with_plans

log = logging.getLogger(__name__)

ENDED = PLAN_ENDED


class PlanKeeper:
    """The instalment plans of one run's tenant."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.ctx = outbox.ctx
        self.book = PlanBook(self.ctx.store, self.ctx.tenant)

    def attach(self, history: Mapping[str, History]) -> dict[str, History]:
        """``history`` with each invoice's latest instalment plan in it."""
        latest = self.book.latest()
        return with_plans(history, list(latest.values()), self.ctx.settings.instalments)

    def settle(self, invoices: Mapping[str, Invoice]) -> None:
        """End the running plans whose invoice is settled, or that lapsed (with a note)."""
        ctx = self.ctx
        for row in self.book.plans(running=True):
            invoice = invoices.get(row.invoice_id)
            if invoice is None:
                continue  # not read this run: nothing is known of it
            if not invoice.is_open:
                why = "paid" if invoice.is_paid else "closed"
                self.book.end(row.id, why, ctx.now)
                log.info("%s: instalment plan %s ended (%s)", invoice.number, row.id, why)
                continue
            plan = plan_of(row, ctx.settings.instalments)
            today = ctx.calendar.today(ctx.now, invoice.contact.timezone)
            now = standing(plan, invoice.amount_due, today, ctx.calendar)
            if now.lapsed and now.next is not None:
                self._lapse(
                    invoice,
                    plan.id,
                    ended_detail(plan, now.next, invoice.currency, self._final(invoice)),
                )

    def _final(self, invoice: Invoice) -> str | None:
        policy = PolicyBook.from_settings(self.ctx.settings).choose(invoice.contact).policy
        stage = final_notice(policy or self.ctx.settings.policy)
        return stage.name if stage else None

    def _lapse(self, invoice: Invoice, plan_id: int, detail: str) -> None:
        """Claim the plan's end, end it, note it: each once, across crashes."""
        out = self.outbox
        row = out.row_for(invoice, ENDED, plan_id, ActionKind.PLAN_ENDED, MessageStatus.SENT, None)
        row.subject = detail  # the note's words, kept for a note written after a crash
        row_id = out.claim(row)
        self.book.end(plan_id, "missed", self.ctx.now)
        log.info("%s: instalment plan %s ended: %s", invoice.number, plan_id, detail)
        if row_id is not None:
            out.note((row_id, plan_id), invoice, ActionKind.PLAN_ENDED, ENDED, detail=detail)
