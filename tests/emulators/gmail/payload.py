"""Message resources in Gmail's formats: raw, full, metadata and minimal."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from email import message_from_bytes
from email.message import Message

from tests.emulators.gmail.mailbox import ApiError, Stored


def b64url(data: bytes) -> str:
    """Base64url, as Gmail writes ``raw`` and ``data`` (with padding)."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def render(stored: Stored, fmt: str, metadata_headers: list[str]) -> dict[str, object]:
    """The message resource in ``fmt``."""
    fmt = (fmt or "full").lower()
    if fmt == "minimal":
        return stored.resource()
    if fmt == "raw":
        return stored.resource(raw=b64url(stored.raw))
    if fmt == "metadata":
        wanted = {h.lower() for h in metadata_headers}
        headers = [h for h in _headers(stored.headers) if not wanted or h["name"].lower() in wanted]
        payload = {"partId": "", "mimeType": stored.headers.get_content_type(), "headers": headers}
        return stored.resource(payload=payload)
    if fmt == "full":
        parsed = message_from_bytes(stored.raw)
        return stored.resource(payload=_part(parsed, "", stored.id))
    raise ApiError(400, "invalidArgument", f"Invalid format: {fmt}")


def _headers(message: Message) -> list[dict[str, str]]:
    return [{"name": k, "value": " ".join(str(v).split())} for k, v in message.items()]


def _attachment_id(message_id: str, part_id: str) -> str:
    return "ANGj" + hashlib.sha256(f"{message_id}/{part_id}".encode()).hexdigest()[:40]


def _part(part: Message, part_id: str, message_id: str) -> dict[str, object]:
    filename = part.get_filename() or ""
    node: dict[str, object] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": filename,
        "headers": _headers(part),
    }
    if part.is_multipart():
        children = part.get_payload()
        assert isinstance(children, list)
        prefix = f"{part_id}." if part_id else ""
        node["body"] = {"size": 0}
        node["parts"] = [_part(c, f"{prefix}{i}", message_id) for i, c in enumerate(children)]
        return node
    data = part.get_payload(decode=True)
    data = data if isinstance(data, bytes) else b""
    if filename:
        node["body"] = {"size": len(data), "attachmentId": _attachment_id(message_id, part_id)}
    else:
        node["body"] = {"size": len(data), "data": b64url(data)}
    return node


def attachment(stored: Stored, attachment_id: str) -> dict[str, object]:
    """The body of the part whose attachment id is ``attachment_id``."""
    parsed = message_from_bytes(stored.raw)
    for part_id, part in _walk(parsed, ""):
        if part.get_filename() and _attachment_id(stored.id, part_id) == attachment_id:
            data = part.get_payload(decode=True)
            data = data if isinstance(data, bytes) else b""
            return {"attachmentId": attachment_id, "size": len(data), "data": b64url(data)}
    raise ApiError(404, "notFound", "Requested entity was not found.")


def _walk(part: Message, part_id: str):  # type: ignore[no-untyped-def]
    yield part_id, part
    if part.is_multipart():
        prefix = f"{part_id}." if part_id else ""
        for i, child in enumerate(part.get_payload()):  # type: ignore[arg-type]
            yield from _walk(child, f"{prefix}{i}")


def related_parts(content_type: str, body: bytes) -> tuple[dict[str, object], str, bytes]:
    """Split a ``multipart/related`` upload into its JSON metadata, media type and media.

    The Uploads guide (https://developers.google.com/gmail/api/guides/uploads, "Multipart
    upload") describes the body: the metadata part first (``application/json``), then the
    media part; google-api-python-client writes it so (``discovery.createMethod``, the
    media part with ``Content-Transfer-Encoding: binary``). The line break before each
    delimiter belongs to the delimiter (RFC 2046 5.1.1), so the media comes back byte for
    byte. Error wording is the emulator's (Google's is not published).
    """
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not found:
        raise ApiError(400, "badRequest", "Missing boundary in multipart/related body")
    delimiter = b"--" + found.group(1).encode()
    parts, types = [], []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the close delimiter
        headed = re.split(rb"\r?\n\r?\n", re.sub(rb"\A\r?\n", b"", chunk), maxsplit=1)
        found_type = re.search(rb"(?im)^content-type:\s*([^\s;]+)", headed[0])
        types.append(found_type.group(1).decode() if found_type else "")
        parts.append(re.sub(rb"\r?\n\Z", b"", headed[-1]))
    if len(parts) != 2:
        raise ApiError(400, "badRequest", "A multipart upload needs metadata and media parts")
    metadata = json.loads(parts[0] or b"{}")
    return metadata if isinstance(metadata, dict) else {}, types[1], parts[1]
