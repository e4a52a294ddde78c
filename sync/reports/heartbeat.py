"""The heartbeat: has a run finished successfully recently enough?

Schedulers fail quietly: a crontab line lost with a server move, a GitHub schedule
disabled after 60 days without activity, a runner that never starts. Every finished run
is recorded in the state store, so a separate check can say when the last good one
was, and fail loudly when it is too long ago.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sync.store.store import Store
    from sync.store.tables import RunRow


def describe(age: timedelta) -> str:
    """A duration in words, to the minute: ``1 day 3 hours 5 minutes``."""
    minutes = max(int(age.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    words = [
        f"{n} {unit}{'' if n == 1 else 's'}"
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ]
    return " ".join(words) or "less than a minute"


@dataclass(frozen=True)
class Beat:
    """The verdict of a heartbeat check.

    Attributes:
        ok: A successful run finished within the allowed age.
        message: One line saying when the last successful run was, or what is wrong.
        last_success: When that run finished, if there was one.
    """

    ok: bool
    message: str
    last_success: datetime | None


def check(store: Store, tenant: str, now: datetime, max_age: timedelta) -> Beat:
    """Say whether ``tenant`` had a successful run within ``max_age`` before ``now``.

    A run counts as successful when it finished its work (its exit code was 0 or 1:
    invoices it skipped are reported by the run itself). Aborted runs, runs still
    marked running (killed, or not yet done), dry runs and previews (never recorded) do
    not count.

    Args:
        store: The state store the runs are recorded in.
        tenant: The organisation, as runs record it.
        now: The moment to measure from (aware).
        max_age: The longest acceptable time since the last successful run.
    """
    last = store.last_finished(tenant)
    latest = store.last_runs(tenant, limit=1)
    newer = latest and (last is None or latest[0].id != last.id)
    attempt = _attempt(latest[0], now) if newer else ""
    if last is None or last.finished_at is None:
        return Beat(
            False,
            f"no successful run of {tenant!r} has been recorded in the state store"
            f" (dry runs and previews are not recorded){attempt}",
            None,
        )
    # A run records the moment it ran for (the job never reads the clock), which is
    # when it started: the age is measured from there, the safe side for a check.
    age = now - last.finished_at
    when = f"{last.finished_at:%Y-%m-%d %H:%M} UTC"
    if age > max_age:
        return Beat(
            False,
            f"the last successful run of {tenant!r} was {describe(age)} ago ({when}),"
            f" longer than the {describe(max_age)} allowed{attempt}",
            last.finished_at,
        )
    return Beat(
        True,
        f"the last successful run of {tenant!r} was {describe(age)} ago ({when});"
        f" within the {describe(max_age)} allowed",
        last.finished_at,
    )


def _attempt(run: RunRow, now: datetime) -> str:
    """What became of the latest run, when it was not a successful one."""
    ago = f"{describe(now - run.started_at)} ago"
    if run.status == "aborted":
        reason = json.loads(run.summary or "{}").get("aborted") or "no reason recorded"
        return f"; the latest run, started {ago}, aborted: {reason}"
    return f"; the latest run, started {ago}, never finished (killed, or still running)"
