"""WhatsApp and SMS beside email: each rung's text messages, exactly once, across crashes.

A stage's email is its rung (the outbox row the planner reads); each other channel of
the stage sends one text message beside it, with steps of its own, each committed
before the next: claim a text row (unique per invoice, stage, cycle and channel),
send, mark it sent, write the ledger note naming the channel and the number, mark it
noted. A send whose outcome is unknown is settled by ``Channel.find_sent`` (the tag)
at the start of the next run, before anything is sent again (``settle``); a message
the caps or a passing fault held back is sent by a later run (``send_held``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from connectors.models import Invoice
from mailer.channel import Channel, RecipientOptedOut
from mailer.errors import MailError
from sync.config.channels import TEXT_CHANNELS
from sync.config.policies import every_stage
from sync.errors import Aborted
from sync.plan.actions import SendReminder
from sync.run.context import RunContext
from sync.run.faults import checkpoint
from sync.run.messages import Composer
from sync.run.notes import LedgerNotes
from sync.run.outbound import rung_key
from sync.run.reach import Reach
from sync.run.text_compose import NoMessage, TextComposer, content_of, message_of, tag_for
from sync.store.tables import TextRow
from sync.store.texts import TextLog

log = logging.getLogger(__name__)

CHANNEL_NAMES = {"whatsapp": "WhatsApp", "sms": "SMS"}
HELD = "deferred"
LOOK_BACK = timedelta(days=400)
"""How far back a lost state store's texts are looked for (Twilio keeps 400 days)."""
"""A text row claimed and not sent yet (its email first; a cap, a passing fault): the
run, or a later one, sends it."""


class Texts:
    """The text messages of one run.

    Args:
        ctx: The run.
        composer: The run's email composer (payment links, wording).
        notes: Writes the ledger notes (the outbox: in the ledger's batches, if any).
        channels: What builds the channel of each kind, called once when first needed
            (a dry run builds none, so needs no credentials).
    """

    def __init__(
        self,
        ctx: RunContext,
        composer: Composer,
        channels: Callable[[str], Channel],
        notes: LedgerNotes,
    ) -> None:
        self.ctx = ctx
        self.notes = notes
        self.log = TextLog(ctx.store, ctx.tenant)
        self.compose = TextComposer(ctx, composer)
        self.reach = Reach(ctx.settings, self.log)
        self._build = channels
        self._channels: dict[str, Channel] = {}
        self._day_count: int | None = None
        self.look_first = False
        """No run on record and the mailbox holds mail (a lost state store): each text is
        looked for at the provider by its tag before it is sent."""

    @property
    def enabled(self) -> bool:
        """Whether any stage sends on a text channel."""
        return any(c in TEXT_CHANNELS for s in every_stage(self.ctx.settings) for c in s.channels)

    def channel(self, kind: str) -> Channel:
        """The channel of ``kind``, built on first use."""
        if kind not in self._channels:
            self._channels[kind] = self._build(kind)
        return self._channels[kind]

    # -- a rung's texts ---------------------------------------------------------------------

    def claim(self, action: SendReminder, invoice: Invoice) -> list[TextRow]:
        """Record the rung's text messages before its email goes, one per text channel.

        Claimed first, a message a crash interrupts anywhere after is sent by the next
        run (``settle``, ``finish``), even though the rung's email is then done and the
        planner plans the rung no more.
        """
        claimed = []
        for kind in action.channels:  # the stage's, of the invoice's own policy
            if kind in TEXT_CHANNELS:
                row = self._claim(kind, action, invoice)
                if row is not None:
                    claimed.append(row)
        return claimed

    def send(self, rows: list[TextRow], invoice: Invoice) -> None:
        """Send the rows ``claim`` recorded, once the rung's email went."""
        for row in rows:
            self.send_claimed(row, invoice)

    def _claim(self, kind: str, action: SendReminder, invoice: Invoice) -> TextRow | None:
        ctx, what = self.ctx, f"{action.stage} by {CHANNEL_NAMES[kind]}"
        number, why_not = self.reach.number(invoice, kind)
        if number is None:
            ctx.report.text_skips.append((invoice.number, f"{what}: {why_not}"))
            return None
        tag = tag_for(ctx.tenant, invoice, action.stage, action.cycle, kind)
        try:
            message = self.compose.build(
                kind,
                invoice,
                stage=action.stage,
                template=action.template,
                cycle=action.cycle,
                language=action.language,
                to=number,
                tag=tag,
            )
        except NoMessage as exc:
            ctx.report.text_skips.append((invoice.number, f"{what}: {exc}"))
            return None
        if ctx.dry_run:
            ctx.report.texts[kind] += 1
            return None
        row = TextRow(
            tenant=ctx.tenant,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            stage=action.stage,
            cycle=action.cycle,
            channel=kind,
            number=number,
            tag=tag,
            content=content_of(message),
            status=HELD,
            segments=1,
            created_at=ctx.now,
        )
        row_id = self.log.claim(row)
        if row_id is None:
            log.info("%s %s: already claimed; not sent again", invoice.number, what)
            return None
        row.id = row_id
        checkpoint("text_after_intent")
        return row

    # -- the steps ----------------------------------------------------------------------------

    def send_claimed(self, row: TextRow, invoice: Invoice) -> None:
        """Send a claimed row's message within the caps and window; mark it; note it."""
        ctx, kind = self.ctx, row.channel
        if ctx.report.window_closed:
            self.log.complete(row.id, status=HELD, error=ctx.report.window_closed)
            return
        held = self._over_cap()
        if held:
            self.log.complete(row.id, status=HELD, error=held)
            ctx.report.text_skips.append((row.invoice_number, f"{row.stage} by {kind}: {held}"))
            return
        if row.number in self.reach.opted_out():
            self.log.complete(row.id, status="failed", error="opted out")
            return
        if self.look_first and self._found(row, invoice):
            return
        message = message_of(row.content, to=row.number, tag=row.tag)
        # From here it may go out: a crash leaves it pending, settled by its tag.
        self.log.complete(row.id, status="pending")
        checkpoint("text_before_send")
        try:
            sent = self.channel(kind).send(message)
        except RecipientOptedOut as exc:
            self.log.complete(row.id, status="failed", error=str(exc))
            self.opted_out(row.number, f"the provider refused it as opted out ({exc.code})")
            ctx.report.text_skips.append((row.invoice_number, f"{row.stage} by {kind}: {exc}"))
            return
        except MailError as exc:
            self._failed(row, exc)
            return
        checkpoint("text_after_send")
        segments = sent.segments or 1
        self.log.complete(row.id, status="sent", ref=sent.ref, sent_at=ctx.now, segments=segments)
        self._count(kind, segments)
        log.info("%s %s: %s sent to %s", row.invoice_number, row.stage, kind, row.number)
        checkpoint("text_after_mark_sent")
        self.note(row, invoice)

    def _found(self, row: TextRow, invoice: Invoice) -> bool:
        """A lost state store: the message found at the provider is recorded, not resent.

        True also when the provider cannot say: the row waits, unknown, for a later run.
        """
        try:
            found = self.channel(row.channel).find_sent(
                row.number, row.tag, self.ctx.now - LOOK_BACK
            )
        except MailError as exc:
            if exc.disposition == "abort":
                raise
            self.log.complete(row.id, status="unknown", error=str(exc))
            self.ctx.report.errors.append(
                f"{row.invoice_number} {row.stage} by {row.channel}: cannot tell whether it"
                f" went before the state store was lost; asked again next run ({exc})"
            )
            return True
        if found is None:
            return False
        segments = found.segments or 1  # sent at: its claim's moment, as ``settle`` says
        self.log.complete(
            row.id, status="sent", ref=found.ref, sent_at=row.created_at, segments=segments
        )
        self.ctx.report.reconciled += 1
        log.info(
            "%s %s: %s already sent; not sent again", row.invoice_number, row.stage, row.channel
        )
        self.note(row, invoice)
        return True

    def _failed(self, row: TextRow, exc: MailError) -> None:
        ctx, where = self.ctx, f"{row.invoice_number} {row.stage} by {row.channel}"
        if exc.disposition == "reconcile":
            self.log.complete(row.id, status="unknown", error=str(exc))
            ctx.report.errors.append(f"{where}: may have gone; the next run looks ({exc})")
        elif exc.disposition == "skip":
            self.log.complete(row.id, status="failed", error=str(exc))
            ctx.report.text_skips.append(
                (row.invoice_number, f"{row.stage} by {row.channel}: {exc}")
            )
        elif exc.disposition == "retry":
            self.log.complete(row.id, status=HELD, error=str(exc))
            ctx.report.errors.append(f"{where}: not sent; the next run sends it ({exc})")
        else:
            self.log.complete(row.id, status=HELD, error=str(exc))
            raise Aborted(f"{where}: {exc}") from exc

    def note(self, row: TextRow, invoice: Invoice, at: datetime | None = None) -> None:
        """Write the text row's ledger note (keyed apart from the email's) and mark it."""
        ctx = self.ctx
        when = (at or ctx.now).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        what = "the payment link" if row.stage == "resend" else f"'{row.stage}' reminder"
        text = (
            f"Tahseel: {what} sent by {CHANNEL_NAMES[row.channel]} to"
            f" {row.number} (ref {row.tag}). {when}."
        )
        key = rung_key(ctx.tenant, invoice.id, f"{row.stage}@{row.channel}", row.cycle)
        checkpoint("text_before_note")
        self.notes.write_note(invoice, text, key, partial(self._noted, row.id))

    def _noted(self, row_id: int) -> None:
        self.log.complete(row_id, noted_at=self.ctx.now)

    def _email_pending(self, row: TextRow) -> bool:
        """Whether the rung's email is still to go (not sent, nor refused for good)."""
        if row.stage == "resend":  # a payment link answering a message: no email of its own
            return False
        ctx = self.ctx
        rung = ctx.store.rows(
            ctx.tenant, invoice_id=row.invoice_id, stage=row.stage, cycle=row.cycle
        )
        return not any(r.status in ("sent", "failed") for r in rung)

    # -- caps and money ------------------------------------------------------------------------

    def _over_cap(self) -> str | None:
        cfg = self.ctx.settings.channels
        assert cfg is not None
        if sum(self.ctx.report.texts.values()) >= cfg.max_per_run:
            return f"held for the next run: channels.max_per_run ({cfg.max_per_run}) reached"
        if self._day_count is None:
            zone = ZoneInfo(self.ctx.calendar.timezone)
            start = datetime.combine(self.ctx.calendar.today(self.ctx.now), time(), zone)
            self._day_count = self.log.sent_since(start)[0]
        if self._day_count >= cfg.max_per_day:
            return f"held for tomorrow: channels.max_per_day ({cfg.max_per_day}) reached"
        return None

    def _count(self, kind: str, segments: int) -> None:
        cfg = self.ctx.settings.channels
        assert cfg is not None
        report = self.ctx.report
        report.texts[kind] += 1
        report.text_segments += segments
        report.text_cost += cfg.price_per_segment * segments
        report.text_currency = cfg.currency
        self._day_count = (self._day_count or 0) + 1

    # -- opt-outs ------------------------------------------------------------------------------

    def opted_out(self, number: str, how: str) -> bool:
        """Record an opt-out (False when already recorded)."""
        self.reach.opted_out().add(number)
        return self.log.opt_out(number, self.ctx.now, how)

    # -- after a crash, and held messages --------------------------------------------------------

    def settle(self) -> None:
        """Settle the rows a crash left pending or unknown, by looking for their tags.

        Found, a row is sent (its note follows); not found, it is held and a later
        part of the run sends it, once the invoice is known to be still open.
        """
        for row in self.log.rows(status="pending") + self.log.rows(status="unknown"):
            try:
                found = self.channel(row.channel).find_sent(row.number, row.tag, row.created_at)
            except MailError as exc:
                if exc.disposition == "abort":
                    raise
                self.log.complete(row.id, status="unknown", error=str(exc))
                self.ctx.report.errors.append(
                    f"{row.invoice_number} {row.stage} by {row.channel}: cannot tell whether"
                    f" it was sent; asked again next run ({exc})"
                )
                continue
            if found is None:
                self.log.complete(row.id, status=HELD, error="not found after an interruption")
                continue
            # Its claim's moment, on the run's clock (the provider's own time may be
            # another clock's: a file channel writes the wall clock's).
            self.log.complete(
                row.id,
                status="sent",
                ref=found.ref,
                sent_at=row.created_at,
                segments=found.segments or 1,
            )
            self.ctx.report.reconciled += 1

    def finish(self, invoices: Mapping[str, Invoice]) -> None:
        """Send held messages of invoices still open, and write notes a crash left."""
        held = [] if self.ctx.report.window_closed else self.log.rows(status=HELD)
        for row in held:
            invoice = invoices.get(row.invoice_id)
            if invoice is None or not invoice.is_open:
                self.log.complete(row.id, status="dropped", error="paid or closed meanwhile")
                continue
            if self._email_pending(row):
                continue  # a text goes beside its email, never before it
            self.send_claimed(row, invoice)
        for row in self.log.unnoted():
            invoice = invoices.get(row.invoice_id)
            if invoice is not None:
                self.note(row, invoice, at=row.sent_at)
