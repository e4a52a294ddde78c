"""Which email each invoice should get on which day, written again from the README alone.

This is a second, deliberately plain reading of the policy's rules ("The ladder" in the
README and the commented example configuration). It does not import the planner or the
calendar of ``sync``: where the two disagree, one of them misreads the rules.

The rules, as the README states them:

- A rung is due when its offset from the due date has passed, a rung falling on a
  weekend day or a holiday moving to the next business day, and at least
  ``min_days_between`` days have passed since the last email about the invoice.
- A repeating stage is sent at its offset and then every ``repeat_every_days``, at
  most ``repeat_limit`` more times, while no later stage is due (a repeat that would
  fall on or after the next stage's offset does not exist).
- After missed runs, one message: the latest rung due, where repeats of one stage
  and the notes meant for before the due date count as one. Stages are never
  skipped: the final notice and the escalation come only after the earlier rungs.
- Once the invoice is late, notes meant for before the due date (offset <= 0) are
  dropped.
- Two messages about one invoice are never closer than the policy's gap between their
  rungs: a rung waits at least as many days after the previous email about the invoice
  as the policy puts between it and the rung before it on the ladder (and never less
  than ``min_days_between``), so an invoice behind its ladder climbs at its rhythm.
- Nothing goes out on a weekend day, a holiday, or outside the send window.
- An escalate stage emails nobody (it is noted); it does not count as contact.
- A paid invoice gets no reminder; one that was emailed a reminder gets one thank-you,
  at the first moment in the send window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any


@dataclass(frozen=True)
class Step:
    """One rung of the ladder: stage, repeat number, days after the due date, emailed."""

    stage: str
    cycle: int
    offset: int
    emailed: bool


def steps_of(stages: list[dict[str, Any]]) -> list[Step]:
    """Every rung, in ladder order, from the policy's list of stages."""
    out: list[Step] = []
    for n, stage in enumerate(stages):
        start = stage["offset_days"]
        stop = stages[n + 1]["offset_days"] if n + 1 < len(stages) else 10**6
        emailed = stage.get("action", "email") == "email"
        out.append(Step(stage["name"], 0, start, emailed))
        every = stage.get("repeat_every_days") or 0
        for k in range(1, stage.get("repeat_limit", 0) + 1):
            if start + k * every >= stop:
                break
            out.append(Step(stage["name"], k, start + k * every, emailed))
    return out


def gaps_of(stages: list[dict[str, Any]], spacing: int) -> dict[tuple[str, int], int]:
    """Each rung's gap: the fewest days between it and the email before it about the invoice.

    That is the days the policy puts between the rung and the one before it on the
    ladder, and never less than ``min_days_between`` (``spacing``).
    """
    steps = steps_of(stages)
    gaps = {(steps[0].stage, 0): spacing} if steps else {}
    for before, step in zip(steps, steps[1:], strict=False):
        gaps[step.stage, step.cycle] = max(step.offset - before.offset, spacing)
    return gaps


@dataclass(frozen=True)
class Days:
    """Business days: weekday numbers off (Monday 0), holidays, and the send window."""

    off: frozenset[int]
    holidays: frozenset[date]
    opens: time
    closes: time

    def working(self, day: date) -> bool:
        return day.weekday() not in self.off and day not in self.holidays

    def forward(self, day: date) -> date:
        while not self.working(day):
            day += timedelta(days=1)
        return day

    def mail_may_go(self, wall: datetime) -> bool:
        """``wall`` is the business's local time, naive or aware."""
        return self.working(wall.date()) and self.opens <= wall.time() < self.closes


@dataclass
class Track:
    """What the oracle believes has happened to one invoice."""

    due: date
    done: list[tuple[int, date]] = field(default_factory=list)  # (step index, day)
    last_email: date | None = None
    reminded: bool = False
    thanked: bool = False


@dataclass
class Oracle:
    """Feed it every run (local time, and the ledger as it stands); it says what is due."""

    stages: list[dict[str, Any]]
    spacing: int
    days: Days
    tracks: dict[str, Track] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.steps = steps_of(self.stages)

    def run(
        self, wall: datetime, ledger: dict[str, tuple[date, str]]
    ) -> list[tuple[str, str, int]]:
        """The messages a run at ``wall`` should produce, as (invoice, stage, cycle).

        ``ledger`` maps invoice number to (due date, state), state being ``open``,
        ``paid`` or ``voided``. Escalations appear with their stage like emails; the
        caller tells them apart by ``emailed``.
        """
        today = wall.date()
        if not self.days.mail_may_go(wall):
            return []
        out = []
        for number in sorted(ledger):
            due, state = ledger[number]
            track = self.tracks.setdefault(number, Track(due))
            track.due = due
            if state == "paid":
                if track.reminded and not track.thanked:
                    track.thanked = True
                    out.append((number, "thank_you", 0))
                continue
            if state != "open":
                continue
            pick = self._pick(track, today)
            if pick is None:
                continue
            step = self.steps[pick]
            track.done.append((pick, today))
            if step.emailed:
                track.last_email = today
                track.reminded = True
            out.append((number, step.stage, step.cycle))
        return out

    def emailed(self, stage: str) -> bool:
        return stage == "thank_you" or any(s.emailed for s in self.steps if s.stage == stage)

    def _pick(self, track: Track, today: date) -> int | None:
        if track.last_email is not None and (today - track.last_email).days < self.spacing:
            return None
        position = max((i for i, _ in track.done), default=-1)
        late = today > track.due
        ahead = [
            i
            for i in range(position + 1, len(self.steps))
            if not (late and self.steps[i].offset <= 0)
        ]
        if not ahead:
            return None
        first = self.steps[ahead[0]]
        when = max(
            self.days.forward(track.due + timedelta(days=first.offset)),
            self._after_last_email(track, ahead[0]),
        )
        if when > today:
            return None
        pick = ahead[0]
        for i in ahead[1:]:
            step = self.steps[i]
            one_group = step.stage == first.stage or (first.offset <= 0 and step.offset <= 0)
            on_time = self.days.forward(track.due + timedelta(days=step.offset)) <= today
            if one_group and on_time and self._after_last_email(track, i) <= today:
                pick = i
        return pick

    def gap(self, index: int) -> int:
        """The fewest days between step ``index`` and the email before it."""
        step = self.steps[index]
        return gaps_of(self.stages, self.spacing)[step.stage, step.cycle]

    def _after_last_email(self, track: Track, index: int) -> date:
        if track.last_email is None:
            return date.min
        return self.days.forward(track.last_email + timedelta(days=self.gap(index)))
