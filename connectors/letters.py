"""Letters Tahseel draws as PDFs: the formal demand for payment of an escalated invoice.

The words come from a template rendered before (``demand_letter.txt``); this module only
lays them out on A4, with the Unicode font and the shaping of the invoice PDF
(:mod:`connectors.pdf`), right to left for Arabic. A line starting ``# `` is the title;
a blank line ends a paragraph. The same words and date always give the same bytes: the
document date is the letter's date, never the clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from connectors.pdf import _FONT_FAMILY, _load_font, find_font

_LINE = 6.0
_TITLE = 15.0
_BODY = 11.0


def letter_font(font: Path | None = None) -> Path | None:
    """The Unicode font a letter is drawn with: ``font`` if it is a file, else DejaVu Sans."""
    return font if font is not None and font.is_file() else find_font()


def can_draw(language: str, font: Path | None = None) -> bool:
    """Whether a letter in ``language`` can be drawn: Arabic needs a Unicode font."""
    return language != "ar" or letter_font(font) is not None


def render_letter_pdf(
    text: str,
    *,
    title: str,
    dated: date,
    language: str = "en",
    font: Path | None = None,
) -> bytes:
    """Draw a letter's rendered words as an A4 PDF.

    Args:
        text: The letter, as its template rendered it.
        title: The document's title in the PDF's properties.
        dated: The letter's date, the document's creation date.
        language: ``ar`` lays the page out right to left.
        font: A Unicode TrueType font; when None or missing, :func:`find_font` is
            tried, then Helvetica (Latin-1 only: check :func:`can_draw` first).

    Returns:
        The PDF document.
    """
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(datetime.combine(dated, time(), tzinfo=UTC))
    pdf.set_title(title)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(left=22, top=22, right=22)
    path = letter_font(font)
    unicode_font = path is not None and _load_font(pdf, path)
    if unicode_font:
        pdf.set_text_shaping(True)
        pdf.set_font(_FONT_FAMILY, size=_BODY)
    else:
        pdf.set_font("Helvetica", size=_BODY)
    pdf.add_page()
    align = "R" if language == "ar" and unicode_font else "L"
    for line in text.splitlines():
        _write(pdf, line.strip(), align=align, unicode_font=unicode_font)
    return bytes(pdf.output())


def _write(pdf: FPDF, line: str, *, align: str, unicode_font: bool) -> None:
    """Write one line of the letter: the title, a paragraph break, or words."""
    if not line:
        pdf.ln(_LINE / 2)
        return
    size = _BODY
    if line.startswith("# "):
        line, size = line[2:].strip(), _TITLE
        pdf.ln(_LINE / 2)
    if not unicode_font:
        line = line.encode("latin-1", errors="replace").decode("latin-1")
    pdf.set_font_size(size)
    pdf.multi_cell(
        w=0,
        h=_LINE * size / _BODY,
        text=line,
        align=align,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if size == _TITLE:
        pdf.ln(_LINE / 2)
