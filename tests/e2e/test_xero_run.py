"""`tahseel run` with `ledger: xero` against the loopback Xero, mailing into a Maildir."""

from __future__ import annotations

import json
import mailbox
import os
import re
import shutil
import stat
import subprocess
import sys
import urllib.request
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo, running
from tests.emulators.xero import XeroEmulator, token_file_for
from tests.support import tally

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def xero_config(folder: Path, emulator: XeroEmulator) -> Path:
    config = folder / "tahseel.yaml"
    text = config.read_text(encoding="utf-8")
    block = (
        "ledger:\n"
        "  type: xero\n"
        "  token_file: xero-token.json\n"
        "  arabic_group: Arabic\n"
        "  auth_port: 0\n"
        f"  api_url: {emulator.api_url}\n"
        f"  identity_url: {emulator.base_url}\n"
        f"  connections_url: {emulator.base_url}\n"
        f"  login_url: {emulator.authorize_url}\n\n"
    )
    text = re.sub(r"(?ms)^ledger:\n.*?(?=^sender:)", block, text)
    config.write_text(text, encoding="utf-8")
    return config


@pytest.fixture
def xero(tmp_path, monkeypatch):
    with XeroEmulator() as emulator:
        monkeypatch.setenv("XERO_CLIENT_ID", emulator.identity.client_id)
        monkeypatch.setenv("XERO_CLIENT_SECRET", emulator.identity.client_secret)
        monkeypatch.delenv("XERO_TOKEN", raising=False)
        demo.install(tmp_path / "d", anchor=ANCHOR)
        shutil.rmtree(tmp_path / "d" / "demo" / "mailbox")  # its story is the CSV ledger's
        mailbox.Maildir(tmp_path / "d" / "demo" / "mailbox", create=True)  # an empty one
        config = xero_config(tmp_path / "d", emulator)
        yield emulator, config


def seed(org) -> dict[str, str]:
    # Entered an hour ago: older than the overlap an incremental read looks back over.
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    arabic = org.add_contact(
        "مؤسسة الواحة",
        "accounts@alwaha.example.sa",
        persons=[("Huda", "S", "huda@alwaha.example.sa", True), ("Ali", "K", "ali@x.sa", False)],
        groups=("Arabic",),
    )
    english = org.add_contact("Blue Harbor", "ap@blueharbor.example.com")
    # A customer of its own: one customer gets one reminder a day (the policy's cap).
    palm = org.add_contact("Palm Coast", "accounts@palmcoast.example.com")
    ids = {
        "late": org.add_invoice(
            "INV-1",
            arabic,
            "7820.00",
            currency="SAR",
            due_date=date(2026, 11, 22),
            updated=hour_ago,
        ),
        "due": org.add_invoice("INV-2", english, "2400.00", due_date=ANCHOR, updated=hour_ago),
        "soon": org.add_invoice(
            "INV-3", palm, "100.00", due_date=date(2026, 11, 26), updated=hour_ago
        ),
        "bill": org.add_invoice(
            "BILL-1", english, "50.00", type="ACCPAY", due_date=ANCHOR, updated=hour_ago
        ),
        "draft": org.add_invoice(
            "INV-4", english, "80.00", status="DRAFT", due_date=ANCHOR, updated=hour_ago
        ),
        "paid": org.add_invoice("INV-5", english, "90.00", due=0, status="PAID", updated=hour_ago),
    }
    return ids


def run(config: Path, day: date = ANCHOR) -> dict:
    result = runner.invoke(app, ["run", "--json", "--today", day.isoformat(), "-c", str(config)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def sent(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    sent_box = box.get_folder("Sent")
    parser = BytesParser(policy=policy.default)
    messages = [parser.parsebytes(sent_box.get_bytes(k)) for k in sent_box.keys()]
    return [m for m in messages if m["X-Tahseel-Invoice"] in ("INV-1", "INV-2", "INV-3")]


def test_run_on_xero_sends_notes_and_reruns_for_one_call(xero):
    emulator, config = xero
    token_file_for(emulator, config.parent / "xero-token.json")
    ids = seed(emulator.org)

    report = run(config)
    assert report["sent"] == {"courtesy": 1, "due": 1, "overdue": 1}
    messages = {m["X-Tahseel-Invoice"]: m for m in sent(config.parent)}
    assert set(messages) == {"INV-1", "INV-2", "INV-3"}
    arabic = messages["INV-1"]
    assert arabic["To"].addresses[0].addr_spec == "accounts@alwaha.example.sa"
    assert {a.addr_spec for a in arabic["To"].addresses} == {
        "accounts@alwaha.example.sa",
        "huda@alwaha.example.sa",
    }
    html = arabic.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and emulator.org.payment_url(ids["late"]) in html
    for key in ("late", "due", "soon"):
        (note,) = emulator.org.notes(ids[key])
        assert note.startswith("Tahseel: ")
    for key in ("bill", "draft", "paid"):
        assert emulator.org.notes(ids[key]) == []
    assert report["api_calls"]["xero"]

    before = emulator.requests
    again = run(config)
    assert again["emails"] == 0
    assert emulator.requests - before == 1, "a rerun with nothing changed costs one call"
    assert sum(again["api_calls"]["xero"].values()) == 1

    emulator.org.pay(ids["late"])
    tuesday = run(config, date(2026, 11, 24))
    assert tuesday["thank_yous"] == 1 and tuesday["sent"] == {"overdue": 1}
    assert len(emulator.org.notes(ids["late"])) == 2


def test_missing_secret_and_missing_token_are_configuration_errors(xero, monkeypatch):
    emulator, config = xero
    check = runner.invoke(app, ["check", "-c", str(config)])
    assert check.exit_code == 2 and "run `tahseel auth xero`" in check.output
    monkeypatch.delenv("XERO_CLIENT_SECRET")
    result = runner.invoke(app, ["run", "--today", ANCHOR.isoformat(), "-c", str(config)])
    assert result.exit_code == 2
    assert "ledger.client_secret_env" in result.output and "XERO_CLIENT_SECRET" in result.output


def test_a_revoked_token_stops_the_run_with_the_reauthorise_hint(xero):
    emulator, config = xero
    token_file_for(emulator, config.parent / "xero-token.json", expires_in=1)
    seed(emulator.org)
    emulator.identity.refresh.clear()  # the connection was removed in Xero
    result = runner.invoke(app, ["run", "--today", ANCHOR.isoformat(), "-c", str(config)])
    assert result.exit_code == 4, result.output
    assert "tahseel auth xero" in result.output
    assert "Traceback" not in result.output


def test_auth_command_stores_the_token_for_the_next_run(xero):
    emulator, config = xero
    seed(emulator.org)
    process = subprocess.Popen(
        [sys.executable, "-m", "sync", "auth", "xero", "--no-browser", "-c", str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("http"):
            urllib.request.urlopen(line.strip(), timeout=10).read()  # the person consents
            break
    output = process.stdout.read()
    assert process.wait(timeout=30) == 0, output
    assert emulator.org.tenant_id in output
    token_file = config.parent / "xero-token.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert run(config)["sent"] == {"courtesy": 1, "due": 1, "overdue": 1}


def test_a_credit_note_settles_without_thanks_and_a_payment_is_thanked(xero):
    emulator, config = xero
    token_file_for(emulator, config.parent / "xero-token.json")
    ids = seed(emulator.org)
    assert run(config)["sent"] == {"courtesy": 1, "due": 1, "overdue": 1}

    emulator.org.credit(ids["late"])  # Xero: PAID, AmountPaid 0, AmountCredited the total
    emulator.org.pay(ids["due"])
    tuesday = run(config, date(2026, 11, 24))
    assert tuesday["thank_yous"] == 1
    thanked = [m for m in sent(config.parent) if m["X-Tahseel-Stage"] == "thank_you"]
    assert [m["X-Tahseel-Invoice"] for m in thanked] == ["INV-2"]
    assert len(emulator.org.notes(ids["late"])) == 1, "no note of a thank-you for a credit"
    tally.record("real services: xero data", bad_inputs=1, runs=2)


def _crash_after_first_note(config: Path) -> None:
    env = {**os.environ, "TAHSEEL_FAILPOINTS": "after_note=1", "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sync", "run", "-c", str(config), "--today"]
    crashed = subprocess.run(
        [*command, ANCHOR.isoformat()], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert crashed.returncode == -9, crashed.stderr


def _later(monkeypatch, minutes: int) -> None:
    """The next `tahseel run --today` happens ``minutes`` after the crashed one."""
    original = running.moment_of
    monkeypatch.setattr(
        running,
        "moment_of",
        lambda settings, today: original(settings, today) + timedelta(minutes=minutes),
    )


def test_a_note_written_again_soon_after_a_crash_says_the_same_words(xero, monkeypatch):
    # Xero keeps a key six minutes and refuses it with another body (the run's time in
    # the words was one): the note of the crashed run must be the same bytes.
    emulator, config = xero
    token_file_for(emulator, config.parent / "xero-token.json")
    ids = seed(emulator.org)
    _crash_after_first_note(config)
    noted = [key for key in ("late", "due", "soon") if emulator.org.notes(ids[key])]
    assert len(noted) == 1

    _later(monkeypatch, 3)
    report = run(config)
    assert report["errors"] == []
    assert emulator.org.idempotent.reused == 0
    for key in ("late", "due", "soon"):
        assert len(emulator.org.notes(ids[key])) == 1
    tally.record("real services: xero data", bad_inputs=1, runs=2)


def test_a_note_is_looked_for_once_its_key_may_be_forgotten(xero, monkeypatch):
    emulator, config = xero
    token_file_for(emulator, config.parent / "xero-token.json")
    ids = seed(emulator.org)
    _crash_after_first_note(config)
    emulator.org.idempotent.pass_time(7 * 60)  # Xero forgot the key

    _later(monkeypatch, 10)
    report = run(config)
    assert report["errors"] == []
    for key in ("late", "due", "soon"):
        assert len(emulator.org.notes(ids[key])) == 1, "a note written twice"
    assert report["api_calls"]["xero"].get("invoices.history") == 1
    tally.record("real services: xero data", bad_inputs=1, runs=2, duplicates=0)
