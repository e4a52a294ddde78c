"""An Arabic reminder laid out by headless Chromium keeps every inserted value in order.

The HTML of a built-in Arabic reminder is printed to PDF by Chromium and its glyphs read
back (``tests/support/mail_order.py``): "Nakheel Trading Co." keeps its period at its end
in an Arabic paragraph, the invoice number and the amounts are not reversed. The same
mail rendered without isolation shows the fault the check is there to find.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.models import Contact
from mailer import bidi
from mailer.render import Renderer, default_search_path
from sync.run.outbound import Identity, sample_invoice, template_context
from sync.run.wording import Wording
from sync.store.tables import ThreadInfo
from tests.support import mail_order

NAME = "Nakheel Trading Co."
NUMBER = "INV-2026/0042"


@pytest.fixture(scope="module")
def chromium() -> str:
    return mail_order.find_chromium()


def arabic_reminder(tmp_path: Path, name: str = "final") -> Path:
    invoice = replace(
        sample_invoice(),
        number=NUMBER,
        reference="PO-77.",
        contact=Contact("c-1", NAME, ("ap@nakheel.example",)),
        total=Decimal("11500.00"),
        amount_due=Decimal("11500.00"),
    )
    context = template_context(
        invoice,
        Identity("t", "شركة التمور", "هدى", "huda@tamur.example", None),
        stage=name,
        cycle=1,
        language="ar",
        payment_link="https://pay.example.com/INV-2026-0042",
        attachment=True,
        today=invoice.due_date + timedelta(days=30),
        thread=ThreadInfo(None, None, (), reminders_sent=2),
        wording=Wording(phone="+966 55 123 4567"),
        deadline=date(2026, 3, 12),
    )
    html = Renderer(default_search_path()).render(name, "ar", context).html
    page = tmp_path / f"{name}-ar.html"
    page.write_text(html, "utf-8")
    return page


def test_an_arabic_reminder_keeps_latin_names_numbers_and_amounts_in_order(
    chromium, tmp_path
) -> None:
    page = arabic_reminder(tmp_path)
    lines = mail_order.visual_lines(mail_order.lay_out(chromium, page, tmp_path))
    with_name = [line for line in lines if "NakheelTradingCo" in line]
    assert with_name, lines
    for line in with_name:
        assert "NakheelTradingCo." in line and ".NakheelTradingCo" not in line, line
    numbers = [line for line in lines if "0042" in line and "pay.example" not in line]
    assert numbers and all("INV-2026/0042" in line for line in numbers), numbers
    amounts = [line for line in lines if "11,500.00" in line]
    assert amounts and not any("00.500,11" in line for line in lines)
    assert any("PO-77." in line for line in lines)  # a reference ending in a period
    assert any("+966551234567" in line for line in lines)  # the phone, in its order
    shots = mail_order.artifacts(tmp_path / "screenshots")
    png = mail_order.screenshot(chromium, page, shots / "mail-final-ar.png", tmp_path)
    assert png.stat().st_size > 10_000


def test_without_isolation_the_same_mail_shows_the_fault(chromium, tmp_path, monkeypatch):
    """The check can fail: with values left plain, Chromium moves the period."""
    monkeypatch.setattr(bidi, "isolated", lambda value: value)
    monkeypatch.setattr("sync.run.outbound.isolated", lambda value: value)
    monkeypatch.setattr("sync.run.wording.isolated", lambda value: value)
    page = arabic_reminder(tmp_path)
    assert "<bdi>" not in page.read_text("utf-8")
    lines = mail_order.visual_lines(mail_order.lay_out(chromium, page, tmp_path))
    assert any(".NakheelTradingCo" in line for line in lines), lines
