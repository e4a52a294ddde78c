"""Helpers of the Gmail transport: the message's bytes and how they travel, headers, replies."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from mailer.errors import MailError, SendRejected
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

#: The largest message Gmail takes: ``maxSize`` of drafts.create's ``mediaUpload`` in the
#: discovery document google-api-python-client ships (36,700,160 bytes, "35 MB").
UPLOAD_LIMIT = 36_700_160
#: The largest message sent as JSON ``raw``. Google publishes no limit for JSON bodies;
#: users report 413 "Request Entity Too Large" above a few MB (5 MB and up), and ``raw``
#: is base64url, 4/3 of the message. 3 MiB of message make a 4 MiB body: larger
#: messages go by media upload (``message/rfc822``), which takes up to ``UPLOAD_LIMIT``.
RAW_LIMIT = 3 * 1024 * 1024
#: Uploads from this size on are resumable: Google's Uploads guide keeps simple and
#: multipart uploads to "smaller files, for example, 5 MB or less".
RESUMABLE_FROM = 5 * 1024 * 1024


def draft_request(drafts: Any, data: bytes, thread: str | None, base_url: str | None) -> Any:
    """The drafts.create request for the message ``data``: JSON ``raw``, or a media upload.

    Args:
        drafts: ``service.users().drafts()``.
        data: The message's bytes (``message_bytes``).
        thread: Gmail's thread id to put the draft in, or None.
        base_url: The API's base URL when it is not Google's (an emulator): the client
            keeps ``https`` in upload URLs whatever the base URL says
            (googleapis/google-api-python-client#1991 moved only the host), so the
            scheme is set here.

    Raises:
        SendRejected: The message is larger than Gmail takes.
    """
    message: dict[str, Any] = {"threadId": thread} if thread else {}
    if len(data) <= RAW_LIMIT:
        message["raw"] = base64.urlsafe_b64encode(data).decode("ascii")
        return drafts.create(userId="me", body={"message": message})
    if len(data) > UPLOAD_LIMIT:
        raise SendRejected(
            f"gmail: the message is {len(data) / 1_048_576:.1f} MB with its attachments, over "
            "the 35 MB Gmail takes; make the PDF smaller or send it another way"
        )
    from googleapiclient.http import MediaIoBaseUpload

    media = MediaIoBaseUpload(
        io.BytesIO(data), mimetype="message/rfc822", resumable=len(data) >= RESUMABLE_FROM
    )
    request = drafts.create(userId="me", body={"message": message}, media_body=media)
    scheme = base_url.partition("://")[0] if base_url and "://" in base_url else None
    if scheme and "://" in request.uri:
        request.uri = scheme + "://" + request.uri.partition("://")[2]
    return request


def encode_raw(message: EmailMessage, client_id: str, aliases: dict[str, str] | None = None) -> str:
    """The message as base64url (see ``message_bytes``)."""
    return base64.urlsafe_b64encode(message_bytes(message, client_id, aliases)).decode("ascii")


def message_bytes(
    message: EmailMessage, client_id: str, aliases: dict[str, str] | None = None
) -> bytes:
    """The message's bytes, carrying its composed Message-ID in a header of its own.

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
    return data


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


def unfolded(message: EmailMessage, name: str) -> str | None:
    """A header as ``format=metadata`` would give it back (unfolded), or None."""
    value = message.get(name)
    return " ".join(str(value).split()) or None if value is not None else None


def refers_to_composed(message: EmailMessage) -> bool:
    """Whether the message refers to Message-IDs Tahseel composed (Gmail replaced them)."""
    refs = str(message.get("In-Reply-To", "")) + " " + str(message.get("References", ""))
    return "<tahseel." in refs


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
