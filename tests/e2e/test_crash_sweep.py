"""The crash-point sweep: kill -9 a run at every named step, rerun, count what arrived.

Each trial seeds a random business on the Xero or the QuickBooks emulator, mailing
through the Gmail emulator: a random number of invoices, due on random rungs of the
ladder around a random business day. Some trials first run the day before and let
customers answer (a request for the invoice, a claim of payment, a promise with a
date) and pay.

The day's run is forked from this process and dies by SIGKILL at one named point, at
a random hit: a step of the job (``sync/run/faults.py``), a step of the ledger's token
persistence (``connectors/tokens.py``), or, on the emulators' side, right after Gmail
stored the sent message or the ledger stored the note (the client never heard). What
the day's run must do is its own plan, reported by the child as soon as it planned;
when the kill comes before planning, or among the replies' mail, a dry run says it
first. In a fifth of the trials the first rerun is killed too; then a rerun completes.
Then, per trial:

- every message Gmail holds is there once (per invoice, stage and cycle);
- every action of the plan, and every acknowledgement and notice the replies call for,
  is there (nothing missed, nothing extra);
- every customer message and escalation has its ledger note, each note once; a pause or
  snooze has one note; a notice to a person has none.

``TAHSEEL_SOAK=1`` runs 1,000 trials instead of 200 (``TAHSEEL_SWEEP_RUNS`` sets any
number); ``TAHSEEL_SWEEP_SEED`` runs another seed. A failure names the seed, trial,
point and hit; each trial draws from its own generator, so it replays alike.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync.replies.understanding import Intent, understand
from tests.support import postgres, tally
from tests.support.crash_world import (
    JOB_POINTS,
    REPLIES,
    SERVER_POINTS,
    TOKEN_POINTS,
    Outcome,
    Planned,
    World,
    scratch_folder,
    warm_up,
)

POINTS = (*JOB_POINTS, *TOKEN_POINTS, *SERVER_POINTS)
SOAK = os.environ.get("TAHSEEL_SOAK") == "1"
RUNS = int(os.environ.get("TAHSEEL_SWEEP_RUNS") or (1000 if SOAK else 200))
SEED = int(os.environ.get("TAHSEEL_SWEEP_SEED", "20261123"))
TODAY = date(2026, 11, 23)
HOLIDAYS = {date(2026, 12, 2), date(2027, 2, 22)}
BEFORE_PLAN = (*TOKEN_POINTS, "after_reply")
STORIES = 0.25
"""The share of trials that first run the day before, with replies and payments."""
AGAIN = 0.2
"""The share of trials whose first rerun is killed too, at one of ``AGAIN_POINTS``."""
AGAIN_POINTS = (*(p for p in JOB_POINTS if p != "after_reply"), *SERVER_POINTS)
SIZES = {"xero": (1, 5), "quickbooks": (1, 9)}
"""Invoices per trial: Xero's 60 calls a minute bound what one trial's runs may read."""


@dataclass
class Findings:
    """What one trial found wrong; empty lists when all is well."""

    duplicates: list[Any] = field(default_factory=list)
    missed: list[Any] = field(default_factory=list)
    extra: list[Any] = field(default_factory=list)
    notes_twice: list[str] = field(default_factory=list)
    notes_missing: list[Any] = field(default_factory=list)
    notes_extra: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(vars(self).values())


def business_day(rng: random.Random, around: date, spread: int) -> date:
    while True:
        day = around + timedelta(days=rng.randint(-spread, spread))
        if day.weekday() not in (4, 5) and day not in HOLIDAYS:
            return day


def day_before(day: date) -> date:
    before = day - timedelta(days=1)
    while before.weekday() in (4, 5) or before in HOLIDAYS:
        before -= timedelta(days=1)
    return before


def expected_mail(actions: list[Planned], answered: dict[str, str]) -> set[tuple[str, str, str]]:
    """What the day's run must deliver: the plan's emails and what the replies call for.

    An acknowledgement and a notice are keyed by the reply's row in the state store,
    which the test cannot know; they are compared without their cycle ("*").
    """
    wanted = {(a.number, a.stage, str(a.cycle)) for a in actions}  # escalation: its dossier
    for number, intent in answered.items():
        if intent == "promise_to_pay":
            wanted.add((number, "acknowledge", "*"))
        elif intent == "already_paid":
            wanted.add(("notice", number, "*"))
    return wanted


def loose(key: tuple[str, str, str]) -> tuple[str, str, str]:
    """A delivered key in the form ``expected_mail`` uses."""
    number, stage, _ = key
    if number == "notice":
        return ("notice", stage.removeprefix("Tahseel: ").split(",")[0], "*")
    if stage == "acknowledge":
        return (number, stage, "*")
    return key


def hits(point: str, actions: list[Planned], answered: dict[str, str], kind: str) -> int:
    """About how often a run reaches ``point``: the crash's hit is drawn up to this."""
    emails = len(actions)  # an escalation emails its dossier
    acks = sum(1 for i in answered.values() if i == "promise_to_pay")
    notices = sum(1 for i in answered.values() if i == "already_paid")
    holds = sum(1 for i in answered.values() if i != "invoice_not_received")
    notes = emails + acks + holds + (len(actions) - emails)
    if point in ("after_intent", "before_send", "after_send", "after_mark_sent"):
        return emails + acks
    if point == "gmail_accepted":
        return emails + acks + notices
    if point in ("before_note", "after_note", "note_applied"):
        # QuickBooks takes a run's reminder notes in one batch; holds are noted singly.
        return notes if kind == "xero" else acks + holds + (1 if actions else 0)
    if point == "after_reply":
        return len(answered)
    return 1


def trial(
    folder: Path, rng: random.Random, number: int, point: str, state_url: str | None = None
) -> tuple[Outcome, Outcome | None, Findings]:
    kind = rng.choice(("xero", "quickbooks"))
    with World(folder, kind, f"Trial {number} Trading", state_url) as world:
        for name, value in world.credentials():
            os.environ[name] = value
        day = business_day(rng, TODAY, 40)
        world.seed(rng, rng.randint(*SIZES[kind]), day)
        answered: dict[str, str] = {}
        if point == "after_reply" or rng.random() < STORIES:
            before = day_before(day)
            world.run(before)
            answered = world.reply(rng, before, share=1 if point == "after_reply" else 0.6)
            quiet = sorted(set(world.ids) - set(answered))
            for paid in rng.sample(quiet, k=len(quiet) // 4):
                world.pay(paid)
        # After planning, the run's own plan is the one a run without a crash makes, and
        # the kill can be armed then. A kill before planning, or among the replies' mail
        # (sent before planning), needs a dry run first to say what is due.
        actions = world.planned(day) if point in BEFORE_PLAN or answered else None
        world.write_ledger_token(expired=point in TOKEN_POINTS or rng.random() < 0.3)
        held = world.delivered()

        def hit(plan: list[Planned]) -> int:
            return rng.randint(1, max(1, hits(point, plan, answered, kind)))

        crash = world.crash(day, point, hit(actions) if actions is not None else hit)
        findings = Findings()
        if not crash.killed and crash.status != 0:
            findings.errors.append(f"the crashing run failed on its own (status {crash.status})")
        actions = actions if actions is not None else crash.plan
        if actions is None:
            findings.errors.append(f"killed at {point} before it planned")
            return crash, None, findings
        second = None
        if rng.random() < AGAIN:  # the first rerun dies too, while repairing
            second = world.crash(day, rng.choice(AGAIN_POINTS), rng.randint(1, 2))
            if not second.killed and second.status != 0:
                findings.errors.append(f"the second run failed on its own ({second.status})")
        report = world.run(day)
        if report["aborted"] or report["errors"]:
            findings.errors += [report["aborted"] or "", *report["errors"]]
        check(world, actions, answered, held, findings)
        return crash, second, findings


def check(
    world: World,
    actions: list[Planned],
    answered: dict[str, str],
    held: Counter[tuple[str, str, str]],
    found: Findings,
) -> None:
    delivered = world.delivered()
    found.duplicates = [k for k, n in delivered.items() if n > 1]
    today = {loose(k) for k in delivered if k not in held}
    wanted = expected_mail(actions, answered)
    found.missed = sorted(wanted - today)
    found.extra = sorted(today - wanted)
    notes = world.notes()
    found.notes_twice = [k for k, n in notes.items() if n > 1 or k.endswith(":unkeyed")]
    # A notice tells a person in the business; it is never written on the invoice.
    found.notes_extra = [k for k in notes if ":notice:" in k]
    customer = [k for k in delivered if k[0] != "notice" and k not in held]
    escalated = [(a.number, a.stage, str(a.cycle)) for a in actions]
    for number, stage, cycle in customer + [k for k in escalated if k[1] == "escalate"]:
        if stage != "acknowledge" and notes[world.note_key(number, stage, cycle)] != 1:
            found.notes_missing.append((number, stage, cycle))
    for number, intent in answered.items():
        hold = {"already_paid": "pause", "promise_to_pay": "snooze"}.get(intent)
        if hold is None:
            continue
        prefix = world.key_prefix(world.ids[number])
        count = sum(n for k, n in notes.items() if k.startswith(prefix) and f":{hold}:" in k)
        if count != 1:
            found.notes_missing.append((number, hold, count))
        if intent == "promise_to_pay":
            acks = sum(n for k, n in notes.items() if k.startswith(prefix) and ":acknowledge:" in k)
            if acks != 1:
                found.notes_missing.append((number, "acknowledge", acks))


def numbered_trial(
    work: tuple[Path, int, str, str | None],
) -> tuple[Outcome, Outcome | None, Findings]:
    """Trial ``number`` of the sweep, from its own generator (so it replays alike)."""
    scratch, number, point, state_url = work
    own = random.Random(f"{SEED}:{number}")
    return trial(scratch / f"t{number}", own, number, point, state_url)


@pytest.mark.parametrize("kind", ["xero", "quickbooks"])
def test_a_notice_gmail_took_just_before_a_kill_is_not_written_on_the_invoice(
    scratch, clean_env, kind
):
    # A notice tells a person that a customer replied; unlike the customer's mail it
    # leaves no note on the invoice. Settled after a crash, it used to: "Tahseel: notice."
    with World(scratch / kind, kind, "Notice Trading") as world:
        for name, value in world.credentials():
            os.environ[name] = value
        monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
        # Two customers: one reminder a customer a day (max_messages_per_customer_per_day).
        world.seed(random.Random(1), 2, tuesday, customers_count=2)
        world.run(monday)
        answered = world.reply(random.Random(3), monday, intents=("already_paid",), share=1)
        assert len(answered) == 2
        crash = world.crash(tuesday, "gmail_accepted", 1)  # replies come first: a notice
        assert crash.killed
        report = world.run(tuesday)
        assert report["reconciled"] == 1 and report["notices"] == 1
        notices = [k for k in world.delivered() if k[0] == "notice"]
        assert len(notices) == 2
        notes = world.notes()
        assert [k for k in notes if ":pause:" in k] and not [k for k in notes if ":notice:" in k]


def test_a_pause_note_written_again_after_a_kill_says_the_same_words(scratch, clean_env):
    # A pause's note says why ("the customer says it is paid (date)"). Written again
    # after a kill between the note and its mark, it must carry the same words under
    # the same key, or Xero refuses it (400: the key is live with another body). The
    # words used to come from the reply being handled, which the rerun no longer has.
    with World(scratch / "pause", "xero", "Pause Trading") as world:
        for name, value in world.credentials():
            os.environ[name] = value
        monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)
        world.seed(random.Random(1), 1, tuesday)
        world.run(monday)
        answered = world.reply(random.Random(3), monday, intents=("already_paid",), share=1)
        assert len(answered) == 1
        crash = world.crash(tuesday, "after_note", 1)  # replies come first: the pause
        assert crash.killed
        report = world.run(tuesday)
        assert not report["errors"] and not report["aborted"], report["errors"]
        (invoice_id,) = world.ids.values()
        pauses = [n for n in world.ledger.org.notes(invoice_id) if "paused" in n]
        assert len(pauses) == 1 and "the customer says it is paid" in pauses[0]
        assert world.ledger.org.idempotent.reused == 0


def test_the_reply_texts_mean_what_the_sweep_expects():
    for intent, text in REPLIES.items():
        meant = understand(text.format(promised="2026-12-10"), received=TODAY)
        assert meant.intent is Intent(intent), (intent, meant)


@pytest.fixture
def scratch(tmp_path):
    """Where the trials keep their files: in memory when the machine allows."""
    base = scratch_folder()
    if base is None:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="tahseel-sweep-", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clean_env(monkeypatch):
    """No token or fail point from the outside; the ledgers' client ids set per trial."""
    for name in ("GMAIL_TOKEN", "XERO_TOKEN", "QUICKBOOKS_TOKEN", "TAHSEEL_FAILPOINTS"):
        monkeypatch.delenv(name, raising=False)
    for prefix in ("XERO", "QUICKBOOKS"):
        monkeypatch.setenv(f"{prefix}_CLIENT_ID", "")
        monkeypatch.setenv(f"{prefix}_CLIENT_SECRET", "")


@dataclass
class Sweep:
    """Kills that happened and what the trials found, per crash point."""

    tried: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    again: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    missed: int = 0
    failures: list[Any] = field(default_factory=list)

    def run(
        self, scratch: Path, runs: int, state_url: str | None = None, *, workers: int = 1
    ) -> Sweep:
        """``runs`` trials, the crash points taken in shuffled rounds.

        With ``workers`` above one, trials run in that many processes forked from this
        one (each trial has its own emulators, folder and generator, so none sees
        another's); the findings are gathered here in trial order.
        """
        rng = random.Random(SEED)
        order = list(POINTS)
        points = []
        for number in range(runs):
            if number % len(order) == 0:
                rng.shuffle(order)
            points.append(order[number % len(order)])
        work = [(scratch, number, point, state_url) for number, point in enumerate(points)]
        if workers > 1:
            forked = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(workers, mp_context=forked) as pool:
                results = list(pool.map(numbered_trial, work))
        else:
            results = [numbered_trial(one) for one in work]
        for (_, number, point, _), (crash, second, found) in zip(work, results, strict=True):
            self.tried[point] += 1
            self.kills[point] += crash.killed
            if second is not None and second.killed and second.point:
                self.again[second.point] += 1
            self.duplicates += len(found.duplicates)
            self.missed += len(found.missed)
            if found:
                self.failures.append((f"seed {SEED} trial {number}", point, crash.hit, found))
        tally.record(
            "crash sweep",
            crash_points=[p for p in POINTS if self.kills[p] or self.again[p]],
            runs=runs,
            duplicates=self.duplicates,
            missed=self.missed,
        )
        return self

    def check(self, share: float) -> None:
        """Nothing found, and at least ``share`` of each point's runs really killed."""
        assert not self.failures, self.failures[:5]
        for point in POINTS:
            assert self.kills[point] >= self.tried[point] * share, (point, self.kills, self.tried)


def test_a_kill_at_any_step_then_a_rerun_delivers_and_notes_each_reminder_once(scratch, clean_env):
    warm_up(scratch / "warm")
    sweep = Sweep().run(scratch, RUNS, workers=min(4, len(os.sched_getaffinity(0))))
    sweep.check(share=0.8)
    assert sum(sweep.kills.values()) >= RUNS * 0.9, sweep.kills
    assert sum(sweep.again.values()) >= RUNS * AGAIN / 3, sweep.again


def test_the_sweep_holds_on_a_postgresql_state_store(scratch, clean_env, pg_server):
    if pg_server is None:
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    # Every trial's business is a tenant of its own, so they share one database.
    url = postgres.fresh_database(pg_server, "crash_sweep")
    warm_up(scratch / "warm")
    Sweep().run(scratch, len(POINTS), state_url=url).check(share=1.0)
