"""Pure MIME composition: rendered parts in, one threaded ``EmailMessage`` out.

The message is built with the standard library's email package (``set_content``,
``add_alternative``, ``add_attachment``) under the SMTP policy. Every header value that
came from data is cleaned, every address and Message-ID validated, and the finished
headers are parsed back to prove that they are exactly the ones intended
(``mailer.headers``). Nothing here reads the clock or touches the network.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from types import MappingProxyType

from mailer.headers import (
    POLICY,
    Intended,
    check_address,
    check_message_id,
    clean_header_text,
    expected_headers,
    extra_headers,
    is_host_name,
    set_from,
    set_text,
    verify,
)
from mailer.render import Rendered

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to attach.

    Attributes:
        filename: The name shown to the recipient, such as ``INV-0042.pdf``.
        content: The file's bytes.
        mimetype: ``maintype/subtype``; a PDF unless told otherwise.
    """

    filename: str
    content: bytes
    mimetype: str = "application/pdf"


def make_message_id(
    *, tenant: str, invoice_id: str, invoice_number: str, stage: str, cycle: int, domain: str
) -> str:
    """Build the deterministic Message-ID of one reminder.

    The same tenant, invoice, stage and cycle always give the same id, so a send that
    may or may not have happened can be looked up in the mailbox instead of repeated.

    Args:
        tenant: The tenant (ledger) the invoice belongs to.
        invoice_id: The ledger's id for the invoice.
        invoice_number: The invoice number people see; kept readable in the id.
        stage: The reminder stage, such as ``overdue``.
        cycle: Which repetition of the stage this is.
        domain: The sender's domain, the part after ``@``.

    Returns:
        ``<tahseel.{number}.{stage}.{cycle}.{hash}@{domain}>``.

    Raises:
        ValueError: ``domain`` is not a plain host name.
    """
    if not is_host_name(domain):
        raise ValueError(f"not a usable Message-ID domain: {domain!r}")
    digest = hashlib.sha256(f"{tenant}|{invoice_id}|{stage}|{cycle}".encode()).hexdigest()[:12]
    number = _slug(invoice_number) or "invoice"
    return f"<tahseel.{number}.{_slug(stage) or 'stage'}.{int(cycle)}.{digest}@{domain}>"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "", text)


def compose(
    *,
    rendered: Rendered,
    sender_name: str,
    sender_email: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    reply_to: str | None = None,
    subject: str,
    message_id: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    date: datetime,
    headers: Mapping[str, str] = _NO_HEADERS,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    """Build one email from rendered parts: text and HTML alternatives, threaded.

    Args:
        rendered: The rendered subject, text, HTML and language.
        sender_name: The From display name.
        sender_email: The From address.
        to: Recipient addresses (at least one).
        cc: Copy addresses.
        reply_to: Where replies should go, when not to the sender.
        subject: The thread's subject (possibly ``Re: ...``), used instead of
            ``rendered.subject`` so that every message of a thread keeps one subject.
        message_id: This message's Message-ID, with angle brackets.
        in_reply_to: The Message-ID this message answers.
        references: The thread's Message-IDs, oldest first.
        date: When the message is sent; must be timezone-aware.
        headers: Extra headers, each named ``X-Tahseel-...``.
        attachments: Files to attach after the text and HTML parts.

    Returns:
        The message, with the SMTP policy (CRLF line endings).

    Raises:
        HeaderInjectionError: An address, Message-ID or header name is unsafe, or the
            serialised message does not carry exactly the intended headers.
        ValueError: ``date`` is naive or ``to`` is empty.
    """
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("compose needs a timezone-aware date")
    to, cc, references = tuple(to), tuple(cc), tuple(references)
    if not to:
        raise ValueError("compose needs at least one recipient")
    extra = extra_headers(headers)
    msg = EmailMessage(policy=POLICY)
    set_from(msg, clean_header_text(sender_name), check_address(sender_email))
    msg["To"] = [Address(addr_spec=check_address(x)) for x in to]
    if cc:
        msg["Cc"] = [Address(addr_spec=check_address(x)) for x in cc]
    if reply_to is not None:
        msg["Reply-To"] = Address(addr_spec=check_address(reply_to))
    subject = clean_header_text(subject)
    set_text(msg, "Subject", subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = check_message_id(message_id, "Message-ID")
    if in_reply_to is not None:
        msg["In-Reply-To"] = check_message_id(in_reply_to, "In-Reply-To")
    if references:
        msg["References"] = " ".join(check_message_id(r, "References") for r in references)
    for name, value in extra.items():
        set_text(msg, name, value)
    _add_body(msg, rendered, attachments)
    # Set after the body: set_content() and add_attachment() move Content-* headers.
    msg["Content-Language"] = clean_header_text(rendered.language)
    expected = expected_headers(
        cc=bool(cc),
        reply_to=reply_to is not None,
        in_reply_to=in_reply_to is not None,
        references=bool(references),
        extra=list(extra),
    )
    verify(msg, Intended(sender_email, to, cc, subject, message_id, expected))
    return msg


def _add_body(msg: EmailMessage, rendered: Rendered, attachments: Sequence[Attachment]) -> None:
    """Add text and HTML as alternatives, then the attachments (making it multipart/mixed)."""
    msg.set_content(
        rendered.text, subtype="plain", charset="utf-8", cte=_transfer_encoding(rendered.text)
    )
    msg.add_alternative(
        rendered.html, subtype="html", charset="utf-8", cte=_transfer_encoding(rendered.html)
    )
    for attachment in attachments:
        maintype, _, subtype = attachment.mimetype.partition("/")
        if not (maintype and subtype):
            raise ValueError(f"attachment mimetype must be maintype/subtype: {attachment.mimetype}")
        msg.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=clean_header_text(attachment.filename) or "attachment",
        )


def _transfer_encoding(text: str) -> str | None:
    """Keep bodies 7-bit clean: base64 for mostly non-Latin text, else quoted-printable.

    ``None`` lets the email package choose (7bit) for short-lined ASCII.
    """
    if text.isascii():
        return None
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return "base64" if non_ascii * 3 > len(text) else "quoted-printable"
