"""The invoice PDF: content in both languages, the fallback font, stable bytes.

``page_text`` is a small text extractor for what fpdf2 writes: it inflates the
streams, reads the ToUnicode maps of embedded fonts and turns the glyph codes of
each ``Tj`` back into characters, in drawing (visual) order. Right-to-left runs
therefore come out reversed.
"""

from __future__ import annotations

import re
import zlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from connectors import pdf as pdf_module
from connectors.models import Contact, Invoice, InvoiceStatus
from connectors.pdf import find_font, render_invoice_pdf

FONT = find_font()
needs_font = pytest.mark.skipif(FONT is None, reason="DejaVu Sans is not installed")

_STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", re.S)
_TJ = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _streams(document: bytes) -> list[bytes]:
    out = []
    for match in _STREAM.finditer(document):
        data = match.group(2)
        if b"/FlateDecode" in match.group(1):
            data = zlib.decompress(data)
        out.append(data)
    return out


def _unescape(literal: bytes) -> bytes:
    def one(match: re.Match[bytes]) -> bytes:
        body = match.group(1)
        if body[:1].isdigit():
            return bytes([int(body, 8)])
        return _ESCAPES.get(body, body)

    return re.sub(rb"\\([0-7]{1,3}|.)", one, literal, flags=re.S)


def page_text(document: bytes) -> str:
    """Text drawn by ``Tj`` operators, glyph codes mapped through ToUnicode."""
    streams = _streams(document)
    to_unicode: dict[int, str] = {}
    for stream in streams:
        if b"begincmap" in stream:
            for code, uni in _BFCHAR.findall(stream.split(b"beginbfchar", 1)[-1]):
                to_unicode[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    text = []
    for stream in streams:
        for literal in _TJ.findall(stream):
            raw = _unescape(literal)
            if to_unicode:
                codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
                text.append("".join(to_unicode.get(code, "\ufffd") for code in codes))
            else:
                text.append(raw.decode("latin-1"))
    return "".join(text)


def make_invoice(language: str | None, name: str, number: str = "INV-1011") -> Invoice:
    return Invoice(
        id="dmo-0011",
        number=number,
        contact=Contact(id="C-002", name=name, emails=("ap@example.sa",), language=language),
        currency="SAR",
        total=Decimal("3000.00"),
        amount_due=Decimal("1200.00"),
        issue_date=date(2026, 10, 23),
        due_date=date(2026, 11, 22),
        status=InvoiceStatus.OPEN,
        reference="PO-7790",
        updated_at=datetime(2026, 11, 22, 6, tzinfo=UTC),
    )


LINK = "https://pay.example.com/INV-1011?amount=1200.00"


@needs_font
def test_english_invoice_has_its_facts() -> None:
    document = render_invoice_pdf(
        make_invoice("en", "Blue Harbor Logistics"),
        business_name="Nakheel Trading Co.",
        payment_link=LINK,
        font=FONT,
    )
    assert document.startswith(b"%PDF")
    text = page_text(document)
    for expected in [
        "Nakheel Trading Co.", "Statement of amount due", "Invoice number", "INV-1011",
        "2026-10-23", "2026-11-22", "Blue Harbor Logistics", "PO-7790", "3,000.00", "1,800.00",
        "1,200.00", "SAR", "Amount paid", LINK,
    ]:  # fmt: skip
        assert expected in text
    assert text.index("3,000.00") < text.index("1,200.00") < text.index("SAR")


@needs_font
def test_arabic_invoice_is_shaped_right_to_left() -> None:
    document = render_invoice_pdf(
        make_invoice("ar", "سوق الخير"),
        business_name="Nakheel Trading Co.",
        payment_link=None,
        language="ar",
        font=FONT,
    )
    assert document.startswith(b"%PDF")
    text = page_text(document)
    assert "INV-1011" in text and "1,800.00" in text
    # Drawn in visual order: an Arabic word reads backwards in the content stream.
    assert "فاتورة"[::-1] in text
    assert "المستحق"[::-1] in text
    assert "سوق الخير"[::-1] in text
    assert "INVOICE" not in text and "https://" not in text
    # The amounts table is mirrored: total on the right, currency on the left.
    assert text.index("SAR") < text.index("1,200.00") < text.index("3,000.00")


def test_without_any_font_falls_back_to_helvetica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "find_font", lambda: None)
    document = render_invoice_pdf(
        make_invoice("ar", "شركة الفيصل — Faisal"),
        business_name="Nakheel Trading Co. «نخيل»",
        payment_link=LINK,
        language="ar",
        font=Path("/no/such/font.ttf"),
    )
    assert document.startswith(b"%PDF")
    assert b"/Helvetica" in document
    text = page_text(document)
    assert "INV-1011" in text and "Invoice number" in text
    assert "???? ?????? ? Faisal" in text
    assert "Nakheel Trading Co. «????»" in text


def test_a_broken_font_file_does_not_stop_the_pdf(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    document = render_invoice_pdf(
        make_invoice("en", "Harbor Cafe"), business_name="N", payment_link=None, font=broken
    )
    assert document.startswith(b"%PDF") and "INV-1011" in page_text(document)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_same_invoice_gives_the_same_bytes(language: str) -> None:
    def render() -> bytes:
        return render_invoice_pdf(
            make_invoice(language, "نجد للهندسة"),
            business_name="Nakheel Trading Co.",
            payment_link=LINK,
            language=language,
            font=FONT,
        )

    first = render()
    assert render() == first
    assert b"D:20261023" in first
    other = render_invoice_pdf(
        make_invoice(language, "نجد للهندسة", number="INV-1012"),
        business_name="Nakheel Trading Co.",
        payment_link=LINK,
        language=language,
        font=FONT,
    )
    assert other != first


def test_find_font_returns_an_existing_file_or_none() -> None:
    found = find_font()
    assert found is None or (found.is_file() and found.name == "DejaVuSans.ttf")


def test_find_font_without_candidates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pdf_module, "FONT_CANDIDATES", (tmp_path / "DejaVuSans.ttf",))
    assert find_font() is None
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"x")
    assert find_font() == tmp_path / "DejaVuSans.ttf"
