"""Bad data in the ledger: each bad invoice is named with the reason, the rest still go."""

from __future__ import annotations

import json
import mailbox
import re
import sqlite3
import sys
from datetime import date

from typer.testing import CliRunner

from mailer.errors import SendRejected, TransportUnavailable
from mailer.maildir import MaildirTransport
from sync.cli import app, demo
from sync.run import outbox

ANCHOR = date(2026, 11, 23)
runner = CliRunner()


def test_bad_invoices_are_reported_by_number_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    ledger = folder / "demo" / "invoices.csv"
    text = ledger.read_text("utf-8")
    for old, new in (
        ("INV-1002,open,USD,", "INV-1002,open,XYZ,"),  # no such currency
        ("INV-1006,open,SAR,18975.00,18975.00", "INV-1006,open,SAR,1e40,1e40"),  # not a number
        ("INV-1011,open,USD,3000.00,1200.00", "INV-1011,open,USD,90000000000,90000000000"),
        ("INV-1003,open,SAR,3450.00,3450.00", "INV-1003,open,SAR,-50.00,-50.00"),
    ):
        assert old in text
        text = text.replace(old, new)
    ledger.write_text(text, "utf-8")

    args = ["run", "--json", "--today", ANCHOR.isoformat(), "-c", str(folder / "tahseel.yaml")]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    skipped = {row["invoice"]: row["reason"] for row in report["skipped"]}
    assert "ISO 4217" in skipped["INV-1002"]
    assert "not plausible" in skipped["INV-1011"]
    problems = "\n".join(report["problems"])
    assert "INV-1003" in problems and "amount_due" in problems
    assert "INV-1006" in problems
    # everything else still went out: the resend, and the reminders that were due
    assert report["resends"] == 1 and report["sent"] == {"courtesy": 1, "overdue": 1}


# -- errors a person must see as one line, with the exit code the docs give ---------------


def _cli(folder, *args):
    return CliRunner().invoke(app, [*args, "-c", str(folder / "tahseel.yaml")])


def test_pause_on_a_read_only_state_store_says_so(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    assert _cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 1
    config = folder / "tahseel.yaml"
    db = folder / "tahseel-state.db"
    text = config.read_text(encoding="utf-8")
    read_only = f"url: sqlite:///file:{db}?mode=ro&uri=true"
    config.write_text(text.replace("url: sqlite:///tahseel-state.db", read_only), "utf-8")
    result = _cli(folder, "pause", "INV-1004")
    assert result.exit_code == 4, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "readonly database" in result.output and str(db) in result.output
    assert "Traceback" not in result.output


def test_a_damaged_state_store_names_its_file_and_what_to_do(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    db = folder / "tahseel-state.db"
    assert _cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 1
    for part in folder.glob("tahseel-state.db*"):  # the file and its write-ahead log
        if part.suffix != ".lock":
            data = part.read_bytes()
            part.write_bytes(data[:100] + b"garbage!" * ((len(data) - 100) // 8))
    for command in (["status"], ["run", "--today", ANCHOR.isoformat()], ["pause", "INV-1004"]):
        result = _cli(folder, *command)
        assert result.exit_code == 4, (command, result.output)
        flat = " ".join(result.output.split())
        assert str(db) in flat and "replaced by a new, empty one" in flat, flat


def test_classify_on_a_missing_file_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["classify", str(tmp_path / "nothere.eml")])
    assert result.exit_code == 2
    assert result.output.strip() == f"{tmp_path / 'nothere.eml'}: No such file or directory"


def test_a_ledger_whose_sdk_is_missing_names_the_extra(tmp_path, monkeypatch):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    config = folder / "tahseel.yaml"
    text = re.sub(
        r"(?ms)^ledger:\n.*?\n\n",
        "ledger:\n  type: xero\n  token_file: xero-token.json\n\n",
        config.read_text(encoding="utf-8"),
    )
    config.write_text(text, encoding="utf-8")
    (folder / "xero-token.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("XERO_CLIENT_ID", "id")
    monkeypatch.setenv("XERO_CLIENT_SECRET", "secret")
    # As if never installed: the SDK and whatever of it earlier tests imported.
    for name in ["xero_python", *(m for m in sys.modules if m.startswith("xero_python."))]:
        monkeypatch.setitem(sys.modules, name, None)
    for name in [m for m in sys.modules if m.startswith("connectors.xero")]:
        monkeypatch.delitem(sys.modules, name)
    result = _cli(folder, "status")
    assert result.exit_code == 2, result.output
    assert "pip install 'tahseel[xero]'" in result.output and "Traceback" not in result.output


# -- a mailbox that refuses mail is the mailbox's fault, not the invoices' -----------------


ADOPTED = [("INV-1004", "overdue", "sent"), ("INV-1014", "final", "sent")]
"""The demo's reminders found in its mailbox before the first run, recorded as sent."""


def _outbox(folder):
    with sqlite3.connect(folder / "tahseel-state.db") as db:
        return db.execute("SELECT invoice_number, stage, status FROM outbox").fetchall()


def _run_json(folder, day=ANCHOR):
    result = _cli(folder, "run", "--json", "--today", day.isoformat())
    return result.exit_code, json.loads(result.output)


def _sent_box(folder):
    return mailbox.Maildir(folder / "demo" / "mailbox", create=False).get_folder("Sent")


def test_a_sent_folder_that_cannot_be_written_aborts_with_4_and_loses_nothing(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    tmp = folder / "demo" / "mailbox" / ".Sent" / "tmp"
    tmp.rmdir()
    tmp.write_text("not a folder", "utf-8")  # as root, chmod would not stop the writes
    before = len(_sent_box(folder))
    code, report = _run_json(folder)
    assert code == 4, report
    assert report["aborted"].startswith("the mailbox refused every send (3 of 3)")
    assert "cannot write" in report["aborted"] and report["emails"] == 0
    # released, not marked sent nor failed: only the reminders adopted from the mailbox
    assert sorted(_outbox(folder)) == ADOPTED
    assert len(_sent_box(folder)) == before

    tmp.unlink()
    tmp.mkdir()
    code, again = _run_json(folder)
    assert code == 1, again  # INV-1010 has no address: skipped
    # INV-1002's due-day note waits for Blue Harbor's INV-1011 (one reminder a day).
    assert again["resends"] == 1 and again["sent"] == {"courtesy": 1, "overdue": 4}
    assert again["escalations"] == 1  # INV-1014's dossier
    assert len(_sent_box(folder)) == before + 7


def test_every_send_refused_aborts_even_below_the_limit(tmp_path, monkeypatch):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    monkeypatch.setattr(outbox, "REFUSED_IN_A_ROW", 100, raising=False)  # as if never reached
    refused = []

    def send(self, message, *, thread, prepared=None):
        refused.append(message["Message-ID"])
        raise TransportUnavailable(f"maildir send: cannot write to {self.path}: disk full")

    monkeypatch.setattr(MaildirTransport, "send", send)
    code, report = _run_json(folder)
    assert code == 4 and len(refused) == 7, report  # Blue Harbor's second waits a day
    assert report["aborted"].startswith("the mailbox refused every send (7 of 7)")
    assert sorted(_outbox(folder)) == ADOPTED


def test_sends_refused_one_by_one_stay_exit_1(tmp_path, monkeypatch):
    """A refusal or two then mail going out, or one address refused: per invoice, exit 1."""
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    original = MaildirTransport.send
    calls = []

    def send(self, message, *, thread, prepared=None):
        calls.append(message["Message-ID"])
        if len(calls) <= 2:
            raise TransportUnavailable("maildir send: a passing fault")
        if "blueharbor" in str(message["To"]):
            raise SendRejected("550 5.1.1 no such user")
        return original(self, message, thread=thread, prepared=prepared)

    monkeypatch.setattr(MaildirTransport, "send", send)
    code, report = _run_json(folder)
    assert code == 1 and not report["aborted"], report
    # Seven planned (INV-1014's final notice among them); one to Blue Harbor, its
    # statement listing both its invoices (key_accounts, grouping: customer).
    assert len(report["errors"]) == 3 and report["emails"] == 4
    statuses = [status for _, _, status in _outbox(folder)]
    # the refused statement's two rows, one per invoice it lists
    assert statuses.count("failed") == 2 and "pending" not in statuses
