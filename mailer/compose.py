"""Pure MIME composition: rendered parts in, one threaded ``EmailMessage`` out.

Every header value that came from data (names, subjects, ``X-Tahseel-*`` values) is
cleaned of line breaks and control characters, every address is validated, and the
finished message is serialised and parsed back to prove that it carries exactly the
headers and recipients intended. Nothing here reads the clock or touches the network.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.header import Header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from types import MappingProxyType
from typing import NamedTuple, Protocol

from mailer.errors import HeaderInjectionError
from mailer.render import Rendered
from mailer.wire import Multipart, Part, WireMessage, encode_base64, encode_text


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, remembering the class it builds for each name.

    The stdlib registry makes a new class (``type(...)``) on every lookup, once for
    each header set or read: that was the largest single cost of composing.
    """

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


#: Messages are built and serialised with CRLF line endings, as SMTP and Gmail expect.
#: Headers compose folds itself (From, non-ASCII text) are written as folded, because
#: the email package's refolding can drop quotes and spaces (seen on Python 3.11).
POLICY = policy.SMTP.clone(refold_source="none", header_factory=_HeaderClasses())
_PARSE_POLICY = policy.default.clone(header_factory=_HeaderClasses())

_EXTRA_HEADER = re.compile(r"X-Tahseel-[A-Za-z0-9][A-Za-z0-9-]*")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+>")
_ADDRESS_FORBIDDEN = set(' ,;:<>()[]\\"')
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
# Shapes the direct writer covers; the email package would write these unchanged.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_TOKEN = re.compile(r"[A-Za-z0-9-]{1,35}")
_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_MIMETYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*")
# ASCII control characters but tab and LF (a folded header value has LFs).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Unicode's control characters (Cc), surrogates (Cs), line and paragraph separators.
_UNSAFE_IN_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


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
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"not a usable Message-ID domain: {domain!r}")
    digest = hashlib.sha256(f"{tenant}|{invoice_id}|{stage}|{cycle}".encode()).hexdigest()[:12]
    number = _slug(invoice_number) or "invoice"
    return f"<tahseel.{number}.{_slug(stage) or 'stage'}.{int(cycle)}.{digest}@{domain}>"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "", text)


def clean_header_text(value: str) -> str:
    """Return ``value`` as one header-safe line.

    Line breaks, NUL, NEL, the Unicode line and paragraph separators and every other
    control character become spaces; runs of whitespace collapse to one space, and
    ``=?`` becomes ``= ?`` so that no encoded word can be smuggled in.

    Args:
        value: A display name, subject or header value taken from data.
    """
    kept = _UNSAFE_IN_HEADER.sub(" ", value)
    # "=?" would open an RFC 2047 encoded word, which parsers decode back into raw bytes
    # (line breaks included): split it so the value reads as plain text everywhere.
    return " ".join(kept.split()).replace("=?", "= ?")


def check_address(address: str) -> str:
    """Validate one bare address (``name@example.com``) and return it.

    Args:
        address: The address, without a display name or angle brackets.

    Returns:
        The address, unchanged.

    Raises:
        HeaderInjectionError: The address is empty, has other than one ``@``, or holds
            whitespace, control characters, commas, angle brackets or other specials.
    """
    if (
        not isinstance(address, str)
        or address.count("@") != 1
        or any(ch in _ADDRESS_FORBIDDEN or unicodedata.category(ch)[0] in "CZ" for ch in address)
    ):
        raise HeaderInjectionError(f"not a single plain email address: {address!r}")
    local, domain = address.split("@")
    if not local or not domain or not domain.isascii() or not _DOMAIN.fullmatch(domain):
        raise HeaderInjectionError(f"not a single plain email address: {address!r}")
    if not local.isascii():
        raise HeaderInjectionError(f"non-ASCII mailbox names are not supported: {address!r}")
    if local.startswith(".") or local.endswith(".") or ".." in local:
        # Not a dot-atom: the email package would refuse it later with its own error.
        raise HeaderInjectionError(f"not a single plain email address: {address!r}")
    return address


def _check_message_id(value: str, header: str) -> str:
    if not _MESSAGE_ID.fullmatch(value):
        raise HeaderInjectionError(f"{header} is not a single <id@domain>: {value!r}")
    return value


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
    if not to:
        raise ValueError("compose needs at least one recipient")
    arguments = _Arguments(
        rendered=rendered,
        sender_name=sender_name,
        sender_email=sender_email,
        to=tuple(to),
        cc=tuple(cc),
        reply_to=reply_to,
        subject=subject,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=tuple(references),
        date=date,
        headers=headers,
        attachments=tuple(attachments),
    )
    # The direct writer covers the shapes Tahseel sends; anything else, and anything its
    # own check doubts, goes through the email package, which refuses it as before.
    return _compose_direct(arguments) or _compose_email_package(arguments)


class _Arguments(NamedTuple):
    rendered: Rendered
    sender_name: str
    sender_email: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: str | None
    subject: str
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    date: datetime
    headers: Mapping[str, str]
    attachments: tuple[Attachment, ...]


def _compose_email_package(a: _Arguments) -> EmailMessage:
    """Build the message with ``EmailMessage`` and check it by parsing its headers back."""
    rendered, to, cc, reply_to = a.rendered, a.to, a.cc, a.reply_to
    in_reply_to, references = a.in_reply_to, a.references
    extra = _extra_headers(a.headers)
    msg = EmailMessage(policy=POLICY)
    _set_from(msg, clean_header_text(a.sender_name), check_address(a.sender_email))
    msg["To"] = [Address(addr_spec=check_address(x)) for x in to]
    if cc:
        msg["Cc"] = [Address(addr_spec=check_address(x)) for x in cc]
    if reply_to is not None:
        msg["Reply-To"] = Address(addr_spec=check_address(reply_to))
    subject = clean_header_text(a.subject)
    _set_text(msg, "Subject", subject)
    msg["Date"] = format_datetime(a.date)
    msg["Message-ID"] = _check_message_id(a.message_id, "Message-ID")
    if in_reply_to is not None:
        msg["In-Reply-To"] = _check_message_id(in_reply_to, "In-Reply-To")
    if references:
        msg["References"] = " ".join(_check_message_id(r, "References") for r in references)
    for name, value in extra.items():
        _set_text(msg, name, value)
    _add_body(msg, rendered, a.attachments)
    # Set after the body: set_content() and add_attachment() move Content-* headers.
    msg["Content-Language"] = clean_header_text(rendered.language)
    expected = _expected_headers(
        cc=bool(cc),
        reply_to=reply_to is not None,
        in_reply_to=in_reply_to is not None,
        references=bool(references),
        extra=list(extra),
    )
    _verify(msg, _Intended(a.sender_email, tuple(to), tuple(cc), subject, a.message_id, expected))
    return msg


def _compose_direct(a: _Arguments) -> WireMessage | None:
    """Write the message directly (``mailer.wire``), or ``None`` for the email package.

    ``None`` when the message has a shape the direct writer does not cover (an address,
    Message-ID or attachment name the email package would fold or quote, a long header)
    or when a value fails the checks (the email package path then raises as it always
    has). What it returns is byte for byte what ``_compose_email_package`` builds.
    """
    try:
        extra = _extra_headers(a.headers)
        sender = check_address(a.sender_email)
        to = [check_address(x) for x in a.to]
        cc = [check_address(x) for x in a.cc]
        reply_to = None if a.reply_to is None else check_address(a.reply_to)
        message_id = _check_message_id(a.message_id, "Message-ID")
        in_reply_to = None if a.in_reply_to is None else _check_message_id(a.in_reply_to, "")
        references = [_check_message_id(r, "References") for r in a.references]
    except (HeaderInjectionError, ValueError):
        return None
    addresses = [sender, *to, *cc] + ([reply_to] if reply_to else [])
    if not all(_DOT_ATOM.fullmatch(x.split("@")[0]) for x in addresses):
        return None
    language = clean_header_text(a.rendered.language)
    if not _TOKEN.fullmatch(language):
        return None
    raw = _RawHeaders()
    _set_from(raw, clean_header_text(a.sender_name), sender)
    raw["To"] = ", ".join(to)
    if cc:
        raw["Cc"] = ", ".join(cc)
    if reply_to is not None:
        raw["Reply-To"] = reply_to
    subject = clean_header_text(a.subject)
    _set_text(raw, "Subject", subject)
    raw["Date"] = format_datetime(a.date)
    raw["Message-ID"] = message_id
    if in_reply_to is not None:
        raw["In-Reply-To"] = in_reply_to
    if references:
        if any(len(r) > 70 for r in references):
            return None
        raw.set_raw("References", _fold_ascii("References", " ".join(references)))
    for name, value in extra.items():
        _set_text(raw, name, value)
    body = _direct_body(a.rendered, a.attachments)
    if body is None:
        return None
    raw["MIME-Version"] = "1.0"
    raw["Content-Type"] = f"multipart/{body.subtype}"
    raw["Content-Language"] = language
    if not raw.is_clean(
        _expected_headers(
            cc=bool(cc),
            reply_to=reply_to is not None,
            in_reply_to=in_reply_to is not None,
            references=bool(references),
            extra=list(extra),
        )
    ):
        return None
    return WireMessage(POLICY, raw.items, body)


class _RawSink(Protocol):
    def set_raw(self, name: str, value: str) -> None: ...


class _RawHeaders:
    """Header lines collected as raw, already folded values, in order.

    ``set_raw`` takes the values both paths write as they are (From, Subject and the
    ``X-Tahseel-*`` headers, through ``_set_from`` and ``_set_text``); item assignment
    takes the values the email package would refold, which must fit on one line.
    """

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self._limits: list[int] = []

    def set_raw(self, name: str, value: str) -> None:
        self.items.append((name, value))
        self._limits.append(998)

    def __setitem__(self, name: str, value: str) -> None:
        self.items.append((name, value))
        self._limits.append(78)

    def is_clean(self, expected: Counter[str]) -> bool:
        """Exactly the ``expected`` header names, each one line or folded, 7-bit.

        This is what the email package's re-parse proves on the other path: no value
        can have started a header of its own or reached the body.
        """
        if Counter(name.lower() for name, _ in self.items) != expected:
            return False
        for (name, value), limit in zip(self.items, self._limits, strict=True):
            if not value.isascii() or _CONTROL.search(value):
                return False
            first, *rest = value.split("\n")
            if len(name) + 2 + len(first) > limit or (limit == 78 and rest):
                return False
            for line in rest:
                if not line.startswith(" ") or not line.strip() or len(line) > limit:
                    return False
        return True


def _direct_body(rendered: Rendered, attachments: Sequence[Attachment]) -> Multipart | None:
    """The body parts as ``_add_body`` builds them, or ``None`` for an unusual attachment."""
    text_cte, text = encode_text(rendered.text, _transfer_encoding(rendered.text))
    html_cte, html = encode_text(rendered.html, _transfer_encoding(rendered.html))
    alternative = Multipart(
        "alternative",
        (
            Part(
                (
                    ("Content-Type", 'text/plain; charset="utf-8"'),
                    ("Content-Transfer-Encoding", text_cte),
                ),
                text,
            ),
            Part(
                (
                    ("Content-Type", 'text/html; charset="utf-8"'),
                    ("Content-Transfer-Encoding", html_cte),
                    ("MIME-Version", "1.0"),
                ),
                html,
            ),
        ),
    )
    if not attachments:
        return alternative
    parts: list[Part | Multipart] = [alternative]
    for attachment in attachments:
        filename = clean_header_text(attachment.filename) or "attachment"
        mimetype = attachment.mimetype
        if not (_FILENAME.fullmatch(filename) and _MIMETYPE.fullmatch(mimetype)):
            return None
        disposition = f'attachment; filename="{filename}"'
        if len("Content-Disposition: ") + len(disposition) > 78:
            return None
        parts.append(
            Part(
                (
                    ("Content-Type", mimetype),
                    ("Content-Transfer-Encoding", "base64"),
                    ("Content-Disposition", disposition),
                    ("MIME-Version", "1.0"),
                ),
                encode_base64(attachment.content),
            )
        )
    return Multipart("mixed", tuple(parts))


def _encode_words(name: str, value: str, *, room: int = 76) -> str:
    """RFC 2047-encode ``value`` as folded encoded words, spaces kept inside the words.

    The email package's own folder can drop the space between two encoded words
    (Arabic subjects lost spaces on Python 3.11), so non-ASCII text is encoded here.
    """
    return Header(value, "utf-8", maxlinelen=room, header_name=name).encode(linesep="\n")


def _fold_ascii(name: str, value: str) -> str:
    """Fold single-spaced ASCII text at spaces so that lines stay within 78 characters."""
    lines: list[str] = []
    line, used = "", len(name) + 2
    for word in value.split(" "):
        if line and used + len(line) + 1 + len(word) > 78:
            lines.append(line)
            line, used = word, 1
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\n ".join(lines)


def _set_text(msg: _RawSink, name: str, value: str) -> None:
    """Set an unstructured header from cleaned text, folded by hand (see ``POLICY``)."""
    if value.isascii() and all(len(word) < 900 for word in value.split(" ")):
        msg.set_raw(name, _fold_ascii(name, value))
    else:
        msg.set_raw(name, _encode_words(name, value))


def _set_from(msg: _RawSink, display_name: str, address: str) -> None:
    """Write From folded by hand: a quoted ASCII name, or encoded words for any other."""
    if not display_name:
        phrase = ""
    elif display_name.isascii() and len(display_name) <= 60:
        phrase = '"' + display_name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        phrase = _encode_words("From", display_name)
    last_line = phrase.rsplit("\n", 1)[-1]
    fold = "\n " if len(f"From: {last_line} <{address}>") > 78 else " "
    msg.set_raw("From", f"{phrase}{fold}<{address}>" if phrase else f"<{address}>")


def _expected_headers(
    *, cc: bool, reply_to: bool, in_reply_to: bool, references: bool, extra: Sequence[str]
) -> Counter[str]:
    """The header names a composed message must carry, from what the caller asked for."""
    names = ["from", "to", "subject", "date", "message-id", "mime-version", "content-type"]
    names.append("content-language")
    optional = {
        "cc": cc,
        "reply-to": reply_to,
        "in-reply-to": in_reply_to,
        "references": references,
    }
    names += [name for name, wanted in optional.items() if wanted]
    return Counter(names + [name.lower() for name in extra])


def _extra_headers(headers: Mapping[str, str]) -> dict[str, str]:
    extra: dict[str, str] = {}
    for name, value in headers.items():
        if not _EXTRA_HEADER.fullmatch(name):
            raise HeaderInjectionError(f"only X-Tahseel-* headers may be added, not {name!r}")
        if name.lower() in (n.lower() for n in extra):
            raise HeaderInjectionError(f"header {name!r} given twice")
        extra[name] = clean_header_text(str(value))
    return extra


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


class _Intended(NamedTuple):
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    message_id: str
    headers: Counter[str]


def _verify(msg: EmailMessage, intended: _Intended) -> None:
    """Serialise and re-parse the headers of ``msg``; refuse it unless they are as built."""
    # Only the top-level headers can be forged by a name or subject, so only they are
    # written (as the generator writes them) and parsed back; the bodies are left out,
    # which was most of the cost.
    head = b"".join(POLICY.fold_binary(name, value) for name, value in msg.raw_items())
    parsed = BytesParser(policy=_PARSE_POLICY).parsebytes(head + b"\r\n", headersonly=True)

    found = Counter(name.lower() for name in parsed.keys())
    problems = []
    if found != intended.headers:
        extra, missing = found - intended.headers, intended.headers - found
        problems.append(f"headers differ (extra {sorted(extra)}, missing {sorted(missing)})")
    for name, addresses in (("From", (intended.sender,)), ("To", intended.to), ("Cc", intended.cc)):
        if _addresses(parsed, name) != [a.lower() for a in addresses]:
            problems.append(f"{name} differs")
    if parsed.get_all("Bcc"):
        problems.append("a Bcc header appeared")
    if str(parsed.get("Message-ID", "")).strip() != intended.message_id:
        problems.append("Message-ID changed")
    if str(parsed.get("Subject", "")) != intended.subject:
        problems.append("Subject changed")
    if problems:
        detail = "; ".join(problems)
        raise HeaderInjectionError(f"composed message failed its header check: {detail}")


def _addresses(parsed: EmailMessage, name: str) -> list[str]:
    found: list[str] = []
    for header in parsed.get_all(name) or []:
        found.extend(a.addr_spec.lower() for a in getattr(header, "addresses", ()))
    return found
