"""PDFs that never pose as tax invoices, and a CSV row's own PDF (``pdf_path``).

The drawn PDF's text is read back with pdfminer.six. fpdf2 draws a right-to-left run
in visual order, so an Arabic line comes out reversed; the tests read it back
(``logical``) and compare with the words (``canon``).
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser
from pdfminer.utils import decode_text

from connectors.csvfile import FileLedger
from connectors.errors import LedgerRejected
from connectors.models import Contact, Invoice, InvoiceStatus
from connectors.pdf import STATEMENT_TITLES, find_font, render_invoice_pdf

FONT = find_font()
needs_font = pytest.mark.skipif(FONT is None, reason="DejaVu Sans is not installed")

HEADER = "invoice_id,number,status,currency,amount_due,due_date,contact_name,language,pdf_path"


def invoice(language: str) -> Invoice:
    return Invoice(
        id="dmo-0011",
        number="INV-1011",
        contact=Contact(
            id="C-2", name="Nakheel Trading Co.", emails=("a@x.sa",), language=language
        ),
        currency="SAR",
        total=Decimal("3000.00"),
        amount_due=Decimal("1200.00"),
        issue_date=date(2026, 10, 23),
        due_date=date(2026, 11, 22),
        status=InvoiceStatus.OPEN,
        reference="PO-7790",
        updated_at=datetime(2026, 11, 22, 6, tzinfo=UTC),
    )


ARABIC = re.compile("[\u0600-\u06ff]")


def canon(text: str) -> str:
    """``text`` with each lam-alef written alef-lam, as a reversed extraction gives it.

    fpdf2 draws a lam-alef ligature as one glyph mapped back to lam then alef, so
    reversing a drawn line turns it into alef-lam; compare both sides in that form.
    """
    return re.sub("ل([اأإآ])", r"\1ل", text)


def logical(line: str) -> str:
    """An extracted line in reading order: Arabic lines reversed, others as they are."""
    return line[::-1] if ARABIC.search(line) else line


def lines_of(document: bytes) -> list[str]:
    text = extract_text(io.BytesIO(document))
    return [line.strip() for line in text.splitlines() if line.strip()]


def title_of(document: bytes) -> str:
    """The document's title in its information dictionary (what a viewer's tab shows)."""
    [info] = PDFDocument(PDFParser(io.BytesIO(document))).info
    return decode_text(info["Title"])


def test_the_titles_say_what_the_page_is() -> None:
    assert STATEMENT_TITLES["en"] == (
        "Statement of amount due — copy for reference, not a tax invoice"
    )
    assert STATEMENT_TITLES["ar"] == "كشف بالمبلغ المستحق — نسخة للاطلاع، وليست فاتورة ضريبية"


@needs_font
def test_the_english_pdf_is_titled_a_statement_and_never_an_invoice() -> None:
    document = render_invoice_pdf(
        invoice("en"), business_name="Nakheel Trading Co.", payment_link=None, font=FONT
    )
    lines = lines_of(document)
    assert lines[:2] == ["Nakheel Trading Co.", STATEMENT_TITLES["en"]]
    assert "INV-1011" in lines  # a fact on the page, not its title
    rest = [line for line in lines if line != STATEMENT_TITLES["en"]]
    for line in rest:
        assert "tax invoice" not in line.lower(), line
        assert line.lower() not in ("invoice", "tax invoice", "bill to"), line
    assert title_of(document) == f"{STATEMENT_TITLES['en']} (INV-1011)"


@needs_font
def test_the_arabic_pdf_is_titled_a_statement_and_never_a_tax_invoice() -> None:
    document = render_invoice_pdf(
        invoice("ar"),
        business_name="Nakheel Trading Co.",
        payment_link=None,
        language="ar",
        font=FONT,
    )
    lines = lines_of(document)
    title = STATEMENT_TITLES["ar"]
    assert logical(lines[1]) == canon(title)  # drawn right to left, in visual order
    rest = [logical(line) for line in lines[2:]]
    for line in rest:
        assert "ضريبية" not in line, line
        assert line not in ("فاتورة", "فاتورة ضريبية", "فاتورة إلى"), line
    assert canon("رقم الفاتورة") in rest  # the invoice's number is named as such
    assert canon("العميل") in rest and "Nakheel Trading Co." in rest
    assert title_of(document) == f"{title} (INV-1011)"


def test_without_a_font_the_title_is_still_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("connectors.pdf.find_font", lambda: None)
    document = render_invoice_pdf(
        invoice("ar"),
        business_name="Nakheel",
        payment_link=None,
        language="ar",
        font=Path("/no/such/font.ttf"),
    )
    assert "Statement of amount due - copy for reference, not a tax invoice" in lines_of(document)


def ledger_with(tmp_path: Path, pdf_path: str, *, language: str = "ar") -> FileLedger:
    path = tmp_path / "books" / "invoices.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        HEADER,
        f"id-1,INV-1,open,SAR,100.00,2026-11-01,Nakheel Trading Co.,{language},{pdf_path}",
        f"id-2,INV-2,open,SAR,200.00,2026-11-01,Blue Harbor,{language},",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return FileLedger(path, business_name="Nakheel Trading Co.")


OWN = b"%PDF-1.7\n% the ledger's own tax invoice\n" + bytes(range(256)) + b"\n%%EOF\n"


@pytest.mark.parametrize("absolute", [False, True])
def test_a_row_pdf_path_is_attached_byte_for_byte(tmp_path: Path, absolute: bool) -> None:
    own = tmp_path / "books" / "pdfs" / "INV-1.pdf"
    own.parent.mkdir(parents=True)
    own.write_bytes(OWN)
    ledger = ledger_with(tmp_path, str(own) if absolute else "pdfs/INV-1.pdf")
    first, second = ledger.get_invoices(["id-1", "id-2"])
    assert ledger.fetch_pdf(first) == OWN
    assert not ledger.draws_pdf(first)
    assert ledger.draws_pdf(second)  # no pdf_path: a drawn statement
    assert ledger.fetch_pdf(second).startswith(b"%PDF") and ledger.fetch_pdf(second) != OWN
    assert ledger.pdf_problems() == []


def test_a_missing_file_is_an_error_naming_the_line_the_path_and_the_invoice(
    tmp_path: Path,
) -> None:
    ledger = ledger_with(tmp_path, "pdfs/INV-1.pdf")
    first, second = ledger.get_invoices(["id-1", "id-2"])
    with pytest.raises(LedgerRejected) as caught:
        ledger.fetch_pdf(first)
    message = str(caught.value)
    assert "invoices.csv:2: pdf_path: 'pdfs/INV-1.pdf'" in message
    assert str(tmp_path / "books" / "pdfs" / "INV-1.pdf") in message
    assert "(invoice INV-1)" in message and "clear the cell" in message
    assert caught.value.disposition == "skip"  # the run goes on with the others
    assert ledger.fetch_pdf(second).startswith(b"%PDF")
    [problem] = ledger.pdf_problems()
    assert problem == message.removeprefix("csv: ")


def test_a_file_that_is_not_a_pdf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "INV-1.pdf").write_text("<html>not a pdf</html>", encoding="utf-8")
    ledger = ledger_with(tmp_path, "INV-1.pdf")
    [first] = ledger.get_invoices(["id-1"])
    with pytest.raises(LedgerRejected, match=r"invoices.csv:2: pdf_path: .* is not a PDF"):
        ledger.fetch_pdf(first)


def test_a_folder_is_not_readable_as_a_pdf(tmp_path: Path) -> None:
    (tmp_path / "books" / "pdfs").mkdir(parents=True)
    ledger = ledger_with(tmp_path, "pdfs")
    [first] = ledger.get_invoices(["id-1"])
    with pytest.raises(LedgerRejected, match=r"invoices.csv:2: pdf_path: 'pdfs': cannot read"):
        ledger.fetch_pdf(first)


def test_the_files_of_paid_invoices_are_not_checked(tmp_path: Path) -> None:
    ledger = ledger_with(tmp_path, "pdfs/INV-1.pdf")
    path = ledger.path
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "id-1,INV-1,open,SAR,100.00", "id-1,INV-1,paid,SAR,0.00"
        ),
        encoding="utf-8",
    )
    assert ledger.pdf_problems() == []


class _OwnPdfLedger:
    """Like Xero and QuickBooks: ``fetch_pdf`` gives the invoice the ledger issued."""

    def fetch_pdf(self, invoice: Invoice) -> bytes:
        return OWN


@pytest.mark.parametrize("own_file", [False, True])
def test_the_attachment_is_named_for_what_it_is(tmp_path: Path, own_file: bool) -> None:
    from sync.run.messages import Composer

    if own_file:
        (tmp_path / "books").mkdir()
        (tmp_path / "books" / "INV-1.pdf").write_bytes(OWN)
    csv_ledger = ledger_with(tmp_path, "INV-1.pdf" if own_file else "")
    [first] = csv_ledger.get_invoices(["id-1"])
    action = SimpleNamespace(attach_pdf=True)
    name = "Invoice-INV-1.pdf" if own_file else "Statement-INV-1.pdf"
    for ledger, expected in [(csv_ledger, name), (_OwnPdfLedger(), "Invoice-INV-1.pdf")]:
        composer = Composer(SimpleNamespace(ledger=ledger))  # type: ignore[arg-type]
        [attachment] = composer._attachments(action, first)  # type: ignore[arg-type]
        assert attachment.filename == expected
