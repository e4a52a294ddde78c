"""Messages customers send by WhatsApp or SMS: opt-outs, and replies acted on as by email.

Each run lists what came in on each text channel since the last run (a cursor in the
store; the same message is never acted on twice: it is recorded by the provider's id).
``STOP`` and its Arabic forms opt the number out (no message goes to it until
``tahseel opt-in``), noted on the customer's invoice. Anything else is matched to the
customer by number, and to the invoice by a number in the text, else the latest
message sent to that number, else the customer's oldest open invoice; understood with
the same reading as an email reply; and recorded as a reply, which the reply desk then
acts on exactly as on an email (``sync.run.reply_desk``): a promise snoozes, a dispute,
a payment or a plan goes to a person with the text quoted, "not received" has the
planner resend the invoice by email. Here, that last also sends the payment link back
on the channel the message came from (inside WhatsApp's 24-hour window: it answers).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timedelta

from connectors.errors import LedgerError
from connectors.models import Invoice
from mailer.channel import InboundText, TextMessage
from sync.config.channels import TEXT_CHANNELS
from sync.config.policies import every_stage
from sync.plan.planner import language_of
from sync.replies.intents import Intent
from sync.run.faults import checkpoint
from sync.run.outbound import rung_key
from sync.run.text_compose import content_of, tag_for
from sync.run.texts import Texts
from sync.store.tables import ReplyRow, TextRow

log = logging.getLogger(__name__)

CURSOR = "texts"
"""The store's cursor of the inbound text messages."""
FIRST_LOOK = timedelta(days=7)
"""How far back the first run looks for messages."""

STOP_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout"}
    | {"ايقاف", "الغاء", "وقف", "توقف", "توقيف", "الغاء الاشتراك"}
)
"""Twilio's English opt-out keywords and their Arabic forms (after ``_plain``)."""

_TASHKEEL = re.compile(r"[\u064B-\u065F\u0670\u0640]")
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def _plain(text: str) -> str:
    """Text folded for keyword matching: case, diacritics, alef forms and punctuation."""
    text = _TASHKEEL.sub("", unicodedata.normalize("NFKC", text)).translate(_ALEF).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def is_stop(text: str) -> bool:
    """Whether the whole message asks to stop (``STOP``, ``إيقاف``, ``الغاء``, "وقف")."""
    return _plain(text) in STOP_WORDS


class TextReplies:
    """Reads the text channels' inbound messages for one run and records them as replies."""

    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self.ctx = texts.ctx

    def kinds(self) -> list[str]:
        """The text channels some stage sends on (their inbound is read)."""
        used = {c for s in every_stage(self.ctx.settings) for c in s.channels}
        return [k for k in TEXT_CHANNELS if k in used]

    def read(self, by_number: Mapping[str, Invoice]) -> None:
        """Record the new messages (opt-outs apply at once); the reply desk acts on them."""
        ctx = self.ctx
        saved = ctx.store.cursor(ctx.tenant, CURSOR)
        since = datetime.fromisoformat(saved) if saved else ctx.now - FIRST_LOOK
        latest = since
        for kind in self.kinds():
            for msg in self.texts.channel(kind).inbound_since(since):
                latest = max(latest, msg.received_at)
                if ctx.store.seen_reply(ctx.tenant, msg.ref):
                    continue
                self._one(msg, by_number)
        ctx.store.save_cursor(ctx.tenant, CURSOR, latest.isoformat())

    def _one(self, msg: InboundText, by_number: Mapping[str, Invoice]) -> None:
        ctx = self.ctx
        invoice = self._invoice_of(msg, by_number)
        if is_stop(msg.text):
            self._opt_out(msg, invoice)
            return
        from sync.replies.understanding import settle, understand  # noqa: PLC0415

        received = ctx.calendar.today(msg.received_at)
        meant = settle(understand(msg.text, received=received), ctx.settings.replies.min_confidence)
        ctx.report.count_reply(meant.intent.value)
        if invoice is None:
            ctx.report.problems.append(
                f"{msg.channel} message from {msg.sender} matches no open invoice; read it:"
                f" {msg.text[:80]!r}"
            )
        row = ReplyRow(
            tenant=ctx.tenant,
            ref=msg.ref,
            message_id="",  # not mail: no Message-ID in the email thread's References
            invoice_id=invoice.id if invoice else None,
            invoice_number=invoice.number if invoice else None,
            kind=meant.intent.value,
            sender=f"{msg.sender} ({msg.channel})",
            received_at=msg.received_at,
            handled=invoice is None or meant.intent is Intent.AUTO_REPLY,
            excerpt=msg.text[:4000],
            promised=meant.promised_date,
        )
        ctx.store.record_reply(row)
        checkpoint("after_reply")
        if invoice is not None and meant.intent is Intent.INVOICE_NOT_RECEIVED:
            self._link_back(msg, invoice, row.id)

    def _invoice_of(self, msg: InboundText, by_number: Mapping[str, Invoice]) -> Invoice | None:
        """The invoice a message is about: named in it, else the latest texted, else the oldest."""
        text = msg.text.upper()
        named = [n for n in by_number if n and n.upper() in text]
        if named:
            return by_number[max(named, key=len)]
        latest = self.texts.log.latest_to(msg.sender)
        if latest is not None and latest.invoice_number in by_number:
            return by_number[latest.invoice_number]
        theirs = [
            inv for inv in by_number.values() if inv.is_open and msg.sender in self._numbers(inv)
        ]
        return min(theirs, key=lambda i: (i.due_date, i.number)) if theirs else None

    def _numbers(self, invoice: Invoice) -> set[str]:
        from mailer.phones import normalise  # noqa: PLC0415 - only when texts come in

        region = self.ctx.settings.business.country or "ZZ"
        found = (normalise(raw, region).e164 for raw in invoice.contact.phones)
        return {n for n in found if n}

    def _opt_out(self, msg: InboundText, invoice: Invoice | None) -> None:
        ctx = self.ctx
        how = f"{msg.text.strip()!r} by {msg.channel}"
        ctx.store.record_reply(
            ReplyRow(
                tenant=ctx.tenant,
                ref=msg.ref,
                message_id="",  # not mail: no Message-ID in the email thread's References
                invoice_id=None,
                invoice_number=invoice.number if invoice else None,
                kind="opt_out",
                sender=f"{msg.sender} ({msg.channel})",
                received_at=msg.received_at,
                handled=True,
                excerpt=msg.text[:400],
            )
        )
        if not self.texts.opted_out(msg.sender, how):
            return
        ctx.report.opt_outs += 1
        log.info("%s opted out (%s)", msg.sender, how)
        if invoice is not None:
            text = (
                f"Tahseel: {msg.sender} opted out of text messages ({how}); none is sent to it"
                f" until `tahseel opt-in {msg.sender}`. {msg.received_at:%Y-%m-%d %H:%M} UTC."
            )
            key = rung_key(ctx.tenant, invoice.id, f"optout@{msg.sender}", 0)
            try:
                ctx.ledger.add_note(invoice, text, key=f"{key}:{msg.ref[-8:]}")
            except LedgerError as exc:
                ctx.report.errors.append(f"{invoice.number}: opt-out note not written ({exc})")

    def _link_back(self, msg: InboundText, invoice: Invoice, reply_id: int) -> None:
        """Answer "not received" on its own channel with the invoice's payment link."""
        ctx = self.ctx
        link = self.texts.compose.composer.payment_link(invoice)
        tag = tag_for(ctx.tenant, invoice, "resend", reply_id, msg.channel)
        if link is None:
            return
        name = ctx.settings.business.name
        if language_of(invoice, ctx.settings.language) == "ar":
            body = f"{name}: رابط سداد الفاتورة {tag}: {link} (أعدنا إرسال الفاتورة بالبريد)"
        else:
            body = f"{name}: invoice {tag}, pay here: {link} (the invoice is sent again by email)"
        row = TextRow(
            tenant=ctx.tenant,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            stage="resend",
            cycle=reply_id,
            channel=msg.channel,
            number=msg.sender,
            tag=tag,
            content=content_of(TextMessage(to=msg.sender, body=body, tag=tag)),
            status="pending",
            segments=1,
            created_at=ctx.now,
        )
        row_id = self.texts.log.claim(row)
        if row_id is None:
            return
        row.id = row_id
        self.texts.send_claimed(row, invoice)
