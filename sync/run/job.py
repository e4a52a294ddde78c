"""One run of one tenant: lock, reconcile, read, replies, plan, act, close.

The acting is done through the outbox (:mod:`sync.run.outbox`), which sends every email
and writes every ledger note exactly once, across crashes; the ledger reading is in
:mod:`sync.run.reading`, the replies in :mod:`sync.run.reply_desk`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from connectors.base import CallsLeft, Ledger
from connectors.batches import chunks
from connectors.errors import LedgerError
from connectors.models import Invoice
from mailer.channel import Channel
from mailer.errors import MailConfigError, MailError
from mailer.render import Renderer
from mailer.transport import FlushesBatches, Transport, UpdatesReplyCursor
from sync.config.policies import PolicyBook
from sync.config.settings import Settings
from sync.errors import Aborted, SyncError
from sync.plan.actions import Action, ActionKind, Escalate, Plan, SendReminder, SendStatement
from sync.plan.calendar import calendar_of
from sync.plan.history import History
from sync.plan.planner import plan
from sync.plan.safety import weigh
from sync.run import budget, recovery
from sync.run.context import REREAD_CHUNK, CountsCalls, RunContext
from sync.run.dossier import addressed, judge_promises
from sync.run.faults import checkpoint
from sync.run.fees import LateFees
from sync.run.instalments import PlanKeeper
from sync.run.messages import Composer
from sync.run.outbound import Identity
from sync.run.outbox import Outbox
from sync.run.outcome import RunReport
from sync.run.reading import LedgerReading
from sync.run.reply_desk import ReplyDesk
from sync.run.statements import Statements
from sync.run.text_replies import TextReplies
from sync.run.texts import Texts
from sync.store.ledger_cache import LedgerCache
from sync.store.store import Store

__all__ = ["REREAD_CHUNK", "Job"]

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]


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
        approve: The fingerprint of a plan a person approved past the circuit breaker.
        channels: Builds the text channel of a kind (``whatsapp``, ``sms``); by default
            as the settings' ``channels:`` say, on first use.
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
    channels: Callable[[str], Channel] | None = None

    def __post_init__(self) -> None:
        # Preview, the default mode, is a dry run that cannot be forgotten on the command line.
        self.dry_run = self.dry_run or self.settings.mode == "preview"
        identity = Identity.from_settings(self.settings)
        calendar = calendar_of(self.settings)
        self.tenant = identity.tenant
        self.report = RunReport(started_at=self.now, dry_run=self.dry_run, mode=self.settings.mode)
        self.report.window_closed = calendar.why_closed(self.now)
        self.ctx = RunContext(
            settings=self.settings,
            ledger=self.ledger,
            transport=self.transport,
            store=self.store,
            renderer=self.renderer,
            identity=identity,
            calendar=calendar,
            report=self.report,
            cache=LedgerCache(self.store, self.tenant),
            now=self.now,
            started=self.started_at or self.now,
            dry_run=self.dry_run,
            overlay={},
        )
        composer = Composer(self.ctx)
        self.outbox = Outbox(self.ctx, composer)
        self.fees = LateFees(self.outbox)
        self.replies = ReplyDesk(self.ctx, self.outbox, composer)
        self.reading = LedgerReading(self.ctx)
        self.plans = PlanKeeper(self.outbox)
        self.statements = Statements(self.outbox)
        self.texts = Texts(self.ctx, composer, self.channels or self._channel, self.outbox)
        self.text_replies = TextReplies(self.texts)

    def _channel(self, kind: str) -> Channel:
        from sync.run.wiring import build_channel

        return build_channel(self.settings, kind)

    def run(self) -> RunReport:
        """Do one run under the tenant's lock and return its report.

        Raises:
            RunLocked: Another run holds the lock; nothing was done.
        """
        with self.store.lock(self.tenant):
            try:
                self.outbox.fresh = self._mailbox_first()
                self.texts.look_first = self.outbox.fresh  # a lost store: texts too
            except MailError as exc:
                # Nothing was done and no run is recorded, so the next run is still a
                # first run; this one ends with a report that says why, like any other.
                return self._finish(None, aborted=exc)
            run_id = None if self.dry_run else self.store.start_run(self.tenant, self.now)
            try:
                texting = self.texts.enabled and not self.dry_run
                if not self.dry_run:
                    recovery.reconcile(self.outbox)
                    if texting:
                        self.texts.settle()
                invoices = self.reading.read()
                by_number = {inv.number: inv for inv in invoices.values()}
                if texting:
                    self.text_replies.read(by_number)
                self.replies.read(by_number)
                if not self.dry_run:
                    judge_promises(self.ctx, invoices)
                invoices = self.reading.vet(invoices)
                if not self.dry_run:
                    self.fees.settle_pending(invoices)
                    recovery.finish_notes(self.outbox, invoices)
                if not self.dry_run:
                    self.plans.settle(invoices)
                history = self.plans.attach(self.store.history(self.tenant) | self.ctx.overlay)
                self.outbox.track_threads()
                result = self._plan(invoices, history)
                self._check_breaker(result)
                checkpoint("after_plan")
                self._execute(result)
                if texting:
                    self.texts.finish(invoices)
                refused = self.outbox.refused_every_send()
                if refused:
                    raise Aborted(refused)
                if not self.dry_run:
                    self._close(invoices.values(), history)
            except (Aborted, LedgerError, MailError, SyncError) as exc:
                self._aborted(exc)
            self._flush()
            return self._finish(run_id)

    # -- around the run -------------------------------------------------------------------

    def _mailbox_first(self) -> bool:
        """Whether each message must be looked for in the mailbox before it is sent.

        Only a mailbox that already holds Tahseel's mail, with no run on record, is
        asked message by message.
        """
        fresh = not self.store.last_runs(self.tenant, limit=1)
        return fresh and not self.dry_run and self.transport.has_sent_mail()

    def _aborted(self, exc: Exception) -> None:
        if isinstance(exc, MailConfigError) or isinstance(exc.__cause__, MailConfigError):
            self.report.config_problem = str(exc)  # exit code 2, as for tahseel.yaml's
        self.report.aborted = str(exc)
        log.error("run aborted: %s", exc)

    def _flush(self) -> None:
        """Let a transport finish work it batched (Gmail labels sent mail in batches)."""
        if isinstance(self.transport, FlushesBatches) and not self.dry_run:
            self.transport.flush()
            self._update_reply_cursor()

    def _finish(self, run_id: int | None, aborted: Exception | None = None) -> RunReport:
        """Close the report and, when the run was recorded, the run."""
        if aborted is not None:
            self._aborted(aborted)
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

    def _count_calls(self) -> None:
        for part in (self.ledger, self.transport):
            if isinstance(part, CountsCalls) and part.calls:
                self.report.api_calls[part.name] = dict(part.calls)

    # -- planning -------------------------------------------------------------------------

    def _plan(self, invoices: dict[str, Invoice], history: dict[str, History]) -> Plan:
        result = addressed(self._ladder(invoices, history), self.settings)
        self.report.add_plan(result)
        return result

    def _ladder(self, invoices: dict[str, Invoice], history: dict[str, History]) -> Plan:
        return plan(
            invoices.values(),
            history,
            self.settings.policy,
            self.ctx.calendar,
            self.now,
            languages=self.settings.language,
            policies=PolicyBook.from_settings(self.settings),
        )

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

    # -- acting ---------------------------------------------------------------------------

    def _execute(self, result: Plan) -> None:
        with self.outbox.notes_batched():
            self._execute_actions(self._within_calls_left(result.actions))

    def _within_calls_left(self, actions: Sequence[Action]) -> list[Action]:
        """The actions the ledger's calls left today carry, each with its note."""
        left = self.ledger.calls_left_today() if isinstance(self.ledger, CallsLeft) else None
        cache, incremental = self.ctx.cache, self.ledger.incremental
        fitted = budget.fit(
            actions,
            calls_left=left,
            link_kept=lambda i: incremental and cache.link(i) is not None,
            chunk=REREAD_CHUNK,
            ledger=self.ledger.display_name,
        )
        self.report.defer(fitted.deferred, fitted.reason)
        return fitted.go

    def _execute_actions(self, actions: list[Action]) -> None:
        done = 0
        for chunk in chunks(actions, REREAD_CHUNK):
            fresh = self._reread(chunk)
            for action in chunk:
                if isinstance(action, SendStatement):
                    self._statement(action, fresh)
                else:
                    self._one(action, fresh.get(action.invoice.id))
                done += 1
                if self.progress:
                    self.progress(done, len(actions))

    def _reread(self, chunk: Sequence[Action]) -> dict[str, Invoice]:
        # The re-read guards against chasing an invoice paid meanwhile; a thank-you goes
        # to an invoice this run read as paid, so it uses that read.
        known = {a.invoice.id: a.invoice for a in chunk if a.action == ActionKind.THANK_YOU}
        ids = [a.invoice.id for a in chunk if a.invoice.id not in known]
        ids += [i.id for a in chunk if isinstance(a, SendStatement) for i in a.invoices]
        ids = list(dict.fromkeys(ids))
        return known | {inv.id: inv for inv in self.ledger.get_invoices(ids)} if ids else known

    def _one(self, action: Action, fresh: Invoice | None) -> None:
        assert not isinstance(action, SendStatement)  # sent by _statement, with its invoices
        number = action.invoice.number
        if fresh is None:
            self.report.skip(number, "no longer in the ledger")
            if self.ledger.incremental and not self.dry_run:
                # Deleted where no change feed told of it (QuickBooks' feed stops at
                # 1,000): drop the copy, or every run until the next full read skips it.
                self.ctx.cache.forget(action.invoice.id)
            return
        if action.action != ActionKind.THANK_YOU and not fresh.is_open:
            self.report.skip(
                number, f"{fresh.status.value} before sending; nothing sent", quiet=True
            )
            log.info("%s: paid or closed before send; dropped", number)
            return
        try:
            if isinstance(action, Escalate):
                self.outbox.escalate(action, fresh)
            else:
                fee = self.fees.charge(action, fresh) if isinstance(action, SendReminder) else None
                texts = []
                if isinstance(action, SendReminder) and self.texts.enabled:
                    texts = self.texts.claim(action, fresh)
                self.outbox.email(action, fresh, late_fee=fee)
                self.texts.send(texts, fresh)
        except LedgerError as exc:
            self._failed(number, exc, exc.disposition)
        except MailError as exc:
            self._failed(number, exc, exc.disposition)

    def _statement(self, action: SendStatement, fresh: dict[str, Invoice]) -> None:
        """Send one statement with its invoices as just re-read (each paid one dropped)."""
        try:
            self.statements.send(action, fresh)
        except LedgerError as exc:
            self._failed(action.invoice.number, exc, exc.disposition)
        except MailError as exc:
            self._failed(action.invoice.number, exc, exc.disposition)

    def _failed(self, number: str, exc: Exception, disposition: str) -> None:
        self.report.errors.append(f"{number}: {exc}")
        log.warning("%s: %s", number, exc)
        if disposition == "abort":
            raise Aborted(str(exc)) from exc

    def _close(self, invoices: Iterable[Invoice], history: dict[str, History]) -> None:
        """Stop re-reading invoices that are settled for good."""
        thanked = {r.invoice_id for r in self.store.rows(self.tenant, stage="thank_you")}
        book = PolicyBook.from_settings(self.settings)
        for inv in invoices:
            if inv.is_open or inv.id not in history:
                continue
            policy = book.choose(inv.contact).policy or self.settings.policy  # its own thank-you
            final = not inv.is_paid or inv.id in thanked or not policy.thank_you.enabled
            if final:
                self.store.set_control(self.tenant, inv.id, inv.number, self.now, closed=True)
                self.ctx.cache.forget(inv.id)
