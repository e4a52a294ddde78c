"""The crash sweep over an escalation: kill -9 the run at every step, rerun, count dossiers.

Each trial seeds two late invoices on the Xero or the QuickBooks emulator, mailing
through the Gmail emulator, with a ladder that escalates the day after the overdue
reminder (``tests/support/escalation_world.py``). The first day's run sends the
reminders; the second day's run, which escalates both, is forked and dies by
SIGKILL at one named point, at a random hit: a step of the job (``sync/run/faults.py``),
or, on the emulators' side, right after Gmail stored the dossier or the ledger stored
the note. Then a rerun completes, and a run the day after does nothing more. Per trial:

- every escalated invoice's dossier is in Gmail's Sent folder exactly once, addressed
  to ``escalation.to``, with the invoice's PDF and the demand letter;
- its ledger note is there exactly once;
- no run reports an error, and the state store holds no unsettled intent.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest

from sync.store.store import Store
from tests.support.crash_world import JOB_POINTS, SERVER_POINTS, Planned, scratch_folder
from tests.support.escalation_world import AGENCY, FIRST, SECOND, EscalationWorld

POINTS = (*(p for p in JOB_POINTS if p != "after_reply"), *SERVER_POINTS)
"""Every point an escalating run passes (it reads no reply, so not ``after_reply``)."""
INVOICES = 2
NEXT_DAY = SECOND.replace(day=SECOND.day + 1)


def hits(point: str, kind: str, plan: list[Planned]) -> int:
    """How often the escalating run reaches ``point``: the kill's hit is drawn up to this."""
    escalations = sum(1 for a in plan if a.action == "escalate")
    if point in ("before_note", "after_note", "note_applied") and kind == "quickbooks":
        return 1  # QuickBooks takes the run's notes in one batch
    if point == "after_plan":
        return 1
    return max(1, escalations)


@pytest.fixture
def scratch():
    folder = Path(tempfile.mkdtemp(prefix="tahseel-dossier-sweep-", dir=scratch_folder()))
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
def test_a_kill_at_any_step_of_an_escalation_leaves_one_dossier_and_one_note(
    kind, point, scratch, clean_env, monkeypatch
):
    rng = random.Random(f"dossier:{kind}:{point}")
    with EscalationWorld(scratch, kind, f"Sweep {kind} {point}") as world:
        for name, value in world.credentials():
            monkeypatch.setenv(name, value)
        numbers = world.seed_late(INVOICES, rng)
        first = world.run(FIRST)
        assert first["sent"] == {"overdue": INVOICES} and not first["errors"], first
        held = len(world.gmail.sent())

        crash = world.crash(SECOND, point, lambda plan: rng.randint(1, hits(point, kind, plan)))
        assert crash.plan is not None and len(crash.plan) == INVOICES, crash.plan
        assert {a.action for a in crash.plan} == {"escalate"}
        assert crash.killed, f"the run was not killed at {point} #{crash.hit}"

        report = world.run(SECOND)
        assert not report["errors"] and not report["aborted"], report
        later = world.run(NEXT_DAY)
        assert later["escalations"] == 0 and not later["errors"], later

        found = Counter(str(m["X-Tahseel-Dossier"]) for m in world.dossiers())
        assert found == Counter(numbers), f"{point} #{crash.hit}: dossiers {found}"
        assert len(world.gmail.sent()) == held + INVOICES  # nothing else went out
        for message in world.dossiers():
            assert [a.addr_spec for a in message["To"].addresses] == [AGENCY]
            assert len(list(message.iter_attachments())) == 2
        notes = {n: world.escalation_notes(n) for n in numbers}
        assert notes == dict.fromkeys(numbers, 1), f"{point} #{crash.hit}: notes {notes}"
        store = Store(world.settings.state_url)
        try:
            assert not store.rows(world.settings.tenant, status="pending")
            assert not store.unnoted(world.settings.tenant)
        finally:
            store.engine.dispose()
