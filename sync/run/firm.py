"""Run several organisations at once: a bounded pool of threads, shared limits, one report each.

Organisations that share an API identity share its budget: a Gmail mailbox used by two
of them has one quota budget here, and Xero's app-wide minute limit is shared inside
the connector by every tenant of one app (``connectors/limits.py``). One organisation's
failure (bad credentials, ledger down, lock held by another runner) is reported for it
and never stops the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from connectors.errors import LedgerError
from mailer.errors import MailError
from mailer.gmail.api import QuotaBudget
from mailer.render import Renderer
from sync.config.services import GmailSettings
from sync.config.settings import Settings
from sync.errors import ConfigError, RunLocked, SyncError
from sync.run import DEFAULT_JOBS, checks
from sync.run.checked import templates_checked
from sync.run.job import Job
from sync.run.outcome import RunReport
from sync.run.wiring import build_ledger, build_renderer, build_store, build_transport
from sync.store.store import Store

log = logging.getLogger(__name__)

LOCKED = "locked, another runner has it"

Results = list[tuple[str | None, RunReport]]


class Shared:
    """What the organisations of one run share: state stores, Gmail quota budgets, renderers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stores: dict[str, Store] = {}
        self._budgets: dict[str, QuotaBudget] = {}
        self._renderers: dict[tuple[object, ...], Renderer] = {}

    def store(self, settings: Settings) -> Store:
        """The state store at the settings' URL, one for every organisation using it."""
        with self._lock:
            url = settings.state_url
            if url not in self._stores:
                self._stores[url] = build_store(settings)
            return self._stores[url]

    def renderer(self, settings: Settings) -> Renderer:
        """The renderer of the settings' templates; shared, so each compiles once a run."""
        templates = settings.resolve(settings.templates) if settings.templates else None
        key = (templates, settings.language.digits, settings.language.calendar)
        with self._lock:
            if key not in self._renderers:
                self._renderers[key] = build_renderer(settings)
            return self._renderers[key]

    def budget(self, settings: Settings) -> QuotaBudget | None:
        """The Gmail quota budget of the sender's mailbox; None for other mailboxes."""
        if not isinstance(settings.mailbox, GmailSettings):
            return None
        with self._lock:
            return self._budgets.setdefault(settings.sender.email.lower(), QuotaBudget())


def run_organisations(
    organisations: Sequence[Settings],
    now: datetime | Callable[[Settings], datetime],
    *,
    jobs: int = DEFAULT_JOBS,
    dry_run: bool = False,
    approve: str | None = None,
    started_at: datetime | None = None,
) -> Results:
    """Run each organisation's job, ``jobs`` at a time, and return their reports in order.

    Args:
        organisations: Settings of each organisation, as ``load_organisations`` gives.
        now: The moment of the run, or a function giving it for each organisation
            (``--today`` starts each one's day in its own time zone).
        jobs: Most organisations running at once.
        dry_run: Plan and render only.
        approve: A plan fingerprint approved by a person (``--approve``).
        started_at: The clock's time when the run started.

    Returns:
        (organisation name, report) for each organisation, in the order given. A report
        of one that did not run says why in ``locked``, ``config_problem`` or ``aborted``.
    """
    shared = Shared()
    workers = max(1, min(jobs, len(organisations)))

    def one(settings: Settings) -> RunReport:
        moment = now(settings) if callable(now) else now
        return run_one(
            settings, moment, shared, dry_run=dry_run, approve=approve, started_at=started_at
        )

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tahseel-org") as pool:
        reports = list(pool.map(one, organisations))
    return [(s.organisation, r) for s, r in zip(organisations, reports, strict=True)]


def run_one(
    settings: Settings,
    now: datetime,
    shared: Shared | None = None,
    *,
    dry_run: bool = False,
    approve: str | None = None,
    started_at: datetime | None = None,
) -> RunReport:
    """Run one organisation; every failure becomes its report, never an exception."""
    shared = shared or Shared()
    name = settings.organisation or settings.business.name
    dry = dry_run or settings.mode == "preview"
    report = RunReport(started_at=now, dry_run=dry, mode=settings.mode)
    try:
        renderer = shared.renderer(settings)
        problems = templates_checked(settings, renderer)
        if problems:
            report.config_problem = "templates: " + "; ".join(problems)
            return report
        if link := checks.check_payment_link(settings):
            report.config_problem = "; ".join(link)
            return report
        job = Job(
            settings,
            build_ledger(settings),
            build_transport(settings, budget=shared.budget(settings)),
            shared.store(settings),
            renderer,
            now,
            dry_run=dry_run,
            approve=approve,
            started_at=started_at,
        )
        return job.run()
    except RunLocked:
        log.info("%s: %s", name, LOCKED)
        report.locked = LOCKED
    except ConfigError as exc:
        report.config_problem = str(exc)
    except (LedgerError, MailError, SyncError) as exc:
        report.aborted = str(exc)
    except Exception as exc:  # noqa: BLE001 - one organisation's bug must not stop the rest
        # The message of an unknown error may hold anything; its kind is safe to show.
        report.aborted = f"unexpected {type(exc).__name__} (a bug in Tahseel: please report it)"
    log.warning("%s: not done: %s", name, report.locked or report.config_problem or report.aborted)
    return report
