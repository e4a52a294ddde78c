"""The rung an invoice has reached on its ladder, even when the ladder changed. Pure.

A customer's policy may change while its invoices are part way up a ladder. The
invoice then continues from the rung reached, never from the bottom:

- a message whose stage and cycle the current ladder has counts as that rung;
- a message from a stage (or a repeat) the current ladder does not have counts as the
  last rung whose offset from the due date is at most the days late the message went
  out at (a courtesy note sent before the due date counts as the rungs before it).

An invoice listed in a customer's statement (``sync.plan.grouping``) counts as the last
email rung whose offset is at most the days late it was listed at: a statement never
counts as an escalation.

The highest rung counted is the one reached; the ladder continues with the next.
Resends, thank-yous, acknowledgements, pauses and an instalment plan's messages are no
rung of any ladder.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Protocol

from sync.config.policy import Stage
from sync.plan.actions import INSTALMENT_REMINDERS
from sync.plan.cap import OFF_LADDER
from sync.plan.history import Message


class Rung(Protocol):
    """What of a rung of the ladder (``sync.plan.planner.Rung``) is read here."""

    @property
    def stage(self) -> Stage: ...  # noqa: D102

    @property
    def cycle(self) -> int: ...  # noqa: D102

    @property
    def offset(self) -> int: ...  # noqa: D102


def reached(
    messages: Sequence[Message],
    rungs: Sequence[Rung],
    due: date,
    local_date: Callable[[datetime], date],
) -> int | None:
    """The index in ``rungs`` of the rung reached by ``messages``, or None for none.

    Args:
        messages: What was done about the invoice.
        rungs: The ladder the invoice follows now.
        due: The invoice's due date.
        local_date: The customer's date of a moment.
    """
    if not messages:
        return None
    position = positions(rungs)
    best: int | None = None
    for message in messages:
        index = position.get((message.stage, message.cycle))
        if index is None and message.stage not in _NO_RUNG:
            late = (local_date(message.at) - due).days
            below = [
                i
                for i, r in enumerate(rungs)
                if r.offset <= late and not (message.statement and r.stage.action != "email")
            ]
            index = below[-1] if below else None
        if index is not None and (best is None or index > best):
            best = index
    return best


_NO_RUNG = OFF_LADDER | frozenset(INSTALMENT_REMINDERS)

_POSITIONS: dict[int, tuple[Sequence[Rung], dict[tuple[str, int], int]]] = {}


def positions(rungs: Sequence[Rung]) -> dict[tuple[str, int], int]:
    """Each rung's index by (stage, cycle), worked out once per ladder object."""
    kept = _POSITIONS.get(id(rungs))
    if kept is None or kept[0] is not rungs:
        kept = (rungs, {(r.stage.name, r.cycle): i for i, r in enumerate(rungs)})
        if len(_POSITIONS) > 64:  # ladders of settings long gone
            _POSITIONS.clear()
        _POSITIONS[id(rungs)] = kept
    return kept[1]
