"""Building the messages of one run: an email action's message, and a notice to a person.

The outbox decides when a message goes and records that it went; this module only
gathers what a message needs (payment link, PDF, thread) and renders and composes it.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from connectors.models import Invoice
from mailer.compose import Attachment, compose, make_message_id
from sync.config.settings import Policy
from sync.plan.actions import Acknowledge, ActionKind, EmailAction, InstalmentMessage
from sync.run.context import RunContext
from sync.run.outbound import tahseel_headers, template_context, test_copy, thread_subject
from sync.run.schedule import plan_context
from sync.run.wording import Wording
from sync.store.tables import ReplyRow, ThreadInfo

NOTICE = ActionKind.NOTICE
"""The template of the notice to a person; always English, from the built-in set."""
QUOTED_LINES = 60
"""Lines of a customer's reply quoted in a notice."""


class Composer:
    """Renders and composes the messages of one run."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self._wordings: dict[int, Wording] = {}

    @property
    def wording(self) -> Wording:
        """What the settings add to the words of customer messages under ``policy``."""
        return self.wording_of(self.ctx.settings.policy)

    def wording_of(self, policy: Policy) -> Wording:
        """What the settings and ``policy`` add to the words of its customers' messages."""
        if id(policy) not in self._wordings:  # the settings' own policies: one each
            self._wordings[id(policy)] = Wording.from_settings(self.ctx.settings, policy)
        return self._wordings[id(policy)]

    def build(
        self,
        action: EmailAction,
        invoice: Invoice,
        thread: ThreadInfo,
        late_fee: dict[str, Any] | None = None,
    ) -> tuple[EmailMessage, str]:
        """The message for ``action`` in ``thread`` (stating ``late_fee``), and its base subject."""
        ctx = self.ctx
        today = ctx.calendar.today(ctx.now)
        wording = self.wording_of(ctx.policy_for(invoice))
        context = template_context(
            invoice,
            ctx.identity,
            stage=action.stage,
            cycle=action.cycle,
            language=action.language,
            payment_link=self.payment_link(invoice),
            attachment=action.attach_pdf,
            today=today,
            promised_date=action.promised if isinstance(action, Acknowledge) else None,
            thread=thread,
            wording=wording,
            deadline=wording.deadline(today, ctx.calendar),
            late_fee=late_fee,
            plan=plan_context(action.schedule, action.part, invoice.amount_due)
            if isinstance(action, InstalmentMessage)
            else None,
        )
        rendered = ctx.renderer.render(action.template, action.language, context)
        subject, base = thread_subject(thread.subject, rendered.subject)
        to, cc = action.to, action.cc
        if ctx.settings.mode == "test":
            rendered = test_copy(rendered, to=to, cc=cc)
            subject = f"[TEST] {subject}"
            to, cc = ctx.settings.test_recipients, ()
        ids = thread.message_ids
        message = compose(
            rendered=rendered,
            sender_name=ctx.identity.sender_name,
            sender_email=ctx.identity.sender_email,
            to=to,
            cc=cc,
            reply_to=ctx.identity.reply_to,
            subject=subject,
            message_id=self.message_id(invoice, action.stage, action.cycle),
            in_reply_to=ids[-1] if ids else None,
            references=ids,
            date=ctx.now,
            headers=tahseel_headers(invoice, action.stage, action.cycle),
            attachments=self._attachments(action, invoice),
        )
        return message, base

    def _attachments(self, action: EmailAction, invoice: Invoice) -> list[Attachment]:
        if not action.attach_pdf:
            return []
        pdf = self.ctx.ledger.fetch_pdf(invoice)
        # A PDF Tahseel draws is a statement, not the invoice (connectors.pdf).
        draws = getattr(self.ctx.ledger, "draws_pdf", None)
        kind = "Statement" if callable(draws) and draws(invoice) else "Invoice"
        return [Attachment(f"{kind}-{_safe(invoice.number)}.pdf", pdf)]

    def notice(self, reply: ReplyRow, invoice: Invoice, what: str) -> EmailMessage:
        """The email telling the people in ``notify`` what a customer wrote about ``invoice``.

        It is in English: the people told are the business's own staff.
        """
        ctx = self.ctx
        rendered = ctx.renderer.render(NOTICE, "en", notice_context(reply, invoice, what))
        return compose(
            rendered=rendered,
            sender_name=ctx.identity.sender_name,
            sender_email=ctx.identity.sender_email,
            to=ctx.settings.notify_addresses,
            subject=rendered.subject,
            message_id=self.message_id(invoice, "notice", reply.id),
            date=ctx.now,
        )

    def message_id(self, invoice: Invoice, stage: str, cycle: int) -> str:
        """The Message-ID of ``invoice``'s message at one rung: the same on every run."""
        return make_message_id(
            tenant=self.ctx.tenant,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            stage=stage,
            cycle=cycle,
            domain=self.ctx.identity.domain,
        )

    def payment_link(self, invoice: Invoice) -> str | None:
        """The invoice's payment link; fetched once from an online ledger, then kept."""
        ctx = self.ctx
        if not ctx.ledger.incremental:
            return ctx.ledger.payment_link(invoice)
        link = ctx.cache.link(invoice.id)
        if link is None:
            link = ctx.ledger.payment_link(invoice)
            if link is not None and not ctx.dry_run:
                ctx.cache.save_link(invoice.id, link, ctx.now)
        return link


def notice_context(reply: ReplyRow, invoice: Invoice, what: str) -> dict[str, Any]:
    """What the notice template sees: the invoice, the reply, and what it means."""
    return {
        "customer": {"name": invoice.contact.name},
        "invoice": {
            "number": invoice.number,
            "amount_due": invoice.amount_due,
            "currency": invoice.currency,
            "due_date": invoice.due_date,
        },
        "reply": {
            "sender": reply.sender,
            "received": f"{reply.received_at:%Y-%m-%d %H:%M}",
            "lines": (reply.excerpt or "").splitlines()[:QUOTED_LINES],
        },
        "what": what,
    }


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)
