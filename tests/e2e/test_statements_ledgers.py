"""One statement per customer on Xero and QuickBooks (emulated), mailing through Gmail.

Under ``grouping: customer``, a customer with three late invoices gets one statement
listing them; an invoice paid between the plan and the send is dropped from it by the
pre-send re-read, and a statement whose invoices are all paid meanwhile is not sent;
a week later the customer's next statement continues the first one's thread; every
listed invoice gets its own ledger note. (The CSV ledger's are in
``tests/e2e/test_statements_csv.py``; the crash sweep in
``tests/e2e/test_crash_sweep_statement.py``.)
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sync.run import job as job_module
from tests.support.crash_world import scratch_folder
from tests.support.statement_world import FIRST, StatementWorld


@pytest.fixture(params=["xero", "quickbooks"])
def world(request, monkeypatch) -> Iterator[StatementWorld]:
    for name in ("GMAIL_TOKEN", "XERO_TOKEN", "QUICKBOOKS_TOKEN", "TAHSEEL_FAILPOINTS"):
        monkeypatch.delenv(name, raising=False)
    folder = Path(tempfile.mkdtemp(prefix="tahseel-statements-", dir=scratch_folder()))
    try:
        with StatementWorld(folder, request.param, f"Statements {request.param}") as made:
            for name, value in made.credentials():
                monkeypatch.setenv(name, value)
            yield made
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_paying(world: StatementWorld, monkeypatch, day, paid: list[str]) -> dict:
    """Run in this process on ``day``; the customer pays ``paid`` once the plan is made."""
    real = job_module.plan

    def planned_then_paid(*args, **kwargs):
        result = real(*args, **kwargs)
        for number in paid:
            world.pay(number)
        return result

    monkeypatch.setattr(job_module, "plan", planned_then_paid)
    try:
        return world.job(world.moment(day)).run().to_dict()
    finally:
        monkeypatch.setattr(job_module, "plan", real)


def test_one_statement_lists_the_invoices_and_drops_one_paid_before_the_send(world, monkeypatch):
    seeded = world.seed_customers(1, 3, random.Random(3))
    (numbers,) = seeded.values()
    report = run_paying(world, monkeypatch, FIRST, [numbers[0]])
    assert report["sent"] == {"overdue": 1} and not report["errors"], report
    (statement,) = world.statements()
    listed = str(statement["X-Tahseel-Statement"]).split(", ")
    assert sorted(listed) == sorted(numbers[1:])  # the paid one is not listed
    text = statement.get_body(("plain",)).get_content()
    assert numbers[0] not in text and all(n in text for n in numbers[1:])
    assert world.statement_notes() == dict.fromkeys(numbers[1:], 1)
    assert not any(key.startswith(world.key_prefix(world.ids[numbers[0]])) for key in world.notes())


def test_a_statement_whose_invoices_were_all_paid_meanwhile_is_not_sent(world, monkeypatch):
    seeded = world.seed_customers(1, 2, random.Random(4))
    (numbers,) = seeded.values()
    report = run_paying(world, monkeypatch, FIRST, numbers)
    assert not report["sent"] and not report["errors"], report
    assert world.gmail.sent() == [] and not world.notes()


def test_the_next_statement_continues_the_customers_thread(world, monkeypatch):
    seeded = world.seed_customers(1, 3, random.Random(5))
    (numbers,) = seeded.values()
    assert run_paying(world, monkeypatch, FIRST, [])["sent"] == {"overdue": 1}
    week = FIRST + timedelta(days=7)
    report = run_paying(world, monkeypatch, week, [])
    assert report["sent"] == {"weekly": 1}, report
    first, second = sorted(world.statements(), key=lambda m: str(m["X-Tahseel-Stage"]))
    assert str(first["X-Tahseel-Stage"]) == "overdue"
    assert second["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in second["References"]
    assert second["Subject"] == f"Re: {first['Subject']}"
    thread = {m.thread_id for m in world.gmail.sent()}
    assert len(thread) == 1  # Gmail holds both in one thread
    notes = world.statement_notes()
    assert notes == dict.fromkeys(numbers, 2)  # one note a statement on each invoice


def test_with_the_state_lost_the_mailbox_is_asked_first_and_nothing_sent_again(world, monkeypatch):
    seeded = world.seed_customers(2, 2, random.Random(6))
    assert run_paying(world, monkeypatch, FIRST, [])["sent"] == {"overdue": 2}
    (world.folder / "state.db").unlink()
    report = run_paying(world, monkeypatch, FIRST, [])
    assert report["reconciled"] == 2 and not report["errors"], report
    assert len(world.gmail.sent()) == 2
    every = [n for numbers in seeded.values() for n in numbers]
    assert world.statement_notes() == dict.fromkeys(every, 1)
