"""The run report: what a run did, what it skipped and why, and the exit code it implies."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sync.plan.actions import ActionKind

if TYPE_CHECKING:
    from sync.plan.actions import Acknowledge, Action, Plan

EXIT_OK = 0
EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_ABORTED = 4
EXIT_STALE = 5
"""`tahseel heartbeat`: no successful run within the allowed age."""


@dataclass
class RunReport:
    """Counts and lists gathered during one run."""

    started_at: datetime
    dry_run: bool = False
    finished_at: datetime | None = None
    open_invoices: int = 0
    sent: Counter[str] = field(default_factory=Counter)
    resends: int = 0
    thank_yous: int = 0
    escalations: int = 0
    pauses: int = 0
    snoozes: int = 0
    acknowledgements: int = 0
    notices: int = 0
    fees: int = 0
    """Late fees invoiced in the ledger (or, in a dry run, that would be)."""
    notes: int = 0
    reconciled: int = 0
    waiting: int = 0
    replies: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    """Invoices the policy excludes: the accountant's choice, so not a reason for exit 1."""
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    aborted: str | None = None
    locked: str | None = None
    """Not run: another runner holds the lock (one organisation of several)."""
    config_problem: str | None = None
    """Not run: the configuration or the templates have problems."""
    window_closed: str | None = None
    api_calls: dict[str, dict[str, int]] = field(default_factory=dict)
    mode: str = "live"
    plan_fingerprint: str | None = None
    breaker: str | None = None
    deferred: list[tuple[str, str]] = field(default_factory=list)
    """(invoice, stage) of the actions the ledger's calls left today could not carry."""
    deferred_reason: str | None = None
    policies: Counter[str] = field(default_factory=Counter)
    """Reminders by the policy they followed (``default`` for ``policy``)."""
    policy_of: dict[str, str] = field(default_factory=dict, repr=False)
    texts: Counter[str] = field(default_factory=Counter)
    """Text messages sent (or, in a dry run, that would be) by channel: whatsapp, sms."""
    text_segments: int = 0
    text_cost: Decimal = Decimal(0)
    text_currency: str = "USD"
    opt_outs: int = 0
    """Numbers that asked for no more text messages, read in this run."""
    text_skips: list[tuple[str, str]] = field(default_factory=list)
    """(invoice, why) of a stage's text message not sent: no usable number, opted out,
    a cap; the rung's email went, so these do not make the run's exit code 1."""

    def counts(self) -> list[tuple[str, int]]:
        """What the run did, one labelled count a line, after the reminders per stage."""
        named = set(self.policies) - {"default"}
        return (
            [
                *(
                    (f"reminders under policy {n}", c)
                    for n, c in sorted(self.policies.items())
                    if named
                ),
                ("invoices resent", self.resends),
                ("thank-yous", self.thank_yous),
                ("escalated to a person", self.escalations),
                ("paused", self.pauses),
                ("snoozed to a promised date", self.snoozes),
                ("promises acknowledged", self.acknowledgements),
                ("people told about a reply", self.notices),
                *([("late fees invoiced", self.fees)] if self.fees else []),
                ("ledger notes written", self.notes),
                ("replies read", sum(self.replies.values())),
                ("open invoices", self.open_invoices),
                ("waiting for a later date", self.waiting),
                ("skipped", len(self.skipped)),
                ("excluded by policy", len(self.excluded)),
                ("errors", len(self.errors)),
            ]
            + ([("deferred to the next run", len(self.deferred))] if self.deferred else [])
            + [
                (f"{label} messages", self.texts[kind])
                for kind, label in (("whatsapp", "WhatsApp"), ("sms", "SMS"))
                if self.texts[kind]
            ]
        )

    def add_plan(self, result: Plan) -> None:
        """Take the planner's decisions into the report."""
        for d in result.decisions:
            self.policy_of[d.invoice] = d.policy
            if d.outcome == "skip":
                self.skipped.append((d.invoice, d.reason))
            elif d.outcome == "excluded":
                self.excluded.append((d.invoice, d.reason))
            elif d.outcome == "wait":
                self.waiting += 1

    def record(self, action: Action | Acknowledge) -> None:
        """Count one action carried out (or, in a dry run, that would be)."""
        if action.action in (ActionKind.SEND_REMINDER, ActionKind.SEND_STATEMENT):
            self.sent[action.stage] += 1
            self.policies[self.policy_of.get(action.invoice.number, "default")] += 1
        elif action.action == ActionKind.RESEND_INVOICE:
            self.resends += 1
        elif action.action == ActionKind.THANK_YOU:
            self.thank_yous += 1
        elif action.action == ActionKind.ESCALATE:
            self.escalations += 1
        elif action.action == ActionKind.ACKNOWLEDGE:
            self.acknowledgements += 1
        elif action.action == ActionKind.INSTALMENT:
            self.sent[action.stage] += 1  # an instalment plan's message, by its stage

    def skip(self, number: str, reason: str, *, quiet: bool = False) -> None:
        """Note an action dropped at send time; ``quiet`` ones are expected (paid meanwhile)."""
        if quiet:
            self.waiting += 1
        else:
            self.skipped.append((number, reason))

    def defer(self, actions: Iterable[Action], reason: str | None) -> None:
        """Note the actions left for the next run, the ledger's calls being short."""
        self.deferred += [(a.invoice.number, a.stage) for a in actions]
        self.deferred_reason = reason if self.deferred else None

    def count_reply(self, kind: str) -> None:
        """Count one new reply read from the mailbox, by kind."""
        self.replies[kind] += 1

    @property
    def emails(self) -> int:
        """Emails sent in this run."""
        return sum(self.sent.values()) + self.resends + self.thank_yous + self.acknowledgements

    @property
    def exit_code(self) -> int:
        """0 done; 1 skipped items or errors; 2 not run (config); 3 not run (lock); 4 aborted."""
        if self.config_problem:
            return EXIT_USAGE
        if self.aborted:
            return EXIT_ABORTED
        if self.locked:
            return EXIT_LOCKED
        if self.skipped or self.errors or self.problems or self.deferred:
            return EXIT_SKIPPED
        return EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "dry_run": self.dry_run,
            "mode": self.mode,
            "plan_fingerprint": self.plan_fingerprint,
            "breaker": self.breaker,
            "open_invoices": self.open_invoices,
            "emails": self.emails,
            "sent": dict(sorted(self.sent.items())),
            "resends": self.resends,
            "thank_yous": self.thank_yous,
            "escalations": self.escalations,
            "pauses": self.pauses,
            "snoozes": self.snoozes,
            "acknowledgements": self.acknowledgements,
            "notices": self.notices,
            "late_fees": self.fees,
            "notes": self.notes,
            "reconciled": self.reconciled,
            "waiting": self.waiting,
            "replies": dict(sorted(self.replies.items())),
            "skipped": [{"invoice": n, "reason": r} for n, r in self.skipped],
            "excluded": [{"invoice": n, "reason": r} for n, r in self.excluded],
            "deferred": [{"invoice": n, "stage": s} for n, s in self.deferred],
            "deferred_reason": self.deferred_reason,
            "problems": list(self.problems),
            "errors": list(self.errors),
            "aborted": self.aborted,
            "window_closed": self.window_closed,
            "locked": self.locked,
            "config_problem": self.config_problem,
            "api_calls": {k: dict(sorted(v.items())) for k, v in sorted(self.api_calls.items())},
            "texts": dict(sorted(self.texts.items())),
            "text_segments": self.text_segments,
            "text_cost": f"{self.text_cost} {self.text_currency}",
            "opt_outs": self.opt_outs,
            "text_skips": [{"invoice": n, "reason": r} for n, r in self.text_skips],
            "exit_code": self.exit_code,
        }


# Worst last: a person must act on a configuration or an abort; a locked organisation
# is another runner's work, so it counts only when nothing else ran.
_SEVERITY = (EXIT_OK, EXIT_SKIPPED, EXIT_LOCKED, EXIT_USAGE, EXIT_ABORTED)


def worst_exit_code(reports: Iterable[RunReport]) -> int:
    """The exit code of a run of several organisations: the worst of those that ran.

    It is 3 (locked) only when every organisation was held by another runner.
    """
    codes = [r.exit_code for r in reports]
    ran = [c for c in codes if c != EXIT_LOCKED]
    if not ran:
        return EXIT_LOCKED if codes else EXIT_OK
    return max(ran, key=_SEVERITY.index)
