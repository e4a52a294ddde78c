"""`tahseel run` with `ledger: quickbooks` against the loopback QuickBooks Online."""

from __future__ import annotations

import json
import mailbox
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo
from tests.emulators.quickbooks import QuickBooksEmulator, token_file_for
from tests.support.tally import record

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
runner = CliRunner()


@pytest.fixture
def qbo(tmp_path, monkeypatch):
    with QuickBooksEmulator() as emulator:
        monkeypatch.setenv("QUICKBOOKS_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("QUICKBOOKS_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("QUICKBOOKS_TOKEN", raising=False)
        folder = tmp_path / "d"
        demo.install(folder, anchor=ANCHOR)
        shutil.rmtree(folder / "demo" / "mailbox")
        mailbox.Maildir(folder / "demo" / "mailbox", create=True)  # an empty one
        config = folder / "tahseel.yaml"
        block = (
            "ledger:\n  type: quickbooks\n  token_file: qbo-token.json\n"
            "  language_field: Language\n"
            f"  api_url: {emulator.api_url}\n  discovery_url: {emulator.discovery_url}\n\n"
        )
        text = re.sub(r"(?ms)^ledger:\n.*?(?=^sender:)", block, config.read_text("utf-8"))
        config.write_text(text, "utf-8")
        token_file_for(emulator, folder / "qbo-token.json")
        yield emulator, config


def run(config: Path, day: date = ANCHOR) -> dict:
    result = runner.invoke(app, ["run", "--json", "--today", day.isoformat(), "-c", str(config)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_run_on_quickbooks_sends_notes_and_reruns_for_one_call(qbo):
    emulator, config = qbo
    company = emulator.company
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    arabic = company.add_customer("مؤسسة الواحة", "ap@alwaha.example.sa", fields={"Language": "ar"})
    english = company.add_customer("Blue Harbor", "ap@blueharbor.example.com")
    ids = {
        "late": company.add_invoice(
            "1001", arabic, "7820.00", due=date(2026, 11, 22), updated=hour_ago, currency="SAR"
        ),
        "due": company.add_invoice("1002", english, "2400.00", due=ANCHOR, updated=hour_ago),
        "paid": company.add_invoice(
            "1003", english, "90.00", balance="0", due=ANCHOR, updated=hour_ago
        ),
    }
    company.edit(ids["late"], private_note="Customer asked for monthly statements.")

    report = run(config)
    assert report["sent"] == {"due": 1, "overdue": 1} and report["notes"] == 2
    calls = report["api_calls"]["quickbooks"]
    assert calls["invoices.batch"] == 1 and "invoices.note" not in calls, "notes go in one batch"
    box = mailbox.Maildir(config.parent / "demo" / "mailbox", factory=None, create=False)
    sent_box = box.get_folder("Sent")
    parse = BytesParser(policy=policy.default).parsebytes
    messages = {
        m["X-Tahseel-Invoice"]: m for m in map(parse, map(sent_box.get_bytes, sent_box.keys()))
    }
    html = messages["1001"].get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and company.payment_url(ids["late"]) in html
    note = company.notes(ids["late"]) or ""
    assert note.startswith("Customer asked for monthly statements.") and "Tahseel" in note
    assert company.notes(ids["paid"]) in (None, "")

    # Notes are written into the invoices, so QuickBooks reports them changed: the next
    # run reads those changes and their customers, two calls; nothing else is read.
    before = emulator.requests
    again = run(config)
    assert again["emails"] == 0
    assert emulator.requests - before == 2
    assert sorted(again["api_calls"]["quickbooks"]) == ["customers.query", "invoices.cdc"]

    company.pay(ids["late"])
    tuesday = run(config, date(2026, 11, 24))
    assert tuesday["thank_yous"] == 1 and tuesday["sent"] == {"overdue": 1}


class SentWhenNoted:
    """Stands in the emulator's crash hook: counts the emails sent at each note write."""

    def __init__(self, sent: Path) -> None:
        self.sent = sent
        self.counts: list[int] = []

    def acted(self, point: str) -> bool:
        if point == "noted":
            self.counts.append(sum(1 for f in self.sent.glob("*/*") if f.is_file()))
        return False


def test_notes_go_to_quickbooks_as_the_run_goes_not_all_at_the_end(qbo):
    emulator, config = qbo
    text = config.read_text("utf-8")
    text = re.sub(r"(?m)^  floor: 20$", "  floor: 1000", text)
    config.write_text(text.replace("max_emails_per_run: 200", "max_emails_per_run: 1000"))
    company = emulator.company
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    # A customer an invoice: one customer gets one reminder a day (the policy's cap).
    people = [company.add_customer(f"Customer {n}", f"ap{n}@c{n}.example") for n in range(120)]
    for n in range(120):
        due = ANCHOR - timedelta(days=3)
        company.add_invoice(f"2{n:03d}", people[n], "100.00", due=due, updated=hour_ago)
    hook = emulator.crash = SentWhenNoted(config.parent / "demo" / "mailbox" / ".Sent")

    report = run(config)
    assert report["notes"] == 120 and report["api_calls"]["quickbooks"]["invoices.batch"] == 12
    # 50 notes at a time, each 5 requests of 10, while the rest is still being sent.
    assert len(hook.counts) == 12 and hook.counts[0] < 120 and hook.counts[5] < 120


def test_an_invoice_deleted_past_a_full_change_feed_is_skipped_once_then_dropped(qbo):
    emulator, config = qbo
    company = emulator.company
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    who = company.add_customer("Blue Harbor", "ap@blueharbor.example.com")
    gone = company.add_invoice("3001", who, "500.00", due=ANCHOR, updated=hour_ago)
    assert run(config)["sent"] == {"due": 1}
    # A thousand other changes first, then the deletion: the feed stops at 1,000, and
    # a query for changed invoices cannot see a deleted one.
    for n in range(1000):
        company.add_invoice(f"9{n:03d}", who, "10.00", balance="0", due=ANCHOR)
    company.delete(gone)

    def day(when: date) -> dict:
        args = ["run", "--json", "--today", when.isoformat(), "-c", str(config)]
        return json.loads(runner.invoke(app, args).output)

    tuesday = day(date(2026, 11, 24))
    assert tuesday["api_calls"]["quickbooks"]["invoices.changed"] >= 1  # the feed was full
    assert tuesday["skipped"] == [{"invoice": "3001", "reason": "no longer in the ledger"}]
    assert tuesday["emails"] == 0
    wednesday = day(date(2026, 11, 25))
    assert wednesday["skipped"] == [] and wednesday["emails"] == 0
    assert wednesday["open_invoices"] == 0


def test_only_a_real_payment_earns_a_thank_you(qbo):
    """Reminded invoices later voided, credited or paid: only the paid one is thanked."""
    emulator, config = qbo
    company = emulator.company
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    # Three customers: one customer gets one reminder a day (the policy's cap).
    who = {
        n: company.add_customer(f"Blue Harbor {n}", f"ap{n}@blueharbor.example.com") for n in "123"
    }
    ids = {
        name: company.add_invoice(number, who[number[-1]], "500.00", due=ANCHOR, updated=hour_ago)
        for name, number in (("voided", "4001"), ("credited", "4002"), ("paid", "4003"))
    }
    first = run(config)
    assert first["sent"] == {"due": 3}
    # The reminders were noted in each PrivateNote; voiding puts "Voided" before them.
    company.void(ids["voided"])
    company.credit(ids["credited"])  # a credit memo, applied through a zero-dollar payment
    company.pay(ids["paid"])
    assert company.invoice_json(company.invoices[ids["voided"]], link=False).get("status") is None

    tuesday = run(config, date(2026, 11, 24))
    assert tuesday["thank_yous"] == 1 and tuesday["emails"] == 1
    box = mailbox.Maildir(config.parent / "demo" / "mailbox", factory=None, create=False)
    sent = box.get_folder("Sent")
    parse = BytesParser(policy=policy.default).parsebytes
    numbers = [parse(sent.get_bytes(key))["X-Tahseel-Invoice"] for key in sent.keys()]
    assert sorted(numbers) == ["4001", "4002", "4003", "4003"]
    assert run(config, date(2026, 11, 25))["emails"] == 0
    record("real services: QuickBooks data", bad_inputs=2, runs=3)
