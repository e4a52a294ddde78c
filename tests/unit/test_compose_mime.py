"""Composed messages as the transports send them: they parse back to what was composed.

Gmail sends ``message.as_bytes()`` (the SMTP policy: CRLF line endings) and the Maildir
stores ``message.as_bytes(policy=message.policy.clone(linesep="\\n"))``; both must read
back, with any parser, as the headers, parts and attachments ``compose`` was given.
"""

from __future__ import annotations

import base64
import copy
import random
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailer.compose import Attachment, compose, make_message_id
from mailer.errors import HeaderInjectionError
from mailer.gmail.mime import ORIGINAL_ID_HEADER, decode_raw, encode_raw
from mailer.headers import clean_header_text
from mailer.render import Rendered, Renderer, default_search_path

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 5 + b"\n%%EOF\n"
PARSE = BytesParser(policy=policy.default).parsebytes
# RFC 5322 2.1.1: a line is at most 998 characters, not counting the CRLF.
MAX_LINE = 998
ENCODED_WORD = re.compile(r"=\?utf-8\?[bq]\?[^?\s]*\?=", re.IGNORECASE)


def mid(number: str, stage: str = "overdue", cycle: int = 0) -> str:
    return make_message_id(
        tenant="acme",
        invoice_id=f"id-{number}",
        invoice_number=number,
        stage=stage,
        cycle=cycle,
        domain="nakheel.example",
    )


TEXTS = [
    "Dear Al Waha Cafe,\nA reminder.\n",
    "",
    "no newline at the end",
    "A line far longer than seventy-eight characters, which the email package "
    "must wrap or encode, with a payment link https://pay.example/i/INV-0042?x=1&y=2\n",
    "trailing spaces   \nand tabs\t\nand = signs = and =3D\n\n\nblank lines\n",
    "bare\rcarriage\r\nreturns\n",
    "--===============0000000000000000001==\nlooks like a boundary\n",
    "السادة/ مقهى الواحة المحترمين،\nنود تذكيركم بلطف بأن الفاتورة INV-0042 مستحقة.\n",
    "Invoice INV-0042 / الفاتورة INV-0042: 1,250.00 SAR, due 2025-03-01.\n" * 14,
    "Mostly English with one word: شكراً\n" * 3,
    "مرحبا " * 200,
]
HTML = [
    '<html lang="en" dir="ltr"><body><p>A reminder.</p></body></html>',
    '<html lang="ar" dir="rtl"><body><p>نود تذكيركم بلطف.</p></body></html>',
    "<html><body>"
    + "<p>Row with a long line of English text and numbers 12345</p>" * 30
    + "</body></html>",
]
NAMES = [
    "Huda Saleh",
    "",
    "هدى صالح",
    'Nakheel "Trading" \\ Co.',
    "Nakheel Trading Company for General Contracting and Supplies Ltd",
    "شركة النخيل للتجارة والمقاولات العامة والتوريدات المحدودة، الرياض، المملكة العربية السعودية",
    "Al-Nakheel = ?utf-8 ?q?x?= Trading",
]
SUBJECTS = [
    "Invoice INV-0042",
    "Re: Invoice INV-0042 is now 30 days overdue: 1,250.00 SAR for the supply of office goods",
    "تذكير: الفاتورة INV-0042",
    "Re: تذكير: الفاتورة INV-0042 متأخرة ثلاثين يوماً، المبلغ ١٬٢٥٠٫٠٠ ر.س، نرجو السداد في أقرب وقت",
    "x" * 120,
    "",
]
RECIPIENTS: list[dict[str, Any]] = [
    {"to": ["ap@alwaha.example"]},
    {"to": ["a@x.example", "b.c+d@y.example"], "cc": ["e@z.example"], "reply_to": "r@x.example"},
    {"to": [f"accounts.payable{n}@customer-domain.example" for n in range(4)]},
    {"to": ["o'brien@x.example"], "cc": ["a!b#c$d@x.example"]},
]
THREADS: list[dict[str, Any]] = [
    {},
    {"in_reply_to": mid("INV-0042", "courtesy")},
    {"in_reply_to": mid("1", "due"), "references": [mid("1", "courtesy")]},
    {
        "in_reply_to": "<reply-1@customer.example>",
        "references": [
            mid("INV-0042", s, c) for s, c in (("courtesy", 0), ("due", 0), ("overdue", 0))
        ]
        + ["<reply-1@customer.example>", mid("INV-0042", "overdue", 1)],
    },
    {"references": ["<" + "a" * 80 + "@customer.example>", "<b@customer.example>"]},
]
HEADERS: list[dict[str, str]] = [
    {},
    {"X-Tahseel-Invoice": "INV-0042", "X-Tahseel-Stage": "overdue", "X-Tahseel-Cycle": "1"},
    {"X-Tahseel-Invoice": "فاتورة ٤٢", "X-Tahseel-Customer": "Al Waha Cafe " * 8},
    {"X-Tahseel-Note": ""},
]
ATTACHMENTS: list[list[Attachment]] = [
    [],
    [Attachment("Invoice-INV-0042.pdf", PDF)],
    [Attachment("a.pdf", b""), Attachment("statement.csv", b"number,due\nINV-1,10\n", "text/csv")],
    [Attachment("فاتورة 42.pdf", PDF)],
    [Attachment("Invoice-" + "9" * 60 + ".pdf", PDF)],
]
DATES = [
    datetime(2025, 3, 31, 9, 30, tzinfo=timezone(timedelta(hours=3))),
    datetime(2026, 12, 1, 0, 0, 5, tzinfo=UTC),
    datetime(2024, 2, 29, 23, 59, tzinfo=timezone(timedelta(hours=-4, minutes=-30))),
]


def corpus() -> Iterator[dict[str, Any]]:
    """About 150 varied messages: every value above appears, in rotating combinations."""
    axes = [TEXTS, HTML, NAMES, SUBJECTS, RECIPIENTS, THREADS, HEADERS, ATTACHMENTS, DATES]
    longest = max(len(axis) for axis in axes)
    for n in range(longest * 14):
        text, html, name, subject, recipients, thread, headers, attachments, date = (
            axis[(n * (k + 1) + n // longest) % len(axis)] for k, axis in enumerate(axes)
        )
        yield {
            "rendered": Rendered(
                subject=subject, text=text, html=html, language=("ar", "en", "en-GB")[n % 3]
            ),
            "sender_name": name,
            "sender_email": "huda@nakheel.example",
            "subject": subject,
            "message_id": mid(f"INV-{n:04d}"),
            "date": date,
            "headers": headers,
            "attachments": attachments,
            **recipients,
            **thread,
        }


def gmail_bytes(message: EmailMessage) -> bytes:
    """What GmailTransport sends: the message's own policy, CRLF line endings."""
    return message.as_bytes()


def maildir_bytes(message: EmailMessage) -> bytes:
    """What MaildirTransport stores: the same policy with LF line endings."""
    return message.as_bytes(policy=message.policy.clone(linesep="\n"))


def read_back(text: str) -> str:
    """A text part's content as a parser returns it: its lines, each ending with LF."""
    return b"\n".join(text.encode("utf-8").splitlines()).decode("utf-8") + "\n"


def content_of(part: EmailMessage) -> str:
    # A base64 text part holds its lines with CRLF (the SMTP policy's line separator).
    return str(part.get_content()).replace("\r\n", "\n")


def header_block(data: bytes) -> str:
    """The top-level header block, unfolded, one header a line."""
    head = data.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii")
    return re.sub(r"\n[ \t]+", " ", head)


def raw_header(data: bytes, name: str) -> str:
    for line in header_block(data).split("\n"):
        if line.lower().startswith(name.lower() + ":"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no {name} header")


def display_name(parsed: EmailMessage) -> str:
    """The From display name as RFC 2047 (6.2) reads it.

    Whitespace between two adjacent encoded words is not part of the text. Python
    3.11's address parser keeps it, so a long Arabic name split across encoded words
    would read back with stray spaces there; a mail client reads it whole.
    """
    raw = next(str(value) for name, value in parsed.raw_items() if name.lower() == "from")
    name, _ = parseaddr(raw)
    return str(make_header(decode_header(name)))


def assert_reads_back_as_composed(parsed: EmailMessage, arguments: dict[str, Any]) -> None:
    """Every header, part and attachment of ``parsed`` is what ``arguments`` asked for."""
    assert [a.addr_spec for a in parsed["From"].addresses] == [arguments["sender_email"]]
    assert display_name(parsed) == clean_header_text(arguments["sender_name"])
    assert [a.addr_spec for a in parsed["To"].addresses] == arguments["to"]
    cc = parsed["Cc"].addresses if "Cc" in parsed else ()
    assert [a.addr_spec for a in cc] == arguments.get("cc", [])
    reply_to = arguments.get("reply_to")
    assert (parsed["Reply-To"].addresses[0].addr_spec if reply_to else None) == reply_to
    assert "Bcc" not in parsed
    assert parsed["Subject"] == clean_header_text(arguments["subject"])
    assert parsed["Message-ID"] == arguments["message_id"]
    assert parsed.get("In-Reply-To") == arguments.get("in_reply_to")
    assert str(parsed.get("References", "")).split() == arguments.get("references", [])
    assert parsed["Date"].datetime == arguments["date"]
    assert parsed["Content-Language"] == arguments["rendered"].language
    for name, value in arguments["headers"].items():
        assert parsed[name] == clean_header_text(value)

    rendered, attachments = arguments["rendered"], arguments["attachments"]
    alternative = parsed.get_payload(0) if attachments else parsed
    assert parsed.get_content_type() == (
        "multipart/mixed" if attachments else "multipart/alternative"
    )
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    plain, html = alternative.iter_parts()
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert content_of(plain) == read_back(rendered.text)
    assert content_of(html) == read_back(rendered.html)
    found = [
        (p.get_filename(), p.get_content_type(), p.get_payload(decode=True))
        for p in parsed.iter_attachments()
    ]
    assert found == [
        (clean_header_text(a.filename) or "attachment", a.mimetype, a.content) for a in attachments
    ]


def test_the_corpus_reads_back_as_composed_from_both_transports_bytes() -> None:
    cases = list(corpus())
    assert len(cases) >= 140
    for arguments in cases:
        message = compose(**arguments)
        for data in (gmail_bytes(message), maildir_bytes(message)):
            assert_reads_back_as_composed(PARSE(data), arguments)


def test_no_line_is_longer_than_rfc_5322_allows() -> None:
    for n, arguments in enumerate(corpus()):
        message = compose(**arguments)
        for data in (gmail_bytes(message), maildir_bytes(message)):
            longest = max(len(line) for line in data.replace(b"\r\n", b"\n").split(b"\n"))
            assert longest <= MAX_LINE, f"message {n} has a line of {longest} bytes"


def test_every_message_is_7bit_ascii() -> None:
    # Arabic bodies are quoted-printable or base64 and Arabic headers encoded words, so
    # no hop has to understand 8-bit mail.
    for n, arguments in enumerate(corpus()):
        assert gmail_bytes(compose(**arguments)).isascii(), f"message {n}"


def test_gmail_gets_crlf_and_the_maildir_lf_for_the_same_message() -> None:
    for n, arguments in enumerate(corpus()):
        message = compose(**arguments)
        crlf, lf = gmail_bytes(message), maildir_bytes(message)
        assert b"\r" not in crlf.replace(b"\r\n", b""), f"message {n}: a bare CR or LF"
        assert b"\n" not in crlf.replace(b"\r\n", b""), f"message {n}: a bare CR or LF"
        assert b"\r" not in lf, f"message {n}"
        # The boundaries are drawn at the first serialisation and kept: the two differ
        # in their line endings only.
        assert crlf.replace(b"\r\n", b"\n") == lf, f"message {n}"


def test_gmail_raw_carries_the_composed_id_and_decodes_to_the_message() -> None:
    arguments = {**next(corpus()), "attachments": ATTACHMENTS[1]}
    message = compose(**arguments)
    raw = encode_raw(message, arguments["message_id"])
    data = base64.urlsafe_b64decode(raw)
    assert data.startswith(f"{ORIGINAL_ID_HEADER}: {arguments['message_id']}\r\n".encode())
    assert data[data.index(b"\r\n") + 2 :] == gmail_bytes(message)
    decoded = decode_raw(raw.rstrip("="))
    assert decoded[ORIGINAL_ID_HEADER] == arguments["message_id"]
    assert_reads_back_as_composed(decoded, arguments)


NON_ASCII = "تذكير: الفاتورة INV-0042 متأخرة"


@pytest.mark.parametrize(
    ("header", "overrides"),
    [
        ("Subject", {"subject": NON_ASCII}),
        ("From", {"sender_name": NON_ASCII}),
        ("X-Tahseel-Invoice", {"headers": {"X-Tahseel-Invoice": NON_ASCII}}),
    ],
)
def test_non_ascii_headers_are_rfc_2047_encoded_words(
    header: str, overrides: dict[str, Any]
) -> None:
    message = compose(**{**next(corpus()), **overrides})
    data = gmail_bytes(message)
    raw = raw_header(data, header)
    assert raw.isascii() and ENCODED_WORD.search(raw), raw
    parsed = PARSE(data)
    value = display_name(parsed) if header == "From" else parsed[header]
    assert value == NON_ASCII


def test_a_non_ascii_file_name_is_written_in_ascii_and_reads_back() -> None:
    arguments = {**next(corpus()), "attachments": [Attachment("فاتورة 42.pdf", PDF)]}
    data = gmail_bytes(compose(**arguments))
    assert data.isascii()
    (attachment,) = PARSE(data).iter_attachments()
    assert attachment.get_filename() == "فاتورة 42.pdf"
    assert attachment.get_payload(decode=True) == PDF


def arabic_context() -> dict[str, Any]:
    return {
        "business": {"name": "Nakheel Trading", "email": "accounts@nakheel.example"},
        "customer": {"name": "مقهى الواحة", "salutation": "company"},
        "invoice": {
            "number": "INV-0042",
            "reference": "PO-77",
            "currency": "SAR",
            "total": Decimal("11500.00"),
            "amount_due": Decimal("11500.00"),
            "issue_date": date(2025, 3, 1),
            "due_date": date(2025, 3, 31),
            "days_overdue": 5,
        },
        "payment_link": "https://pay.example.com/inv/42?k=abc",
        "stage": {"name": "overdue", "cycle": 1},
        "sender": {"name": "هدى صالح", "email": "huda@nakheel.example", "phone": None},
        "language": "ar",
        "attachment": True,
        "replied": False,
        "promised": None,
        "promise_kept": None,
        "reminders_sent": 1,
        "greeting": "standard",
        "late_fee": None,
    }


def test_an_arabic_reminder_reads_back_right_to_left() -> None:
    rendered = Renderer(default_search_path()).render("overdue", "ar", arabic_context())
    arguments = {
        **next(corpus()),
        "rendered": rendered,
        "subject": rendered.subject,
        "sender_name": "هدى صالح",
        "attachments": [Attachment("INV-0042.pdf", PDF)],
    }
    message = compose(**arguments)
    for data in (gmail_bytes(message), maildir_bytes(message)):
        parsed = PARSE(data)
        assert_reads_back_as_composed(parsed, arguments)
        assert parsed["Content-Language"] == "ar"
        html = content_of(parsed.get_body(("html",)))
        assert '<html lang="ar" dir="rtl">' in html and 'dir="rtl"' in html.split("<body", 1)[1]
        assert "INV-0042" in content_of(parsed.get_body(("plain",)))


def test_the_message_carries_the_smtp_policy_the_transports_serialise_with() -> None:
    message = compose(**next(corpus()))
    assert type(message) is EmailMessage
    assert message.policy.linesep == "\r\n"
    assert message.policy.max_line_length == 78
    assert message.policy.cte_type == "8bit"  # as policy.SMTP: 7-bit is compose's doing
    assert message.policy.clone(linesep="\n").linesep == "\n"


def test_a_boundary_found_in_a_part_is_lengthened_and_the_part_kept_whole() -> None:
    # The generator draws its boundary at the first serialisation; a text holding that
    # very line must not end its own part early. (Its check matches lines ending in LF,
    # so it is the Maildir's serialisation that sees the clash; the boundary drawn then
    # is kept for every later one.)
    random.seed(11)
    token = random.randrange(sys.maxsize)
    clash = f"--{'=' * 15}{token:019d}==\nthe line above looks like a boundary\n"
    message = compose(**{**next(corpus()), "rendered": Rendered("s", clash, "<p>x</p>", "en")})
    random.seed(11)
    maildir_bytes(message)
    data = gmail_bytes(message)
    assert f'boundary="{"=" * 15}{token:019d}==.0"'.encode() in data
    parsed = PARSE(data)
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert content_of(parsed.get_body(("plain",))) == clash


TEXT = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.sampled_from("\r\n \t=-ءيو\u200f"),
    max_size=120,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=TEXT,
    html=TEXT,
    name=TEXT,
    subject=TEXT,
    value=TEXT,
    refs=st.integers(0, 4),
    seed=st.integers(0, 9),
)
def test_any_text_reads_back_as_composed(
    text: str, html: str, name: str, subject: str, value: str, refs: int, seed: int
) -> None:
    arguments = {
        **next(corpus()),
        "rendered": Rendered(subject, text, html, "ar"),
        "sender_name": name,
        "subject": subject,
        "headers": {"X-Tahseel-Invoice": value},
        "references": [mid(f"INV-{n}") for n in range(refs)],
        "attachments": ATTACHMENTS[seed % 3],
    }
    message = compose(**arguments)
    crlf, lf = gmail_bytes(message), maildir_bytes(message)
    assert crlf.isascii() and crlf.replace(b"\r\n", b"\n") == lf
    assert max(len(line) for line in lf.split(b"\n")) <= MAX_LINE
    assert_reads_back_as_composed(PARSE(crlf if seed % 2 else lf), arguments)


@pytest.mark.parametrize("address", ["a..b@x.example", ".a@x.example", "a.@x.example"])
def test_addresses_that_are_not_dot_atoms_are_refused_as_header_injection(address: str) -> None:
    # The email package would refuse these with an error of its own; compose refuses
    # them first, with the error the job reports against the invoice.
    with pytest.raises(HeaderInjectionError, match="not a single plain email address"):
        compose(**{**next(corpus()), "to": [address]})


@pytest.mark.parametrize("attachments", [[], ATTACHMENTS[1]])
def test_headers_read_before_writing_change_nothing(attachments: list[Attachment]) -> None:
    arguments = {**next(corpus()), "attachments": attachments}
    message = compose(**arguments)
    written = gmail_bytes(message)
    assert [a.addr_spec for a in message["To"].addresses] == arguments["to"]
    assert message["Message-ID"] == arguments["message_id"]
    assert message.get_content_type().startswith("multipart/")
    assert gmail_bytes(message) == written
    assert maildir_bytes(message) == written.replace(b"\r\n", b"\n")


def test_copies_write_the_same_bytes() -> None:
    message = compose(**{**next(corpus()), "attachments": ATTACHMENTS[1]})
    written = message.as_bytes()
    assert copy.deepcopy(message).as_bytes() == written
    assert copy.copy(message).as_bytes() == written


@pytest.mark.parametrize("lines", [1, 3, 10, 11, 40])
@pytest.mark.parametrize("width", [79, 120, 300])
def test_long_bodies_are_wrapped_and_encoded_by_how_much_is_not_ascii(
    lines: int, width: int
) -> None:
    # Long lines of ASCII with ever more two-byte letters: quoted-printable while most
    # of the text is Latin, base64 past a third; either way short lines that decode back.
    chosen = set()
    for arabic in range(0, width // 2, 3):
        line = "a" * (width - arabic) + "ب" * arabic
        text = "\n".join([line] * lines) + "\n"
        rendered = Rendered("s", text, "<p>x</p>", "ar")
        data = gmail_bytes(compose(**{**next(corpus()), "rendered": rendered}))
        plain = PARSE(data).get_body(("plain",))
        expected = "base64" if arabic * 3 > len(line) + 1 else "quoted-printable"
        if not arabic:
            expected = "quoted-printable" if width > 78 else "7bit"
        assert plain["Content-Transfer-Encoding"] == expected, (lines, width, arabic)
        assert max(len(x) for x in data.split(b"\r\n")) <= 78
        assert content_of(plain) == text
        chosen.add(expected)
    assert {"quoted-printable", "base64"} <= chosen
