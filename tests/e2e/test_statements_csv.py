"""One statement per customer on the CSV ledger, through the CLI on the demo's data.

The demo's Blue Harbor Logistics (C-002) follows ``key_accounts`` (``grouping:
customer``): its two invoices go in one statement, ``plan`` shows the statement as one
line naming both, ``status`` marks the stage each reached by a statement, and the
final-notice statement attaches a statement PDF (not a tax invoice). A customer who
reads Arabic gets its statement right to left.
"""

from __future__ import annotations

import csv
import io
import json
import mailbox
import re
from datetime import date, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

from typer.testing import CliRunner

from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)  # a Monday in Riyadh
runner = CliRunner()


def install(tmp_path: Path) -> Path:
    demo.install(tmp_path / "d", anchor=ANCHOR)
    return tmp_path / "d"


def cli(folder: Path, *args: str):
    return runner.invoke(app, [*args, "--config", str(folder / "tahseel.yaml")])


def statements(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    sent = box.get_folder("Sent")
    parser = BytesParser(policy=policy.default)
    found = [parser.parsebytes(sent.get_bytes(key)) for key in sent.keys()]
    return sorted((m for m in found if m["X-Tahseel-Statement"]), key=lambda m: m["Date"].datetime)


def test_plan_shows_one_line_per_statement_and_status_marks_its_invoices(tmp_path):
    folder = install(tmp_path)
    plan = cli(folder, "plan", "--today", ANCHOR.isoformat())
    assert plan.exit_code in (0, 1), plan.output
    assert "INV-1011 (statement: INV-1011, INV-1002)" in plan.output
    assert cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 1
    status = cli(folder, "status", "--csv", "--today", ANCHOR.isoformat())
    rows = {r["invoice"]: r for r in csv.DictReader(io.StringIO(status.output))}
    assert rows["INV-1002"]["stage"] == "overdue (statement)"
    assert rows["INV-1011"]["stage"] == "overdue (statement)"
    assert rows["INV-1002"]["policy"] == "key_accounts"
    assert rows["INV-1003"]["stage"] == "overdue"  # a reminder of its own


def test_the_final_notice_statement_attaches_a_statement_pdf(tmp_path):
    folder = install(tmp_path)
    days = (0, 7, 14, 21, 30)  # Monday's statement, the weekly ones, the final notice
    for offset in days:
        result = cli(folder, "run", "--today", (ANCHOR + timedelta(days=offset)).isoformat())
        assert result.exit_code in (0, 1), result.output
    sent = statements(folder)
    assert [str(m["X-Tahseel-Stage"]) for m in sent] == [
        "overdue",
        "weekly",
        "weekly",
        "weekly",
        "final",
    ]
    assert all(str(m["X-Tahseel-Statement"]) == "INV-1011, INV-1002" for m in sent)
    final = sent[-1]
    (pdf,) = list(final.iter_attachments())
    assert pdf.get_filename() == f"Statement-{ANCHOR + timedelta(days=30)}.pdf"
    data = pdf.get_content()
    assert data.startswith(b"%PDF") and b"Statement of account" in data.replace(b"\x00", b"")
    text = final.get_body(("plain",)).get_content()
    assert "final notice" in text and "statement listing these invoices is attached" in text
    assert all(not list(m.iter_attachments()) for m in sent[:-1])  # only the final's PDF
    # Every statement continues the first one's thread.
    first = sent[0]["Message-ID"]
    assert all(first in str(m["References"]) for m in sent[1:])
    status = cli(folder, "status", "--csv", "--today", (ANCHOR + timedelta(days=30)).isoformat())
    rows = {r["invoice"]: r for r in csv.DictReader(io.StringIO(status.output))}
    assert rows["INV-1011"]["stage"] == "final (statement)"


def test_a_customer_who_reads_arabic_gets_its_statement_right_to_left(tmp_path):
    folder = install(tmp_path)
    config = folder / "tahseel.yaml"
    text = config.read_text("utf-8")
    text = re.sub(
        r"(?m)^  C-002: key_accounts", "  C-002: key_accounts\n  C-001: key_accounts", text
    )
    config.write_text(text, "utf-8")
    thursday = ANCHOR + timedelta(days=3)  # INV-1001 of C-001 falls due
    plan = json.loads(cli(folder, "plan", "--json", "--today", thursday.isoformat()).output)
    grouped = [r for r in plan["actions"] if r["customer"] == "شركة الفيصل للمقاولات"]
    assert [(r["action"], r["stage"], r["statement"]) for r in grouped] == [
        ("send_statement", "due", ["INV-1001", "INV-1012"])
    ]
    assert cli(folder, "run", "--today", thursday.isoformat()).exit_code in (0, 1)
    (arabic,) = [m for m in statements(folder) if "INV-1001" in str(m["X-Tahseel-Statement"])]
    assert arabic["Subject"] == "كشف حساب من Nakheel Trading Co."
    html = arabic.get_body(("html",)).get_content()
    assert 'dir="rtl"' in html and "إجمالي المستحق (SAR)" in html
    assert "https://pay.nakheel.example/invoices/INV-1012" in html


def test_with_the_state_lost_the_statement_keeps_its_message_id_and_is_not_sent_again(
    tmp_path,
):
    # The Maildir stores a Message-ID once: a statement whose Message-ID changed between
    # runs would be there twice. (Gmail, which does not, in test_statements_ledgers.py.)
    folder = install(tmp_path)
    assert cli(folder, "run", "--today", ANCHOR.isoformat()).exit_code == 1
    (folder / "tahseel-state.db").unlink()
    again = cli(folder, "run", "--today", ANCHOR.isoformat(), "--json")
    assert again.exit_code == 1, again.output
    assert json.loads(again.output)["reconciled"] >= 1
    assert len(statements(folder)) == 1
    listed = [
        n
        for n in csv.DictReader(
            io.StringIO((folder / "demo" / "invoices.notes.csv").read_text("utf-8"))
        )
        if "statement" in n["text"]
    ]
    assert sorted(n["invoice_number"] for n in listed) == ["INV-1002", "INV-1011"]
