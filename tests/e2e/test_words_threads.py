"""Thread subjects and truthful words on the CSV ledger, through the real CLI (the demo).

Every message of an invoice carries one neutral subject (the first one's, answered with
``Re:``) and says in its first line what it is about; a thread already on record keeps
the subject it was started with; what a reminder says of the customer's replies is what
the state store holds.
"""

from __future__ import annotations

import mailbox
import re
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mailer.bidi import FSI, PDI
from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)
DAYS = ("2026-11-23", "2026-11-30", "2026-12-07", "2026-12-14", "2026-12-21")
NEUTRAL = re.compile(
    r"^(?:Re: )?(?:Invoice (INV-\d+) from|الفاتورة (INV-\d+) من) Nakheel Trading Co\.$"
)
runner = CliRunner()


def sent(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    parser = BytesParser(policy=policy.default)
    sent_box = box.get_folder("Sent")
    return sorted(
        (parser.parsebytes(sent_box.get_bytes(k)) for k in sent_box.keys()),
        key=lambda m: m["Date"].datetime,
    )


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace(FSI, "").replace(PDI, "")


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> list:
    """Everything the demo business sent over five weekly runs, oldest first."""
    folder = tmp_path_factory.mktemp("words") / "d"
    demo.install(folder, anchor=ANCHOR)
    for day in DAYS:
        result = runner.invoke(
            app, ["run", "--today", day, "--config", str(folder / "tahseel.yaml")]
        )
        assert result.exit_code in (0, 1), result.output
    return sent(folder)


def test_threads_keep_one_neutral_subject_and_say_what_each_message_is(messages) -> None:
    # The customers' mail: an escalation's dossier goes to the business's own people.
    ours = [
        m
        for m in messages
        if m["Date"].datetime.date() >= ANCHOR and m["X-Tahseel-Dossier"] is None
    ]
    by_invoice: dict[str, list] = {}
    for m in ours:
        if m["X-Tahseel-Statement"] is None:  # a customer's statements: checked below
            by_invoice.setdefault(m["X-Tahseel-Invoice"], []).append(m)
    assert len(ours) >= 15 and len(by_invoice) >= 6
    for number, thread in by_invoice.items():
        if number == "INV-1004":
            continue  # a thread from before, checked below
        first = NEUTRAL.match(str(thread[0]["Subject"]))
        assert first and number in first.groups(), thread[0]["Subject"]
        assert not str(thread[0]["Subject"]).startswith("Re: ")
        for later in thread[1:]:
            assert str(later["Subject"]) == f"Re: {thread[0]['Subject']}"
    stages = {(m["X-Tahseel-Invoice"], m["X-Tahseel-Stage"]): m for m in ours}
    assert text_of(stages["INV-1001", "courtesy"]).startswith("تذكير ودي: الفاتورة رقم INV-1001")
    # Blue Harbor Logistics (key_accounts, grouping: customer) gets its statements in one
    # thread of their own, the first line saying which rung each is.
    statements = [m for m in ours if m["X-Tahseel-Statement"] is not None]
    assert len(statements) >= 3
    assert str(statements[0]["Subject"]) == "Statement of account from Nakheel Trading Co."
    for later in statements[1:]:
        assert str(later["Subject"]) == f"Re: {statements[0]['Subject']}"
    first = text_of(statements[0]).splitlines()[0]
    assert first == "Statement of account: invoices overdue"
    assert text_of(statements[1]).splitlines()[0] == "Follow-up: statement of account"
    assert text_of(stages["INV-1003", "weekly"]).startswith("متابعة: الفاتورة رقم INV-1003")


def test_a_thread_on_record_keeps_the_subject_it_was_started_with(messages) -> None:
    thread = [m for m in messages if m["X-Tahseel-Invoice"] == "INV-1004"]
    started = str(thread[0]["Subject"])
    assert started.startswith("تذكير: الفاتورة INV-1004")  # the demo's reminder from before
    assert len(thread) >= 3
    assert all(str(m["Subject"]) == f"Re: {started}" for m in thread[1:])


def test_a_reminder_says_no_reply_came_only_to_a_customer_who_did_not_reply(messages) -> None:
    silent = "دون أن يصلنا ردّكم"
    weekly = {
        (m["X-Tahseel-Invoice"], m["X-Tahseel-Cycle"]): text_of(m)
        for m in messages
        if m["X-Tahseel-Stage"] == "weekly"
    }
    # INV-1004's customer wrote that the invoice never arrived: a reply is on record
    replied = [t for (number, _), t in weekly.items() if number == "INV-1004"]
    assert replied and all(silent not in t and "ونشكركم على تواصلكم" in t for t in replied)
    # INV-1003's customer never answered: after two reminders, the weekly says so
    assert silent not in weekly["INV-1003", "0"]  # one reminder before it: not "more than once"
    assert silent in weekly["INV-1003", "1"]
