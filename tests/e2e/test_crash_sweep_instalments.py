"""The crash sweep over instalment plans: kill -9 the run at every step, rerun, count.

Each trial seeds two late invoices on the Xero or the QuickBooks emulator, mailing
through the Gmail emulator (``tests/support/crash_world.py``), and records a plan of
three instalments for each in the state store, as ``tahseel instalments`` does. Then
one run is forked and dies by SIGKILL at one named point, at a random hit: a step of
the job (``sync/run/faults.py``), or, on the emulators' side, right after Gmail stored
a message or the ledger stored a note. A rerun completes, and a run the next day does
nothing more. Two runs are swept:

- ``confirm``: the plans' first run, which emails each customer the confirmation;
- ``lapse``: a run past a missed instalment's grace days, which ends each plan with a
  note (before the planning) and sends each invoice's final notice.

Per trial: each message is in Gmail's Sent folder exactly once and nothing else went;
each note (the message's, the plan's end) is on the ledger exactly once; no run reports
an error, and the state store holds no unsettled intent and no unwritten note.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sync.store.plans import PlanBook
from sync.store.store import Store
from tests.support.crash_world import JOB_POINTS, SERVER_POINTS, Planned, World, scratch_folder

POINTS = (*(p for p in JOB_POINTS if p != "after_reply"), *SERVER_POINTS)
"""Every point these runs pass (they read no reply, so not ``after_reply``)."""
INVOICES = 2
DAY = date(2026, 11, 23)  # a Monday
NEXT_DAY = date(2026, 11, 24)
NOTE_POINTS = ("before_note", "after_note", "note_applied")


def seed(world: World, rng: random.Random, first: date) -> dict[str, int]:
    """Two invoices 12 to 20 days late, each on a plan whose first instalment is ``first``."""
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    store = Store(world.settings.state_url)
    book = PlanBook(store, world.settings.tenant)
    plans = {}
    try:
        for n in range(INVOICES):
            customer = world._add_customer(f"Customer {n} Ltd", [f"ap{n}@c{n}.example"], n == 1)
            number = f"INV-{n + 1:03d}"
            amount = Decimal(f"{rng.randint(500, 9000)}.{rng.randint(0, 99):02d}")
            due = DAY - timedelta(days=rng.randint(12, 20))
            world.ids[number] = world._add_invoice(number, customer, str(amount), due, hour_ago)
            third = (amount / 3).quantize(Decimal("0.01"))
            parts = (third, third, amount - 2 * third)
            schedule = tuple((first + timedelta(days=30 * i), a) for i, a in enumerate(parts))
            currency = "USD" if world.kind == "quickbooks" else "SAR"
            row = book.record(world.ids[number], number, currency, schedule, datetime.now(UTC))
            plans[number] = row.id
    finally:
        store.engine.dispose()
    return plans


def confirm_hit(point: str, kind: str, plan: list[Planned], rng: random.Random) -> int:
    if point == "after_plan" or (point in NOTE_POINTS and kind == "quickbooks"):
        return 1  # QuickBooks takes the run's notes in one batch
    return rng.randint(1, max(1, sum(1 for a in plan if a.stage == "plan_confirmed")))


def lapse_hit(point: str, rng: random.Random) -> int:
    """Armed before the run: each plan's end is noted before the planning, one by one."""
    if point == "after_plan":
        return 1
    # A note point's first hits are the plans' ends' (the finals' notes come after them,
    # and are swept with every reminder's in test_crash_sweep.py).
    return rng.randint(1, INVOICES)


@pytest.fixture
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="tahseel-plan-sweep-", dir=scratch_folder()))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("GMAIL_TOKEN", "XERO_TOKEN", "QUICKBOOKS_TOKEN", "TAHSEEL_FAILPOINTS"):
        monkeypatch.delenv(name, raising=False)


def ledger_text(world: World, number: str) -> str:
    """Every note on the invoice, as the ledger holds them."""
    if world.kind == "xero":
        return "\n".join(world.ledger.org.notes(world.ids[number]))
    return world.ledger.company.notes(world.ids[number]) or ""


def settled(world: World) -> None:
    store = Store(world.settings.state_url)
    try:
        assert not store.rows(world.settings.tenant, status="pending")
        assert not store.unnoted(world.settings.tenant)
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("kind", ["xero", "quickbooks"])
def test_a_kill_while_confirming_plans_leaves_one_confirmation_and_one_note(
    kind, point, scratch, clean_env, monkeypatch
):
    rng = random.Random(f"plans:{kind}:{point}")
    with World(scratch, kind, f"Plans {kind} {point}") as world:
        for name, value in world.credentials():
            monkeypatch.setenv(name, value)
        plans = seed(world, rng, DAY + timedelta(days=10))
        crash = world.crash(DAY, point, lambda plan: confirm_hit(point, kind, plan, rng))
        assert crash.plan is not None
        assert {(a.number, a.stage, a.cycle) for a in crash.plan} == {
            (n, "plan_confirmed", p) for n, p in plans.items()
        }
        assert crash.killed, f"the run was not killed at {point} #{crash.hit}"
        report = world.run(DAY)
        assert not report["errors"] and not report["aborted"], report
        later = world.run(NEXT_DAY)
        assert not later["sent"] and not later["errors"], later

        expected = Counter({(n, "plan_confirmed", str(p)): 1 for n, p in plans.items()})
        assert world.delivered() == expected, f"{point} #{crash.hit}"
        notes = world.notes()
        for number, plan_id in plans.items():
            key = world.note_key(number, "plan_confirmed", str(plan_id))
            assert notes[key] == 1, f"{point} #{crash.hit}: {number} notes {notes}"
        assert sum(notes.values()) == INVOICES, notes
        settled(world)


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("kind", ["xero", "quickbooks"])
def test_a_kill_while_plans_lapse_leaves_one_end_note_and_one_final_notice(
    kind, point, scratch, clean_env, monkeypatch
):
    rng = random.Random(f"lapse:{kind}:{point}")
    with World(scratch, kind, f"Lapse {kind} {point}") as world:
        for name, value in world.credentials():
            monkeypatch.setenv(name, value)
        # The first instalment was ten days ago (a Friday: chased on Sunday 15th), unpaid.
        plans = seed(world, rng, DAY - timedelta(days=10))
        crash = world.crash(DAY, point, lapse_hit(point, rng))
        assert crash.killed, f"the run was not killed at {point} #{crash.hit}"
        report = world.run(DAY)
        assert not report["errors"] and not report["aborted"], report
        later = world.run(NEXT_DAY)
        assert not later["sent"] and not later["errors"], later

        expected = Counter({(n, "final", "0"): 1 for n in plans})
        assert world.delivered() == expected, f"{point} #{crash.hit}"
        notes = world.notes()
        for number, plan_id in plans.items():
            for stage, cycle in (("plan_ended", plan_id), ("final", 0)):
                key = world.note_key(number, stage, str(cycle))
                assert notes[key] == 1, f"{point} #{crash.hit}: {number} {stage} notes {notes}"
        assert sum(notes.values()) == 2 * INVOICES, notes
        for number, plan_id in plans.items():  # the end's words, also when written late
            said = f"instalment plan ended (plan {plan_id}: instalment 1 of 3"
            assert ledger_text(world, number).count(said) == 1, ledger_text(world, number)
        settled(world)
        store = Store(world.settings.state_url)
        try:
            book = PlanBook(store, world.settings.tenant)
            assert [p.ended for p in book.plans()] == ["missed"] * INVOICES
        finally:
            store.engine.dispose()
