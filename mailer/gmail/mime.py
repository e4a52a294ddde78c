"""Pure helpers of the Gmail transport: raw encoding, headers, and replies as ``Incoming``."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from mailer.errors import MailError
from mailer.mime import (
    attachment_names,
    first_id,
    header_text,
    is_automatic,
    message_text,
    refers_to,
    sender,
)
from mailer.transport import Incoming

#: Carries the composed Message-ID, which Gmail may replace, so a send can be found.
ORIGINAL_ID_HEADER = "X-Tahseel-Message-Id"
_PARSER = BytesParser(policy=policy.default)


def encode_raw(message: EmailMessage, client_id: str, aliases: dict[str, str] | None = None) -> str:
    """The message as base64url, carrying its composed Message-ID in a header of its own.

    Args:
        message: The composed message.
        client_id: Its composed Message-ID.
        aliases: Message-IDs to write in place of others in the header block (composed
            ones Gmail replaced, mapped to the ones it stored), so In-Reply-To and
            References name what the recipients received.
    """
    data = message.as_bytes()
    if aliases:
        data = _replace_ids(data, aliases)
    if ORIGINAL_ID_HEADER not in message:
        eol = b"\r\n" if b"\r\n" in data[:2000] else b"\n"
        data = f"{ORIGINAL_ID_HEADER}: {client_id}".encode() + eol + data
    return base64.urlsafe_b64encode(data).decode("ascii")


def _replace_ids(data: bytes, aliases: dict[str, str]) -> bytes:
    """Replace Message-IDs in the In-Reply-To and References headers of raw ``data``."""
    head, sep, body = (
        data.partition(b"\r\n\r\n") if b"\r\n\r\n" in data else (data.partition(b"\n\n"))
    )
    pattern = re.compile(
        rb"^(In-Reply-To|References):.*?(?=^\S|\Z)", re.IGNORECASE | re.MULTILINE | re.DOTALL
    )
    table = {k.encode(): v.encode() for k, v in aliases.items()}

    def swap(found: re.Match[bytes]) -> bytes:
        return re.sub(rb"<[^<>\s]+>", lambda m: table.get(m.group(0), m.group(0)), found.group(0))

    return pattern.sub(swap, head) + sep + body


def decode_raw(data: str) -> EmailMessage:
    """Parse a ``raw`` field (base64url, padding optional)."""
    message = _PARSER.parsebytes(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    assert isinstance(message, EmailMessage)
    return message


def meta_header(meta: dict[str, Any], name: str) -> str:
    """A header from a ``format=metadata`` resource; "" if absent."""
    for header in meta.get("payload", {}).get("headers", []):
        if str(header.get("name", "")).lower() == name.lower():
            return str(header.get("value", "")).strip()
    return ""


def parse_cursor(cursor: str | None) -> tuple[str | None, int | None]:
    """Split ``"<historyId>:<epoch seconds>"``; (None, None) for no cursor."""
    if not cursor:
        return None, None
    history, _, since = cursor.partition(":")
    if not (history.isdigit() and since.isdigit()):
        raise MailError(f"gmail: not a Gmail cursor: {cursor!r}")
    return history, int(since)


def split_label(cursor: str | None, name: str) -> tuple[str | None, str | None]:
    """``"<historyId>:<epoch>[:<label id>:<label name>]"`` -> (the history part, label id).

    The label part is the label's id as an earlier run found it, so that this run need
    not ask; it is left out (None) when it was found for another name than ``name``, the
    one configured now. See ``join_label``.
    """
    if not cursor:
        return None, None
    parts = cursor.split(":", 3)
    history = ":".join(parts[:2])
    if len(parts) == 4 and parts[2] and parts[3].casefold() == name.casefold():
        return history, parts[2]
    return history, None


def join_label(cursor: str, label_id: str | None, name: str) -> str:
    """The cursor with the label's id (and the name it was found for) after it."""
    return f"{cursor}:{label_id}:{name}" if label_id and ":" not in label_id else cursor


def first_recipient(message: Message) -> str:
    """The first To address, or ""."""
    found = [addr for _, addr in getaddresses([header_text(message, "To")]) if addr]
    return found[0] if found else ""


def incoming(resource: dict[str, Any], message: EmailMessage, thread: str | None) -> Incoming:
    """An ``Incoming`` from a ``format=raw`` resource and its parsed message."""
    millis = int(resource.get("internalDate", 0))
    return Incoming(
        ref=str(resource["id"]),
        message_id=first_id(header_text(message, "Message-ID")) or "",
        thread=thread,
        refers_to=refers_to(message),
        sender=sender(message),
        subject=header_text(message, "Subject"),
        text=message_text(message),
        received_at=datetime.fromtimestamp(millis / 1000, tz=UTC),
        automatic=is_automatic(message),
        attachments=attachment_names(message),
    )
