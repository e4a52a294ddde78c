"""Reading email messages as they arrive from any mailbox: headers, text, automatic mail.

Shared by the transports: a reply is read the same way from a Maildir or from Gmail.
Every function accepts malformed input; nothing here raises on a customer's message.
"""

from __future__ import annotations

import codecs
import re
from email.message import Message
from email.utils import getaddresses
from html.parser import HTMLParser

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "auto_reply", "list"}


def header_text(message: Message, name: str) -> str:
    """A header's decoded value, or its raw text when it does not parse; "" if absent."""
    try:
        value = message.get(name)
        return "" if value is None else str(value)
    except Exception:  # malformed headers can trip the parser in many ways
        for raw_name, raw_value in message.raw_items():
            if raw_name.lower() == name.lower():
                return str(raw_value)
        return ""


def message_ids(value: str) -> list[str]:
    """Every ``<...>`` Message-ID in ``value``, in order."""
    return list(_MESSAGE_ID.findall(value))


def first_id(value: str) -> str | None:
    """The first ``<...>`` Message-ID in ``value``."""
    found = message_ids(value)
    return found[0] if found else None


def refers_to(message: Message) -> tuple[str, ...]:
    """In-Reply-To, then References from the newest back: the nearest message first."""
    ordered = (
        message_ids(header_text(message, "In-Reply-To"))
        + message_ids(header_text(message, "References"))[::-1]
    )
    return tuple(dict.fromkeys(ordered))


def sender(message: Message) -> str:
    """The From address (the raw header when it holds none)."""
    raw = header_text(message, "From")
    addresses = [addr for _, addr in getaddresses([raw]) if addr]
    return addresses[0] if addresses else raw


def is_automatic(message: Message) -> bool:
    """True for auto-replies, bulk mail and bounces.

    Looks at Auto-Submitted (anything but ``no``), Precedence (bulk, junk, auto_reply,
    list), X-Autoreply and X-Autorespond, and delivery reports (multipart/report).

    Args:
        message: The message to judge.
    """
    auto_submitted = header_text(message, "Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if header_text(message, "Precedence").strip().lower() in _AUTOMATIC_PRECEDENCE:
        return True
    if "X-Autoreply" in message or "X-Autorespond" in message:
        return True
    return message.get_content_type() == "multipart/report"


def message_text(message: Message) -> str:
    """Return the message's plain text: the first text/plain part, else its HTML as text.

    Any charset decodes: unknown ones fall back to UTF-8 and bad bytes are replaced.

    Args:
        message: The message to read.
    """
    html_part: Message | None = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_type() == "text/plain":
            return _decode(part)
        if part.get_content_type() == "text/html" and html_part is None:
            html_part = part
    return _html_to_text(_decode(html_part)) if html_part is not None else ""


def _decode(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(payload or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return payload.decode(charset, errors="replace")


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def _html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.chunks).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def attachment_names(message: Message) -> tuple[str, ...]:
    """File names of every part that has one."""
    names = []
    for part in message.walk():
        try:
            filename = part.get_filename()
        except Exception:  # a malformed Content-Disposition must not lose the reply
            filename = None
        if filename:
            names.append(filename)
    return tuple(names)
