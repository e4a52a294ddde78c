"""`tahseel run` on a Xero organisation with fewer calls left today than its reminders need.

A Starter-tier organisation has 1,000 calls a day (reported since Xero's tiers of March
2026), and other runs of the app may have spent most of them. The run reads what Xero
says is left from every answer, sends the most overdue reminders (then the largest),
each with its note, and defers the rest to the next run, which sends them once.
"""

from __future__ import annotations

import json
import mailbox
import re
import shutil
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors import limits
from sync.cli import app, demo
from tests.e2e.test_xero_run import ANCHOR, xero_config
from tests.emulators.xero import XeroEmulator, token_file_for
from tests.support.tally import record

runner = CliRunner()
DUE = 30


@pytest.fixture
def starter(tmp_path, monkeypatch):
    with XeroEmulator(per_day=1000) as emulator:
        monkeypatch.setenv("XERO_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("XERO_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("XERO_TOKEN", raising=False)
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
        demo.install(tmp_path / "d", anchor=ANCHOR)
        shutil.rmtree(tmp_path / "d" / "demo" / "mailbox")
        mailbox.Maildir(tmp_path / "d" / "demo" / "mailbox", create=True)
        config = xero_config(tmp_path / "d", emulator)
        token_file_for(emulator, config.parent / "xero-token.json")
        yield emulator, config


def seed(emulator: XeroEmulator) -> dict[str, tuple[date, int]]:
    """30 invoices 1 to 7 days overdue (the 'overdue' rung), and 40 not due yet."""
    org, due = emulator.org, {}
    for n in range(DUE):
        days, amount = 1 + n % 7, 100 + (n * 37) % 500
        who = org.add_contact(f"Customer {n}", f"ap{n}@late.example")
        number = f"B-{n:03d}"
        org.add_invoice(number, who, str(amount), due_date=ANCHOR - timedelta(days=days))
        due[number] = (ANCHOR - timedelta(days=days), amount)
    for n in range(40):
        who = org.add_contact(f"Later {n}", f"ap{n}@later.example")
        org.add_invoice(f"L-{n:03d}", who, "50", due_date=ANCHOR + timedelta(days=20))
    return due


def run(config: Path) -> tuple[int, dict]:
    result = runner.invoke(app, ["run", "--json", "--today", ANCHOR.isoformat(), "-c", str(config)])
    return result.exit_code, json.loads(result.output)


def mailed(config: Path) -> list[str]:
    box = mailbox.Maildir(config.parent / "demo" / "mailbox", factory=None, create=False)
    sent_box, parser = box.get_folder("Sent"), BytesParser(policy=policy.default)
    messages = [parser.parsebytes(sent_box.get_bytes(key)) for key in sent_box.keys()]
    return [str(message["X-Tahseel-Invoice"]) for message in messages]


def noted(emulator: XeroEmulator) -> dict[str, int]:
    org = emulator.org
    return {
        record.number: len(org.notes(invoice_id))
        for invoice_id, record in org.invoices.items()
        if org.notes(invoice_id)
    }


def test_short_calls_send_the_most_overdue_with_notes_and_defer_the_rest(
    starter, monkeypatch
) -> None:
    emulator, config = starter
    due = seed(emulator)
    emulator.spend_elsewhere(1000 - 43)  # other runs left 43 calls today

    code, report = run(config)

    assert code == 1, report  # done, with reminders deferred
    reason = report["deferred_reason"]
    found = re.fullmatch(
        r"deferred: Xero has (\d+) calls left today, enough for (\d+) of 30 reminders"
        r" \(each with its note\); the rest go out on the next run",
        reason,
    )
    assert found, reason
    left, sent = int(found[1]), int(found[2])
    assert left <= 43 and 0 < sent < DUE
    first = mailed(config)
    assert len(first) == len(set(first)) == sent == report["sent"]["overdue"]
    # Never an email without its note, in the same run.
    assert noted(emulator) == dict.fromkeys(first, 1)
    # The most overdue went, then the largest amounts.
    order = sorted(due, key=lambda n: (due[n][0], -due[n][1]))
    assert set(first) == set(order[:sent])
    deferred = [row["invoice"] for row in report["deferred"]]
    assert deferred == order[sent:]
    assert emulator.limit_429s == {}  # the run stopped short of Xero's refusal
    summary = (config.parent.parent / "summary.md").read_text(encoding="utf-8")
    assert "Deferred" in summary and "calls left today" in summary

    # The next day: a fresh process with a fresh day at Xero.
    emulator.new_day()
    monkeypatch.setattr(limits, "_SHARED", {})
    code, report = run(config)

    assert code == 0, report
    assert report["deferred"] == [] and report["deferred_reason"] is None
    everything = mailed(config)
    assert sorted(everything) == sorted(due)  # each once: nothing sent twice
    assert noted(emulator) == dict.fromkeys(due, 1)
    record(
        "real services: xero limits",
        bad_inputs=1,
        runs=2,
        duplicates=len(everything) - len(set(everything)),
        missed=len(set(due) - set(everything)),
    )
