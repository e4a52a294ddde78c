"""Whole runs under random faults on Xero, QuickBooks and Gmail at once.

Each round starts the three emulators and two businesses that share one Gmail
mailbox: one chases its invoices in Xero, the other in QuickBooks. Both run side by
side, as an accounting firm's runner does, while every API answers at random (from
the round's seed) with 429s carrying Retry-After, 500s and 503s, timeouts, and
connections dropped before or after the server carried the request out. Then the
faults stop and the runs are repeated until they finish.

What must hold: the clients never made the emulators refuse a call for a limit; no
reminder was delivered twice and no note written twice; a run that left work undone
said so (aborted, or an error naming the invoice); and the fault-free reruns deliver
every due reminder exactly once, each with exactly one note.

Time is scaled: a minute of the ledgers' limit windows passes in 3 s and the ledgers
allow 12 calls a minute (in the emulators and the clients alike), so a run must pace
itself, while waiting out a Retry-After costs little; a minute passes between runs, as
between cron runs. Gmail's per-second quota is three times larger in the emulator and
in the client's budget alike. Every third round is a storm, in which retries run out
and runs end with errors or abort.

``TAHSEEL_SOAK=1`` runs 60 rounds instead of 4.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.limits import ScaledClock
from connectors.quickbooks.mapping import note_lines
from mailer.gmail.api import QuotaBudget, RetryPolicy
from mailer.gmail.auth import load_token
from mailer.gmail.transport import GmailTransport
from sync.config.loader import load_settings
from sync.run.job import Job
from sync.run.outcome import RunReport
from sync.run.wiring import build_renderer
from sync.store.store import Store
from tests.emulators.gmail import GmailEmulator
from tests.emulators.quickbooks import QuickBooksEmulator
from tests.emulators.quickbooks import ledger_for as quickbooks_ledger
from tests.emulators.quickbooks import token_file_for as quickbooks_token
from tests.emulators.xero import XeroEmulator
from tests.emulators.xero import ledger_for as xero_ledger
from tests.emulators.xero import token_file_for as xero_token
from tests.support import tally

SOAK = os.environ.get("TAHSEEL_SOAK") == "1"
SEEDS = range(60 if SOAK else 4)
ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
NOW = datetime.combine(ANCHOR, time(8, 0), tzinfo=ZoneInfo("Asia/Riyadh"))
SENDER = "accounts@nakheel.example"
PER_LEDGER = 6
PER_MINUTE = 12
"""Calls a minute each ledger allows here (Xero allows 60, QuickBooks 500): low enough
that a run must pace itself, in the emulators and the ledgers alike."""
CLOCK_FACTOR = 20
"""The ledgers' limit windows run this many times faster than real time."""
GMAIL_SCALE = 3
"""Gmail's quota runs this many times faster, in the emulator and the client alike."""
CHAOS_RUNS = 2
CLEAN_RUNS = 3
parse = BytesParser(policy=policy.default).parsebytes

STAGES = """\
policy:
  min_days_between: 1
  minimum_amount: {SAR: 10, USD: 5}
  stages:
    - {name: courtesy, offset_days: -3}
    - {name: due, offset_days: 0}
    - {name: overdue, offset_days: 1}
    - {name: weekly, offset_days: 8, repeat_every_days: 7, repeat_limit: 2}
    - {name: final, offset_days: 30, attach_pdf: true}
"""


def config(folder: Path, business: str, ledger: str, gmail: GmailEmulator) -> Path:
    """A live configuration for one business on the given ledger and the shared Gmail."""
    folder.mkdir(parents=True)
    text = (
        f"mode: live\nbusiness: {{name: {business}, timezone: Asia/Riyadh}}\n{ledger}"
        f"sender: {{name: Accounts, email: {SENDER}}}\n"
        f"mailbox:\n  type: gmail\n  token_file: gmail-token.json\n"
        f"  api_url: {gmail.base_url}\n  token_uri: {gmail.token_uri}\n"
        "state: {url: 'sqlite:///state.db'}\n"
        "calendar:\n  weekend: [friday, saturday]\n"
        "  send_window: {start: '08:00', end: '18:00'}\n" + STAGES
    )
    path = folder / "tahseel.yaml"
    path.write_text(text, encoding="utf-8")
    token = {
        "token": "access-1",
        "refresh_token": "refresh-1",
        "client_id": "tahseel-tests",
        "client_secret": "not-a-secret",
        "expiry": (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    (folder / "gmail-token.json").write_text(json.dumps(token), encoding="utf-8")
    return path


class RunClock(ScaledClock):
    """A scaled clock that can skip ahead, as the minutes between two cron runs pass."""

    def __init__(self, factor: float) -> None:
        super().__init__(factor)
        self.skipped = 0.0

    def now(self) -> float:
        """Scaled seconds, skips included."""
        return super().now() + self.skipped

    def skip(self, seconds: float) -> None:
        """Let ``seconds`` pass at once."""
        self.skipped += seconds


@dataclass
class Business:
    """One business of the round: its config, its ledger's emulator and what is due."""

    name: str
    path: Path
    kind: str  # "xero" or "quickbooks"
    emulator: Any
    due: set[str] = field(default_factory=set)
    reports: list[RunReport] = field(default_factory=list)


@dataclass
class Round:
    """The three emulators of one seed and the two businesses using them."""

    seed: int
    rng: random.Random
    clock: RunClock
    xero: XeroEmulator
    quickbooks: QuickBooksEmulator
    gmail: GmailEmulator
    businesses: list[Business]
    # Gmail's quota, scaled, over a one-second window on both sides. The emulator counts
    # units when requests arrive, a few milliseconds after the budget let them go, and
    # on a loaded machine those milliseconds vary: 200 of the emulator's 250 leaves
    # room for a third of a second of such jitter, so an overrun is the client's fault.
    budget: QuotaBudget = field(default_factory=lambda: QuotaBudget(200 * GMAIL_SCALE, window=1.0))


def _seed_invoices(rng: random.Random, add: Any) -> set[str]:
    """Add PER_LEDGER invoices at random offsets from today; return the numbers due now.

    Every invoice due within the courtesy window or before has a rung due on a first
    run; those further out wait. Amounts and currencies vary; one in six has a PDF rung.
    """
    due = set()
    for n in range(PER_LEDGER):
        offset = rng.choice([5, 3, 2, 0, -1, -4, -9, -31, -60])
        amount = Decimal(rng.randint(50, 90_000)) / 4
        number = add(n, ANCHOR + timedelta(days=offset), amount, rng.choice(["SAR", "USD"]))
        if offset <= 3:
            due.add(number)
    return due


@pytest.fixture
def chaos_round(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch) -> Iterator[Round]:  # type: ignore[no-untyped-def]
    seed = request.param
    rng = random.Random(seed)
    clock = RunClock(factor=CLOCK_FACTOR)
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with (
        XeroEmulator(clock=clock.now, seed=seed, timeout_delay=0.3, per_minute=PER_MINUTE) as xero,
        QuickBooksEmulator(
            clock=clock.now, seed=seed, timeout_delay=0.3, per_minute=PER_MINUTE
        ) as quickbooks,
        GmailEmulator(SENDER, units_per_second=250 * GMAIL_SCALE, hang_seconds=0.4) as gmail,
    ):
        monkeypatch.setenv("XERO_CLIENT_ID", xero.identity.client_id)
        monkeypatch.setenv("XERO_CLIENT_SECRET", xero.identity.client_secret)
        monkeypatch.setenv("QUICKBOOKS_CLIENT_ID", quickbooks.identity.client_id)
        monkeypatch.setenv("QUICKBOOKS_CLIENT_SECRET", quickbooks.identity.client_secret)

        org = xero.org

        # A customer an invoice: the oracle expects each due invoice's reminder the day it
        # is due, and one customer gets one reminder a day (the policy's cap).
        def add_xero(n: int, due_date: date, amount: Decimal, currency: str) -> str:
            number = f"X-{n:03d}"
            arabic = ("Arabic",) * (n % 2)
            contact = org.add_contact(f"Xero Customer {n}", f"ap{n}@x{n}.example", groups=arabic)
            org.add_invoice(
                number, contact, amount, currency=currency, due_date=due_date, updated=hour_ago
            )
            return number

        company = quickbooks.company

        def add_qbo(n: int, due_date: date, amount: Decimal, currency: str) -> str:
            number = f"Q-{n:03d}"
            who = company.add_customer(f"QBO Customer {n}", f"ap{n}@q{n}.example")
            company.add_invoice(
                number, who, amount, due=due_date, updated=hour_ago, currency=currency
            )
            return number

        xero_block = (
            "ledger:\n  type: xero\n  token_file: xero-token.json\n  arabic_group: Arabic\n"
            f"  api_url: {xero.api_url}\n  identity_url: {xero.base_url}\n"
            f"  connections_url: {xero.base_url}\n"
        )
        qbo_block = (
            "ledger:\n  type: quickbooks\n  token_file: qbo-token.json\n"
            f"  api_url: {quickbooks.api_url}\n  discovery_url: {quickbooks.discovery_url}\n"
        )
        on_xero = Business(
            "Xero Trading", config(tmp_path / "x", "Xero Trading", xero_block, gmail), "xero", xero
        )
        on_qbo = Business(
            "Books Trading",
            config(tmp_path / "q", "Books Trading", qbo_block, gmail),
            "quickbooks",
            quickbooks,
        )
        xero_token(xero, on_xero.path.parent / "xero-token.json")
        quickbooks_token(quickbooks, on_qbo.path.parent / "qbo-token.json")
        on_xero.due = _seed_invoices(rng, add_xero)
        on_qbo.due = _seed_invoices(rng, add_qbo)
        yield Round(seed, rng, clock, xero, quickbooks, gmail, [on_xero, on_qbo])


def _job(chaos: Round, business: Business) -> Job:
    """A Job wired like ``tahseel run``, with the ledger's clock shared with its emulator."""
    settings = load_settings(business.path)
    folder = business.path.parent
    scaled = {
        "clock": chaos.clock.now,
        "sleep": chaos.clock.sleep,
        "timeout": 0.2,
        "per_minute": PER_MINUTE,
    }
    if business.kind == "xero":
        ledger: Any = xero_ledger(
            chaos.xero,
            folder,
            token_file=folder / "xero-token.json",
            arabic_group="Arabic",
            **scaled,
        )
    else:
        ledger = quickbooks_ledger(
            chaos.quickbooks, folder, token_file=folder / "qbo-token.json", **scaled
        )
    token = folder / "gmail-token.json"
    transport = GmailTransport(
        credentials=load_token(token, token_uri=chaos.gmail.token_uri),
        token_file=token,
        address=SENDER,
        base_url=chaos.gmail.base_url,
        timeout=0.25,
        budget=chaos.budget,  # one mailbox, one quota, whichever business sends
        retry=RetryPolicy(attempts=4, max_seconds=2.0, initial_wait=0.01, max_wait=0.05),
    )
    return Job(
        settings,
        ledger,
        transport,
        Store(settings.state_url),
        build_renderer(settings),
        NOW,
        started_at=datetime.now(UTC),
    )


def _run_side_by_side(chaos: Round) -> None:
    """One run of each business, at the same time, each report kept with its business.

    A minute passes before the runs start, as between two runs from cron: each run's
    ledger starts with an empty limiter, not knowing the calls an earlier one made.
    """
    chaos.clock.skip(61)
    failures: list[BaseException] = []

    def one(business: Business) -> None:
        try:
            business.reports.append(_job(chaos, business).run())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=one, args=(b,)) for b in chaos.businesses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _delivered(chaos: Round) -> Counter[tuple[str, str, str]]:
    """Messages in the mailbox's Sent, by (invoice, stage, cycle)."""
    keys: Counter[tuple[str, str, str]] = Counter()
    for stored in chaos.gmail.sent():
        message = parse(stored.raw)
        keys[
            (message["X-Tahseel-Invoice"], message["X-Tahseel-Stage"], message["X-Tahseel-Cycle"])
        ] += 1
    return keys


def _notes(chaos: Round) -> Counter[tuple[str, str]]:
    """Tahseel's notes in both ledgers, by (invoice number, note text or key)."""
    found: Counter[tuple[str, str]] = Counter()
    for record in chaos.xero.org.invoices.values():
        for text in chaos.xero.org.notes(record.invoice_id):
            found[(record.number, text)] += 1
    for record in chaos.quickbooks.company.invoices.values():
        for key, _ in note_lines(chaos.quickbooks.company.notes(record.id)):
            found[(record.number, key)] += 1
    return found


def _limit_violations(chaos: Round) -> int:
    """Calls an emulator refused (or would have) because the client passed a limit."""
    xero, qbo = chaos.xero, chaos.quickbooks
    over = sum(xero.limit_429s.values()) + sum(qbo.limit_429s.values())
    over += chaos.gmail.quota_rejections
    over += max(0, xero.max_in_flight - 5) + max(0, xero.max_per_minute - PER_MINUTE)
    over += max(0, qbo.max_in_flight - 10) + max(0, qbo.max_per_minute - PER_MINUTE)
    return over


def _unreported(business: Business, report: RunReport, delivered: set[str]) -> list[str]:
    """Due invoices this run left undone without saying so (empty for an aborted run)."""
    if report.aborted:
        return []
    said = " ".join([*report.errors, *report.problems, *(f"{n} {r}" for n, r in report.skipped)])
    return sorted(n for n in business.due - delivered if n not in said)


def _inject(chaos: Round) -> None:
    """Switch on random faults on all three APIs; some rounds are storms."""
    rng, seed = chaos.rng, chaos.seed
    scale = (0.5, 1.0, 5.0)[seed % 3]
    for emulator in (chaos.xero, chaos.quickbooks):
        wait = {"retry_after": rng.randint(1, 10)} if emulator is chaos.xero else {}
        emulator.fail("429", probability=0.05 * scale, **wait)
        emulator.fail("500", probability=0.03 * scale)
        emulator.fail("503", probability=0.03 * scale)
        emulator.fail("timeout", probability=0.02 * scale)
        emulator.fail("drop", probability=0.02 * scale)
        emulator.fail("drop", probability=0.03 * scale, act_first=True)
        emulator.fail("500", probability=0.02 * scale, act_first=True)
    chaos.gmail.chaos(min(0.5, 0.1 * scale), seed=seed)
    # However mild the round, each API fails at least once: one of its first calls,
    # and Gmail's first send, which goes out and then loses its answer.
    for emulator in (chaos.xero, chaos.quickbooks):
        kind = rng.choice(["429", "500", "503", "timeout", "drop"])
        acted = kind != "429" and rng.random() < 0.5
        emulator.fail(kind, at={rng.randint(1, 6)}, act_first=acted)
    chaos.gmail.inject("drafts.send", rng.choice(["drop", "500", "hang"]), act_first=True)


def _calm(chaos: Round) -> None:
    chaos.xero.faults.clear()
    chaos.quickbooks.faults.clear()
    chaos.gmail.chaos(0, seed=0)


@pytest.mark.parametrize("chaos_round", SEEDS, indirect=True)
def test_runs_under_random_faults_on_all_three_apis(chaos_round: Round) -> None:
    chaos = chaos_round
    _inject(chaos)
    unreported: list[str] = []
    for _ in range(CHAOS_RUNS):
        _run_side_by_side(chaos)
        delivered = {key[0] for key in _delivered(chaos)}
        for business in chaos.businesses:
            unreported += _unreported(business, business.reports[-1], delivered)
    injected = (
        sum(chaos.xero.injected.values())
        + sum(chaos.quickbooks.injected.values())
        + sum(chaos.gmail.injected.values())
    )
    duplicates_under_faults = sum(n - 1 for n in _delivered(chaos).values() if n > 1)

    _calm(chaos)
    for _ in range(CLEAN_RUNS):
        _run_side_by_side(chaos)
        if all(b.reports[-1].exit_code == 0 for b in chaos.businesses):
            break
    final = {b.name: b.reports[-1] for b in chaos.businesses}

    delivered_keys = _delivered(chaos)
    duplicates = sum(n - 1 for n in delivered_keys.values() if n > 1)
    due = set().union(*(b.due for b in chaos.businesses))
    by_invoice = Counter(key[0] for key in delivered_keys)
    missed = sorted(n for n in due if by_invoice[n] == 0)
    extra = sorted(n for n in by_invoice if n not in due)
    notes = _notes(chaos)
    double_notes = sum(n - 1 for n in notes.values() if n > 1)
    noted = Counter(number for number, _ in notes)
    unnoted = sorted(n for n in by_invoice if noted[n] != by_invoice[n])
    violations = _limit_violations(chaos)
    runs = sum(len(b.reports) for b in chaos.businesses)
    tally.record(
        "chaos",
        runs=runs,
        duplicates=duplicates + double_notes,
        missed=len(missed) + len(unreported),
        limit_violations=violations,
    )

    assert injected > 0, "the round injected no fault"
    assert duplicates_under_faults == duplicates == 0, delivered_keys
    assert double_notes == 0, notes
    assert violations == 0, {
        "xero": (chaos.xero.limit_429s, chaos.xero.max_in_flight, chaos.xero.max_per_minute),
        "quickbooks": (
            chaos.quickbooks.limit_429s,
            chaos.quickbooks.max_in_flight,
            chaos.quickbooks.max_per_minute,
        ),
        "gmail quota": chaos.gmail.quota_rejections,
    }
    assert unreported == [], "a run left these undone without saying so"
    assert missed == [] and extra == [], (missed, extra)
    assert unnoted == [], (unnoted, notes)
    for name, report in final.items():
        assert report.exit_code == 0, (name, report.to_dict())
    _run_side_by_side(chaos)
    assert all(b.reports[-1].emails == 0 for b in chaos.businesses), "nothing left to send"


def test_a_mailbox_failing_at_the_start_ends_the_run_with_a_report(gmail) -> None:  # type: ignore[no-untyped-def]
    """The first question a run asks Gmail fails: a report says so, and nothing is lost.

    Found by the soak (seed 47): the check whether the mailbox already holds Tahseel's
    mail raised out of ``Job.run``, so ``tahseel run --json`` printed no report.
    """
    from typer.testing import CliRunner

    from sync.cli import app

    emulator, folder = gmail
    emulator.revoked = True  # refused at once; a 5xx would be retried for seconds first
    args = ["run", "--json", "--today", ANCHOR.isoformat(), "-c", str(folder / "tahseel.yaml")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 4, result.output
    report = json.loads(result.output)
    assert "gmail messages.list" in report["aborted"] and report["emails"] == 0
    assert emulator.sent() == []
    emulator.revoked = False
    # No run is on record, so the next one is still a first run: it asks the mailbox
    # about every message before sending it (tests/e2e/test_gmail_run.py runs that).
    settings = load_settings(folder / "tahseel.yaml")
    assert Store(settings.state_url).last_runs(settings.tenant) == []
