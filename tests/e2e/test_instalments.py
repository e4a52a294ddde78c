"""Instalment plans on the CSV ledger, through the CLI: record, confirm, remind, lapse, end.

The demo's ledger, runs on chosen days (``--today``), the Maildir's Sent folder and the
ledger's notes file: what the customer got, once each, and what the ledger says.
"""

from __future__ import annotations

import csv
import mailbox
from collections import Counter
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)  # a Monday; Friday and Saturday are the demo's weekend
runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    where = tmp_path / "d"
    demo.install(where, anchor=ANCHOR, mode="live")
    return where


def cli(folder: Path, *args: str, code: int | None = 0):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, [*args, "-c", str(folder / "tahseel.yaml")])
    if code is not None:
        assert result.exit_code == code, result.output
    return result


def run(folder: Path, day: str) -> None:
    result = cli(folder, "run", "--today", day, code=None)
    assert result.exit_code in (0, 1), result.output  # the demo skips a customer without email


def sent(folder: Path, number: str) -> list[EmailMessage]:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    parse = BytesParser(policy=policy.default).parsebytes
    messages = [parse(box.get_folder("Sent").get_bytes(k)) for k in box.get_folder("Sent").keys()]
    mine = [m for m in messages if m["X-Tahseel-Invoice"] == number]
    return sorted(mine, key=lambda m: m["Date"].datetime)


def stages(folder: Path, number: str) -> list[str]:
    return [f"{m['X-Tahseel-Stage']}:{m['X-Tahseel-Cycle']}" for m in sent(folder, number)]


def notes(folder: Path, number: str) -> list[str]:
    path = folder / "demo" / "invoices.notes.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return [r["text"] for r in csv.DictReader(handle) if r["invoice_number"] == number]


def pay(folder: Path, number: str, amount_due: str) -> None:
    """The customer pays: the ledger's amount due drops (to zero: paid)."""
    path = folder / "demo" / "invoices.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["number"] == number:
            row["amount_due"] = amount_due
            if amount_due == "0.00":
                row["status"], row["paid_date"] = "paid", "2026-11-24"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields or [])
        writer.writeheader()
        writer.writerows(rows)


def test_a_plan_is_confirmed_reminded_and_lapses_to_the_final_notice(folder):
    # Already at the demo's overdue rung before the plan (its reply asked for instalments).
    run(folder, "2026-11-23")
    before = stages(folder, "INV-1006")
    on = ("--on", "2026-11-30:5000", "--on", "2026-12-14:5000", "--on", "2026-12-28:8975")
    cli(folder, "instalments", "INV-1006", *on, "--today", "2026-11-23")
    for day in ("2026-11-24", "2026-11-26", "2026-11-29", "2026-11-30"):
        run(folder, day)
    pay(folder, "INV-1006", "13975.00")  # the first instalment, paid
    listed = cli(folder, "instalments", "--list", "--today", "2026-12-01").output
    assert "INV-1006  plan 1  running  paid 1 of 3  next: 2026-12-14 SAR 5000" in listed
    for day in ("2026-12-01", "2026-12-13", "2026-12-14", "2026-12-15", "2026-12-21"):
        run(folder, day)
    status = cli(folder, "status", "--today", "2026-12-21").output
    assert "INV-1006  plan 1  running  paid 1 of 3  next: 2026-12-14 SAR 5000  missed" in status
    run(folder, "2026-12-22")  # 14 December + 7 grace days has passed: the plan lapses
    run(folder, "2026-12-23")

    assert stages(folder, "INV-1006")[len(before) :] == [
        "plan_confirmed:1",
        "instalment_soon:1001",  # 30 Nov - 3 is a Friday: Sunday 29th
        "instalment_due:1001",
        "instalment_soon:1002",
        "instalment_due:1002",
        "instalment_missed:1002",
        "final:0",
    ]
    mail = sent(folder, "INV-1006")
    confirmation = mail[len(before)]
    assert confirmation["In-Reply-To"] == mail[len(before) - 1]["Message-ID"]  # its thread
    html = confirmation.get_body(("html",)).get_content()
    text = confirmation.get_body(("plain",)).get_content()
    assert 'dir="rtl"' in html and "خطة السداد" in text
    for amount in ("5,000.00", "8,975.00"):
        assert amount in text and amount in html
    for day in ("30 نوفمبر 2026", "14 ديسمبر 2026", "28 ديسمبر 2026"):
        assert day in text and day in html
    assert "القسط 2 من 3" in mail[len(before) + 5].get_body(("plain",)).get_content()
    assert len(list(mail[-1].iter_attachments())) == 1  # the final notice's PDF
    written = notes(folder, "INV-1006")
    ours = [n for n in written if "instalment" in n]
    assert len(ours) == 7 and len(set(ours)) == 7
    ended = [n for n in written if "instalment plan ended" in n]
    assert ended == [
        "Tahseel: instalment plan ended (plan 1: instalment 2 of 3 (SAR 5000, 2026-12-14) not"
        " paid within 7 days; the ladder resumes at 'final'). 2026-12-22 05:00 UTC."
    ]
    assert sum("'final' reminder" in n for n in written) == 1
    listed = cli(folder, "instalments", "--list", "--today", "2026-12-23").output
    assert "INV-1006  plan 1  ended (missed, 2026-12-22)" in listed


def test_paid_in_full_the_plan_ends_and_the_customer_is_thanked(folder):
    cli(
        folder,
        "instalments",
        "INV-1003",
        "--parts",
        "2",
        "--first",
        "2026-12-06",
        "--today",
        "2026-11-23",
    )
    run(folder, "2026-11-23")
    assert stages(folder, "INV-1003") == ["plan_confirmed:1"]
    pay(folder, "INV-1003", "0.00")
    run(folder, "2026-11-24")
    assert stages(folder, "INV-1003") == ["plan_confirmed:1", "thank_you:0"]
    listed = cli(folder, "instalments", "--list", "--today", "2026-11-24").output
    assert "INV-1003  plan 1  ended (paid" in listed


def test_cancelled_the_ladder_goes_on_and_the_note_says_so(folder):
    result = cli(
        folder, "instalments", "INV-1002", "--parts", "3", "--first", "2026-12-01",
        "--every", "15", "--today", "2026-11-23",
    )  # fmt: skip
    # 2,400.00 in three: 800.00 each; the remainder (none here) would go on the last.
    assert "1. 2026-12-01  USD 800.00" in result.output
    assert "3. 2026-12-31  USD 800.00" in result.output
    run(folder, "2026-11-23")
    confirmation = sent(folder, "INV-1002")[-1]
    text = confirmation.get_body(("plain",)).get_content()
    assert "Instalment plan confirmed" in text and "December 16, 2026" in text
    cli(folder, "instalments", "INV-1002", "--cancel", "--today", "2026-11-24")
    again = cli(folder, "instalments", "INV-1002", "--cancel", code=2)
    assert "INV-1002 has no instalment plan running" in again.output
    run(folder, "2026-11-24")
    written = notes(folder, "INV-1002")
    assert sum("plan 1 cancelled by a person" in n for n in written) == 1
    run(folder, "2026-11-29")
    # The ladder, from its rung: Blue Harbor follows key_accounts, so its statement
    # (cycle: the day) lists INV-1002 at the overdue rung.
    assert stages(folder, "INV-1002")[-1] == f"overdue:{date(2026, 11, 29).toordinal()}"


def test_equal_parts_put_the_remainder_on_the_last(folder):
    result = cli(
        folder,
        "instalments",
        "INV-1004",
        "--parts",
        "3",
        "--first",
        "2026-12-01",
        "--today",
        "2026-11-23",
    )
    assert "1. 2026-12-01  SAR 2606.66" in result.output
    assert "2. 2026-12-31  SAR 2606.66" in result.output
    assert "3. 2027-01-30  SAR 2606.68" in result.output
    again = cli(
        folder, "instalments", "INV-1004", "--parts", "2", "--first", "2026-12-01",
        "--today", "2026-11-23", code=2,
    )  # fmt: skip
    assert "INV-1004 already has instalment plan 1; cancel it first" in again.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("INV-9999", "--parts", "2", "--first", "2026-12-01"),
            "no open invoice numbered 'INV-9999'",
        ),
        (
            ("INV-1004", "--on", "2026-12-01:100", "--on", "2026-12-20:200"),
            "INV-1004: the instalments add up to SAR 300, but SAR 7820.00 is due; make them"
            " add up to 7820.00",
        ),
        (("INV-1004", "--on", "2026-12-01:7820.001"), "in whole 0.01 SAR"),
        (("INV-1004", "--on", "1 Dec:7820"), "expected DATE:AMOUNT"),
        (("INV-1004", "--parts", "2", "--first", "2026-11-01"), "is before today (2026-11-23)"),
        (("INV-1004", "--parts", "1", "--first", "2026-12-01"), "a plan has 2 to 60 instalments"),
        (("INV-1004",), "say how to split SAR 7820.00"),
        (
            ("INV-1004", "--parts", "2", "--first", "2026-12-01", "--on", "2026-12-01:7820"),
            "either --parts",
        ),
    ],
)
def test_a_plan_that_does_not_fit_is_refused(folder, args, says):
    result = cli(folder, "instalments", *args, "--today", "2026-11-23", code=2)
    assert says in result.output


def test_an_ambiguous_number_is_refused_as_pause_refuses_it(folder):
    path = folder / "demo" / "invoices.csv"
    lines = path.read_text("utf-8").splitlines()
    twin = next(line for line in lines if ",INV-1004," in line).replace("dmo-0004", "dmo-0404")
    path.write_text("\n".join([*lines, twin]) + "\n", "utf-8")
    result = cli(folder, "instalments", "INV-1004", "--parts", "2", "--first", "2026-12-01", code=2)
    assert "'INV-1004' names 2 open invoices" in result.output and "dmo-0404" in result.output
    by_id = cli(
        folder,
        "instalments",
        "dmo-0404",
        "--parts",
        "2",
        "--first",
        "2026-12-01",
        "--today",
        "2026-11-23",
    )
    assert "instalment plan 1 recorded" in by_id.output


def test_recording_a_plan_lifts_the_pause_of_a_payment_plan_request(folder):
    run(folder, "2026-11-23")
    cli(folder, "pause", "INV-1005", "--reason", "the customer asks to pay in instalments")
    result = cli(
        folder,
        "instalments",
        "INV-1005",
        "--parts",
        "2",
        "--first",
        "2026-12-06",
        "--today",
        "2026-11-24",
    )
    assert "the pause (the customer asks to pay in instalments) is lifted" in result.output
    run(folder, "2026-11-24")
    assert stages(folder, "INV-1005")[-1] == "plan_confirmed:1"
    run(folder, "2026-11-25")
    assert Counter(stages(folder, "INV-1005"))["plan_confirmed:1"] == 1
