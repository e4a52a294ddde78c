"""What a WhatsApp or SMS reminder says: its tag, a template's variables, an SMS's text.

Every message carries a *tag*, the invoice number and a short key (``INV-1003/K7Q2``),
in what the customer sees: in the SMS text, or as the invoice number's variable of a
WhatsApp template. The key is the same for the same rung and channel on every run, so a
send whose outcome is unknown is found again by ``Channel.find_sent``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from connectors.models import Invoice
from mailer.channel import Outgoing, TemplateMessage, TextMessage
from sync.config.channels import ChannelSettings
from sync.config.settings import Settings
from sync.run.context import RunContext
from sync.run.messages import Composer
from sync.run.outbound import template_context

SMS_SUFFIX = ".sms.txt"
"""An SMS template is ``<language>/<stage>.sms.txt`` beside the stage's email template."""


class NoMessage(Exception):
    """A text message cannot be built (no template for the stage): the reason says what to do."""


def tag_for(tenant: str, invoice: Invoice, stage: str, cycle: int, channel: str) -> str:
    """The message's tag: the invoice number and four letters from the rung and channel."""
    seed = f"{tenant}\x00{invoice.id}\x00{stage}\x00{cycle}\x00{channel}".encode()
    key = base64.b32encode(hashlib.sha256(seed).digest()).decode()[:4]
    return f"{invoice.number}/{key}"


def amount_text(invoice: Invoice) -> str:
    """The amount due as a text message states it (``SAR 11,500.00``)."""
    return f"{invoice.currency} {invoice.amount_due:,.2f}"


def template_variables(
    cfg: ChannelSettings, invoice: Invoice, tag: str, link: str | None
) -> dict[str, str]:
    """The WhatsApp template's variables by placeholder; the invoice's carries the tag."""
    values = {
        "customer": invoice.contact.name,
        "invoice": tag,
        "amount": amount_text(invoice),
        "due_date": invoice.due_date.isoformat(),
        # WhatsApp refuses an empty variable: a dash where the ledger has no link.
        "payment_link": link or "-",
    }
    return {placeholder: values[name] for placeholder, name in cfg.whatsapp.variables.items()}


def sms_context(
    settings: Settings, base: Mapping[str, Any], tag: str, link: str | None
) -> dict[str, Any]:
    """What an SMS template sees: the email's context, the tag, and where to answer.

    Saudi SMS is one-way (no replies, no STOP): the text says where to answer instead,
    the WhatsApp number when there is one, else the sender's email.
    """
    cfg = settings.channels
    whatsapp = cfg.whatsapp.sender if cfg is not None else None
    return {
        **base,
        "tag": tag,
        "amount": amount_text_from(base),
        "payment_link": link,
        "answer": {
            "whatsapp": whatsapp,
            "email": settings.sender.reply_to or settings.sender.email,
        },
    }


def amount_text_from(context: Mapping[str, Any]) -> str:
    """``amount_text`` from a template context's invoice."""
    invoice = context["invoice"]
    return f"{invoice['currency']} {invoice['amount_due']:,.2f}"


class TextComposer:
    """Builds the text messages of one run."""

    def __init__(self, ctx: RunContext, composer: Composer) -> None:
        self.ctx = ctx
        self.composer = composer

    def build(
        self,
        channel: str,
        invoice: Invoice,
        *,
        stage: str,
        template: str,
        cycle: int,
        language: str,
        to: str,
        tag: str,
    ) -> Outgoing:
        """The message of one rung on ``channel`` to ``to``.

        Raises:
            NoMessage: No WhatsApp template is mapped for the stage and language.
            TemplateError: The SMS template does not render.
        """
        cfg = self.ctx.settings.channels
        assert cfg is not None  # the settings refuse text channels without the section
        link = self.composer.payment_link(invoice)
        if channel == "whatsapp":
            sid = cfg.whatsapp.template_for(stage, language)
            if sid is None:
                raise NoMessage(
                    f"no WhatsApp template for stage {stage!r}: add its Content SID as"
                    f" channels.whatsapp.templates.{stage}.{language}"
                )
            variables = template_variables(cfg, invoice, tag, link)
            return TemplateMessage(to=to, template=sid, variables=variables, tag=tag)
        ctx = self.ctx
        today = ctx.calendar.today(ctx.now)
        base = template_context(
            invoice,
            ctx.identity,
            stage=stage,
            cycle=cycle,
            language=language,
            payment_link=link,
            attachment=False,
            today=today,
            wording=self.composer.wording_of(ctx.policy_for(invoice)),
        )
        body = ctx.renderer.render_sms(
            template, language, sms_context(ctx.settings, base, tag, link)
        )
        if tag not in body:
            raise NoMessage(
                f"{language}/{template}{SMS_SUFFIX} does not show {{{{ tag }}}}: add it, so a"
                " message whose sending was interrupted can be found again"
            )
        return TextMessage(to=to, body=body, tag=tag)


def content_of(message: Outgoing) -> str:
    """The message as a text row keeps it (JSON), to send it again unchanged."""
    if isinstance(message, TemplateMessage):
        data: dict[str, Any] = {"template": message.template, "variables": dict(message.variables)}
    else:
        data = {"body": message.body}
    return json.dumps(data, ensure_ascii=False)


def message_of(content: str, *, to: str, tag: str) -> Outgoing:
    """The message a text row kept (``content_of``'s JSON)."""
    data = json.loads(content)
    if "template" in data:
        return TemplateMessage(
            to=to, template=data["template"], variables=data["variables"], tag=tag
        )
    return TextMessage(to=to, body=data["body"], tag=tag)
