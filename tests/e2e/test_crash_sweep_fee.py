"""The late fee's crash sweep: kill -9 a run at every step around the fee, rerun, count.

Each trial seeds a random business on the Xero or the QuickBooks emulator (mailing
through the Gmail emulator) whose policy charges a late fee at the ``final`` stage
(30 days late), with one to three invoices reaching that stage on the day among
others on other rungs. The day's run dies by SIGKILL at one step: a step of the job
(``sync/run/faults.py``: the fee row's claim is an ``after_intent``, its create is
followed by ``after_send``, its mark by ``after_mark_sent``, its note by the note
points; the final email then takes the same points), or on the ledger's side right
after it stored a note. The hit is drawn over the steps the fees and their emails
take. Then a rerun completes, and a run a week later (the stage does not come again,
and ``once`` holds). Per trial:

- every invoice at the final stage has exactly one fee invoice in the ledger, to its
  customer, in its currency, for the policy's amount, naming it;
- its final email went once and states the fee with the fee invoice's number;
- the late invoice carries the fee's note once.

``TAHSEEL_SWEEP_RUNS`` sets the number of trials (16 by default);
``TAHSEEL_SWEEP_SEED`` runs another seed. A failure names the seed, trial and point.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from connectors.quickbooks import mapping as qb_mapping
from tests.support import tally
from tests.support.crash_world import JOB_POINTS, World, scratch_folder

POINTS = (*(p for p in JOB_POINTS if p != "after_reply"), "note_applied")
RUNS = int(os.environ.get("TAHSEEL_SWEEP_RUNS") or 16)
SEED = int(os.environ.get("TAHSEEL_SWEEP_SEED", "20261207"))
TODAY = date(2026, 11, 23)  # a Monday in Riyadh
FEE = Decimal("25.00")
_parse = BytesParser(policy=policy.default).parsebytes


class FeeWorld(World):
    """A crash world whose policy charges a late fee of 25 USD at ``final``.

    The ladder is the sweep's without ``overdue`` and ``weekly``, so an invoice first
    reminded 30 days late gets ``final`` at once (the planner climbs one rung a run).
    """

    def _config_text(self) -> str:
        text = super()._config_text()
        text = re.sub(r"    - \{name: (overdue|weekly),.*\n", "", text)
        setting = 'fee_account_code: "260"' if self.kind == "xero" else 'fee_item_id: "21"'
        text = text.replace(
            "  token_file: ledger-token.json\n", f"  token_file: ledger-token.json\n  {setting}\n"
        )
        fee = "  late_fee: {amount: 25, currency: USD, after_days: 30, once: true, stage: final}\n"
        return text.replace(
            "  thank_you: {enabled: true}\n", fee + "  thank_you: {enabled: true}\n"
        )

    def add_late(
        self, rng: random.Random, day: date, count: int, *, late: int = 30, prefix: str = "LATE"
    ) -> list[str]:
        """``count`` invoices ``late`` days late on ``day`` (30: their final stage)."""
        numbers = []
        for n in range(count):
            number = f"{prefix}-{n + 1:02d}"
            name, email = f"{prefix} Customer {n}", f"{prefix.lower()}{n}@customer.example"
            customer = (
                self.ledger.org.add_contact(name, email)
                if self.kind == "xero"
                else self.ledger.company.add_customer(name, email)
            )
            amount = f"{rng.randint(100, 9000)}.00"
            self.ids[number] = self._add_invoice(
                number, str(customer), amount, day - timedelta(days=late), self._hour_ago()
            )
            numbers.append(number)
        return numbers

    @staticmethod
    def _hour_ago() -> Any:
        from datetime import UTC, datetime

        return datetime.now(UTC) - timedelta(hours=1)

    def fees(self) -> list[tuple[str, str, str, Decimal, str]]:
        """Every fee invoice in the ledger: (number, customer id, currency, total, names)."""
        if self.kind == "xero":
            org = self.ledger.org
            with org.lock:
                return [
                    (r.number, r.contact_id, r.currency, r.total, r.reference or "")
                    for r in org.invoices.values()
                    if (r.reference or "").startswith("Late fee ")
                ]
        company = self.ledger.company
        with company.lock:
            return [
                (r.number, r.customer_id, r.currency, r.total, r.private_note or "")
                for r in company.invoices.values()
                if r.number.startswith("FEE-")
            ]

    def customer_of(self, number: str) -> str:
        invoice_id = self.ids[number]
        if self.kind == "xero":
            return str(self.ledger.org.invoices[invoice_id].contact_id)
        return str(self.ledger.company.invoices[invoice_id].customer_id)

    def notes_on_fee(self, fee_number: str) -> int:
        """The notes on fee invoice ``fee_number`` naming its late invoice.

        Xero: history notes; QuickBooks writes it in the fee's PrivateNote as it is made.
        """
        if self.kind == "quickbooks":
            return 1
        org = self.ledger.org
        (fee_id,) = [i for i, r in org.invoices.items() if r.number == fee_number]
        return sum(1 for text in org.notes(fee_id) if "late fee on invoice" in text)

    def fee_notes(self, number: str) -> int:
        """The late fee's notes on invoice ``number``, by their words (under any key)."""
        invoice_id = self.ids[number]
        if self.kind == "xero":
            texts = self.ledger.org.notes(invoice_id)
        else:
            note = self.ledger.company.notes(invoice_id)
            texts = [text for _, text in qb_mapping.note_lines(note)]
        return sum(1 for text in texts if "late fee invoiced" in text)

    def final_mail(self, number: str) -> list[str]:
        """The plain text of every final email about ``number`` in Gmail's Sent folder."""
        texts = []
        for stored in self.gmail.sent():
            if (stored.header("X-Tahseel-Invoice"), stored.header("X-Tahseel-Stage")) == (
                number,
                "final",
            ):
                texts.append(_parse(stored.raw).get_body(("plain",)).get_content())
        return texts


@dataclass
class Findings:
    fees: list[Any] = field(default_factory=list)
    mail: list[Any] = field(default_factory=list)
    notes: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(vars(self).values())


def trial(folder: Path, rng: random.Random, number: int, point: str) -> tuple[bool, Findings]:
    kind = rng.choice(("xero", "quickbooks"))
    found = Findings()
    with FeeWorld(folder, kind, f"Fee Trial {number} Trading") as world:
        for name, value in world.credentials():
            os.environ[name] = value
        # Others wait for a later rung today: every hit of a step is a late invoice's.
        for n, days in enumerate(rng.sample((5, 12, 20), k=rng.randint(0, 2))):
            world.add_late(rng, TODAY, 1, late=days, prefix=f"OTHER{n}")
        late = world.add_late(rng, TODAY, rng.randint(1, 3))
        world.write_ledger_token(expired=rng.random() < 0.3)
        crash = world.crash(TODAY, point, hit(rng, point, kind, len(late)))
        if not crash.killed and crash.status != 0:
            found.errors.append(f"the crashing run failed on its own (status {crash.status})")
        for day in (TODAY, TODAY + timedelta(days=7)):
            report = world.run(day)
            if report["aborted"] or report["errors"]:
                found.errors += [report["aborted"] or "", *report["errors"]]
        check(world, late, found)
        return crash.killed, found


def hit(rng: random.Random, point: str, kind: str, late: int) -> int:
    """Which time the run dies at ``point``: one it reaches for sure.

    Each late invoice passes every step twice, for its fee and for its final email;
    QuickBooks takes the run's notes in one batch at the end, and a run plans once.
    """
    notes = ("before_note", "after_note", "note_applied")
    if point == "after_plan" or (kind == "quickbooks" and point in notes):
        return 1
    return rng.randint(1, 2 * late)


def check(world: FeeWorld, late: list[str], found: Findings) -> None:
    fees = world.fees()
    for number in late:
        mine = [f for f in fees if number in f[4] or f[0] == f"FEE-{number}"]
        if len(mine) != 1:
            found.fees.append((number, "fee invoices", len(mine)))
            continue
        fee_number, customer, currency, total, _ = mine[0]
        if (customer, currency, total) != (world.customer_of(number), "USD", FEE):
            found.fees.append((number, customer, currency, total))
        mail = world.final_mail(number)
        if len(mail) != 1:
            found.mail.append((number, "final emails", len(mail)))
        elif not re.search(rf"\b{re.escape(fee_number)}\b", mail[0]) or "25.00" not in mail[0]:
            found.mail.append((number, "the final email does not state the fee", fee_number))
        if world.notes_on_fee(fee_number) != 1:
            found.notes.append((fee_number, "notes on the fee", world.notes_on_fee(fee_number)))
        held = world.fee_notes(number)
        if held != 1:
            found.notes.append((number, "fee notes", held))
    strays = [f for f in fees if not any(n in f[4] or f[0] == f"FEE-{n}" for n in late)]
    if strays:
        found.fees.append(("fees for invoices not at the fee's stage", strays))


def test_a_kill_at_any_step_around_the_fee_then_a_rerun_creates_it_once(scratch, clean_env):
    rng = random.Random(SEED)
    order = list(POINTS)
    kills: Counter[str] = Counter()
    tried: Counter[str] = Counter()
    failures = []
    for number in range(RUNS):
        if number % len(order) == 0:
            rng.shuffle(order)
        point = order[number % len(order)]
        own = random.Random(f"{SEED}:{number}")
        killed, found = trial(scratch / f"t{number}", own, number, point)
        tried[point] += 1
        kills[point] += killed
        if found:
            failures.append((f"seed {SEED} trial {number}", point, found))
    tally.record("crash sweep (late fee)", crash_points=sorted(kills), runs=RUNS)
    assert not failures, failures[:5]
    assert sum(kills.values()) >= RUNS * 0.9, (kills, tried)


def test_the_second_run_at_the_stage_states_the_fee_without_a_second_one(scratch, clean_env):
    # The final stage repeated (or a rerun after the fee was made but before the email
    # went) finds the fee row done: it states that fee, and creates none.
    with FeeWorld(scratch / "again", "xero", "Again Trading") as world:
        for name, value in world.credentials():
            os.environ[name] = value
        (number,) = world.add_late(random.Random(2), TODAY, 1)
        crash = world.crash(TODAY, "after_mark_sent", 1)  # the fee is marked; no email yet
        assert crash.killed and len(world.fees()) == 1 and world.final_mail(number) == []
        report = world.run(TODAY)
        assert report["late_fees"] == 0 and not report["errors"], report
        (mail,) = world.final_mail(number)
        assert world.fees()[0][0] in mail and len(world.fees()) == 1


@pytest.fixture
def scratch(tmp_path):
    base = scratch_folder()
    if base is None:
        yield tmp_path
        return
    folder = Path(tempfile.mkdtemp(prefix="tahseel-fee-sweep-", dir=base))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("GMAIL_TOKEN", "XERO_TOKEN", "QUICKBOOKS_TOKEN", "TAHSEEL_FAILPOINTS"):
        monkeypatch.delenv(name, raising=False)
    for prefix in ("XERO", "QUICKBOOKS"):
        monkeypatch.setenv(f"{prefix}_CLIENT_ID", "")
        monkeypatch.setenv(f"{prefix}_CLIENT_SECRET", "")
