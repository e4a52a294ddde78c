"""Gmail's media upload paths as google-api-python-client sends them, and the body limits.

Gmail takes a message either as base64url ``raw`` in a JSON body or, on the methods
whose discovery entry has ``mediaUpload`` (drafts.create, drafts.send, messages.send:
``googleapiclient/discovery_cache/documents/gmail.v1.json``), as the message itself on
the ``/upload`` URI: "the standard resource URI with an /upload prefix", with
``uploadType`` ``media`` (simple), ``multipart`` or ``resumable``
(https://developers.google.com/gmail/api/guides/uploads). The client sends all three to
``/upload/gmail/v1/users/{userId}/...`` (``discovery._media_path_url_from_info``; the
discovery document's ``/resumable/upload/...`` path is not used by it), and the
emulator serves them as it sends them.

Limits, and where each comes from:

- ``UPLOAD_LIMIT``: ``maxSize`` of those methods in the discovery document, 36,700,160
  bytes ("35 MB"); ``accept`` is ``message/*``. The client refuses a larger media
  itself (``MediaUploadSizeError``); the emulator answers 413 as well.
- ``JSON_BODY_LIMIT``: Google does not publish a limit for JSON bodies. Users report
  413 "Request Entity Too Large" for ``raw`` messages of a few MB: about 6.5 MiB in
  googleapis/google-api-go-client#374 (a body near 8.7 MiB once base64 grows it by
  4/3), attachments over 5 MB in dacastro4/laravel-gmail#111; the Uploads guide keeps
  simple uploads to "5 MB or less". Being strict, the emulator refuses any JSON body
  over 5 MiB, below every reported failure. (One report, google-api-dotnet-client#856,
  saw 400 "Request payload size exceeds the limit: 1048576 bytes" on one account only;
  that is not emulated.)
- The 413 answer is Google's front end's HTML error page, not a JSON error: the
  reports above show the status and "Request Entity Too Large" only, so the page's
  wording here is the emulator's.
- A resumable session follows the guide: the first POST carries the metadata and
  ``X-Upload-Content-Type`` / ``X-Upload-Content-Length`` and is answered 200 with the
  session URI in ``Location``; each PUT carries ``Content-Range``; a PUT that leaves
  the upload incomplete is answered ``308`` with ``Range: bytes=0-<last>``, the last
  one with the method's answer. Error wording for malformed uploads is not published;
  the emulator's own is used, with Gmail's 400 status.
"""

from __future__ import annotations

import itertools
import json
import re
import threading

from tests.emulators.gmail.mailbox import ApiError
from tests.emulators.gmail.payload import b64url, related_parts

UPLOAD_LIMIT = 36_700_160
JSON_BODY_LIMIT = 5 * 1024 * 1024
UPLOADABLE = ("drafts.create", "drafts.send", "messages.send")
TOO_LARGE_PAGE = (
    b"<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Error 413 (Request Entity "
    b"Too Large)!!1</title><p><b>413.</b> <ins>That\xe2\x80\x99s an error.</ins><p>Your "
    b"client issued a request that was too large. <ins>That\xe2\x80\x99s all we know.</ins>"
)


class TooLarge(Exception):
    """A request over a size limit: answered 413 with ``TOO_LARGE_PAGE``."""


def check_media(content_type: str, size: int) -> None:
    """Refuse media that is not ``message/*`` (400) or is over ``UPLOAD_LIMIT`` (413)."""
    if not content_type.lower().startswith("message/"):
        raise ApiError(400, "badRequest", f"Media type '{content_type}' is not supported")
    if size > UPLOAD_LIMIT:
        raise TooLarge


def json_body(method: str, metadata: dict[str, object], media: bytes) -> dict[str, object]:
    """The JSON body an upload stands for: the media as ``raw`` of the method's message."""
    body = dict(metadata)
    if method.startswith("drafts."):
        message = body.get("message")
        body["message"] = {**(message if isinstance(message, dict) else {}), "raw": b64url(media)}
    else:
        body["raw"] = b64url(media)
    return body


class Uploads:
    """The resumable upload sessions in progress, by upload id."""

    def __init__(self) -> None:
        self._sessions: dict[str, tuple[dict[str, object], str, int, bytearray]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def open(self, metadata: bytes, content_type: str, total: int) -> str:
        """Start a session for ``total`` bytes of ``content_type``; its upload id."""
        check_media(content_type, total)
        found = json.loads(metadata or b"{}")
        held = found if isinstance(found, dict) else {}
        with self._lock:
            upload_id = f"ADPycd{next(self._ids):08d}"
            self._sessions[upload_id] = (held, content_type, total, bytearray())
        return upload_id

    def put(
        self, upload_id: str, content_range: str, data: bytes
    ) -> int | tuple[dict[str, object], str, bytes]:
        """Add a chunk: the bytes held so far while incomplete, else (metadata, type, media)."""
        with self._lock:
            if upload_id not in self._sessions:
                raise ApiError(404, "notFound", "Requested entity was not found.")
            metadata, content_type, total, held = self._sessions[upload_id]
            found = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+|\*)", content_range.strip())
            if found and int(found.group(1)) == len(held):
                held += data
            if len(held) < total:
                return len(held)
            del self._sessions[upload_id]
        return metadata, content_type, bytes(held)


def upload_body(
    method: str, kind: str, content_type: str, data: bytes
) -> tuple[dict[str, object], str, bytes]:
    """(metadata, media type, media) of a simple or multipart upload."""
    if kind == "media":
        return {}, content_type, data
    if kind == "multipart":
        return related_parts(content_type, data)
    raise ApiError(400, "badRequest", f"Invalid upload type for {method}: {kind!r}")
