"""What every part of one run shares: the settings, the parts it talks to, the moment."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from connectors.base import Ledger
from mailer.render import Renderer
from mailer.transport import Transport
from sync.config.settings import Settings
from sync.plan.calendar import BusinessCalendar
from sync.plan.planner import History
from sync.run.outbound import Identity
from sync.run.outcome import RunReport
from sync.store.ledger_cache import LedgerCache
from sync.store.store import Store

REREAD_CHUNK = 50
"""Invoices asked of the ledger at once when re-reading them by id."""


def calendar_of(settings: Settings) -> BusinessCalendar:
    """The business calendar the settings describe."""
    cal = settings.calendar
    return BusinessCalendar.from_names(
        settings.business.timezone,
        cal.weekend,
        cal.holidays,
        (cal.send_window.start, cal.send_window.end),
    )


@dataclass(frozen=True)
class RunContext:
    """The parts and facts of one run, handed to each piece that does some of it.

    Attributes:
        settings: Validated configuration.
        ledger: Where invoices come from and notes go.
        transport: The mailbox.
        store: The state store.
        renderer: Template renderer over the configured template folders.
        identity: Who sends, for which tenant.
        calendar: The business calendar.
        report: The run's report, filled in as the run goes.
        cache: The tenant's copy of the ledger (incremental ledgers).
        now: The moment of the run (aware); nothing in a run reads the clock.
        started: Where the next incremental ledger read begins (``now`` under ``--today``
            is not the clock's time).
        dry_run: Plan and render only; send nothing and write nothing.
        overlay: In a dry run, invoice histories as if the replies read had been acted on.
    """

    settings: Settings
    ledger: Ledger
    transport: Transport
    store: Store
    renderer: Renderer
    identity: Identity
    calendar: BusinessCalendar
    report: RunReport
    cache: LedgerCache
    now: datetime
    started: datetime
    dry_run: bool
    overlay: dict[str, History]

    @property
    def tenant(self) -> str:
        """The tenant the run is for."""
        return self.identity.tenant


T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterable[list[T]]:
    """``items`` in lists of at most ``size``, in order."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
