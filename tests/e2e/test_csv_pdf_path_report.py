"""The demo's CSV ledger end to end: the drawn statement, a row's own PDF, a missing one.

On the demo's anchor day INV-1004's customer has asked for the invoice again, so the
run resends it with a PDF attached (the only attaching message that day).
"""

from __future__ import annotations

import csv
import io
import mailbox
from datetime import date
from email import policy
from email.parser import BytesParser
from pathlib import Path

from pdfminer.high_level import extract_text
from typer.testing import CliRunner

from connectors.pdf import STATEMENT_TITLES
from sync.cli import app, demo

ANCHOR = date(2026, 11, 23)
runner = CliRunner()
OWN = b"%PDF-1.7\n% INV-1004 as the accounting system issued it\n" + bytes(range(256)) + b"%%EOF\n"


def install(tmp_path: Path, pdf_path: str | None = None) -> Path:
    folder = tmp_path / "d"
    demo.install(folder, anchor=ANCHOR)
    if pdf_path is not None:
        ledger = folder / "demo" / "invoices.csv"
        rows = list(csv.DictReader(ledger.open(encoding="utf-8", newline="")))
        columns = [*rows[0], "pdf_path"]
        for row in rows:
            row["pdf_path"] = pdf_path if row["number"] == "INV-1004" else ""
        with ledger.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return folder


def cli(folder: Path, *args: str):
    return runner.invoke(app, [*args, "--config", str(folder / "tahseel.yaml")])


def sent_today(folder: Path) -> list:
    box = mailbox.Maildir(folder / "demo" / "mailbox", factory=None, create=False)
    sent = box.get_folder("Sent")
    parser = BytesParser(policy=policy.default)
    messages = [parser.parsebytes(sent.get_bytes(key)) for key in sent.keys()]
    return [m for m in messages if m["Date"].datetime.date() == ANCHOR]


def pdfs_of(message) -> list[tuple[str, bytes]]:
    return [
        (part.get_filename(), part.get_content())
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    ]


def test_a_drawn_pdf_goes_out_as_a_statement_in_the_customers_language(tmp_path):
    folder = install(tmp_path)
    result = cli(folder, "run", "--today", ANCHOR.isoformat())
    assert result.exit_code == 1, result.output  # the demo's customer without an address
    resend = next(m for m in sent_today(folder) if m["X-Tahseel-Invoice"] == "INV-1004")
    [(name, data)] = pdfs_of(resend)
    assert name == "Statement-INV-1004.pdf"
    text = extract_text(io.BytesIO(data))
    lines = [line.strip()[::-1] for line in text.splitlines() if line.strip()]
    # The customer writes Arabic; a lam-alef ligature comes back in logical order.
    assert STATEMENT_TITLES["ar"].replace("لا", "ال") in lines
    assert "ضريبية" not in "".join(lines).replace(STATEMENT_TITLES["ar"].replace("لا", "ال"), "")


def test_a_rows_own_pdf_is_attached_byte_for_byte_as_the_invoice(tmp_path):
    folder = install(tmp_path, "pdfs/INV-1004.pdf")
    (folder / "demo" / "pdfs").mkdir()
    (folder / "demo" / "pdfs" / "INV-1004.pdf").write_bytes(OWN)
    assert cli(folder, "check").exit_code == 0
    result = cli(folder, "run", "--today", ANCHOR.isoformat())
    assert result.exit_code == 1, result.output
    resend = next(m for m in sent_today(folder) if m["X-Tahseel-Invoice"] == "INV-1004")
    assert pdfs_of(resend) == [("Invoice-INV-1004.pdf", OWN)]


def test_a_missing_pdf_stops_that_invoice_only_and_check_and_doctor_name_it(tmp_path):
    folder = install(tmp_path, "pdfs/INV-1004.pdf")
    expected = "invoices.csv:5: pdf_path: 'pdfs/INV-1004.pdf': cannot read"
    where = str(folder / "demo" / "pdfs" / "INV-1004.pdf")

    check = cli(folder, "check")
    assert check.exit_code == 2, check.output
    assert expected in check.output and where in check.output
    doctor = cli(folder, "doctor")
    assert "invoice PDFs" in doctor.output and expected in doctor.output.replace("\n", "")

    result = cli(folder, "run", "--today", ANCHOR.isoformat())
    assert result.exit_code == 1, result.output
    assert "INV-1004" in result.output and "pdf_path" in result.output
    # The customers' mail (INV-1014's dossier goes to the business's own people).
    numbers = sorted(str(m["X-Tahseel-Invoice"]) for m in sent_today(folder) if not dossier(m))
    assert "INV-1004" not in numbers  # nothing sent without its attachment
    # INV-1002 waits a day for its customer's INV-1011 (one reminder a customer a day).
    assert numbers == ["INV-1001", "INV-1003", "INV-1005", "INV-1006", "INV-1011"]

    # The file arrives: the next run sends the resend it could not send.
    (folder / "demo" / "pdfs").mkdir()
    (folder / "demo" / "pdfs" / "INV-1004.pdf").write_bytes(OWN)
    again = cli(folder, "run", "--today", ANCHOR.isoformat())
    assert again.exit_code == 1, again.output
    resend = next(m for m in sent_today(folder) if m["X-Tahseel-Invoice"] == "INV-1004")
    assert pdfs_of(resend) == [("Invoice-INV-1004.pdf", OWN)]


def dossier(message) -> bool:  # type: ignore[no-untyped-def]
    """True for an escalation's dossier, which goes to the business, not the customer."""
    return message["X-Tahseel-Dossier"] is not None
