"""What a run does with each kind of reply: pause, snooze, tell a person, or nothing."""

from __future__ import annotations

import csv
import json
import mailbox
import os
import sqlite3
import subprocess
import sys
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from typer.testing import CliRunner

from mailer.maildir import MaildirTransport
from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)
TUESDAY = date(2026, 11, 24)
ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def run(folder: Path, day: date) -> dict:
    args = ["run", "--json", "--today", day.isoformat(), "-c", str(folder / "tahseel.yaml")]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def sent(folder: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    sent_box = box.get_folder("Sent")
    parse = BytesParser(policy=policy.default).parsebytes
    return [parse(sent_box.get_bytes(k)) for k in sent_box.keys()]  # type: ignore[misc]


def answer(folder: Path, number: str, text: str, **headers: str) -> None:
    reminder = next(m for m in sent(folder) if m["X-Tahseel-Invoice"] == number)
    reply = EmailMessage()
    reply["From"] = reminder["To"]
    reply["To"] = "accounts@nakheel.example"
    reply["Subject"] = f"Re: {reminder['Subject']}"
    reply["Message-ID"] = f"<reply-{number}@customer.example>"
    reply["In-Reply-To"] = reminder["Message-ID"]
    reply["References"] = reminder["Message-ID"]
    reply["Date"] = "Mon, 23 Nov 2026 16:00:00 +0300"
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    reply.set_content(text)
    MaildirTransport(folder / "demo" / "mailbox").deliver(reply.as_bytes())


def notes(folder: Path, number: str) -> list[str]:
    with (folder / "demo" / "invoices.notes.csv").open(encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f) if row["invoice_number"] == number]


def setup(tmp_path: Path) -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    run(folder, ANCHOR)
    answer(folder, "INV-1005", "We paid this last Thursday by bank transfer, please check.")
    answer(folder, "INV-1006", "إن شاء الله سنقوم بالسداد يوم 3 ديسمبر")
    answer(folder, "INV-1003", "Could you send me your bank's IBAN by WhatsApp?")
    answer(
        folder, "INV-1011", "I am out of the office until Monday.", Auto_Submitted="auto-replied"
    )
    return folder


def notices(folder: Path) -> list[EmailMessage]:
    """The notices to a person about replies (not the demo's escalation dossier)."""
    return [
        m
        for m in sent(folder)
        if str(m["Subject"]).startswith("Tahseel: INV-") and " escalated, " not in str(m["Subject"])
    ]


def test_each_reply_gets_its_action_once(tmp_path):
    folder = setup(tmp_path)
    report = run(folder, TUESDAY)
    assert report["replies"] == {
        "already_paid": 1,
        "auto_reply": 1,
        "other": 1,
        "promise_to_pay": 1,
    }
    assert report["pauses"] == 1 and report["snoozes"] == 1 and report["notices"] == 2
    assert report["acknowledgements"] == 1
    (thanks,) = [m for m in sent(folder) if m["X-Tahseel-Stage"] == "acknowledge"]
    assert thanks["X-Tahseel-Invoice"] == "INV-1006"
    assert thanks["In-Reply-To"] == "<reply-INV-1006@customer.example>"
    body = thanks.get_body(("html",)).get_content()
    assert 'dir="rtl"' in body and "ديسمبر" in body

    told = {m["Subject"].split(",")[0]: m for m in notices(folder)}
    assert set(told) == {"Tahseel: INV-1005", "Tahseel: INV-1003"}
    paid = told["Tahseel: INV-1005"]
    assert paid["To"] == "accounts@nakheel.example" and not paid["X-Tahseel-Invoice"]
    assert "> We paid this last Thursday" in paid.get_body(("plain",)).get_content()
    assert any("paused" in n for n in notes(folder, "INV-1005"))
    assert any("2026-12-03" in n for n in notes(folder, "INV-1006"))

    status = runner.invoke(
        app, ["status", "--today", "2026-12-01", "-c", str(folder / "tahseel.yaml")]
    )
    assert "paused" in status.output and "2026-12-04" in status.output

    later = run(folder, date(2026, 12, 1))
    mailed = {m["X-Tahseel-Invoice"] for m in sent(folder) if m["Date"].datetime.date().day == 1}
    assert "INV-1005" not in mailed and "INV-1006" not in mailed
    assert "INV-1003" in mailed, "a question does not stop reminders"
    assert later["notices"] == 0 and len(notices(folder)) == 2


def test_a_crash_after_recording_replies_still_acts_once(tmp_path):
    folder = setup(tmp_path)
    env = {**os.environ, "TAHSEEL_FAILPOINTS": "after_reply=2", "PYTHONPATH": str(ROOT)}
    crashed = subprocess.run(
        [sys.executable, "-m", "sync", "run", "-c", str(folder / "tahseel.yaml")]
        + ["--today", TUESDAY.isoformat()],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert crashed.returncode == -9, crashed.stderr
    report = run(folder, TUESDAY)
    assert report["notices"] == 2 and report["pauses"] == 1
    assert len(notices(folder)) == 2
    assert len([m for m in sent(folder) if m["X-Tahseel-Stage"] == "acknowledge"]) == 1
    assert run(folder, TUESDAY)["notices"] == 0


def test_a_bounce_stops_mail_to_that_address_until_it_is_fixed(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    # Blue Harbor on the default ladder, one email per invoice (not the demo's statements)
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8")
    config.write_text(
        text.replace("\n  C-002: key_accounts ", "\n  # C-002: key_accounts "), "utf-8"
    )
    run(folder, ANCHOR)
    # Blue Harbor's reminder today is INV-1011's; INV-1002's waits a day (one a day).
    reminder = next(m for m in sent(folder) if m["X-Tahseel-Invoice"] == "INV-1011")
    dsn = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.blueharbor.example.com>\n"
        "To: accounts@nakheel.example\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Message-ID: <dsn-1@mx.blueharbor.example.com>\n"
        f"In-Reply-To: {reminder['Message-ID']}\n"
        f"References: {reminder['Message-ID']}\n"
        "Auto-Submitted: auto-replied\n"
        "Date: Mon, 23 Nov 2026 16:05:00 +0300\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
        "--B\nContent-Type: message/delivery-status\n\n"
        "Reporting-MTA: dns; mx.blueharbor.example.com\n\n"
        "Final-Recipient: rfc822; ap@blueharbor.example.com\n"
        "Action: failed\nStatus: 5.1.1\n\n--B--\n"
    )
    MaildirTransport(folder / "demo" / "mailbox").deliver(dsn.encode())
    # the plan reads the bounce too, and leaves the address out as the run will
    args = ["plan", "-c", str(folder / "tahseel.yaml"), "--today", TUESDAY.isoformat(), "--json"]
    planned = json.loads(runner.invoke(app, args).output)
    assert all("ap@blueharbor.example.com" not in a["to"] for a in planned["actions"])
    assert "INV-1002" in {row["invoice"] for row in planned["skipped"]}
    report = run(folder, TUESDAY)
    assert report["replies"] == {"auto_reply": 1}
    assert any("ap@blueharbor.example.com bounced" in p for p in report["problems"])
    tuesday = [m for m in sent(folder) if m["Date"].datetime.date() == TUESDAY]
    assert all("ap@blueharbor.example.com" not in str(m["To"]) for m in tuesday)
    assert "INV-1002" in {row["invoice"] for row in report["skipped"]}

    config = str(folder / "tahseel.yaml")
    cleared = runner.invoke(app, ["unbounce", "ap@blueharbor.example.com", "-c", config])
    assert cleared.exit_code == 0, cleared.output
    assert (
        runner.invoke(app, ["unbounce", "ap@blueharbor.example.com", "-c", config]).exit_code == 2
    )
    again = run(folder, TUESDAY)
    assert again["sent"].get("overdue", 0) >= 1


# -- a reply whose invoice cannot be read this run waits for it ---------------------------


def break_row(folder: Path, number: str) -> str:
    """Give ``number``'s ledger row a due date no one can read; the good text, to restore."""
    ledger = folder / "demo" / "invoices.csv"
    good = ledger.read_text("utf-8")
    lines = good.splitlines(keepends=True)
    (at,) = [i for i, line in enumerate(lines) if f",{number}," in line]
    cells = lines[at].split(",")
    cells[7] = "31/31/2026"  # the due_date column
    lines[at] = ",".join(cells)
    ledger.write_text("".join(lines), "utf-8")
    return good


def open_replies(folder: Path) -> list[tuple[str | None, str | None, int]]:
    with sqlite3.connect(folder / "tahseel-state.db") as db:
        return db.execute(
            "SELECT invoice_id, invoice_number, handled FROM replies WHERE NOT handled"
        ).fetchall()


def resends(folder: Path) -> list[EmailMessage]:
    return [m for m in sent(folder) if m["X-Tahseel-Stage"] == "resend"]


def waits(report: dict, number: str) -> bool:
    return any(number in p and "waits" in p for p in report["problems"])


def test_a_reply_about_an_unreadable_row_waits_until_the_row_is_fixed(tmp_path):
    """The demo's "I never got INV-1004", read in a first run while INV-1004's row is bad."""
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    good = break_row(folder, "INV-1004")
    first = run(folder, ANCHOR)
    # the demo's out-of-office reply about INV-1014 is read too, and only noted
    assert first["replies"] == {"invoice_not_received": 1, "auto_reply": 1}
    assert first["resends"] == 0 and not resends(folder)
    assert waits(first, "INV-1004"), first["problems"]
    assert not any("matches no open invoice" in p for p in first["problems"])
    assert open_replies(folder) == [(None, "INV-1004", 0)]

    still = run(folder, TUESDAY)
    assert still["resends"] == 0 and waits(still, "INV-1004")
    assert len(open_replies(folder)) == 1

    (folder / "demo" / "invoices.csv").write_text(good, "utf-8")
    fixed = run(folder, TUESDAY)
    assert fixed["resends"] == 1 and not waits(fixed, "INV-1004")
    (resend,) = resends(folder)
    assert resend["X-Tahseel-Invoice"] == "INV-1004"
    assert resend["In-Reply-To"] == "<CAF8q2-reply-4411@mail.alwaha.example.sa>"
    assert open_replies(folder) == []
    # the earlier reminder the reply answered is on record now: it is not sent again
    overdue = [m for m in sent(folder) if m["X-Tahseel-Invoice"] == "INV-1004"]
    assert len({m["Message-ID"] for m in overdue}) == len(overdue)

    assert run(folder, TUESDAY)["resends"] == 0 and len(resends(folder)) == 1


def test_a_reply_to_a_known_message_waits_while_its_row_cannot_be_read(tmp_path):
    """A second "never got it", about an invoice on record whose row broke since."""
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    assert run(folder, ANCHOR)["resends"] == 1
    answer(folder, "INV-1004", "We still did not receive the invoice, please send it again.")
    good = break_row(folder, "INV-1004")
    broken = run(folder, TUESDAY)
    assert broken["replies"] == {"invoice_not_received": 1}
    assert broken["resends"] == 0 and len(resends(folder)) == 1
    assert waits(broken, "INV-1004"), broken["problems"]
    assert open_replies(folder) == [("dmo-0004", "INV-1004", 0)]

    (folder / "demo" / "invoices.csv").write_text(good, "utf-8")
    fixed = run(folder, TUESDAY)
    assert fixed["resends"] == 1 and len(resends(folder)) == 2
    assert open_replies(folder) == []
    assert run(folder, TUESDAY)["resends"] == 0 and len(resends(folder)) == 2


def test_a_reply_about_an_unreadable_row_is_told_to_a_person_once_it_reads(tmp_path):
    """A "we paid" about a broken row pauses nothing yet; once readable it pauses and tells."""
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    run(folder, ANCHOR)
    answer(folder, "INV-1005", "We paid this last Thursday by bank transfer, please check.")
    good = break_row(folder, "INV-1005")
    broken = run(folder, TUESDAY)
    assert broken["pauses"] == 0 and broken["notices"] == 0
    assert waits(broken, "INV-1005")
    (folder / "demo" / "invoices.csv").write_text(good, "utf-8")
    fixed = run(folder, TUESDAY)
    assert fixed["pauses"] == 1 and fixed["notices"] == 1
    assert open_replies(folder) == []


def test_a_reply_about_an_invoice_settled_for_good_is_put_aside(tmp_path):
    """Paid, thanked and closed: the ledger says so, so the reply does not wait for it."""
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    run(folder, ANCHOR)
    ledger = folder / "demo" / "invoices.csv"
    text = ledger.read_text("utf-8")
    line = next(x for x in text.splitlines() if ",INV-1004," in x)
    paid = line.replace(",open,SAR,7820.00,7820.00,", ",paid,SAR,7820.00,0.00,") + "2026-11-23"
    ledger.write_text(text.replace(line, paid), "utf-8")
    assert run(folder, TUESDAY)["thank_yous"] == 1
    answer(folder, "INV-1004", "We did not receive the invoice, please send it again.")
    later = run(folder, date(2026, 11, 25))
    assert later["replies"] == {"invoice_not_received": 1}
    assert later["resends"] == 0 and not waits(later, "INV-1004")
    assert open_replies(folder) == []


def test_a_waiting_reply_gone_from_the_mailbox_is_still_answered(tmp_path):
    """The customer's reply deleted from the inbox while it waited: the resend still goes."""
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    good = break_row(folder, "INV-1004")
    assert waits(run(folder, ANCHOR), "INV-1004")
    inbox = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    for key in list(inbox.keys()):
        inbox.remove(key)
    (folder / "demo" / "invoices.csv").write_text(good, "utf-8")
    fixed = run(folder, TUESDAY)
    assert fixed["resends"] == 1 and not fixed["aborted"]
    assert open_replies(folder) == []


def configure(folder: Path, section: str) -> None:
    config = folder / "tahseel.yaml"
    config.write_text(config.read_text("utf-8") + "\n" + section, "utf-8")


WEAK_GUESSES = {
    "INV-1003": "We never received the invoice, please resend it.",
    "INV-1005": "We paid this last Thursday by bank transfer, please check.",
    "INV-1006": "إن شاء الله سنقوم بالسداد يوم 3 ديسمبر",
}


def test_a_guess_below_the_floor_is_only_told_to_a_person(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    run(folder, ANCHOR)
    configure(folder, "replies:\n  min_confidence: 0.99\n")
    for number, text in WEAK_GUESSES.items():
        answer(folder, number, text)
    report = run(folder, TUESDAY)
    assert report["replies"] == {"other": 3}
    assert report["resends"] == report["pauses"] == report["snoozes"] == 0
    assert report["acknowledgements"] == 0 and report["notices"] == 3
    new = [m for m in sent(folder) if m["Date"].datetime.date() == TUESDAY]
    assert new, "the notices were sent that day"
    assert not [m for m in new if m["X-Tahseel-Stage"] in ("resend", "acknowledge")]
    for notice in notices(folder):
        subject = " ".join(str(notice["Subject"]).split())
        assert "Tahseel is not sure what it means (read as " in subject
        assert "below replies.min_confidence 0.99" in subject
    subjects = " ".join(str(m["Subject"]) for m in notices(folder))
    for guess in ("invoice_not_received", "already_paid", "promise_to_pay"):
        assert f"read as {guess} with confidence 0." in subjects
    later = run(folder, date(2026, 12, 1))
    mailed = {m["X-Tahseel-Invoice"] for m in sent(folder) if m["Date"].datetime.date().day == 1}
    assert {"INV-1005", "INV-1006"} <= mailed, "nothing was paused or snoozed on a weak guess"
    assert later["notices"] == 0


def test_the_same_replies_above_the_floor_are_acted_on(tmp_path):
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    run(folder, ANCHOR)
    for number, text in WEAK_GUESSES.items():
        answer(folder, number, text)
    report = run(folder, TUESDAY)
    assert report["resends"] == report["pauses"] == report["snoozes"] == 1


def test_with_a_model_the_action_waits_for_its_agreement(tmp_path):
    import llm

    from tests.unit.test_replies_model import MODEL, FakeModel, FakePlugin

    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    run(folder, ANCHOR)
    configure(folder, f"replies:\n  model: {MODEL}\n")
    answer(folder, "INV-1006", "إن شاء الله سنقوم بالسداد يوم 3 ديسمبر")
    llm.pm.register(FakePlugin(), name=MODEL)
    try:
        FakeModel.answer = json.dumps(
            {"intent": "payment_plan", "promised_date": None, "date_words": None}
        )
        report = run(folder, TUESDAY)
        assert report["snoozes"] == 0 and report["notices"] == 1
        (told,) = notices(folder)
        subject = " ".join(str(told["Subject"]).split())
        assert "the rules read promise_to_pay on 2026-12-03" in subject
        assert f"the model {MODEL} read payment_plan" in subject

        answer(folder, "INV-1005", "We will pay on 30 November.")
        FakeModel.answer = json.dumps(
            {"intent": "promise_to_pay", "promised_date": "2026-11-30", "date_words": "30 November"}
        )
        agreed = run(folder, TUESDAY)
        assert agreed["snoozes"] == 1 and agreed["notices"] == 0
        assert any("2026-11-30" in n for n in notes(folder, "INV-1005"))
    finally:
        llm.pm.unregister(name=MODEL)
