"""What the Gmail transport asks of one mailbox: its label, threads, searches and headers.

Tahseel names a thread as every other transport does: by the Message-ID of the
thread's first message (as Gmail stored it), which is also the first entry of its
References. This module maps that name to Gmail's thread id and back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mailer.errors import MailError
from mailer.gmail_api import GmailApi, GmailNotFound
from mailer.gmail_mime import ORIGINAL_ID_HEADER, meta_header
from mailer.mime import first_id
from mailer.transport import Sent

log = logging.getLogger(__name__)

SENT_HEADERS = ["Message-ID", "X-Tahseel-Invoice", "X-Tahseel-Stage", ORIGINAL_ID_HEADER]


@dataclass(frozen=True, slots=True)
class ThreadView:
    """A Gmail thread as Tahseel sees it.

    Attributes:
        root: The Message-ID of its first message (Tahseel's name for the thread).
        labelled: Whether any of its messages carries the Tahseel label.
    """

    root: str
    labelled: bool


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
        self._roots: dict[str, str] = {}
        self._gmail_ids: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- label --------------------------------------------------------------------------

    def label_id(self) -> str:
        """The Tahseel label's id, creating the label the first time."""
        with self._lock:
            if self._label_id is None:
                self._label_id = self._find_label() or self._create_label()
            return self._label_id

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
        body = {"addLabelIds": [self.label_id()]}
        self.api.call(
            "messages.modify", lambda u: u.messages().modify(userId="me", id=ref, body=body)
        )

    # -- threads ------------------------------------------------------------------------

    def thread(self, thread_id: str) -> ThreadView:
        """The thread's root Message-ID and whether Tahseel sent into it."""
        try:
            found = self.api.call(
                "threads.get",
                lambda u: u.threads().get(
                    userId="me", id=thread_id, format="metadata", metadataHeaders=["Message-ID"]
                ),
            )
        except GmailNotFound:
            return ThreadView(self._roots.get(thread_id, ""), False)
        messages = [m for m in found.get("messages", []) if "DRAFT" not in m.get("labelIds", [])]
        label_id = self.label_id()
        labelled = any(label_id in m.get("labelIds", []) for m in messages)
        if messages and thread_id not in self._roots:
            root = first_id(meta_header(messages[0], "Message-ID")) or ""
            self._remember(thread_id, root)
        return ThreadView(self._roots.get(thread_id, ""), labelled)

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
        """A ``Sent`` from a metadata resource; its thread named by the root Message-ID."""
        message_id = first_id(meta_header(meta, "Message-ID")) or ""
        thread_id = str(meta["threadId"])
        if thread_id == str(meta["id"]) and thread_id not in self._roots:
            self._remember(thread_id, message_id)  # the first message of its thread
        return Sent(
            ref=str(meta["id"]),
            message_id=message_id,
            thread=self.root_of(thread_id) or message_id,
            invoice=meta_header(meta, "X-Tahseel-Invoice") or None,
            stage=meta_header(meta, "X-Tahseel-Stage") or None,
        )

    def profile(self) -> dict[str, Any]:
        """users.getProfile; remembers the mailbox's own address."""
        found = self.api.call("getProfile", lambda u: u.getProfile(userId="me"))
        self.address = self.address or str(found.get("emailAddress", "")).lower() or None
        return dict(found)
