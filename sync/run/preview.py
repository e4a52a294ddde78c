"""What a run would do now, worked out the way the run does it, with nothing written.

``tahseel plan`` shows this: the ledger read, the replies read (a customer asking for
the invoice again becomes a resend), the invoices vetted (an implausible amount or an
unknown currency is skipped, a bounced address left out), then the planner and the
circuit breaker, in the order :meth:`sync.run.job.Job.run` takes them. Nothing is sent,
no lock is taken and nothing is written to the state store, the ledger or the mailbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sync.config.policies import PolicyBook
from sync.plan.actions import Plan, SendReminder
from sync.plan.planner import plan
from sync.plan.safety import weigh
from sync.run.dossier import addressed
from sync.run.job import Job
from sync.run.outcome import RunReport

__all__ = ["Preview", "preview"]


@dataclass(frozen=True)
class Preview:
    """A run's plan, and what its report would say about the invoices it leaves out.

    Attributes:
        plan: The planner's actions and decisions, on the vetted invoices and the
            histories as if the replies read had been acted on.
        report: The dry run's report: ``skipped`` holds the invoices left out with
            their reasons (the vetting's and the planner's), ``problems`` what the
            ledger or the mailbox could not make sense of, ``breaker`` why a live run
            would stop before its first email.
    """

    plan: Plan
    report: RunReport

    @property
    def skipped(self) -> list[tuple[str, str]]:
        """(invoice number, reason) for every invoice the run would skip."""
        return list(self.report.skipped)


def preview(job: Job) -> Preview:
    """Work out what ``job`` would do, without doing any of it.

    Args:
        job: A job built with ``dry_run=True`` (its parts write nothing in a dry run).

    Returns:
        The plan and the report of its vetting, replies and breaker.

    Raises:
        ValueError: The job is not a dry run.
        LedgerError, MailError, SyncError: The ledger, the mailbox or the state store
            could not be read.
    """
    if not job.dry_run:
        raise ValueError("a preview needs a dry-run job")
    invoices = job.reading.read()
    job.replies.read({inv.number: inv for inv in invoices.values()})
    invoices = job.reading.vet(invoices)
    history = job.plans.attach(job.store.history(job.tenant) | job.ctx.overlay)
    ladder = plan(
        invoices.values(),
        history,
        job.settings.policy,
        job.ctx.calendar,
        job.now,
        languages=job.settings.language,
        policies=PolicyBook.from_settings(job.settings),
    )
    result = addressed(ladder, job.settings)
    report = job.report
    report.add_plan(result)
    if job.texts.enabled:  # each reminder's texts, or why a customer gets none
        for action in result.actions:
            if isinstance(action, SendReminder):
                job.texts.claim(action, action.invoice)
    previous = [
        int(json.loads(r.summary).get("emails", 0))
        for r in job.store.last_runs(job.tenant, limit=10)
        if r.status == "done"
    ]
    verdict = weigh(
        result.actions,
        open_invoices=report.open_invoices,
        previous=previous,
        limits=job.settings.safety,
        approved=job.approve,
    )
    report.plan_fingerprint = verdict.fingerprint
    report.breaker = None if verdict.ok else verdict.reason
    report.finished_at = job.now
    return Preview(result, report)
