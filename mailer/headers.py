"""Header checks for composed messages: cleaning, validation, folding, and the re-parse.

Every header value that came from data (names, subjects, ``X-Tahseel-*`` values) is
cleaned of line breaks and control characters, every address and Message-ID is
validated, and the finished headers are serialised and parsed back to prove that they
carry exactly the headers and recipients intended. ``compose`` uses these; nothing here
reads the clock or touches the network.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from email import policy
from email.header import Header
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage
from email.parser import BytesParser
from typing import NamedTuple

from mailer.errors import HeaderInjectionError


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, remembering the class it builds for each name.

    The stdlib registry makes a new class (``type(...)``) on every lookup, once for
    each header set or read; one per name is enough.
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
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
# Unicode's control characters (Cc), surrogates (Cs), line and paragraph separators.
_UNSAFE_IN_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def is_host_name(domain: str) -> bool:
    """Whether ``domain`` is a plain host name (dot-separated letters, digits, hyphens)."""
    return _DOMAIN.fullmatch(domain) is not None


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


def check_message_id(value: str, header: str) -> str:
    """Validate one ``<id@domain>`` Message-ID and return it.

    Args:
        value: The Message-ID, with angle brackets.
        header: The header it is for, named in the error.

    Raises:
        HeaderInjectionError: ``value`` is not exactly one plain ``<id@domain>``.
    """
    if not _MESSAGE_ID.fullmatch(value):
        raise HeaderInjectionError(f"{header} is not a single <id@domain>: {value!r}")
    return value


def extra_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Check the names of extra headers and clean their values.

    Args:
        headers: Header names (each ``X-Tahseel-...``) and values taken from data.

    Returns:
        The headers, in order, with cleaned values.

    Raises:
        HeaderInjectionError: A name is not ``X-Tahseel-...`` or is given twice.
    """
    extra: dict[str, str] = {}
    for name, value in headers.items():
        if not _EXTRA_HEADER.fullmatch(name):
            raise HeaderInjectionError(f"only X-Tahseel-* headers may be added, not {name!r}")
        if name.lower() in (n.lower() for n in extra):
            raise HeaderInjectionError(f"header {name!r} given twice")
        extra[name] = clean_header_text(str(value))
    return extra


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


def set_text(msg: EmailMessage, name: str, value: str) -> None:
    """Set an unstructured header from cleaned text, folded by hand (see ``POLICY``).

    ASCII is folded at spaces; anything else, and words too long to fold, is written
    as RFC 2047 encoded words, so the header is 7-bit and no line passes 998 bytes.

    Args:
        msg: The message being composed.
        name: The header's name.
        value: Its value, already cleaned with ``clean_header_text``.
    """
    if value.isascii() and all(len(word) < 900 for word in value.split(" ")):
        msg.set_raw(name, _fold_ascii(name, value))
    else:
        msg.set_raw(name, _encode_words(name, value))


def set_from(msg: EmailMessage, display_name: str, address: str) -> None:
    """Write From folded by hand: a quoted ASCII name, or encoded words for any other.

    Args:
        msg: The message being composed.
        display_name: The sender's name, already cleaned; "" for none.
        address: The sender's address, already checked with ``check_address``.
    """
    if not display_name:
        phrase = ""
    elif display_name.isascii() and len(display_name) <= 60:
        phrase = '"' + display_name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    else:
        phrase = _encode_words("From", display_name)
    last_line = phrase.rsplit("\n", 1)[-1]
    fold = "\n " if len(f"From: {last_line} <{address}>") > 78 else " "
    msg.set_raw("From", f"{phrase}{fold}<{address}>" if phrase else f"<{address}>")


def expected_headers(
    *, cc: bool, reply_to: bool, in_reply_to: bool, references: bool, extra: Sequence[str]
) -> Counter[str]:
    """The header names a composed message must carry, from what the caller asked for.

    Args:
        cc: Whether there are copy recipients.
        reply_to: Whether a Reply-To was given.
        in_reply_to: Whether an In-Reply-To was given.
        references: Whether References were given.
        extra: The names of the ``X-Tahseel-*`` headers added.

    Returns:
        Each lower-cased header name, counted once per time it must appear.
    """
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


class Intended(NamedTuple):
    """What a composed message's headers must say, for ``verify``.

    Attributes:
        sender: The From address.
        to: The To addresses, in order.
        cc: The Cc addresses, in order.
        subject: The cleaned subject.
        message_id: The Message-ID.
        headers: The header names expected (see ``expected_headers``).
    """

    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    message_id: str
    headers: Counter[str]


def verify(msg: EmailMessage, intended: Intended) -> None:
    """Serialise and re-parse the headers of ``msg``; refuse it unless they are as built.

    Args:
        msg: The composed message.
        intended: What its headers must say.

    Raises:
        HeaderInjectionError: A header appeared or went missing, or an address, the
            Message-ID or the subject read back differently.
    """
    # Only the top-level headers can be forged by a name or subject, so only they are
    # written (as the generator writes them) and parsed back.
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
