"""The direct MIME writer against the email package: the same bytes, message for message."""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email import contentmanager, policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mailer.compose as compose_module
import mailer.wire as wire
from mailer.compose import Attachment, compose, make_message_id
from mailer.errors import HeaderInjectionError
from mailer.render import Rendered
from mailer.wire import WireMessage

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 5 + b"\n%%EOF\n"
LF = policy.SMTP.clone(linesep="\n")


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


def by_email_package(**arguments: Any) -> EmailMessage:
    """The message as the email package builds it (compose without the direct writer)."""
    saved = compose_module._compose_direct
    compose_module._compose_direct = lambda _arguments: None
    try:
        return compose(**arguments)
    finally:
        compose_module._compose_direct = saved


def twins(arguments: dict[str, Any], seed: int) -> tuple[EmailMessage, EmailMessage]:
    random.seed(seed)
    ours = compose(**arguments)
    random.seed(seed)
    theirs = by_email_package(**arguments)
    return ours, theirs


def serialise(message: EmailMessage, seed: int, first: Any) -> list[bytes]:
    """Bytes as the transports ask for them: Maildir (LF) and Gmail (CRLF), in either order."""
    random.seed(seed)  # both draw their boundaries here, at the first serialisation
    second = policy.SMTP if first is LF else LF
    return [
        message.as_bytes(policy=first),
        message.as_bytes(policy=second),
        message.as_bytes(),
        bytes(message),
    ]


def test_the_corpus_is_written_byte_for_byte_as_the_email_package_writes_it() -> None:
    direct = 0
    cases = list(corpus())
    for n, arguments in enumerate(cases):
        ours, theirs = twins(arguments, n)
        direct += isinstance(ours, WireMessage)
        first = LF if n % 2 else policy.SMTP
        expected = serialise(theirs, n, first)
        assert serialise(ours, n, first) == expected, f"message {n} differs: {arguments}"
        assert ours.items() == theirs.items(), f"headers of message {n} differ"
        assert [(str(k), str(v)) for k, v in ours.items()] == [
            (str(k), str(v)) for k, v in theirs.items()
        ]
        # The body tree, built on first use, is the email package's and writes the same.
        assert [p.get_content_type() for p in ours.walk()] == [
            p.get_content_type() for p in theirs.walk()
        ]
        body, body_theirs = ours.get_body(("plain",)), theirs.get_body(("plain",))
        assert body is not None and body_theirs is not None
        assert body.get_content() == body_theirs.get_content()
        for part, part_theirs in zip(
            ours.iter_attachments(), theirs.iter_attachments(), strict=True
        ):
            assert part.get_content() == part_theirs.get_content()
            assert part.get_filename() == part_theirs.get_filename()
        assert ours.as_bytes() == expected[-1] and ours.as_bytes(policy=LF) == expected[1 - n % 2]
    # Each axis holds a shape or two the direct writer hands back (a long To, an Arabic
    # file name, an 80-character Message-ID...), so about a third of the combinations
    # are written directly: enough that neither path goes untested.
    assert len(cases) >= 140 and direct >= len(cases) * 0.3, (direct, len(cases))


def test_each_shape_tahseel_sends_is_written_directly() -> None:
    arguments = next(corpus())
    for thread, attachments, name, subject in itertools.product(
        THREADS[:4], ATTACHMENTS[:3], NAMES, SUBJECTS
    ):
        message = compose(
            **{
                **arguments,
                **thread,
                "attachments": attachments,
                "sender_name": name,
                "subject": subject,
            }
        )
        assert isinstance(message, WireMessage), (thread, attachments, name, subject)


def test_headers_changed_before_sending_are_written() -> None:
    arguments = next(corpus())
    ours, theirs = twins(arguments, 7)
    for message in (ours, theirs):
        message["X-Tahseel-Extra"] = "added"
        del message["Date"]
    assert serialise(ours, 3, LF) == serialise(theirs, 3, LF)
    assert b"X-Tahseel-Extra: added\r\n" in ours.as_bytes() and b"Date:" not in ours.as_bytes()


def test_a_boundary_found_in_a_part_is_lengthened_as_the_email_package_does() -> None:
    random.seed(11)
    token = random.randrange(2**63 - 1)
    clash = f"--{'=' * 15}{token:019d}==\n"
    arguments = {**next(corpus()), "rendered": Rendered("s", clash, "<p>x</p>", "en")}
    ours, theirs = twins(arguments, 0)
    assert serialise(ours, 11, LF) == serialise(theirs, 11, LF)
    assert f'boundary="{"=" * 15}{token:019d}==.0"'.encode() in ours.as_bytes()


def test_the_body_parts_are_the_same_after_a_parse() -> None:
    arguments = {**next(corpus()), "attachments": ATTACHMENTS[1]}
    ours, theirs = twins(arguments, 5)
    parse = BytesParser(policy=policy.default).parsebytes
    parsed = []
    for message in (ours, theirs):
        random.seed(5)
        parsed.append(parse(message.as_bytes()).as_bytes())
    assert parsed[0] == parsed[1]
    assert ours.get_payload(1).get_content() == PDF


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
def test_any_text_is_written_as_the_email_package_writes_it(
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
    ours, theirs = twins(arguments, seed)
    first = LF if seed % 2 else policy.SMTP
    assert serialise(ours, seed, first) == serialise(theirs, seed, first)


@pytest.mark.parametrize("address", ["a..b@x.example", ".a@x.example", "a.@x.example"])
def test_addresses_the_email_package_refuses_are_refused_the_same_way(address: str) -> None:
    arguments = {**next(corpus()), "to": [address]}
    with pytest.raises(Exception) as theirs:
        by_email_package(**arguments)
    with pytest.raises(type(theirs.value), match=str(theirs.value)):
        compose(**arguments)
    # ... with the project's own error, which the job reports against the invoice.
    assert isinstance(theirs.value, HeaderInjectionError)


@pytest.mark.parametrize("attachments", [[], ATTACHMENTS[1]])
def test_headers_read_before_writing_change_nothing(attachments: list[Attachment]) -> None:
    arguments = {**next(corpus()), "attachments": attachments}
    ours, theirs = twins(arguments, 1)
    for message in (ours, theirs):
        assert [a.addr_spec for a in message["To"].addresses] == arguments["to"]
        assert message["Message-ID"] == arguments["message_id"]
        assert message.get_content_type().startswith("multipart/")
    assert serialise(ours, 2, policy.SMTP) == serialise(theirs, 2, policy.SMTP)


def test_copies_write_the_same_bytes() -> None:
    message = compose(**{**next(corpus()), "attachments": ATTACHMENTS[1]})
    assert isinstance(message, WireMessage)
    written = message.as_bytes()
    assert copy.deepcopy(message).as_bytes() == written
    assert copy.copy(message).as_bytes() == written


@pytest.mark.parametrize("lines", [1, 3, 10, 11, 40])
@pytest.mark.parametrize("width", [79, 120, 300])
def test_the_body_encoding_is_chosen_as_the_email_package_chooses_it_near_the_tie(
    lines: int, width: int
) -> None:
    # Long lines of ASCII with ever more two-byte letters: quoted-printable wins at
    # first, base64 past the tie, and the shortcut that skips trying quoted-printable
    # must never pick differently from the email package.
    chosen = set()
    for arabic in range(0, width // 2, 3):
        line = "a" * (width - arabic) + "ب" * arabic
        text = "\n".join([line] * lines) + "\n"
        ours = wire.encode_text(text, None)
        theirs = contentmanager._encode_text(text, "utf-8", None, policy.SMTP)
        assert ours == theirs, (lines, width, arabic)
        chosen.add(ours[0])
    assert chosen == {"quoted-printable", "base64"}
