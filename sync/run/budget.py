"""Which of a run's actions the ledger's calls left today can carry. Pure.

A ledger with a daily call limit (Xero: 5,000 calls a day, 1,000 on its Starter plan,
shared with every other run of the app) may have fewer calls left than the run's
actions need. Each email must have its ledger note written in the same run, so the
calls are counted before the first send: what an action costs (``cost``), and the
re-reads just before sending (``REREAD_CALLS`` a chunk). When they do not fit, the
most overdue invoices go first, then the largest amounts, as many as the calls cover;
the rest are deferred to the next run, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import ceil

from sync.plan.actions import Action, Escalate, SendStatement

REREAD_CALLS = 2
"""Calls to re-read one chunk of invoices before sending: the invoices, and their
contacts when the ledger has not read them yet (an incremental run reads few)."""
REREAD_ONCE = 2
"""Calls a ledger may make once for its first re-read (Xero reads the contact group
that says who reads Arabic: the list of groups, then the group)."""


@dataclass(frozen=True)
class Budget:
    """What the run sends now, what waits, and why.

    Attributes:
        go: The actions to carry out, in the order to carry them out.
        deferred: The actions left for the next run.
        reason: Why some wait (None when nothing does).
    """

    go: list[Action]
    deferred: list[Action]
    reason: str | None = None


def cost(action: Action, *, link_kept: bool) -> int:
    """Ledger calls one action needs, its note included (the re-read is counted apart).

    Args:
        action: The action.
        link_kept: The invoice's payment link is already known (no call to fetch it).
    """
    if isinstance(action, Escalate):
        return 2  # the invoice's PDF for the dossier, and the note
    if isinstance(action, SendStatement):
        return 2 * len(action.invoices)  # each listed invoice's note and payment link
    return 1 + (0 if link_kept else 1) + (1 if getattr(action, "attach_pdf", False) else 0)


def needed(actions: int, own: int, chunk: int) -> int:
    """Calls to carry out ``actions`` actions whose own calls add up to ``own``.

    Every chunk of ``chunk`` actions is re-read in one call (a chunk of thank-yous
    only is not, and is counted all the same: an upper bound).
    """
    chunks = ceil(actions / chunk)
    return own + REREAD_CALLS * chunks + (REREAD_ONCE if chunks else 0)


def urgency(action: Action) -> tuple[object, ...]:
    """Sort key: the most overdue invoice first, then the largest amount due."""
    inv = action.invoice
    return (inv.due_date, -inv.amount_due, inv.number)


def fit(
    actions: Sequence[Action],
    *,
    calls_left: int | None,
    link_kept: Callable[[str], bool],
    chunk: int,
    ledger: str,
) -> Budget:
    """Keep the actions the calls left cover, most urgent first; defer the rest.

    Args:
        actions: The plan's actions, in the plan's order.
        calls_left: Calls the ledger has left today; None: it has no daily limit.
        link_kept: Whether an invoice's (by id) payment link is already known.
        chunk: Invoices re-read at once before sending.
        ledger: The ledger's name, for the reason.

    Returns:
        Every action in the plan's order when they all fit; otherwise the most urgent
        that fit, and the others deferred.
    """
    costs = [cost(a, link_kept=link_kept(a.invoice.id)) for a in actions]
    if calls_left is None or needed(len(actions), sum(costs), chunk) <= calls_left:
        return Budget(list(actions), [])
    order = sorted(range(len(actions)), key=lambda i: urgency(actions[i]))
    taken = own = 0
    for i in order:
        if needed(taken + 1, own + costs[i], chunk) > calls_left:
            break
        taken, own = taken + 1, own + costs[i]
    go = [actions[i] for i in order[:taken]]
    deferred = [actions[i] for i in order[taken:]]
    reason = (
        f"deferred: {ledger} has {calls_left} calls left today, enough for {taken} of"
        f" {len(actions)} reminders (each with its note); the rest go out on the next run"
    )
    return Budget(go, deferred, reason)
