"""`tahseel run` with `mailbox: gmail` against the loopback Gmail: threads, replies, crashes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app
from tests.emulators.gmail import GmailEmulator
from tests.support.tally import record

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
SENDER = "accounts@nakheel.example"
ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
parse = BytesParser(policy=policy.default).parsebytes


def run(folder: Path, day: date = ANCHOR) -> dict:
    args = ["run", "--json", "--today", day.isoformat(), "-c", str(folder / "tahseel.yaml")]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def sent(emulator: GmailEmulator) -> list:
    return [(m, parse(m.raw)) for m in emulator.sent()]


def reply(to: EmailMessage, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = to["To"]
    message["To"] = SENDER
    message["Subject"] = f"Re: {to['Subject']}"
    message["Message-ID"] = "<reply-1@mail.blueharbor.example.com>"
    message["In-Reply-To"] = to["Message-ID"]
    message["References"] = f"{to['References'] or ''} {to['Message-ID']}".strip()
    message["Date"] = "Mon, 23 Nov 2026 15:00:00 +0300"
    message.set_content(text)
    return message.as_bytes()


def test_reminders_reply_and_resend_share_one_gmail_thread(gmail):
    emulator, folder = gmail
    # Blue Harbor on the default ladder, one thread per invoice (not the demo's statements)
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8")
    config.write_text(
        text.replace("\n  C-002: key_accounts ", "\n  # C-002: key_accounts "), "utf-8"
    )
    first = run(folder)
    assert first["emails"] >= 5
    messages = sent(emulator)
    # Blue Harbor's reminder today is INV-1011's; INV-1002's waits a day (one a day).
    assert len(messages) == first["emails"]
    stored, reminder = next((s, m) for s, m in messages if m["X-Tahseel-Invoice"] == "INV-1011")

    emulator.deliver(reply(reminder, "السلام عليكم، لم تصلني الفاتورة. أرجو إرسالها مرة أخرى"))
    tuesday = run(folder, date(2026, 11, 24))
    assert tuesday["resends"] == 1 and tuesday["replies"] == {"invoice_not_received": 1}

    thread = [(s, m) for s, m in sent(emulator) if m["X-Tahseel-Invoice"] == "INV-1011"]
    assert {s.thread_id for s, _ in thread} == {stored.thread_id}, "one Gmail thread"
    resend = next(m for _, m in thread if m["X-Tahseel-Stage"] == "resend")
    assert resend["In-Reply-To"] == "<reply-1@mail.blueharbor.example.com>"
    assert reminder["Message-ID"] in resend["References"]
    pdf = [p for p in resend.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert len(pdf) == 1 and pdf[0].get_content().startswith(b"%PDF")
    with (folder / "demo" / "invoices.notes.csv").open(encoding="utf-8") as f:
        notes = [line for line in f if "INV-1011" in line]
    assert any("re-sent" in n for n in notes)

    assert run(folder, date(2026, 11, 24))["emails"] == 0, "nothing twice"


def _crashing_run(folder: Path, failpoint: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TAHSEEL_FAILPOINTS": failpoint, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sync", "run", "-c", str(folder / "tahseel.yaml")]
    return subprocess.run(
        [*command, "--today", ANCHOR.isoformat()],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize("point", ["after_send", "after_intent"])
def test_a_crash_around_a_gmail_send_never_sends_twice(gmail, point):
    emulator, folder = gmail
    crashed = _crashing_run(folder, f"{point}=2")
    assert crashed.returncode == -9, crashed.stderr
    report = run(folder)
    keys = Counter((m["X-Tahseel-Invoice"], m["X-Tahseel-Stage"]) for _, m in sent(emulator))
    assert keys and max(keys.values()) == 1, keys
    assert sum(keys.values()) >= 5
    assert report["errors"] == []


def test_a_lost_state_file_sends_nothing_twice(gmail):
    emulator, folder = gmail
    first = run(folder)
    assert first["emails"] >= 5
    before = len(emulator.sent())
    for path in folder.glob("tahseel-state.db*"):
        path.unlink()
    again = run(folder)
    assert len(emulator.sent()) == before, "the mailbox already had them"
    texts = sum(first["texts"].values())  # the demo's WhatsApp message, found and noted too
    assert again["emails"] == 0 and again["reconciled"] == first["emails"] + texts == 8
    with (folder / "demo" / "invoices.notes.csv").open(encoding="utf-8") as f:
        keys = [line.split(",")[3] for line in f.readlines()[1:]]
    # one note an email, one more as Blue Harbor's statement lists two invoices, and one
    # for the courtesy reminder's WhatsApp message
    assert len(keys) == len(set(keys)) == first["emails"] + 1 + texts
    outbox = (folder / "demo" / "texts" / "outbox.jsonl").read_text("utf-8").splitlines()
    assert len(outbox) == 1, "the WhatsApp message went again"
    # Thursday: INV-1001 falls due, Blue Harbor's next statement is three days on
    assert run(folder, date(2026, 11, 26))["emails"] >= 1, "and the schedule goes on"


def _outbox(folder: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(folder / "tahseel-state.db") as db:
        return db.execute("SELECT invoice_number, stage, status FROM outbox").fetchall()


def test_a_delivered_send_whose_retry_is_refused_is_settled_by_the_next_run(gmail):
    emulator, folder = gmail
    # Gmail sends the first draft, the connection drops before the answer, and the
    # resend (httplib2's own) is refused: the draft is gone, so the outcome is unknown.
    emulator.inject("drafts.send", "drop", act_first=True)
    emulator.inject("drafts.send", "400")
    first = run(folder)
    unsettled = [r for r in _outbox(folder) if r[2] in ("unknown", "failed")]
    assert [r[2] for r in unsettled] == ["unknown"], unsettled  # never "failed"
    invoice, stage, _ = unsettled[0]
    assert emulator.calls["drafts.delete"] == 0, "the draft that may be sent is left alone"
    assert len(emulator.sent()) == first["emails"] + 1, "it was sent, once"

    second = run(folder)
    assert second["reconciled"] == 1 and second["emails"] == 0
    assert (invoice, stage, "sent") in _outbox(folder)
    keys = Counter((m["X-Tahseel-Invoice"], m["X-Tahseel-Stage"]) for _, m in sent(emulator))
    assert keys[(invoice, stage)] == 1 and max(keys.values()) == 1, keys
    record("real services: gmail send", bad_inputs=1, runs=2)
