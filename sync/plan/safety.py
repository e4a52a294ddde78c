"""The circuit breaker: a plan that would mail far more than usual waits for a person. Pure.

Before the first email of a run, the plan is weighed three ways: against an absolute
cap, against the number of open invoices, and against the runs before it. A plan over
any limit is not carried out; the run stops with exit code 4 and prints the plan's
fingerprint. A person who has looked at ``tahseel plan`` and agrees passes that
fingerprint back with ``tahseel run --approve``; a different plan needs a new approval.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sync.config.settings import Safety
from sync.plan.actions import Action, ActionKind

EMAIL_ACTIONS = (
    ActionKind.SEND_REMINDER,
    ActionKind.RESEND_INVOICE,
    ActionKind.THANK_YOU,
    ActionKind.INSTALMENT,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the plan may go ahead, and if not, why and how to approve it."""

    ok: bool
    emails: int
    fingerprint: str
    reason: str = ""


def fingerprint(actions: Sequence[Action]) -> str:
    """A short hash of the emails a plan would send: the same plan, the same hash."""
    keys = sorted(
        f"{a.invoice.id}|{a.stage}|{getattr(a, 'cycle', 0)}|{a.action}"
        for a in actions
        if a.action in EMAIL_ACTIONS
    )
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]


def weigh(
    actions: Sequence[Action],
    *,
    open_invoices: int,
    previous: Sequence[int],
    limits: Safety,
    approved: str | None = None,
) -> Verdict:
    """Decide whether a plan may be carried out.

    Args:
        actions: The plan's actions.
        open_invoices: How many invoices are open in the ledger.
        previous: Emails sent by recent completed runs, newest first.
        limits: The configured limits.
        approved: A fingerprint a person approved, if any.
    """
    emails = sum(1 for a in actions if a.action in EMAIL_ACTIONS)
    mark = fingerprint(actions)
    if approved is not None and approved == mark:
        return Verdict(True, emails, mark)
    reason = _over(emails, open_invoices, previous, limits)
    return Verdict(not reason, emails, mark, reason)


def _over(emails: int, open_invoices: int, previous: Sequence[int], limits: Safety) -> str:
    if emails > limits.max_emails_per_run:
        return (
            f"the plan has {emails} emails, more than safety.max_emails_per_run "
            f"({limits.max_emails_per_run})"
        )
    if emails <= limits.floor:
        return ""
    share = emails / max(open_invoices, 1)
    if share > limits.max_share_of_open:
        return (
            f"the plan emails {share:.0%} of the {open_invoices} open invoices, more than "
            f"safety.max_share_of_open ({limits.max_share_of_open:.0%})"
        )
    # Quiet runs (weekends, holidays) send nothing; the floor keeps them from making
    # an ordinary Monday look like a surge.
    usual = max(max(previous, default=0), limits.floor)
    if previous and emails > usual * limits.max_growth:
        return (
            f"the plan has {emails} emails; recent runs sent at most {usual} "
            f"(safety.max_growth is {limits.max_growth:g}x)"
        )
    return ""
