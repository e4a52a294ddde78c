"""The crash sweep over statements: kill -9 the run at every step, rerun, count statements.

Each trial seeds two customers with three late invoices each on the Xero or the
QuickBooks emulator, mailing through the Gmail emulator, under ``grouping: customer``
(``tests/support/statement_world.py``). The day's run, which sends each customer one
statement, is forked and dies by SIGKILL at one named point, at a random hit: a step of
the job (``sync/run/faults.py``), or, on the emulators' side, right after Gmail stored
the statement or the ledger stored a note. Then a rerun completes, and a run the day
after does nothing more. Per trial:

- each customer's statement is in Gmail's Sent folder exactly once, listing all three
  of its invoices (each invoice in one statement);
- every listed invoice has its ledger note exactly once;
- no run reports an error, and the state store holds no unsettled intent.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from sync.store.store import Store
from tests.support.crash_world import JOB_POINTS, SERVER_POINTS, Planned, scratch_folder
from tests.support.statement_world import FIRST, StatementWorld

POINTS = (*(p for p in JOB_POINTS if p != "after_reply"), *SERVER_POINTS)
"""Every point a statement's run passes (it reads no reply, so not ``after_reply``)."""
CUSTOMERS, EACH = 2, 3
NEXT_DAY = FIRST + timedelta(days=1)


def hits(point: str, kind: str, plan: list[Planned]) -> int:
    """How often the run reaches ``point``: the kill's hit is drawn up to this."""
    statements = sum(1 for a in plan if a.action == "send_statement")
    if point in ("before_note", "after_note", "note_applied"):
        return 1 if kind == "quickbooks" else statements * EACH  # QuickBooks: one batch
    if point == "after_plan":
        return 1
    return max(1, statements)


@pytest.fixture
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="tahseel-statement-sweep-", dir=scratch_folder()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("GMAIL_TOKEN", "XERO_TOKEN", "QUICKBOOKS_TOKEN", "TAHSEEL_FAILPOINTS"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("kind", ["xero", "quickbooks"])
def test_a_kill_at_any_step_of_a_statement_leaves_one_statement_and_one_note_each(
    kind, point, scratch, clean_env, monkeypatch
):
    rng = random.Random(f"statement:{kind}:{point}")
    with StatementWorld(scratch, kind, f"Sweep {kind} {point}") as world:
        for name, value in world.credentials():
            monkeypatch.setenv(name, value)
        seeded = world.seed_customers(CUSTOMERS, EACH, rng)

        crash = world.crash(FIRST, point, lambda plan: rng.randint(1, hits(point, kind, plan)))
        assert crash.plan is not None, crash
        assert [a.action for a in crash.plan] == ["send_statement"] * CUSTOMERS, crash.plan
        assert crash.killed, f"the run was not killed at {point} #{crash.hit}"

        report = world.run(FIRST)
        assert not report["errors"] and not report["aborted"], report
        later = world.run(NEXT_DAY)
        assert not later["sent"] and not later["errors"], later

        sent = world.statements()
        to = Counter(a.addr_spec for m in sent for a in m["To"].addresses)
        assert to == dict.fromkeys(seeded, 1), f"{point} #{crash.hit}: statements {to}"
        for message in sent:
            (address,) = [a.addr_spec for a in message["To"].addresses]
            listed = str(message["X-Tahseel-Statement"]).split(", ")
            assert sorted(listed) == sorted(seeded[address])
        assert len(world.gmail.sent()) == CUSTOMERS  # nothing else went out
        every = [n for numbers in seeded.values() for n in numbers]
        notes = world.statement_notes()
        assert notes == dict.fromkeys(every, 1), f"{point} #{crash.hit}: notes {notes}"
        store = Store(world.settings.state_url)
        try:
            assert not store.rows(world.settings.tenant, status="pending")
            assert not store.unnoted(world.settings.tenant)
        finally:
            store.engine.dispose()
