"""MaildirTransport: a local mailbox for the demo, for tests and for offline runs.

The Maildir's root is the inbox; what Tahseel sends is stored in the Maildir++ folder
``.Sent``. A thread's id is the Message-ID of its first message, as in References.
"""

from __future__ import annotations

import logging
import mailbox
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import NamedTuple

from mailer.errors import MailError, SendRejected, TransportUnavailable
from mailer.mime import (
    attachment_names,
    first_id,
    header_text,
    is_automatic,
    message_ids,
    message_text,
    refers_to,
    sender,
)
from mailer.transport import Incoming, Sent

log = logging.getLogger(__name__)

SENT_FOLDER = "Sent"
_HEADERS_ONLY = BytesParser(policy=policy.default)


class _SentEntry(NamedTuple):
    key: str
    thread: str
    invoice: str | None
    stage: str | None


class MaildirTransport:
    """A Transport over a local Maildir.

    Args:
        path: The Maildir's root folder (holding ``new``, ``cur`` and ``tmp``).
        create: Create the Maildir and its ``.Sent`` folder when missing.

    Raises:
        TransportUnavailable: The Maildir does not exist (and ``create`` is False) or
            cannot be created.
    """

    name = "maildir"

    def __init__(self, path: Path, *, create: bool = True) -> None:
        self.path = Path(path)
        try:
            self._inbox = mailbox.Maildir(self.path, factory=None, create=create)
            # The sent folder is Tahseel's own: made in any Maildir that lacks it.
            if SENT_FOLDER not in self._inbox.list_folders():
                self._sent = self._inbox.add_folder(SENT_FOLDER)
            else:
                self._sent = self._inbox.get_folder(SENT_FOLDER)
        except (OSError, mailbox.Error) as exc:
            raise TransportUnavailable(f"maildir {self.path}: cannot open ({exc})") from exc
        self._index: dict[str, _SentEntry] = {}
        self._indexed_keys: set[str] = set()

    def send(
        self,
        message: EmailMessage,
        *,
        thread: str | None,
        prepared: Callable[[str], None] | None = None,
    ) -> Sent:
        """Store ``message`` in ``.Sent`` and return it as stored.

        A message whose Message-ID is already in ``.Sent`` is not stored twice; the
        stored one is returned.

        Args:
            message: A composed message with a Message-ID.
            thread: The thread's id (its first Message-ID); when None, the first entry of
                the message's References, or its own Message-ID for a new thread.
            prepared: Not called: storing a message is one atomic rename.

        Returns:
            The stored message; ``ref`` is ``Sent/<key>``.

        Raises:
            SendRejected: The message has no Message-ID.
            TransportUnavailable: The Maildir could not be written.
        """
        message_id = first_id(header_text(message, "Message-ID"))
        if message_id is None:
            raise SendRejected("maildir send: the message has no Message-ID")
        existing = self.find_sent(message_id)
        if existing is not None:
            log.info("maildir send: %s is already in Sent, not storing it twice", message_id)
            return existing
        data = message.as_bytes(policy=message.policy.clone(linesep="\n"))
        try:
            key = self._store_sent(data)
        except OSError as exc:
            raise TransportUnavailable(f"maildir send: cannot write to {self.path}: {exc}") from exc
        root = thread or first_id(header_text(message, "References")) or message_id
        entry = _SentEntry(key, root, *_tahseel_headers(message))
        self._index[message_id] = entry
        self._indexed_keys.add(key)
        return _as_sent(message_id, entry)

    def has_sent_mail(self) -> bool:
        """Whether ``.Sent`` holds any message at all."""
        sent = self.path / ".Sent"
        return any(any((sent / sub).iterdir()) for sub in ("cur", "new") if (sent / sub).is_dir())

    def find_sent(
        self, message_id: str, *, prepared: str | None = None, recipient: str | None = None
    ) -> Sent | None:
        """Find a message in ``.Sent`` by its Message-ID.

        Args:
            message_id: The Message-ID, with angle brackets.
            prepared: Ignored (``send`` never hands one out); the Message-ID settles it.
            recipient: Ignored: the Message-ID is enough here.

        Returns:
            The stored message, its thread being the first entry of its References (or
            itself); None when ``.Sent`` does not hold it.

        Raises:
            TransportUnavailable: The Maildir could not be read.
        """
        if message_id not in self._index:
            self._refresh_index()
        entry = self._index.get(message_id)
        return _as_sent(message_id, entry) if entry is not None else None

    def replies_since(self, cursor: str | None) -> tuple[list[Incoming], str | None]:
        """List inbox messages that answer Tahseel's, delivered at or after ``cursor``.

        Args:
            cursor: The newest file modification time (ns) seen by the previous call,
                as a string; None to read the whole inbox.

        Returns:
            The replies, oldest first, and the cursor to pass next time. Messages at the
            cursor's exact time are returned again; callers drop refs they have seen.

        Raises:
            TransportUnavailable: The Maildir could not be read.
        """
        since = _parse_cursor(cursor)
        newest = since
        replies: list[Incoming] = []
        try:
            files = sorted(self._inbox_files(since))
            if files:
                self._refresh_index()
            for mtime_ns, key, path in files:
                newest = max(newest or 0, mtime_ns)
                incoming = self._read_reply(key, path, mtime_ns)
                if incoming is not None:
                    replies.append(incoming)
        except OSError as exc:
            raise TransportUnavailable(f"maildir {self.path}: cannot read inbox: {exc}") from exc
        return replies, (str(newest) if newest is not None else cursor)

    def fetch(self, ref: str) -> EmailMessage:
        """Return a stored message by ``ref`` (``INBOX/<key>`` or ``Sent/<key>``).

        Raises:
            MailError: ``ref`` is malformed or names no stored message.
            TransportUnavailable: The Maildir could not be read.
        """
        folder, _, key = ref.partition("/")
        box = {"INBOX": self._inbox, SENT_FOLDER: self._sent}.get(folder)
        if box is None or not key:
            raise MailError(f"maildir fetch: not a maildir ref: {ref!r}")
        try:
            data = box.get_bytes(key)
        except KeyError:
            raise MailError(f"maildir fetch: no message {ref!r}") from None
        except OSError as exc:
            raise TransportUnavailable(f"maildir fetch {ref!r}: {exc}") from exc
        return _parse(data)

    def deliver(self, message: bytes | EmailMessage) -> str:
        """Drop a message into the inbox, as a mail server would, and return its ref.

        Used by the demo and by tests to simulate a customer's answer.

        Args:
            message: The raw message, or a message object.

        Returns:
            ``INBOX/<key>``.
        """
        if isinstance(message, EmailMessage):
            message = message.as_bytes(policy=message.policy.clone(linesep="\n"))
        try:
            return f"INBOX/{self._inbox.add(message)}"
        except OSError as exc:
            raise TransportUnavailable(f"maildir deliver: {exc}") from exc

    def _store_sent(self, data: bytes) -> str:
        """Write into ``.Sent/cur`` marked seen, as a mail client files what it sent."""
        key = self._sent.add(data)
        folder = self.path / f".{SENT_FOLDER}"
        target = folder / "cur" / f"{key}{self._sent.colon}2,S"
        os.replace(folder / "new" / key, target)
        _fsync(target)
        _fsync(folder / "cur")
        return key

    def _refresh_index(self) -> None:
        """Index ``.Sent`` messages not seen yet: once per instance, then only new ones."""
        try:
            keys = [k for k in self._sent.iterkeys() if k not in self._indexed_keys]
            for key in keys:
                with self._sent.get_file(key) as handle:
                    headers = _HEADERS_ONLY.parsebytes(_header_block(handle), headersonly=True)
                self._indexed_keys.add(key)
                message_id = first_id(header_text(headers, "Message-ID"))
                if message_id is None:
                    continue
                thread = first_id(header_text(headers, "References")) or message_id
                entry = _SentEntry(key, thread, *_tahseel_headers(headers))
                self._index.setdefault(message_id, entry)
        except OSError as exc:
            raise TransportUnavailable(f"maildir {self.path}: cannot read Sent: {exc}") from exc

    def _inbox_files(self, since: int | None) -> Iterator[tuple[int, str, Path]]:
        for sub in ("new", "cur"):
            with os.scandir(self.path / sub) as entries:
                for entry in entries:
                    if entry.name.startswith(".") or not entry.is_file():
                        continue
                    mtime_ns = entry.stat().st_mtime_ns
                    if since is None or mtime_ns >= since:
                        yield mtime_ns, entry.name.split(self._inbox.colon)[0], Path(entry.path)

    def _read_reply(self, key: str, path: Path, mtime_ns: int) -> Incoming | None:
        """Build an Incoming from one inbox file, or None if it answers nothing of ours."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:  # a mail client moved it (new/ to cur/) since the scan
            try:
                data = self._inbox.get_bytes(key)
            except KeyError:
                return None
        message = _parse(data)
        message_id = first_id(header_text(message, "Message-ID")) or ""
        if message_id in self._index:  # a copy of our own message, not an answer
            return None
        answers = refers_to(message)
        known = [mid for mid in answers if mid in self._index]
        if not known and not any(mid.startswith("<tahseel.") for mid in answers):
            return None
        references = message_ids(header_text(message, "References"))
        root = self._index[known[0]].thread if known else None
        return Incoming(
            ref=f"INBOX/{key}",
            message_id=message_id,
            thread=root or (references[0] if references else answers[0]),
            refers_to=answers,
            sender=sender(message),
            subject=header_text(message, "Subject"),
            text=message_text(message),
            received_at=_received_at(message, mtime_ns),
            automatic=is_automatic(message),
            attachments=attachment_names(message),
        )


def _as_sent(message_id: str, entry: _SentEntry) -> Sent:
    return Sent(
        ref=f"{SENT_FOLDER}/{entry.key}",
        message_id=message_id,
        thread=entry.thread,
        invoice=entry.invoice,
        stage=entry.stage,
    )


def _parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def _header_block(handle: Iterable[bytes]) -> bytes:
    """Read up to the blank line that ends the headers, leaving bodies and PDFs unread."""
    lines = []
    for line in handle:
        if line in (b"\n", b"\r\n"):
            break
        lines.append(line)
    return b"".join(lines)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _parse_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    try:
        return int(cursor)
    except ValueError:
        raise MailError(f"maildir: not a maildir cursor: {cursor!r}") from None


def _tahseel_headers(message: Message) -> tuple[str | None, str | None]:
    invoice = header_text(message, "X-Tahseel-Invoice") or None
    stage = header_text(message, "X-Tahseel-Stage") or None
    return invoice, stage


def _received_at(message: Message, mtime_ns: int) -> datetime:
    try:
        when = parsedate_to_datetime(header_text(message, "Date"))
    except (TypeError, ValueError, IndexError):
        when = None
    if when is None or when.tzinfo is None:
        return datetime.fromtimestamp(mtime_ns / 1e9, tz=UTC)
    return when
