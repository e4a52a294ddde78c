"""The escalation hand-over: the dossier emailed to ``escalation.to`` for one invoice.

The dossier (template ``dossier``, in English: it goes to the business's people, a
lawyer or a collection agency) holds the customer, the invoice and its amounts, and
the whole timeline from the state store (:mod:`sync.run.timeline`). Attached are the
invoice's PDF (``Ledger.fetch_pdf``) and a formal demand for payment, rendered from the
``demand_letter`` template in the customer's language and drawn by
:mod:`connectors.letters`. The outbox sends it exactly once, like an email to a customer.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from connectors.models import Invoice
from mailer.compose import Attachment, compose
from sync.config.services import CsvLedgerSettings
from sync.config.settings import Settings
from sync.plan.actions import Escalate, Plan
from sync.run import timeline
from sync.run.context import RunContext
from sync.run.messages import Composer
from sync.run.outbound import one_line, test_copy
from sync.store.case import judge_promise, promises_to_judge, read_case, remember_promise
from sync.store.tables import ReplyRow

log = logging.getLogger(__name__)

DOSSIER = "dossier"
"""The template of the dossier; always English, like the notice."""
LETTER = "demand_letter"
"""The template of the demand letter (a single ``.txt``), in the customer's language."""


def addressed(result: Plan, settings: Settings) -> Plan:
    """The plan with each escalation addressed to whom its dossier goes, as plans show it."""
    to = settings.escalation_addresses
    actions = tuple(replace(a, to=to) if isinstance(a, Escalate) else a for a in result.actions)
    return replace(result, actions=actions)


def dossier_stage(stage: str) -> str:
    """The stage a dossier's Message-ID is made with: never one of a customer's messages."""
    return f"dossier-{stage}"


class Dossiers:
    """Builds the dossier of one escalated invoice, with its two PDFs."""

    def __init__(self, ctx: RunContext, composer: Composer) -> None:
        self.ctx = ctx
        self.composer = composer

    @property
    def recipients(self) -> tuple[str, ...]:
        """Who the case is handed to (``escalation.to``, else ``notify``, else the sender)."""
        return self.ctx.settings.escalation_addresses

    def build(self, action: Escalate, invoice: Invoice) -> EmailMessage:
        """The dossier message for ``invoice``, escalated at ``action``'s stage.

        Raises:
            TemplateError: The dossier or the letter template does not render.
            LedgerError: The invoice's PDF could not be fetched.
        """
        ctx = self.ctx
        today = ctx.calendar.today(ctx.now)
        letter_language = self.letter_language(action.language)
        names = attachment_names(invoice)
        context = self.context(action, invoice, today, letter_language, names)
        rendered = ctx.renderer.render(DOSSIER, "en", context)
        letter = ctx.renderer.render_text(LETTER, letter_language, context)
        to, subject = self.recipients, rendered.subject
        if ctx.settings.mode == "test":
            rendered = test_copy(rendered, to=to, cc=())
            subject = f"[TEST] {subject}"
            to = ctx.settings.test_recipients
        # The PDF stack (fpdf2) loads only when a case is handed over, not in every run.
        from connectors.letters import render_letter_pdf  # noqa: PLC0415

        pdfs = [
            Attachment(names["invoice"], ctx.ledger.fetch_pdf(invoice)),
            Attachment(
                names["letter"],
                render_letter_pdf(
                    letter,
                    title=f"Demand for payment: invoice {invoice.number}",
                    dated=today,
                    language=letter_language,
                    font=self.font,
                ),
            ),
        ]
        return compose(
            rendered=rendered,
            sender_name=ctx.identity.sender_name,
            sender_email=ctx.identity.sender_email,
            to=to,
            subject=subject,
            message_id=self.composer.message_id(invoice, dossier_stage(action.stage), action.cycle),
            date=ctx.now,
            headers={
                "X-Tahseel-Dossier": invoice.number,
                "X-Tahseel-Stage": action.stage,
                "X-Tahseel-Cycle": str(action.cycle),
            },
            attachments=pdfs,
        )

    @property
    def font(self) -> Path | None:
        """The Unicode font the CSV ledger draws its PDFs with, if it names one."""
        cfg = self.ctx.settings.ledger
        if isinstance(cfg, CsvLedgerSettings) and cfg.pdf_font:
            return self.ctx.settings.resolve(cfg.pdf_font)
        return None

    def letter_language(self, language: str) -> str:
        """The customer's language, or English where Arabic cannot be drawn (no font)."""
        from connectors.letters import can_draw  # noqa: PLC0415

        if can_draw(language, self.font):
            return language
        log.warning("no Unicode font for an Arabic letter; the demand letter is in English")
        return "en"

    def context(
        self,
        action: Escalate,
        invoice: Invoice,
        today: date,
        letter_language: str,
        names: dict[str, str],
    ) -> dict[str, Any]:
        """What the dossier and the letter templates see."""
        ctx = self.ctx
        case = read_case(ctx.store, ctx.tenant, invoice.id)
        found = timeline.promises(case, invoice, today)
        deadline = today + timedelta(days=ctx.settings.escalation.deadline_days)
        return invoice_context(invoice, ctx.identity.business_name, today) | {
            "sender": {"name": ctx.identity.sender_name, "email": ctx.identity.sender_email},
            "stage": {"name": action.stage, "cycle": action.cycle},
            "handed_to": list(self.recipients),
            "timeline": [e.as_dict() for e in timeline.events(case)],
            "promises": found,
            "kept": sum(1 for p in found if p["verdict"] == "kept"),
            "hold": timeline.hold(case, today),
            "letter": {"date": today, "deadline": deadline, "language": letter_language},
            "attachments": names,
        }


def invoice_context(invoice: Invoice, business: str, today: date) -> dict[str, Any]:
    """The customer and invoice as the dossier and the letter show them."""
    return {
        "business": {"name": business},
        "customer": {
            "name": one_line(invoice.contact.name),
            "emails": list(invoice.contact.emails),
        },
        "invoice": {
            "number": one_line(invoice.number),
            "reference": one_line(invoice.reference) if invoice.reference else None,
            "currency": invoice.currency,
            "total": invoice.total,
            "paid": invoice.total - invoice.amount_due,
            "amount_due": invoice.amount_due,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "days_late": (today - invoice.due_date).days,
        },
    }


def sample_context(settings: Settings, invoice: Invoice) -> dict[str, Any]:
    """A context like a run's, for ``tahseel check`` to render the dossier and letter with."""
    today = invoice.due_date + timedelta(days=46)
    at = datetime.combine(invoice.due_date, time(9), tzinfo=UTC)
    return invoice_context(invoice, settings.business.name, today) | {
        "sender": {"name": settings.sender.name, "email": settings.sender.email},
        "stage": {"name": "escalate", "cycle": 0},
        "handed_to": list(settings.escalation_addresses),
        "timeline": [timeline.Event(at, "reminder 'overdue': sent by email").as_dict()],
        "promises": [
            {"made": "2026-02-01", "promised": "2026-02-10", "amount": None, "verdict": "kept"},
            {
                "made": "2026-02-11",
                "promised": "2026-02-20",
                "amount": invoice.amount_due,
                "verdict": "not kept",
            },
        ],
        "kept": 1,
        "hold": "",
        "letter": {"date": today, "deadline": today + timedelta(days=14), "language": "en"},
        "attachments": attachment_names(invoice),
    }


def attachment_names(invoice: Invoice) -> dict[str, str]:
    """The file names of the dossier's two PDFs."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in invoice.number)
    return {"invoice": f"Invoice-{safe}.pdf", "letter": f"Demand-for-payment-{safe}.pdf"}


def record_promise(ctx: RunContext, reply: ReplyRow, invoice: Invoice) -> None:
    """Keep a dated promise with the amount due when it was made, to judge it later."""
    if reply.promised is None:
        return
    remember_promise(
        ctx.store,
        ctx.tenant,
        reply_id=reply.id,
        invoice_id=invoice.id,
        promised=reply.promised,
        amount_due=invoice.amount_due,
        now=ctx.now,
    )


def judge_promises(ctx: RunContext, invoices: dict[str, Invoice]) -> None:
    """Judge every promise whose day is over, on the invoices read this run (one query).

    A promise whose invoice this run did not read waits for a run that reads it.
    """
    for promise in promises_to_judge(ctx.store, ctx.tenant, ctx.calendar.today(ctx.now)):
        invoice = invoices.get(promise.invoice_id)
        if invoice is not None:
            kept = timeline.promise_kept(Decimal(promise.amount_due), invoice)
            judge_promise(ctx.store, ctx.tenant, promise.reply_id, kept, ctx.now)
