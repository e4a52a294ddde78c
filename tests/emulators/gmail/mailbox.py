"""The emulated mailbox: messages, threads, drafts, labels and the history log.

Threading follows Gmail's rules: a message the user sends joins the requested
``threadId`` only when its Subject matches the thread's and its In-Reply-To or
References name a message of that thread; an incoming message joins the thread
holding a message it refers to, when the subjects match. Sending replaces the
client's Message-ID with one of Gmail's own, as the API is reported to do.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

MESSAGE_ID = re.compile(rb"<[^<>\s]+>")
_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|رد)\s*:\s*)+", re.IGNORECASE)
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SYSTEM_LABELS = ("INBOX", "SENT", "DRAFT", "SPAM", "TRASH", "UNREAD", "STARRED", "IMPORTANT")


class ApiError(Exception):
    """An error the emulator answers with Gmail's JSON error body."""

    def __init__(self, code: int, reason: str, message: str, status: str = "") -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
        self.status = status or {
            400: "INVALID_ARGUMENT",
            401: "UNAUTHENTICATED",
            404: "NOT_FOUND",
            409: "ALREADY_EXISTS",
            429: "RESOURCE_EXHAUSTED",
        }.get(code, "INTERNAL")

    def body(self) -> dict[str, object]:
        """Gmail's error envelope."""
        detail = {"message": self.message, "domain": "global", "reason": self.reason}
        if self.code == 429:
            detail["domain"] = "usageLimits"
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "errors": [detail],
                "status": self.status,
            }
        }


@dataclass
class Stored:
    """One message as the mailbox holds it."""

    id: str
    thread_id: str
    raw: bytes
    labels: set[str]
    internal_date: int
    history_id: int
    headers: Message = field(repr=False)

    def header(self, name: str) -> str:
        """A header's raw value, unfolded; "" if absent."""
        value = self.headers.get(name)
        return " ".join(str(value).split()) if value is not None else ""

    def resource(self, **extra: object) -> dict[str, object]:
        """The minimal message resource."""
        return {
            "id": self.id,
            "threadId": self.thread_id,
            "labelIds": sorted(self.labels),
            "historyId": str(self.history_id),
            "internalDate": str(self.internal_date),
            "sizeEstimate": len(self.raw),
            "snippet": "",
            **extra,
        }


def normalise_subject(subject: str) -> str:
    """The subject, decoded, without reply and forward prefixes, case and spacing."""
    try:
        subject = str(make_header(decode_header(subject)))
    except (ValueError, LookupError, UnicodeDecodeError):
        pass
    return " ".join(_PREFIX.sub("", subject).split()).casefold()


def _headers_of(raw: bytes) -> Message:
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    return message_from_bytes(head + b"\r\n\r\n")


def replace_message_id(raw: bytes, new_id: str) -> bytes:
    """Replace (or add) the Message-ID header, leaving every other byte as it was."""
    parts = re.split(rb"(\r?\n\r?\n)", raw, maxsplit=1)
    head, rest = parts[0], b"".join(parts[1:])
    eol = b"\r\n" if b"\r\n" in head else b"\n"
    lines = head.split(eol)
    kept: list[bytes] = []
    skipping = False
    for line in lines:
        if skipping and line[:1] in (b" ", b"\t"):
            continue
        skipping = line.lower().startswith(b"message-id:")
        if not skipping:
            kept.append(line)
    kept.append(b"Message-ID: " + new_id.encode())
    return eol.join(kept) + rest


def check_recipients(headers: Message) -> None:
    """Refuse a message to send without recipients or with a malformed one, as Gmail does."""
    found = []
    for name in ("To", "Cc", "Bcc"):
        for value in headers.get_all(name) or []:
            found.extend(getaddresses([str(value)]))
    if not found:
        raise ApiError(400, "invalidArgument", "Recipient address required")
    for _, address in found:
        if not _ADDRESS.match(address):
            raise ApiError(400, "invalidArgument", "Invalid To header")


class Mailbox:
    """One user's mailbox; every method is safe to call from several threads.

    Args:
        address: The owner's address (answers getProfile).
        clock: Returns the current time in epoch seconds.
        rewrite_message_ids: Replace the Message-ID of what the user sends.
    """

    def __init__(
        self, address: str, clock: Callable[[], float] = time.time, rewrite_message_ids: bool = True
    ) -> None:
        self.address = address
        self.clock = clock
        self.rewrite_message_ids = rewrite_message_ids
        self.lock = threading.RLock()
        self.messages: dict[str, Stored] = {}
        self.threads: dict[str, list[str]] = {}
        self.drafts: dict[str, str] = {}
        self.labels: dict[str, dict[str, str]] = {
            name: {"id": name, "name": name, "type": "system"} for name in SYSTEM_LABELS
        }
        self.history: list[dict[str, object]] = []
        self.history_id = 1000
        self.history_floor = 0
        self.sent_at: list[float] = []
        self._ids = itertools.count(0x18F0000000000)
        self.send_as: dict[str, dict[str, object]] = {}
        self.add_alias(address, "primary")
        self._label_ids = itertools.count(1)  # Gmail never gives a deleted label's id again
        self._last_ms = 0

    # -- send-as addresses ----------------------------------------------------------------

    def add_alias(self, address: str, status: str = "accepted") -> None:
        """Add a send-as address: ``primary``, or an alias ``accepted`` or ``pending``.

        The resource is Gmail's SendAs (users.settings.sendAs): the primary address has
        ``isPrimary`` and no ``verificationStatus`` ("This setting only applies to custom
        from aliases"); an alias has ``accepted`` ("ready to use as a send-as alias") or
        ``pending`` ("awaiting verification by the owner").
        """
        entry: dict[str, object] = {
            "sendAsEmail": address,
            "displayName": "",
            "replyToAddress": "",
            "signature": "",
            "isPrimary": status == "primary",
            "isDefault": status == "primary",
        }
        if status != "primary":
            entry.update(treatAsAlias=True, verificationStatus=status)
        self.send_as[address.lower()] = entry

    def check_from(self, headers: Message) -> None:
        """Refuse a message whose From the account may not send as.

        Gmail itself does not refuse it: it sends it from the primary address instead
        (googleapis/google-api-php-client#2393; taylorwilsdon/google_workspace_mcp#1075,
        "Gmail quietly substitutes the default sender and returns success"). Being
        strict, the emulator refuses with 400, so a client that would send from an
        address it did not mean to is noticed; the error itself is invented.
        """
        found = [a.lower() for _, a in getaddresses([str(headers.get("From", ""))]) if a]
        if not found:
            return  # Gmail fills in the primary address
        entry = self.send_as.get(found[0], {})
        if not (entry.get("isPrimary") or entry.get("verificationStatus") == "accepted"):
            raise ApiError(400, "invalidArgument", f"Invalid From header: {found[0]}")

    # -- writes -------------------------------------------------------------------------

    def _next_id(self) -> str:
        return format(next(self._ids), "x")

    def _record(self, kind: str, stored: Stored, labels: list[str] | None = None) -> None:
        self.history_id += 1
        stored.history_id = self.history_id
        entry: dict[str, object] = {"message": stored.resource()}
        if labels is not None:
            entry["labelIds"] = labels
        record = {"id": str(self.history_id), "messages": [{"id": stored.id}], kind: [entry]}
        self.history.append(record)

    def _thread_of(self, headers: Message, requested: str | None, outgoing: bool) -> str:
        refs = {
            m.decode()
            for m in MESSAGE_ID.findall(
                (
                    str(headers.get("In-Reply-To", "")) + " " + str(headers.get("References", ""))
                ).encode()
            )
        }
        subject = normalise_subject(str(headers.get("Subject", "")))
        candidates = [requested] if outgoing else list(self.threads)
        for thread_id in candidates:
            members = [self.messages[m] for m in self.threads.get(thread_id or "", [])]
            if not members:
                continue
            ids = {m.header("Message-ID") for m in members}
            first_subject = normalise_subject(members[0].header("Subject"))
            if refs & ids and first_subject == subject:
                return str(thread_id)
        return ""

    def store(self, raw: bytes, labels: set[str], *, thread: str | None, outgoing: bool) -> Stored:
        """Add a message, threading it, and log it in the history."""
        with self.lock:
            headers = _headers_of(raw)
            message_id = self._next_id()
            thread_id = self._thread_of(headers, thread, outgoing) or message_id
            now_ms = max(int(self.clock() * 1000), self._last_ms + 1)
            self._last_ms = now_ms
            stored = Stored(message_id, thread_id, raw, set(labels), now_ms, 0, headers)
            self.messages[message_id] = stored
            self.threads.setdefault(thread_id, []).append(message_id)
            self._record("messagesAdded", stored)
            return stored

    def send(self, raw: bytes, thread: str | None) -> Stored:
        """Send as the user: check recipients, rewrite the Message-ID, file it under SENT."""
        with self.lock:
            check_recipients(_headers_of(raw))
            self.check_from(_headers_of(raw))
            if self.rewrite_message_ids:
                raw = replace_message_id(raw, f"<CA+{self._next_id()}@mail.gmail.com>")
            self.sent_at.append(self.clock())
            return self.store(raw, {"SENT"}, thread=thread, outgoing=True)

    def create_draft(self, raw: bytes, thread: str | None) -> tuple[str, Stored]:
        """Store a draft and return its id and message."""
        with self.lock:
            self.check_from(_headers_of(raw))
            stored = self.store(raw, {"DRAFT"}, thread=thread, outgoing=True)
            draft_id = f"r{self._next_id()}"
            self.drafts[draft_id] = stored.id
            return draft_id, stored

    def draft(self, draft_id: str) -> Stored:
        """The message of a draft that still exists."""
        with self.lock:
            if draft_id not in self.drafts:
                raise ApiError(404, "notFound", "Requested entity was not found.")
            return self.messages[self.drafts[draft_id]]

    def delete_draft(self, draft_id: str) -> None:
        """Delete a draft and its message."""
        with self.lock:
            stored = self.draft(draft_id)
            del self.drafts[draft_id]
            self._remove(stored)

    def send_draft(self, draft_id: str) -> Stored:
        """Send a draft once: the draft disappears and a SENT message (new id) appears."""
        with self.lock:
            stored = self.draft(draft_id)
            check_recipients(stored.headers)
            sent = self.send(stored.raw, stored.thread_id)
            del self.drafts[draft_id]
            self._remove(stored)
            return sent

    def _remove(self, stored: Stored) -> None:
        del self.messages[stored.id]
        members = self.threads[stored.thread_id]
        members.remove(stored.id)
        if not members:
            del self.threads[stored.thread_id]

    def modify(self, message_id: str, add: list[str], remove: list[str]) -> Stored:
        """Change a message's labels."""
        with self.lock:
            stored = self.get(message_id)
            for label in add + remove:
                if label not in self.labels:
                    raise ApiError(400, "invalidArgument", f"Invalid label: {label}")
            added = [label for label in add if label not in stored.labels]
            stored.labels |= set(add)
            stored.labels -= set(remove)
            if added:
                self._record("labelsAdded", stored, added)
            return stored

    def delete_label(self, label_id: str) -> None:
        """Delete a user label, as a person can in Gmail; messages lose it."""
        with self.lock:
            del self.labels[label_id]
            for stored in self.messages.values():
                stored.labels.discard(label_id)

    def create_label(self, name: str) -> dict[str, str]:
        """Create a user label; 409 when the name is taken."""
        with self.lock:
            if any(lab["name"].casefold() == name.casefold() for lab in self.labels.values()):
                raise ApiError(409, "duplicate", "Label name exists or conflicts")
            label = {"id": f"Label_{next(self._label_ids)}", "name": name, "type": "user"}
            self.labels[label["id"]] = label
            return label

    def as_received(self, raw: bytes) -> bytes:
        """``raw`` with composed Message-IDs of sent mail replaced by the ones Gmail gave it."""
        with self.lock:
            table = {
                m.header("X-Tahseel-Message-Id").encode(): m.header("Message-ID").encode()
                for m in self.messages.values()
                if "SENT" in m.labels and m.header("X-Tahseel-Message-Id")
            }
        parts = re.split(rb"(\r?\n\r?\n)", raw, maxsplit=1)
        head = re.sub(rb"<[^<>\s]+>", lambda f: table.get(f.group(0), f.group(0)), parts[0])
        return head + b"".join(parts[1:])

    # -- reads --------------------------------------------------------------------------

    def get(self, message_id: str) -> Stored:
        """A stored message, or 404."""
        with self.lock:
            if message_id not in self.messages:
                raise ApiError(404, "notFound", "Requested entity was not found.")
            return self.messages[message_id]

    def history_since(self, start: int) -> list[dict[str, object]]:
        """History records after ``start``; 404 when ``start`` is older than what is kept."""
        with self.lock:
            if start < self.history_floor or start > self.history_id:
                raise ApiError(404, "notFound", "Requested entity was not found.")
            return [r for r in self.history if int(str(r["id"])) > start]

    def expire_history(self) -> None:
        """Forget every history record so far, as Gmail does after about a week."""
        with self.lock:
            self.history.clear()
            self.history_floor = self.history_id
