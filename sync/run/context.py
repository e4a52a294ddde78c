"""What every part of one run shares: the settings, the parts it talks to, the moment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Protocol, runtime_checkable

from connectors.base import Ledger
from connectors.models import Invoice
from mailer.render import Renderer
from mailer.transport import Transport
from sync.config.policies import PolicyBook
from sync.config.settings import Policy, Settings
from sync.plan.calendar import BusinessCalendar
from sync.plan.history import History
from sync.run.outbound import Identity
from sync.run.outcome import RunReport
from sync.store.ledger_cache import LedgerCache
from sync.store.store import Store

REREAD_CHUNK = 50
"""Invoices asked of the ledger at once when re-reading them by id."""


@runtime_checkable
class CountsCalls(Protocol):
    """A ledger or mailbox that counts its API calls by operation, for the run's summary."""

    name: str
    calls: Mapping[str, int]


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
        bounced: In a dry run, the addresses bounces read in this run name, as if marked
            failing (address, lowercase, to the bounce's arrival).
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
    bounced: dict[str, datetime] = field(default_factory=dict)

    @property
    def tenant(self) -> str:
        """The tenant the run is for."""
        return self.identity.tenant

    @cached_property
    def policies(self) -> PolicyBook:
        """The policies and which customer follows which."""
        return PolicyBook.from_settings(self.settings)

    def policy_for(self, invoice: Invoice) -> Policy:
        """The policy ``invoice``'s customer follows: its late fee, notices and thanks.

        ``policy`` when the ledger names a policy the configuration lacks (the planner
        skips such an invoice's reminders, and says why).
        """
        return self.policies.choose(invoice.contact).policy or self.settings.policy
