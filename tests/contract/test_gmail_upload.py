"""Large messages: over a few MB, Gmail refuses a JSON ``raw`` body (413); they go by upload.

Small messages still travel as JSON ``raw`` (one request); from 3 MiB a message goes by
media upload (``message/rfc822``), multipart below 5 MiB and resumable above, and arrives
byte for byte in the invoice's thread. See tests/emulators/gmail/uploads.py for the
limits and where they come from.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from mailer.errors import SendRejected
from mailer.gmail.mime import encode_raw
from tests.contract.test_gmail_transport import gmail_transport, invoice_message
from tests.contract.transport_contract import SENDER
from tests.emulators.gmail import GmailEmulator
from tests.support.tally import record

MB = 1024 * 1024


@pytest.fixture
def emulator() -> Iterator[GmailEmulator]:
    with GmailEmulator(SENDER) as running:
        yield running


def with_pdf(message: EmailMessage, size: int) -> tuple[EmailMessage, bytes]:
    """The message with a PDF of ``size`` bytes attached (base64 makes it 4/3 larger)."""
    pdf = b"%PDF-1.7\n" + os.urandom(size - 9)
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename="INV-0042.pdf")
    return message, pdf


def stored_pdf(raw: bytes) -> bytes:
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    (part,) = [p for p in parsed.iter_attachments() if p.get_content_type() == "application/pdf"]
    content = part.get_content()
    assert isinstance(content, bytes)
    return content


@pytest.mark.parametrize(("pdf_size", "kind"), [(6 * MB, "resumable"), (3 * MB, "multipart")])
def test_a_large_invoice_goes_by_upload_and_arrives_whole_in_its_thread(
    emulator: GmailEmulator, pdf_size: int, kind: str
) -> None:
    transport = gmail_transport(emulator)
    first = transport.send(invoice_message("courtesy", []), thread=None)
    message, pdf = with_pdf(invoice_message("due", [first]), pdf_size)
    sent = transport.send(message, thread=first.thread)
    assert dict(emulator.uploaded) == {kind: 1}
    stored = emulator.sent()
    assert len(stored) == 2 and stored[1].id == sent.ref
    assert stored[1].thread_id == first.thread == sent.thread, "in the invoice's thread"
    assert stored_pdf(stored[1].raw) == pdf, "the same bytes"
    assert stored[1].header("X-Tahseel-Message-Id") == message["Message-ID"]
    record("real services: gmail send", bad_inputs=1, runs=1)


def test_a_small_message_still_goes_as_json_raw(emulator: GmailEmulator) -> None:
    transport = gmail_transport(emulator)
    message, pdf = with_pdf(invoice_message("courtesy", []), 200_000)
    transport.send(message, thread=None)
    assert not emulator.uploaded and emulator.calls["drafts.create"] == 1
    assert stored_pdf(emulator.sent()[0].raw) == pdf


def test_the_emulator_refuses_a_json_body_over_the_limit(emulator: GmailEmulator) -> None:
    """What the old code did with a 6 MB invoice: one JSON body of about 8 MB."""
    transport = gmail_transport(emulator)
    message, _ = with_pdf(invoice_message("courtesy", []), 4 * MB)
    raw = encode_raw(message, message["Message-ID"])
    with pytest.raises(SendRejected, match="HTTP 413"):
        transport._api.call(
            "drafts.create",
            lambda u: u.drafts().create(userId="me", body={"message": {"raw": raw}}),
        )
    assert emulator.mailbox.drafts == {}
    record("real services: gmail send", bad_inputs=1, runs=1)


def test_a_message_over_35_mb_is_rejected_before_anything_is_stored(
    emulator: GmailEmulator,
) -> None:
    transport = gmail_transport(emulator)
    message, _ = with_pdf(invoice_message("courtesy", [], invoice="INV-0099"), 27 * MB)
    with pytest.raises(SendRejected, match="over the 35 MB Gmail takes"):
        transport.send(message, thread=None)
    assert emulator.calls["drafts.create"] == 0 and emulator.mailbox.drafts == {}
    record("real services: gmail send", bad_inputs=1, runs=1)
