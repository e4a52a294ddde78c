"""What the Gmail transport asks of one mailbox: its label, threads, searches and headers.

A sent message is named by the Message-ID Tahseel composed (Gmail replaces it with one
of its own, but keeps the composed one in ``X-Tahseel-Message-Id``), and its thread by
Gmail's thread id, so that sending needs no read-back. Threads recorded by earlier
versions are named by the Message-ID of their first message; ``gmail_thread`` still
resolves those. ``ThreadView.aliases`` maps Gmail's Message-IDs in a thread to the
composed ones, for the References of the next message and for matching replies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from mailer.errors import MailError, SendRejected
from mailer.gmail.api import GmailApi, GmailNotFound
from mailer.gmail.mime import ORIGINAL_ID_HEADER, meta_header
from mailer.mime import first_id
from mailer.transport import Sent

log = logging.getLogger(__name__)

SENT_HEADERS = ["Message-ID", "X-Tahseel-Invoice", "X-Tahseel-Stage", ORIGINAL_ID_HEADER]


#: Messages labelled in one messages.batchModify, the most Gmail allows.
LABEL_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ThreadView:
    """A Gmail thread as Tahseel sees it.

    Attributes:
        root: The Message-ID of its first message, as Gmail stored it.
        labelled: Whether Tahseel sent into it: one of its messages carries the
            Tahseel label, or is a sent message carrying ``X-Tahseel-Message-Id`` (a
            crash can leave a sent message unlabelled).
        aliases: Gmail's Message-ID of each message Tahseel sent into it, mapped to the
            Message-ID Tahseel composed.
    """

    root: str
    labelled: bool
    aliases: dict[str, str] = field(default_factory=dict)


class GmailMailbox:
    """Label, thread and search helpers over one mailbox.

    Args:
        api: The Gmail API client.
        label: The name of the label put on what Tahseel sends.
    """

    def __init__(self, api: GmailApi, label: str) -> None:
        self.api = api
        self.label = label
        self.address: str | None = None
        self._label_id: str | None = None
        # A label id from an earlier run, unconfirmed until a call has used it.
        self._recalled = False
        # labels.list was asked this run and had no such label: create it when needed.
        self._absent = False
        self._roots: dict[str, str] = {}
        self._gmail_ids: dict[str, str] = {}
        self._unlabelled: list[str] = []
        self._lock = threading.Lock()

    # -- label --------------------------------------------------------------------------

    def label_id(self) -> str:
        """The Tahseel label's id, creating the label the first time."""
        with self._lock:
            if self._label_id is None:
                found = None if self._absent else self._find_label()
                self._label_id = found or self._create_label()
            return self._label_id

    def cached_label(self) -> str | None:
        """The label's id if this run knows it already (recalled or looked up), never asking."""
        with self._lock:
            return self._label_id

    def known_label(self) -> str | None:
        """The label's id if the mailbox has it, asking Gmail only when not yet known.

        Never creates the label: a run that sends nothing leaves the mailbox as it was.
        """
        with self._lock:
            if self._label_id is None and not self._absent:
                self._label_id = self._find_label()
                self._absent = self._label_id is None
            return self._label_id

    def has_sent(self) -> bool:
        """Whether Tahseel sent anything from this mailbox, never creating the label.

        A message waiting for its label counts; otherwise one search for a sent message
        with the label, and only when the label exists (1 unit for labels.list, 5 more).
        """
        with self._lock:
            if self._unlabelled:
                return True
        if self.known_label() is None:
            return False
        name = self.label.replace(" ", "-")  # as Gmail's search names a label
        return next(self.search(f'in:sent label:"{name}"', limit=1), None) is not None

    def recall_label(self, label_id: str) -> None:
        """Use the label id an earlier run found, without asking Gmail.

        If Gmail refuses it (the label was deleted or renamed since), the id is looked up
        again once and the call repeated (``with_label``).
        """
        with self._lock:
            if self._label_id is None:
                self._label_id, self._recalled = label_id, True

    def with_label(self, call: Callable[[str], Any]) -> Any:
        """``call(label id)``; a recalled id Gmail refuses is looked up again, once."""
        label_id = self.label_id()
        try:
            answer = call(label_id)
        except (SendRejected, GmailNotFound):
            with self._lock:
                stale = self._recalled and self._label_id == label_id
                if stale:
                    self._label_id, self._recalled = None, False
            if not stale:
                raise
            log.info("gmail: label id %s is gone; looking the label up again", label_id)
            answer = call(self.label_id())
        with self._lock:
            self._recalled = False
        return answer

    def _find_label(self) -> str | None:
        labels = self.api.call("labels.list", lambda u: u.labels().list(userId="me"))
        for label in labels.get("labels", []):
            if str(label.get("name", "")).casefold() == self.label.casefold():
                return str(label["id"])
        return None

    def _create_label(self) -> str:
        body = {"name": self.label, "labelListVisibility": "labelShow"}
        body["messageListVisibility"] = "show"
        try:
            made = self.api.call(
                "labels.create", lambda u: u.labels().create(userId="me", body=body)
            )
            return str(made["id"])
        except MailError:
            found = self._find_label()  # another run created it meanwhile
            if found is None:
                raise
            return found

    def apply_label(self, ref: str) -> None:
        """Put the Tahseel label on message ``ref``."""

        def modify(label_id: str) -> Any:
            body = {"addLabelIds": [label_id]}
            return self.api.call(
                "messages.modify", lambda u: u.messages().modify(userId="me", id=ref, body=body)
            )

        self.with_label(modify)

    def label_later(self, ref: str) -> None:
        """Put the Tahseel label on message ``ref`` with the next batch.

        Gmail keeps no user label on a draft, so a sent message is labelled after the
        send; one ``messages.batchModify`` labels ``LABEL_BATCH`` messages for the price
        of ten single ones. ``flush_labels`` labels what is left.
        """
        with self._lock:
            self._unlabelled.append(ref)
            full = len(self._unlabelled) >= LABEL_BATCH
        if full:
            self.flush_labels()

    def flush_labels(self) -> None:
        """Label every message queued by ``label_later``."""
        with self._lock:
            refs, self._unlabelled = self._unlabelled, []
        for start in range(0, len(refs), LABEL_BATCH):
            ids = refs[start : start + LABEL_BATCH]

            def modify(label_id: str, ids: list[str] = ids) -> Any:
                body = {"ids": ids, "addLabelIds": [label_id]}
                return self.api.call(
                    "messages.batchModify",
                    lambda u: u.messages().batchModify(userId="me", body=body),
                )

            try:
                self.with_label(modify)
            except MailError as exc:
                # The messages are sent and carry X-Tahseel-Message-Id, which is how their
                # threads are recognised; the label is for people, so do not fail a run.
                log.warning("gmail: could not label %d sent messages (%s)", len(ids), exc)

    # -- threads ------------------------------------------------------------------------

    def thread(self, thread_id: str) -> ThreadView:
        """The thread's root Message-ID, whether Tahseel sent into it, and its aliases."""
        try:
            found = self.api.call(
                "threads.get",
                lambda u: u.threads().get(
                    userId="me",
                    id=thread_id,
                    format="metadata",
                    metadataHeaders=["Message-ID", ORIGINAL_ID_HEADER],
                ),
            )
        except GmailNotFound:
            return ThreadView(self._roots.get(thread_id, ""), False)
        messages = [m for m in found.get("messages", []) if "DRAFT" not in m.get("labelIds", [])]
        aliases: dict[str, str] = {}
        for m in messages:
            stored = first_id(meta_header(m, "Message-ID"))
            composed = first_id(meta_header(m, ORIGINAL_ID_HEADER))
            if stored and composed and "SENT" in m.get("labelIds", []):
                aliases[stored] = composed
        labelled = bool(aliases)
        if not labelled and messages:
            label_id = self.known_label()
            labelled = label_id is not None and any(
                label_id in m.get("labelIds", []) for m in messages
            )
        if messages and thread_id not in self._roots:
            root = first_id(meta_header(messages[0], "Message-ID")) or ""
            self._remember(thread_id, root)
        return ThreadView(self._roots.get(thread_id, ""), labelled, aliases)

    def root_of(self, thread_id: str) -> str:
        """The root Message-ID of Gmail thread ``thread_id``."""
        return self._roots.get(thread_id) or self.thread(thread_id).root

    def _remember(self, thread_id: str, root: str) -> None:
        if root:
            self._roots[thread_id] = root
            self._gmail_ids[root] = thread_id

    def gmail_thread(self, thread: str | None) -> str | None:
        """Gmail's thread id for Tahseel's thread name (a root Message-ID or a Gmail id)."""
        if not thread:
            return None
        if first_id(thread) != thread:
            return thread  # already Gmail's id
        if thread in self._gmail_ids:
            return self._gmail_ids[thread]
        for _, thread_id in self.search(f"in:anywhere rfc822msgid:{thread}", limit=1):
            self._remember(thread_id, thread)
            return thread_id
        log.warning("gmail: thread %s is not in the mailbox any more; starting a new one", thread)
        return None

    # -- messages -----------------------------------------------------------------------

    def search(self, q: str, *, limit: int | None = None) -> Iterator[tuple[str, str]]:
        """(message id, thread id) of messages matching ``q``, newest first."""
        token: str | None = None
        count = 0
        while True:
            page = self.api.call(
                "messages.list",
                lambda u, t=token: u.messages().list(userId="me", q=q, maxResults=500, pageToken=t),
            )
            for item in page.get("messages", []):
                yield str(item["id"]), str(item.get("threadId", ""))
                count += 1
                if limit is not None and count >= limit:
                    return
            token = page.get("nextPageToken")
            if not token:
                return

    def metadata(self, ref: str) -> dict[str, Any]:
        """Message ``ref`` with the headers a ``Sent`` needs."""
        return dict(
            self.api.call(
                "messages.get",
                lambda u: u.messages().get(
                    userId="me", id=ref, format="metadata", metadataHeaders=SENT_HEADERS
                ),
            )
        )

    def sent(self, meta: dict[str, Any]) -> Sent:
        """A ``Sent`` from a metadata resource: the composed Message-ID, Gmail's thread id."""
        stored = first_id(meta_header(meta, "Message-ID")) or ""
        message_id = first_id(meta_header(meta, ORIGINAL_ID_HEADER)) or stored
        return Sent(
            ref=str(meta["id"]),
            message_id=message_id,
            thread=str(meta["threadId"]),
            invoice=meta_header(meta, "X-Tahseel-Invoice") or None,
            stage=meta_header(meta, "X-Tahseel-Stage") or None,
        )

    def profile(self) -> dict[str, Any]:
        """users.getProfile; remembers the mailbox's own address."""
        found = self.api.call("getProfile", lambda u: u.getProfile(userId="me"))
        self.address = self.address or str(found.get("emailAddress", "")).lower() or None
        return dict(found)
