"""The demo shows the Hijri form of a date in its Arabic customers' mail."""

from __future__ import annotations

import mailbox
import re
from email import policy
from email.parser import BytesParser

from typer.testing import CliRunner

from sync.cli import app

MONTHS = (
    "محرم|صفر|ربيع الأول|ربيع الثاني|جمادى الأولى|جمادى الآخرة|رجب|شعبان|رمضان|شوال"
    "|ذو القعدة|ذو الحجة"
)
BOTH = re.compile(rf"\d{{1,2}} (?:{MONTHS}) 14\d\d هـ \(\d{{1,2}} \w+ 20\d\d\)")
"""The ``both`` form: "16 جمادى الآخرة 1448 هـ (26 نوفمبر 2026)"."""


def test_an_arabic_demo_mail_shows_the_hijri_date(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    box = mailbox.Maildir(tmp_path / "tahseel-demo" / "demo" / "mailbox", factory=None)
    sent = box.get_folder("Sent")
    parser = BytesParser(policy=policy.default)
    parsed = [parser.parsebytes(sent.get_bytes(key)) for key in sent.keys()]
    messages = [m for m in parsed if m.get_body(("html",)) is not None]  # not the seeded one
    arabic = [m for m in messages if 'dir="rtl"' in m.get_body(("html",)).get_content()]
    english = [m for m in messages if m not in arabic]
    assert arabic and english
    shown = [m for m in arabic if BOTH.search(m.get_body(("plain",)).get_content())]
    assert shown, [m.get_body(("plain",)).get_content() for m in arabic]
    assert BOTH.search(shown[0].get_body(("html",)).get_content())
    assert not any("هـ" in m.get_body(("plain",)).get_content() for m in english)
