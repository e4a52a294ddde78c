"""A plain statement of the amount due, in English or Arabic, for ledgers that draw no PDF.

The page is titled as what it is, "Statement of amount due — copy for reference, not a
tax invoice" (``STATEMENT_TITLES``), never "Invoice": in Saudi Arabia a tax invoice has
a legal form (ZATCA e-invoicing: the seller's VAT number, a QR code and more) that a
page drawn from a CSV row cannot have, and a customer or an auditor must not take it
for one.

With a Unicode TrueType font (DejaVu Sans covers Latin and Arabic) the text goes
through HarfBuzz shaping, so Arabic letters join and run right to left. Without
one, the page falls back to the PDF core font Helvetica: Arabic labels become
English ones and any character outside Latin-1 becomes ``?``, so a PDF is always
produced. The same invoice always gives the same bytes: the document date is the
invoice's issue date, never the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from connectors.models import Invoice

FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/local/share/fonts/DejaVuSans.ttf"),
    Path("/usr/local/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/opt/homebrew/share/fonts/DejaVuSans.ttf"),
    Path("/Library/Fonts/DejaVuSans.ttf"),
)
"""Where DejaVu Sans usually lives on Debian/Ubuntu, Fedora, Arch, BSD and macOS."""

logger = logging.getLogger(__name__)

STATEMENT_TITLES: dict[str, str] = {
    "en": "Statement of amount due — copy for reference, not a tax invoice",
    "ar": "كشف بالمبلغ المستحق — نسخة للاطلاع، وليست فاتورة ضريبية",
}
"""The title of every PDF Tahseel draws, per language."""

_FONT_FAMILY = "tahseel-sans"
_LINE = 7.0


@dataclass(frozen=True, slots=True)
class _Labels:
    title: str
    number: str
    issue_date: str
    due_date: str
    bill_to: str
    reference: str
    total: str
    paid: str
    due: str
    currency: str
    pay_online: str


_LABELS: dict[str, _Labels] = {
    "en": _Labels(
        title=STATEMENT_TITLES["en"],
        number="Invoice number",
        issue_date="Issue date",
        due_date="Due date",
        bill_to="Customer",
        reference="Reference",
        total="Total",
        paid="Amount paid",
        due="Amount due",
        currency="Currency",
        pay_online="Pay online",
    ),
    "ar": _Labels(
        title=STATEMENT_TITLES["ar"],
        number="رقم الفاتورة",
        issue_date="تاريخ الإصدار",
        due_date="تاريخ الاستحقاق",
        bill_to="العميل",
        reference="المرجع",
        total="الإجمالي",
        paid="المبلغ المدفوع",
        due="المبلغ المستحق",
        currency="العملة",
        pay_online="رابط الدفع",
    ),
}


def find_font() -> Path | None:
    """Find DejaVu Sans among the usual system font folders.

    Returns:
        The path of ``DejaVuSans.ttf``, or ``None`` when it is not installed.
    """
    for candidate in FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    return None


def render_invoice_pdf(
    invoice: Invoice,
    *,
    business_name: str,
    payment_link: str | None,
    language: str = "en",
    font: Path | None = None,
) -> bytes:
    """Draw one invoice's statement of the amount due as a one-page A4 PDF.

    The page is titled ``STATEMENT_TITLES[language]``; the invoice number is one of
    its facts, not its title.

    Args:
        invoice: The invoice to show.
        business_name: The seller's name, printed at the top.
        payment_link: Where to pay, printed (and clickable) at the bottom; omitted if None.
        language: ``ar`` for Arabic labels laid out right to left; anything else is English.
        font: A Unicode TrueType font; when None or missing, :func:`find_font` is
            tried, then Helvetica.

    Returns:
        The PDF document.
    """
    font_path = font if font is not None and font.is_file() else find_font()
    pdf, unicode_font = _new_document(invoice, font_path)
    rtl = language == "ar" and unicode_font
    page = _Page(unicode_font=unicode_font, rtl=rtl)
    labels = _LABELS["ar" if rtl else "en"]
    pdf.set_title(f"{labels.title} ({invoice.number})")
    page.write_header(pdf, business_name, labels.title)
    page.write_details(pdf, invoice, labels)
    page.write_amounts(pdf, invoice, labels)
    if payment_link:
        page.write_link(pdf, labels.pay_online, payment_link)
    return bytes(pdf.output())


def _new_document(invoice: Invoice, font_path: Path | None) -> tuple[FPDF, bool]:
    """Start the document; the flag says whether the Unicode font could be loaded."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(datetime.combine(invoice.issue_date, time(), tzinfo=UTC))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(left=18, top=18, right=18)
    unicode_font = font_path is not None and _load_font(pdf, font_path)
    if unicode_font:
        pdf.set_text_shaping(True)
        pdf.set_font(_FONT_FAMILY, size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    return pdf, unicode_font


def _load_font(pdf: FPDF, font_path: Path) -> bool:
    try:
        pdf.add_font(_FONT_FAMILY, "", str(font_path))
    except Exception:  # noqa: BLE001 - a broken font file must not cost the customer the PDF
        logger.warning("cannot load font %s; falling back to Helvetica", font_path)
        return False
    return True


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


@dataclass(frozen=True, slots=True)
class _Page:
    """Writes the parts of the page, mirroring the layout for right-to-left text."""

    unicode_font: bool
    rtl: bool

    @property
    def align(self) -> str:
        return "R" if self.rtl else "L"

    def text(self, value: str) -> str:
        """Make ``value`` printable with the current font."""
        if self.unicode_font:
            return value
        return value.encode("latin-1", errors="replace").decode("latin-1")

    def line(self, pdf: FPDF, value: str, *, size: float = 11, link: str = "") -> None:
        pdf.set_font_size(size)
        pdf.cell(
            w=0,
            h=_LINE * size / 11,
            text=self.text(value),
            align=self.align,
            link=link,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def write_header(self, pdf: FPDF, business_name: str, title: str) -> None:
        self.line(pdf, business_name, size=18)
        pdf.ln(2)
        pdf.set_font_size(13)
        if not self.unicode_font:
            title = title.replace("—", "-")  # not "?": Helvetica has no em dash
        pdf.multi_cell(
            w=0, h=_LINE * 13 / 11, text=self.text(title), align=self.align, new_x=XPos.LMARGIN
        )
        pdf.ln(3)

    def write_details(self, pdf: FPDF, invoice: Invoice, labels: _Labels) -> None:
        rows = [
            (labels.number, invoice.number),
            (labels.issue_date, invoice.issue_date.isoformat()),
            (labels.due_date, invoice.due_date.isoformat()),
            (labels.bill_to, invoice.contact.name),
        ]
        if invoice.reference:
            rows.append((labels.reference, invoice.reference))
        for label, value in rows:
            self.row(pdf, [label, value], widths=[45, pdf.epw - 45])
        pdf.ln(6)

    def write_amounts(self, pdf: FPDF, invoice: Invoice, labels: _Labels) -> None:
        paid = invoice.total - invoice.amount_due
        width = pdf.epw / 4
        headings = [labels.total, labels.paid, labels.due, labels.currency]
        values = [_money(invoice.total), _money(paid), _money(invoice.amount_due)]
        values.append(invoice.currency)
        self.row(pdf, headings, widths=[width] * 4, border=1, fill=True)
        self.row(pdf, values, widths=[width] * 4, border=1)
        pdf.ln(8)

    def write_link(self, pdf: FPDF, label: str, url: str) -> None:
        self.line(pdf, label)
        pdf.set_text_color(0, 0, 160)
        pdf.set_font_size(10)
        pdf.multi_cell(w=0, h=_LINE, text=self.text(url), align=self.align, link=url)
        pdf.set_text_color(0, 0, 0)

    def row(
        self,
        pdf: FPDF,
        cells: Sequence[str],
        *,
        widths: Sequence[float],
        border: Literal[0, 1] = 0,
        fill: bool = False,
    ) -> None:
        """Write one table row; on a right-to-left page the first cell is on the right."""
        pdf.set_font_size(11)
        pdf.set_fill_color(235, 235, 235)
        pairs = list(zip(cells, widths, strict=True))
        if self.rtl:
            pairs.reverse()
        for value, width in pairs:
            pdf.cell(
                w=width,
                h=_LINE,
                text=self.text(value),
                border=border,
                align=self.align,
                fill=fill,
            )
        pdf.ln(_LINE)
