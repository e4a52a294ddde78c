"""MIME composition: structure, threading headers, and refusal of header injection."""

from __future__ import annotations

import sys
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mailer.compose as compose_module
import mailer.headers as headers_module
import mailer.render as render_module
from mailer.compose import Attachment, compose, make_message_id
from mailer.errors import HeaderInjectionError, SendRejected
from mailer.headers import clean_header_text
from mailer.render import Rendered

WHEN = datetime(2025, 3, 31, 9, 30, tzinfo=timezone(timedelta(hours=3)))
MID = make_message_id(
    tenant="acme",
    invoice_id="inv-1",
    invoice_number="INV-0042",
    stage="overdue",
    cycle=1,
    domain="nakheel.example",
)
FIRST = "<tahseel.INV-0042.courtesy.0.aaaaaaaaaaaa@nakheel.example>"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\nfake pdf body\n%%EOF\n"
TAHSEEL = {"X-Tahseel-Invoice": "INV-0042", "X-Tahseel-Stage": "overdue", "X-Tahseel-Cycle": "1"}


def rendered(language: str = "en") -> Rendered:
    if language == "ar":
        return Rendered(
            subject="تذكير: الفاتورة INV-0042",
            text="السادة/ مقهى الواحة المحترمين،\nنود تذكيركم بلطف.\n",
            html='<html lang="ar" dir="rtl"><body><p>نود تذكيركم بلطف.</p></body></html>',
            language="ar",
        )
    return Rendered(
        subject="Invoice INV-0042",
        text="Dear Al Waha Cafe,\nA reminder.\n",
        html='<html lang="en" dir="ltr"><body><p>A reminder.</p></body></html>',
        language="en",
    )


def build(**overrides: Any) -> EmailMessage:
    arguments: dict[str, Any] = {
        "rendered": rendered(),
        "sender_name": "Huda Saleh",
        "sender_email": "huda@nakheel.example",
        "to": ["ap@alwaha.example"],
        "subject": "Invoice INV-0042",
        "message_id": MID,
        "date": WHEN,
        "headers": TAHSEEL,
    }
    arguments.update(overrides)
    return compose(**arguments)


def reparse(message: EmailMessage) -> EmailMessage:
    parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
    assert isinstance(parsed, EmailMessage)
    return parsed


def header_names(message: EmailMessage) -> list[str]:
    return sorted(name.lower() for name in message.keys())


BASE_HEADERS = sorted(
    [
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "mime-version",
        "content-type",
        "content-language",
        "x-tahseel-invoice",
        "x-tahseel-stage",
        "x-tahseel-cycle",
    ]
)


def test_text_and_html_alternatives_without_attachment() -> None:
    parsed = reparse(build())
    assert parsed.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in parsed.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert parsed.get_body(("plain",)).get_content().replace("\r\n", "\n") == rendered().text
    assert "A reminder." in parsed.get_body(("html",)).get_content()
    assert header_names(parsed) == BASE_HEADERS
    assert parsed["Message-ID"] == MID
    assert parsed["Content-Language"] == "en"
    assert parsed["X-Tahseel-Invoice"] == "INV-0042"
    assert parsed["X-Tahseel-Stage"] == "overdue"
    assert parsed["X-Tahseel-Cycle"] == "1"
    assert parsed["From"].addresses[0].display_name == "Huda Saleh"
    assert parsed["From"].addresses[0].addr_spec == "huda@nakheel.example"
    assert parsed["Date"].datetime == WHEN
    assert "In-Reply-To" not in parsed and "References" not in parsed


def test_with_pdf_is_mixed_with_the_alternatives_first() -> None:
    message = build(attachments=[Attachment("INV-0042.pdf", PDF)])
    parsed = reparse(message)
    assert parsed.get_content_type() == "multipart/mixed"
    first, second = parsed.iter_parts()
    assert first.get_content_type() == "multipart/alternative"
    assert second.get_content_type() == "application/pdf"
    assert second.get_filename() == "INV-0042.pdf"
    assert second.get_content() == PDF
    assert header_names(parsed) == BASE_HEADERS
    assert parsed["Content-Language"] == "en"
    assert message.as_bytes().count(b"\r\n") > 10  # SMTP policy: CRLF throughout


def test_threading_headers_cc_and_reply_to() -> None:
    parsed = reparse(
        build(
            in_reply_to=FIRST,
            references=[FIRST, MID.replace("overdue", "due")],
            cc=["owner@alwaha.example"],
            reply_to="accounts@nakheel.example",
            subject="Re: Invoice INV-0042",
        )
    )
    assert parsed["In-Reply-To"] == FIRST
    assert parsed["References"].split() == [FIRST, MID.replace("overdue", "due")]
    assert [a.addr_spec for a in parsed["Cc"].addresses] == ["owner@alwaha.example"]
    assert parsed["Reply-To"].addresses[0].addr_spec == "accounts@nakheel.example"
    assert parsed["Subject"] == "Re: Invoice INV-0042"
    assert "bcc" not in header_names(parsed)


def test_arabic_round_trips() -> None:
    subject = "تذكير: الفاتورة INV-0042 من شركة النخيل للتجارة تجاوزت موعد استحقاقها"
    parsed = reparse(
        build(rendered=rendered("ar"), subject=subject, sender_name="هدى صالح — شركة النخيل")
    )
    assert parsed["Subject"] == subject
    assert parsed["From"].addresses[0].display_name == "هدى صالح — شركة النخيل"
    assert parsed["Content-Language"] == "ar"
    assert "نود تذكيركم بلطف" in parsed.get_body(("plain",)).get_content()
    assert 'dir="rtl"' in parsed.get_body(("html",)).get_content()
    assert build(rendered=rendered("ar")).as_bytes().isascii()


def test_make_message_id_is_deterministic_and_tidy() -> None:
    again = make_message_id(
        tenant="acme",
        invoice_id="inv-1",
        invoice_number="INV-0042",
        stage="overdue",
        cycle=1,
        domain="nakheel.example",
    )
    assert again == MID
    assert MID.startswith("<tahseel.INV-0042.overdue.1.") and MID.endswith("@nakheel.example>")
    varied = {
        make_message_id(
            tenant=t,
            invoice_id=i,
            invoice_number="INV-0042",
            stage=s,
            cycle=c,
            domain="nakheel.example",
        )
        for t, i, s, c in [
            ("acme", "inv-1", "overdue", 1),
            ("other", "inv-1", "overdue", 1),
            ("acme", "inv-2", "overdue", 1),
            ("acme", "inv-1", "final", 1),
            ("acme", "inv-1", "overdue", 2),
        ]
    }
    assert len(varied) == 5
    odd = make_message_id(
        tenant="a",
        invoice_id="1",
        invoice_number="ف/12 <x>@y",
        stage="due",
        cycle=0,
        domain="nakheel.example",
    )
    assert odd.startswith("<tahseel.12xy.due.0.")
    arabic_only = make_message_id(
        tenant="a",
        invoice_id="1",
        invoice_number="فاتورة",
        stage="due",
        cycle=0,
        domain="nakheel.example",
    )
    assert arabic_only.startswith("<tahseel.invoice.due.0.")
    with pytest.raises(ValueError):
        make_message_id(
            tenant="a",
            invoice_id="1",
            invoice_number="1",
            stage="due",
            cycle=0,
            domain="evil>\r\nBcc: x@y",
        )


INJECTIONS = st.sampled_from(
    [
        "\r\nBcc: x@evil.example",
        "\nBcc: x@evil.example",
        "\rTo: x@evil.example",
        "\x00",
        "\x85Cc: x@evil.example",
        "\u2028Bcc: x@evil.example",
        "\u2029",
        "\r\n\r\n<html>body</html>",
        '"<x@evil.example>, y@evil.example"',
        "=?utf-8?q?=0D=0ABcc:_x@evil.example?=",
        "\\",
        "\t",
        "; Bcc: x@evil.example",
    ]
)
HOSTILE = st.lists(st.one_of(INJECTIONS, st.text(max_size=20)), max_size=6).map("".join)


@settings(max_examples=300, deadline=None)
@given(name=HOSTILE, subject=HOSTILE, value=HOSTILE)
def test_hostile_names_and_subjects_never_add_headers(name: str, subject: str, value: str) -> None:
    parsed = reparse(
        build(
            sender_name=name,
            subject=subject,
            headers={"X-Tahseel-Invoice": value},
            attachments=[Attachment(f"INV{name}.pdf", PDF)],
        )
    )
    assert header_names(parsed) == sorted(
        [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "mime-version",
            "content-type",
            "content-language",
            "x-tahseel-invoice",
        ]
    )
    assert [a.addr_spec for a in parsed["To"].addresses] == ["ap@alwaha.example"]
    assert parsed["From"].addresses[0].addr_spec == "huda@nakheel.example"
    assert parsed["Message-ID"] == MID
    for header in ("Subject", "From", "X-Tahseel-Invoice"):
        assert "\n" not in str(parsed[header]) and "\r" not in str(parsed[header])


@pytest.mark.parametrize(
    "address",
    [
        "",
        "plain",
        "a@b@c.example",
        "a b@c.example",
        "a@c.example\r\nBcc: x@evil.example",
        "a@c.example, x@evil.example",
        "<a@c.example>",
        "Name <a@c.example>",
        "a@c.example>",
        "a\x00@c.example",
        "a@",
        "@c.example",
        "a@c_d.example",
        "a@-c.example",
        "ä@c.example",
        "a@c.example\u2028",
    ],
)
@pytest.mark.parametrize("field", ["to", "cc", "sender_email", "reply_to"])
def test_bad_addresses_are_refused(address: str, field: str) -> None:
    value: Any = [address] if field in ("to", "cc") else address
    with pytest.raises(HeaderInjectionError):
        build(**{field: value})


def test_header_injection_is_a_skip_not_a_crash() -> None:
    assert issubclass(HeaderInjectionError, SendRejected)
    assert HeaderInjectionError.disposition == "skip"


@pytest.mark.parametrize(
    "headers",
    [
        {"Bcc": "x@evil.example"},
        {"X-Other": "1"},
        {"X-Tahseel-Invoice\r\nBcc": "x"},
        {"X-Tahseel-": "1"},
        {"Subject": "again"},
    ],
)
def test_only_x_tahseel_headers_may_be_added(headers: dict[str, str]) -> None:
    with pytest.raises(HeaderInjectionError):
        build(headers=headers)


@pytest.mark.parametrize(
    "field",
    ["message_id", "in_reply_to"],
)
@pytest.mark.parametrize(
    "value",
    [
        "no-brackets@x.example",
        "<a@x.example>\r\nBcc: y@evil.example",
        "<a b@x>",
        "<a@x.example> <b@x.example>",
        "<>",
    ],
)
def test_bad_message_ids_are_refused(field: str, value: str) -> None:
    with pytest.raises(HeaderInjectionError):
        build(**{field: value})
    with pytest.raises(HeaderInjectionError):
        build(references=[FIRST, value])


def test_date_comes_from_the_argument_and_must_be_aware() -> None:
    assert reparse(build(date=datetime(2031, 1, 2, 3, 4, tzinfo=UTC)))["Date"].datetime == (
        datetime(2031, 1, 2, 3, 4, tzinfo=UTC)
    )
    with pytest.raises(ValueError):
        build(date=datetime(2025, 3, 31, 9, 30))


def test_needs_a_recipient() -> None:
    with pytest.raises(ValueError):
        build(to=[])


def test_several_recipients_keep_their_order() -> None:
    parsed = reparse(build(to=["a@x.example", "b@y.example"], cc=["c@z.example", "d@z.example"]))
    assert [a.addr_spec for a in parsed["To"].addresses] == ["a@x.example", "b@y.example"]
    assert [a.addr_spec for a in parsed["Cc"].addresses] == ["c@z.example", "d@z.example"]


def test_compose_is_pure() -> None:
    assert build().as_bytes().split(b"boundary=")[0] == build().as_bytes().split(b"boundary=")[0]


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\r\nb", "a b"),
        ("a\x00b", "a b"),
        ("a\x85b\u2028c\u2029d", "a b c d"),
        ("  spaced\t out  ", "spaced out"),
        ("نص عربي", "نص عربي"),
        ("\u200fRLM kept", "\u200fRLM kept"),
    ],
)
def test_clean_header_text(raw: str, clean: str) -> None:
    assert clean_header_text(raw) == clean


def test_the_reparse_guard_catches_what_cleaning_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compose_module, "clean_header_text", lambda value: value)
    with pytest.raises(HeaderInjectionError, match="header check"):
        build(subject="Invoice\r\nBcc: x@evil.example")


def test_the_character_classes_are_unicodes_own_categories() -> None:
    # Header cleaning and the subject check use regular expressions for speed; they must
    # match exactly the characters of the Unicode categories they stand for.
    every = [chr(c) for c in range(sys.maxunicode + 1)]
    header = {ch for ch in every if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp")}
    subject = {ch for ch in every if unicodedata.category(ch) in ("Cc", "Zl", "Zp")} - {
        "\r",
        "\n",
    }
    assert {ch for ch in every if headers_module._UNSAFE_IN_HEADER.match(ch)} == header
    assert {ch for ch in every if render_module._CONTROL.match(ch)} == subject
