"""One run: reconcile, read the ledger, read replies, plan, then act through the outbox.

Every email follows the same steps, each committed before the next: record the intent,
send, mark it sent, write the ledger note, mark it noted. A crash between any two steps
is repaired by the next run without a second email and without losing one.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from email.message import EmailMessage
from typing import TypeVar

from babel.numbers import is_currency

from connectors.base import Ledger
from connectors.errors import LedgerError
from connectors.models import Invoice
from mailer.compose import Attachment, compose, make_message_id
from mailer.errors import MailError
from mailer.render import Renderer
from mailer.transport import FlushesBatches, Transport, UpdatesReplyCursor
from sync.config.settings import Settings
from sync.errors import SyncError
from sync.plan.actions import Action, EmailAction, Escalate, Plan, ResendInvoice
from sync.plan.calendar import BusinessCalendar
from sync.plan.history import History
from sync.plan.planner import plan
from sync.plan.safety import weigh
from sync.run.faults import checkpoint
from sync.run.outbound import (
    Identity,
    note_text,
    rung_key,
    tahseel_headers,
    template_context,
    test_copy,
    thread_subject,
)
from sync.run.outcome import RunReport
from sync.run.reply_desk import ReplyDesk
from sync.store.ledger_cache import LedgerCache
from sync.store.store import Store
from sync.store.tables import OutboxRow, ThreadInfo

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
REREAD_CHUNK = 50
NOTES_AT_ONCE = 50
"""Notes handed to a batching ledger at once: whole batches (QuickBooks takes 10 a
request), spread over the run so its per-minute limit is not met all at the end."""
MAX_AMOUNT = Decimal("1000000000")
"""Amounts above this (a thousand million in any currency) are taken as data errors."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2028\u2029\u2066-\u2069]")
"""Characters an invoice number must not hold: it goes into the subject and headers."""


class Aborted(SyncError):
    """The run stopped early for a reason that needs a person (auth, quota, state)."""


def calendar_of(settings: Settings) -> BusinessCalendar:
    """The business calendar the settings describe."""
    cal = settings.calendar
    return BusinessCalendar.from_names(
        settings.business.timezone,
        cal.weekend,
        cal.holidays,
        (cal.send_window.start, cal.send_window.end),
    )


@dataclass
class Job:
    """Everything a run works with; ``run`` does the work.

    Attributes:
        settings: Validated configuration.
        ledger: Where invoices come from and notes go.
        transport: The mailbox.
        store: The state store.
        renderer: Template renderer over the configured template folders.
        now: The moment of the run (aware); the job never reads the clock.
        started_at: The clock's time when the run started, where the next incremental
            ledger read begins (``now`` unless given; they differ under ``--today``).
        dry_run: Plan and render only; send nothing and write nothing.
        progress: Called with (done, total) while actions run.
    """

    settings: Settings
    ledger: Ledger
    transport: Transport
    store: Store
    renderer: Renderer
    now: datetime
    dry_run: bool = False
    progress: Progress | None = None
    approve: str | None = None
    started_at: datetime | None = None

    def __post_init__(self) -> None:
        # Preview, the default mode, is a dry run that cannot be forgotten on the command line.
        self.dry_run = self.dry_run or self.settings.mode == "preview"
        self.identity = Identity.from_settings(self.settings)
        self.tenant = self.identity.tenant
        self.calendar = calendar_of(self.settings)
        self.report = RunReport(started_at=self.now, dry_run=self.dry_run, mode=self.settings.mode)
        self.report.window_closed = self.calendar.why_closed(self.now)
        self.overlay: dict[str, History] = {}
        self.cache = LedgerCache(self.store, self.tenant)
        self.fresh = False
        self._batched: list[tuple[int, Invoice, str, str]] | None = None
        # Invoices with mail on record; the others have no thread to look up (None: ask).
        self._threaded: set[str] | None = None

    def run(self) -> RunReport:
        """Do one run under the tenant's lock and return its report.

        Raises:
            RunLocked: Another run holds the lock; nothing was done.
        """
        with self.store.lock(self.tenant):
            # Only a mailbox that already holds Tahseel's mail is asked message by message.
            self.fresh = not self.store.last_runs(self.tenant, limit=1)
            try:
                self.fresh = self.fresh and not self.dry_run and self.transport.has_sent_mail()
            except MailError as exc:
                # Nothing was done and no run is recorded, so the next run is still a
                # first run; this one ends with a report that says why, like any other.
                self.report.aborted = str(exc)
                log.error("run aborted: %s", exc)
                self.report.finished_at = self.now
                self._count_calls()
                return self.report
            run_id = None if self.dry_run else self.store.start_run(self.tenant, self.now)
            try:
                self._run()
            except (Aborted, LedgerError, MailError, SyncError) as exc:
                self.report.aborted = str(exc)
                log.error("run aborted: %s", exc)
            # A transport may finish work it batched (Gmail labels sent mail in batches).
            if isinstance(self.transport, FlushesBatches) and not self.dry_run:
                self.transport.flush()
                self._update_reply_cursor()
            self.report.finished_at = self.now
            self._count_calls()
            if run_id is not None:
                status = "aborted" if self.report.aborted else "done"
                self.store.finish_run(run_id, self.now, status, self.report.to_dict())
        return self.report

    def _update_reply_cursor(self) -> None:
        """Save into the reply cursor what the transport learnt during the run.

        Gmail learns the label's id; saved, the next run need not ask for it again.
        """
        if not isinstance(self.transport, UpdatesReplyCursor):
            return
        saved = self.store.cursor(self.tenant, "replies")
        fresh = self.transport.updated_cursor(saved)
        if fresh != saved:
            self.store.save_cursor(self.tenant, "replies", fresh)

    def _plausible(self, invoices: dict[str, Invoice]) -> dict[str, Invoice]:
        """Leave out, and report, open invoices no customer should be asked to pay.

        An unknown currency code or an amount past any real invoice means the ledger's
        data is wrong; mailing it would only embarrass the business.
        """
        kept = {}
        for inv in invoices.values():
            problem = None
            if inv.is_open and _CONTROL.search(inv.number):
                problem = "the invoice number has a line break or control character"
            elif inv.is_open and not is_currency(inv.currency):
                problem = f"currency {inv.currency!r} is not an ISO 4217 code"
            elif inv.is_open and (inv.amount_due > MAX_AMOUNT or inv.total > MAX_AMOUNT):
                problem = f"amount due {inv.amount_due} {inv.currency} is not plausible"
            if problem is None:
                kept[inv.id] = inv
            else:
                # Shown escaped, so a line break in the data cannot break the summary.
                number = inv.number.encode("unicode_escape").decode("ascii")
                self.report.skip(number, f"{problem}; correct it in the ledger")
        return kept

    def _without_failing(self, invoices: dict[str, Invoice]) -> dict[str, Invoice]:
        """Leave out of every invoice's recipients the addresses that bounced."""
        failing = self.store.failing(self.tenant)
        if not failing:
            return invoices
        kept = dict(invoices)
        for inv in invoices.values():
            gone = [e for e in inv.contact.emails if e.lower() in failing]
            if not gone or not inv.is_open:
                continue
            emails = tuple(e for e in inv.contact.emails if e.lower() not in failing)
            kept[inv.id] = replace(inv, contact=replace(inv.contact, emails=emails))
            for address in gone:
                self.report.problems.append(
                    f"{inv.number}: {address} bounced on {failing[address.lower()]:%Y-%m-%d};"
                    " not emailed (correct it in the ledger, or `tahseel unbounce ADDRESS`)"
                )
        return kept

    def _count_calls(self) -> None:
        for part in (self.ledger, self.transport):
            calls = getattr(part, "calls", None)
            if calls:
                self.report.api_calls[part.name] = dict(calls)

    def _run(self) -> None:
        if not self.dry_run:
            self._reconcile()
        invoices = self._read_ledger()
        by_number = {inv.number: inv for inv in invoices.values()}
        ReplyDesk(self).read(by_number)
        invoices = self._without_failing(self._plausible(invoices))
        if not self.dry_run:
            self._finish_notes(invoices)
        history = self.store.history(self.tenant) | self.overlay
        self._threaded = self.store.threaded_invoices(self.tenant)
        result = plan(
            invoices.values(),
            history,
            self.settings.policy,
            self.calendar,
            self.now,
            languages=self.settings.language,
        )
        self.report.add_plan(result)
        self._check_breaker(result)
        checkpoint("after_plan")
        self._execute(result)
        if not self.dry_run:
            self._close(invoices.values(), history)

    def _check_breaker(self, result: Plan) -> None:
        """Stop before the first email when the plan is far larger than it should be."""
        previous = [
            int(json.loads(r.summary).get("emails", 0))
            for r in self.store.last_runs(self.tenant, limit=10)
            if r.status == "done"
        ]
        verdict = weigh(
            result.actions,
            open_invoices=self.report.open_invoices,
            previous=previous,
            limits=self.settings.safety,
            approved=self.approve,
        )
        self.report.plan_fingerprint = verdict.fingerprint
        if verdict.ok:
            return
        self.report.breaker = verdict.reason
        if not self.dry_run:
            raise Aborted(
                f"circuit breaker: {verdict.reason}. Nothing was sent. Look at `tahseel plan`;"
                f" to send this plan, run `tahseel run --approve {verdict.fingerprint}`"
            )

    # -- before planning ------------------------------------------------------------------

    def _reconcile(self) -> None:
        """Settle intents left by a crash: sent if the mailbox has them, else try again.

        A send whose outcome the mailbox cannot tell stays ``unknown``: it blocks that
        invoice's next rung, is reported, and is asked about again on every run.
        """
        unsettled = self.store.rows(self.tenant, status="pending")
        unsettled += self.store.rows(self.tenant, status="unknown")
        for row in unsettled:
            if row.action in ("escalate", "pause"):
                self.store.complete(row.id, status="sent", sent_at=row.created_at)
                continue
            try:
                found = self.transport.find_sent(row.message_id or "", prepared=row.transport_ref)
            except MailError as exc:
                if exc.disposition != "reconcile":
                    raise
                self.store.complete(row.id, status="unknown", error=str(exc))
                self.report.errors.append(
                    f"{row.invoice_number} {row.stage}: the mailbox cannot tell whether it"
                    f" was sent; its next reminder waits until it can ({exc})"
                )
                continue
            if found is None:
                log.info(
                    "%s %s: not in the mailbox; will send again", row.invoice_number, row.stage
                )
                self.store.release(row.id)
                continue
            # A notice to a person is not written on the invoice (see ReplyDesk._tell):
            # settled here, it is done, or the next step would note it as if it were.
            noted = {"noted_at": self.now} if row.action == "notice" else {}
            self.store.complete(
                row.id,
                status="sent",
                message_id=found.message_id,
                thread=found.thread,
                transport_ref=found.ref,
                sent_at=row.created_at,
                **noted,
            )
            self.report.reconciled += 1

    def _read_ledger(self) -> dict[str, Invoice]:
        tracked = self.store.tracked_invoices(self.tenant)
        read = self.cache.read(
            self.ledger,
            self.now,
            set(tracked),
            started=self.started_at or self.now,
            write=not self.dry_run,
        )
        invoices = read.invoices
        self.report.problems.extend(self.ledger.problems)
        # After a full read, invoices reminded before and no longer open are read one by
        # one to learn whether they were paid; an incremental read reports them itself.
        missing = [i for i in tracked if i not in invoices] if read.full else []
        reread = []
        for chunk in _chunks(missing, REREAD_CHUNK):
            for inv in self.ledger.get_invoices(chunk):
                invoices[inv.id] = inv
                reread.append(inv)
        if reread and self.ledger.incremental and not self.dry_run:
            # A full read lists open invoices only: keep the copy of a paid one still
            # owed its thank-you, or the next incremental runs would not see it.
            self.cache.keep(reread)
        self.report.open_invoices = sum(1 for inv in invoices.values() if inv.is_open)
        return invoices

    def pause(self, invoice: Invoice, reason: str, cycle: int) -> None:
        """Stop reminders to ``invoice`` until a person resumes them, and note why.

        ``cycle`` keys the pause (the reply that caused it), so doing it again after a
        crash writes no second note.
        """
        self.store.set_control(self.tenant, invoice.id, invoice.number, self.now, paused=reason)
        row_id = self.store.claim(self.row_for(invoice, "pause", cycle, "pause", "sent", None))
        if row_id is not None:
            self.report.pauses += 1
            self._note_row((row_id, cycle), invoice, "pause", "pause", detail=reason)

    def hold_note(self, invoice: Invoice, stage: str, cycle: int, detail: str) -> None:
        """Record a hold put on ``invoice`` (a snooze) in the outbox and as a ledger note."""
        row_id = self.store.claim(self.row_for(invoice, stage, cycle, stage, "sent", None))
        if row_id is not None:
            self._note_row((row_id, cycle), invoice, stage, stage, detail=detail)

    def _finish_notes(self, invoices: dict[str, Invoice]) -> None:
        """Write the ledger notes a crash left unwritten."""
        rows = self.store.unnoted(self.tenant)
        missing = [r.invoice_id for r in rows if r.invoice_id not in invoices]
        for chunk in _chunks(sorted(set(missing)), REREAD_CHUNK):
            invoices.update({inv.id: inv for inv in self.ledger.get_invoices(chunk)})
        for row in rows:
            invoice = invoices.get(row.invoice_id)
            if invoice is None:
                self.report.errors.append(
                    f"{row.invoice_number}: no longer in the ledger; note not written"
                )
                continue
            self._note_row((row.id, row.cycle), invoice, row.action, row.stage, to=row.recipients)

    # -- acting ---------------------------------------------------------------------------

    def _execute(self, result: Plan) -> None:
        # A ledger that takes notes in batches gets them NOTES_AT_ONCE at a time as the
        # run goes, and the rest at the end; the outbox keeps each unnoted until then, so
        # a crash loses none.
        if hasattr(self.ledger, "add_notes") and not self.dry_run:
            self._batched = []
        try:
            self._execute_actions(result)
        finally:
            batch, self._batched = self._batched, None
            if batch:
                self._write_notes(batch)

    def _write_notes(self, batch: list[tuple[int, Invoice, str, str]]) -> None:
        """Write a run's notes through the ledger's batch endpoint and mark them noted."""
        checkpoint("before_note")
        try:
            failures = self.ledger.add_notes(  # type: ignore[attr-defined]
                [(invoice, text, key) for _, invoice, text, key in batch]
            )
        except LedgerError as exc:
            self.report.errors.append(f"{len(batch)} notes not written yet ({exc})")
            if exc.disposition == "abort":
                raise Aborted(str(exc)) from exc
            return
        checkpoint("after_note")
        for row_id, invoice, _, key in batch:
            if key in failures:
                self.report.errors.append(
                    f"{invoice.number}: note not written yet ({failures[key]})"
                )
                continue
            self.store.complete(row_id, noted_at=self.now)
            self.report.notes += 1

    def _execute_actions(self, result: Plan) -> None:
        actions = list(result.actions)
        done = 0
        for chunk in _chunks(actions, REREAD_CHUNK):
            fresh = self._reread(chunk)
            for action in chunk:
                self._one(action, fresh.get(action.invoice.id))
                done += 1
                if self.progress:
                    self.progress(done, len(actions))

    def _reread(self, chunk: Sequence[Action]) -> dict[str, Invoice]:
        # The re-read guards against chasing an invoice paid meanwhile; a thank-you goes
        # to an invoice this run read as paid, so it uses that read.
        known = {a.invoice.id: a.invoice for a in chunk if a.action == "thank_you"}
        ids = [a.invoice.id for a in chunk if a.invoice.id not in known]
        return known | {inv.id: inv for inv in self.ledger.get_invoices(ids)} if ids else known

    def _one(self, action: Action, fresh: Invoice | None) -> None:
        number = action.invoice.number
        if fresh is None:
            self.report.skip(number, "no longer in the ledger")
            if self.ledger.incremental and not self.dry_run:
                # Deleted where no change feed told of it (QuickBooks' feed stops at
                # 1,000): drop the copy, or every run until the next full read skips it.
                self.cache.forget(action.invoice.id)
            return
        if action.action != "thank_you" and not fresh.is_open:
            self.report.skip(
                number, f"{fresh.status.value} before sending; nothing sent", quiet=True
            )
            log.info("%s: paid or closed before send; dropped", number)
            return
        try:
            if isinstance(action, Escalate):
                self._escalate(action, fresh)
            else:
                self.email(action, fresh)
        except LedgerError as exc:
            self._failed(number, exc, exc.disposition)
        except MailError as exc:
            self._failed(number, exc, exc.disposition)

    def _failed(self, number: str, exc: Exception, disposition: str) -> None:
        self.report.errors.append(f"{number}: {exc}")
        log.warning("%s: %s", number, exc)
        if disposition == "abort":
            raise Aborted(str(exc))

    def _escalate(self, action: Escalate, invoice: Invoice) -> None:
        if self.dry_run:
            self.report.record(action)
            return
        row_id = self.store.claim(
            self.row_for(invoice, action.stage, action.cycle, "escalate", "sent", None)
        )
        if row_id is None:
            return
        self.report.record(action)
        self._note_row((row_id, action.cycle), invoice, "escalate", action.stage)

    def email(self, action: EmailAction, invoice: Invoice) -> None:
        """Send one email action through the outbox: claim, send, mark sent, note."""
        message, base_subject = self._build(action, invoice)
        if self.dry_run:
            self.report.record(action)
            return
        row = self.row_for(
            invoice, action.stage, action.cycle, action.action, "pending", message["Message-ID"]
        )
        row.recipients, row.subject = ", ".join(action.to), base_subject
        row.request_ref = getattr(action, "request_ref", None)
        row_id = self.store.claim(row)
        if self._threaded is not None:
            self._threaded.add(invoice.id)
        if row_id is None:
            self._already_done(action)
            return
        checkpoint("after_intent")
        if self.fresh and self._found_in_mailbox(row_id, action, invoice, message):
            return
        self._send(row_id, action, invoice, message)

    def _found_in_mailbox(
        self, row_id: int, action: EmailAction, invoice: Invoice, message: EmailMessage
    ) -> bool:
        """With no runs on record (a first run, or a lost state file), ask the mailbox first.

        Message-IDs are the same for the same rung, so a message an earlier state store
        knew about is found and recorded instead of being sent a second time.
        """
        to = [a.addr_spec for a in message["To"].addresses] if message["To"] else []
        found = self.transport.find_sent(
            str(message["Message-ID"]), recipient=to[0] if to else None
        )
        if found is None:
            return False
        self.store.complete(
            row_id,
            status="sent",
            message_id=found.message_id,
            thread=found.thread,
            transport_ref=found.ref,
            sent_at=self.now,
        )
        self.report.reconciled += 1
        log.info("%s %s: already in the mailbox; not sent again", invoice.number, action.stage)
        self._note_row(
            (row_id, action.cycle), invoice, action.action, action.stage, to=", ".join(action.to)
        )
        return True

    def _send(
        self, row_id: int, action: EmailAction, invoice: Invoice, message: EmailMessage
    ) -> None:
        thread = self._thread_of(invoice).thread

        def prepared(ref: str) -> None:
            # The transport's handle on a send about to happen (a Gmail draft): kept
            # so a crash from here on can be settled by asking about exactly it.
            self.store.complete(row_id, transport_ref=ref)

        checkpoint("before_send")
        try:
            sent = self.transport.send(message, thread=thread, prepared=prepared)
        except MailError as exc:
            self.send_failed(row_id, exc)
            raise
        checkpoint("after_send")
        self.store.complete(
            row_id,
            status="sent",
            message_id=sent.message_id,
            thread=sent.thread,
            transport_ref=sent.ref,
            sent_at=self.now,
        )
        if isinstance(action, ResendInvoice):
            self.store.handle_reply(self.tenant, action.request_ref)
        self.report.record(action)
        log.info("%s %s: sent to %s", invoice.number, action.stage, ", ".join(action.to))
        checkpoint("after_mark_sent")
        self._note_row(
            (row_id, action.cycle), invoice, action.action, action.stage, to=", ".join(action.to)
        )

    def send_failed(self, row_id: int, exc: MailError) -> None:
        """Settle an outbox row whose send raised, by what the error says."""
        if exc.disposition == "reconcile":
            self.store.complete(row_id, status="unknown", error=str(exc))
        elif exc.disposition == "skip":
            self.store.complete(row_id, status="failed", error=str(exc))
        else:
            self.store.release(row_id)

    def _already_done(self, action: EmailAction) -> None:
        """Another run (or an earlier crash) claimed this rung: never send it twice."""
        if isinstance(action, ResendInvoice):
            self.store.handle_reply(self.tenant, action.request_ref)
        log.info("%s %s: already claimed; not sent again", action.invoice.number, action.stage)

    def _thread_of(self, invoice: Invoice) -> ThreadInfo:
        """The invoice's thread; no query for an invoice never mailed (most of a first run)."""
        if self._threaded is not None and invoice.id not in self._threaded:
            return ThreadInfo(None, None, ())
        return self.store.thread_of(self.tenant, invoice.id)

    def _build(self, action: EmailAction, invoice: Invoice) -> tuple[EmailMessage, str]:
        thread = self._thread_of(invoice)
        link = self._payment_link(invoice)
        context = template_context(
            invoice,
            self.identity,
            stage=action.stage,
            cycle=action.cycle,
            language=action.language,
            payment_link=link,
            attachment=action.attach_pdf,
            today=self.calendar.today(self.now),
            promised_date=getattr(action, "promised", None),
        )
        rendered = self.renderer.render(action.template, action.language, context)
        subject, base = thread_subject(thread.subject, rendered.subject)
        to, cc = action.to, action.cc
        if self.settings.mode == "test":
            rendered = test_copy(rendered, to=to, cc=cc)
            subject = f"[TEST] {subject}"
            to, cc = self.settings.test_recipients, ()
        attachments = []
        if action.attach_pdf:
            pdf = self.ledger.fetch_pdf(invoice)
            attachments.append(Attachment(f"Invoice-{_safe(invoice.number)}.pdf", pdf))
        ids = thread.message_ids
        message = compose(
            rendered=rendered,
            sender_name=self.identity.sender_name,
            sender_email=self.identity.sender_email,
            to=to,
            cc=cc,
            reply_to=self.identity.reply_to,
            subject=subject,
            message_id=make_message_id(
                tenant=self.tenant,
                invoice_id=invoice.id,
                invoice_number=invoice.number,
                stage=action.stage,
                cycle=action.cycle,
                domain=self.identity.domain,
            ),
            in_reply_to=ids[-1] if ids else None,
            references=ids,
            date=self.now,
            headers=tahseel_headers(invoice, action.stage, action.cycle),
            attachments=attachments,
        )
        return message, base

    # -- notes and closing ----------------------------------------------------------------

    def _note_row(
        self,
        row: tuple[int, int],
        invoice: Invoice,
        action: str,
        stage: str,
        *,
        to: str = "",
        detail: str = "",
    ) -> None:
        """Write the ledger note of outbox row ``(id, cycle)`` and mark it noted."""
        row_id, cycle = row
        if self.settings.mode == "test":
            instead = ", ".join(self.settings.test_recipients)
            detail = "; ".join(filter(None, [detail, f"test mode: sent to {instead} instead"]))
        text = note_text(action, stage, to=to, when=self.now, detail=detail)
        key = rung_key(self.tenant, invoice.id, stage, cycle)
        if self._batched is not None:
            self._batched.append((row_id, invoice, text, key))
            if len(self._batched) >= NOTES_AT_ONCE:
                batch, self._batched = self._batched[:NOTES_AT_ONCE], self._batched[NOTES_AT_ONCE:]
                self._write_notes(batch)
            return
        checkpoint("before_note")
        try:
            self.ledger.add_note(invoice, text, key=key)
        except LedgerError as exc:
            self.report.errors.append(f"{invoice.number}: note not written yet ({exc})")
            if exc.disposition == "abort":
                raise Aborted(str(exc)) from exc
            return
        checkpoint("after_note")
        self.store.complete(row_id, noted_at=self.now)
        self.report.notes += 1

    def _close(self, invoices: Iterable[Invoice], history: dict[str, History]) -> None:
        """Stop re-reading invoices that are settled for good."""
        thanked = {r.invoice_id for r in self.store.rows(self.tenant, stage="thank_you")}
        for inv in invoices:
            if inv.is_open or inv.id not in history:
                continue
            final = (
                not inv.is_paid or inv.id in thanked or not self.settings.policy.thank_you.enabled
            )
            if final:
                self.store.set_control(self.tenant, inv.id, inv.number, self.now, closed=True)
                self.cache.forget(inv.id)

    def _payment_link(self, invoice: Invoice) -> str | None:
        """The invoice's payment link; fetched once from an online ledger, then kept."""
        if not self.ledger.incremental:
            return self.ledger.payment_link(invoice)
        link = self.cache.link(invoice.id)
        if link is None:
            link = self.ledger.payment_link(invoice)
            if link is not None and not self.dry_run:
                self.cache.save_link(invoice.id, link, self.now)
        return link

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
            tenant=self.tenant,
            invoice_id=invoice.id,
            invoice_number=invoice.number,
            stage=stage,
            cycle=cycle,
            action=action,
            status=status,
            message_id=message_id,
            recipients="",
            created_at=self.now,
            sent_at=self.now if status == "sent" else None,
        )


T = TypeVar("T")


def _chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)
