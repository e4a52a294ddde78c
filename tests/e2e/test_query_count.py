"""A run asks the state store the same few questions however many invoices it reads.

The demo's configuration (a CSV ledger, a Maildir, live) over 20 and over 200 open
invoices, the SQL statements counted by SQLAlchemy's ``before_cursor_execute`` event:
a first run emails every invoice, a run a week later emails each again (every invoice
now has a thread and a history), and a preview of the week after. The store's reads
are the same in number at both sizes; its writes grow only by the steps every email
takes once (claim, mark sent, mark noted). The times are measured by
``bench/profile_run.py``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from sync.cli import demo
from sync.cli.common import moment_of
from sync.config.loader import load_settings
from sync.run.job import Job
from sync.run.wiring import build_ledger, build_renderer, build_store, build_transport
from sync.store.store import Store

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
WRITES_PER_EMAIL = 3  # the outbox's claim, mark sent, mark noted


def ledger(folder: Path, count: int) -> Path:
    """The demo's configuration over ``count`` open invoices, all late by a few days."""
    demo.install(folder, anchor=ANCHOR)
    config = folder / "tahseel.yaml"
    text = config.read_text(encoding="utf-8")
    # Every invoice is emailed on every run: the circuit breaker is told to expect it.
    # Twenty customers with up to ten invoices each: the one-a-day cap is lifted too.
    settings = (
        ("max_emails_per_run", 1000),
        ("max_share_of_open", 1.0),
        ("floor", 1000),
        ("max_messages_per_customer_per_day", 20),
    )
    for key, value in settings:
        text = re.sub(rf"(?m)^  {key}: \S+", f"  {key}: {value}", text)
    assert "max_messages_per_customer_per_day: 20" in text
    config.write_text(text, encoding="utf-8")
    path = folder / "demo" / "invoices.csv"
    with path.open(encoding="utf-8", newline="") as file:
        columns = next(csv.reader(file))
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        for n in range(count):
            due = ANCHOR - timedelta(days=2 + n % 3)
            writer.writerow(
                {
                    "invoice_id": f"q-{n:05d}",
                    "number": f"INV-{n:05d}",
                    "status": "open",
                    "currency": "SAR",
                    "total": f"{100 + n}.50",
                    "amount_due": f"{100 + n}.50",
                    "issue_date": (due - timedelta(days=30)).isoformat(),
                    "due_date": due.isoformat(),
                    "contact_id": f"C-{n % 20}",
                    "contact_name": f"Customer {n % 20}",
                    "emails": f"ap{n % 7}@c{n % 7}.example",
                    "language": "ar" if n % 2 else "en",
                    "updated_at": "2026-11-20T06:00:00Z",
                }
            )
    return config


@contextmanager
def counted(store: Store) -> Iterator[dict[str, int]]:
    """Count the statements the store's engine executes: reads and writes."""
    counts = {"reads": 0, "writes": 0}

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        kind = "reads" if statement.lstrip().upper().startswith("SELECT") else "writes"
        counts[kind] += 1

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        yield counts
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)


def run(config: Path, day: date, *, dry_run: bool = False) -> tuple[dict[str, int], int]:
    """One run on ``day``: the statements it executed, and the emails it sent (or planned)."""
    settings = load_settings(config)
    store = build_store(settings)
    job = Job(
        settings,
        build_ledger(settings),
        build_transport(settings),
        store,
        build_renderer(settings),
        moment_of(settings, day.isoformat()),
        dry_run=dry_run,
    )
    with counted(store) as counts:
        report = job.run()
    assert not report.aborted, report.aborted
    return counts, report.emails


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[tuple[dict[str, int], int]]]:
    """At 20 and 200 invoices: a first run, a run a week later, a preview of the next week."""
    found = {}
    for count in (20, 200):
        config = ledger(tmp_path_factory.mktemp(f"q{count}"), count)
        found[count] = [
            run(config, ANCHOR),
            run(config, ANCHOR + timedelta(days=7)),
            run(config, ANCHOR + timedelta(days=14), dry_run=True),
        ]
    return found


def test_every_run_emails_every_invoice(runs):
    for count, results in runs.items():
        assert [emails for _, emails in results] == [count, count, count]


@pytest.mark.parametrize("which", [0, 1, 2], ids=["first run", "a week later", "preview"])
def test_the_reads_do_not_grow_with_the_invoices(runs, which):
    small, large = runs[20][which][0], runs[200][which][0]
    assert large["reads"] == small["reads"], (small, large)


@pytest.mark.parametrize("which", [0, 1, 2], ids=["first run", "a week later", "preview"])
def test_the_writes_grow_only_by_each_emails_own_steps(runs, which):
    small, large = runs[20][which][0], runs[200][which][0]
    emailed = 0 if which == 2 else 200 - 20
    assert large["writes"] - small["writes"] <= WRITES_PER_EMAIL * emailed, (small, large)
