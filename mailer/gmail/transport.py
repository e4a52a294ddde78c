"""GmailTransport: send from the business's own Gmail, one thread per invoice, and read replies.

Sending is draft-then-send. The message is stored as a draft in the invoice's thread,
the caller is told the draft's reference (``prepared``), then the draft is sent. A
draft can be sent only once, so retrying ``drafts.send`` after an ambiguous failure
(including httplib2's own resend when a connection drops) never sends twice; and any
error of a send whose draft is then gone leaves the outcome unknown, never "failed".

A send costs those two calls (a big message is uploaded: ``draft_request``). Gmail
replaces a client-set Message-ID, so the composed one travels in ``X-Tahseel-Message-Id``
and names the message (``Sent.message_id``); the thread is named by Gmail's thread id,
which ``drafts.send`` answers. Gmail's own Message-IDs are read only when they are
needed: the next message into a thread reads the thread once (``threads.get``) and
refers to the Message-IDs Gmail stored, and replies are matched through the same
aliases. Gmail keeps no user label on a draft, so sent messages are labelled in batches
(``flush``).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from mailer.errors import MailAuthError, MailError, MailQuotaExceeded, SendOutcomeUnknown
from mailer.gmail.api import GmailApi, GmailNotFound, QuotaBudget, RetryPolicy
from mailer.gmail.auth import REAUTH_HINT, load_token, save_token
from mailer.gmail.mailbox import GmailMailbox
from mailer.gmail.mime import (
    ORIGINAL_ID_HEADER,
    decode_raw,
    draft_request,
    first_recipient,
    join_label,
    message_bytes,
    meta_header,
    refers_to_composed,
    split_label,
    unfolded,
)
from mailer.gmail.preflight import preflight
from mailer.gmail.replies import read_replies
from mailer.gmail.sender import SenderCheck
from mailer.mime import first_id
from mailer.transport import Finding, Incoming, Sent

log = logging.getLogger(__name__)


class GmailTransport:
    """A Transport over the Gmail API.

    Args:
        credentials: google-auth credentials (installed-app, service account, or any
            other); give this or ``token_file``.
        token_file: A token JSON written by ``tahseel auth gmail``, read when
            ``credentials`` is None; refreshed tokens are written back to it (mode 0600,
            atomically).
        address: The mailbox's own address; read from Gmail when None.
        label: The label put on every message Tahseel sends (created when missing).
        daily_cap: The most messages this mailbox may send in 24 hours (counting what
            people sent by hand too); reaching it raises ``MailQuotaExceeded``.
        base_url: The API's base URL; None for Google's (an emulator's in tests).
        timeout: Socket timeout per request, in seconds.
        budget: The quota budget; share one between transports of the same mailbox.
        retry: How 429, 5xx and connection errors are retried.
        lookback_days: How far back an uncertain send is searched for.
        initial_days: How far back the first ``replies_since(None)`` reads.

    Raises:
        MailAuthError: No credentials were given, or the token file is unusable.
    """

    name = "gmail"

    def __init__(
        self,
        *,
        credentials: Any = None,
        token_file: Path | None = None,
        address: str | None = None,
        label: str = "Tahseel",
        daily_cap: int = 400,
        base_url: str | None = None,
        timeout: float = 30.0,
        budget: QuotaBudget | None = None,
        retry: RetryPolicy | None = None,
        lookback_days: int = 7,
        initial_days: int = 30,
    ) -> None:
        on_refresh: Callable[[Any], None] | None = None
        if token_file is not None:
            path = Path(token_file)
            credentials = credentials if credentials is not None else load_token(path)
            on_refresh = lambda creds: save_token(creds, path)  # noqa: E731
        if credentials is None:
            raise MailAuthError(f"gmail: no credentials configured; {REAUTH_HINT}")
        api = GmailApi(
            credentials,
            base_url=base_url,
            timeout=timeout,
            budget=budget,
            retry=retry,
            on_refresh=on_refresh,
        )
        self._box = GmailMailbox(api, label)
        self._box.address = address.lower() if address else None
        self._api, self._sender = api, SenderCheck(api)
        self.daily_cap = daily_cap
        self.lookback_days, self.initial_days = lookback_days, initial_days
        self._sent_today: int | None = None
        self._lock = threading.Lock()

    # -- sending ------------------------------------------------------------------------

    def send(
        self,
        message: EmailMessage,
        *,
        thread: str | None,
        prepared: Callable[[str], None] | None = None,
    ) -> Sent:
        """Send ``message`` into the invoice's thread by draft-then-send.

        Args:
            message: A composed message with a Message-ID (and In-Reply-To, References
                and the thread's subject when it continues a thread).
            thread: The thread of the invoice's earlier messages (the ``thread`` of a
                ``Sent``), or None for a new thread.
            prepared: Called with the draft's reference (``draft:<id>:<recipient>``)
                before the draft is sent; record it to settle a crash with
                ``find_sent(message_id, prepared=ref)``. If it raises, the draft is
                deleted and nothing is sent.

        Returns:
            The sent message: ``ref`` is Gmail's message id, ``message_id`` the composed
            Message-ID (kept in ``X-Tahseel-Message-Id``; Gmail stores one of its own),
            ``thread`` Gmail's thread id.

        Raises:
            SendRejected: Gmail refused the message (a bad recipient, say).
            SendOutcomeUnknown: The send may have happened; never resend, settle it.
            MailQuotaExceeded: The daily cap or Gmail's sending limit is reached.
            MailAuthError: The credentials were refused.
            TransportUnavailable: Gmail could not be reached; nothing was sent.
        """
        client_id = first_id(str(message.get("Message-ID", "")))
        if client_id is None:
            raise MailError("gmail send: the message has no Message-ID")
        to = first_recipient(message)
        self._sender.require(message)  # Gmail would send a From it does not own as another
        self._check_daily_cap()
        gmail_thread = self._box.gmail_thread(thread)
        aliases: dict[str, str] = {}
        if gmail_thread and refers_to_composed(message):
            # The thread's earlier messages are known here by the Message-IDs Tahseel
            # composed; the customer's mailbox knows them by Gmail's.
            view = self._box.thread(gmail_thread)
            aliases = {composed: stored for stored, composed in view.aliases.items()}
            aliases.pop(client_id, None)
        data, base = message_bytes(message, client_id, aliases), self._api.base_url
        draft = self._api.call(
            "drafts.create", lambda u: draft_request(u.drafts(), data, gmail_thread, base)
        )
        draft_id = str(draft["id"])
        if prepared is not None:
            try:
                prepared(f"draft:{draft_id}:{to}")
            except BaseException:
                self._discard(draft_id)
                raise
        return self._send_draft(draft_id, client_id, to, message)

    def _send_draft(self, draft_id: str, client_id: str, to: str, message: EmailMessage) -> Sent:
        try:
            result = self._api.call(
                "drafts.send",
                lambda u: u.drafts().send(userId="me", body={"id": draft_id}),
                send=True,
            )
        except GmailNotFound:
            # An earlier try of this call (or httplib2's own resend) sent the draft.
            try:
                found = self._locate(client_id, to)
            except MailError as exc:
                # The draft is gone, so the message may well be out: never "try again".
                raise SendOutcomeUnknown(
                    f"gmail drafts.send: draft {draft_id} is gone and looking for its message "
                    f"failed ({type(exc).__name__}); settle it with find_sent, never resend"
                ) from exc
            if found is None:
                raise SendOutcomeUnknown(
                    f"gmail drafts.send: draft {draft_id} is gone but its message is not in "
                    "Sent yet; settle it with find_sent, never resend"
                ) from None
            self._count_sent()
            return found
        except SendOutcomeUnknown:
            raise
        except MailError as exc:
            # A refusal may answer httplib2's own resend of a try that sent the draft: only
            # the draft, still there, proves nothing went out.
            try:
                kept = self._draft_exists(draft_id)
            except MailError:
                kept = False
            if not kept:
                raise SendOutcomeUnknown(
                    f"{exc}; draft {draft_id} is gone, so the message may have been sent: "
                    "settle it with find_sent, never resend"
                ) from exc
            self._discard(draft_id)  # refused, so never sent: leave nothing to send later
            raise
        self._count_sent()
        ref = str(result["id"])
        log.info("gmail: sent draft %s as message %s", draft_id, ref)
        self._box.label_later(ref)  # a draft carries no user label into the send
        return Sent(
            ref=ref,
            message_id=client_id,
            thread=str(result["threadId"]),
            invoice=unfolded(message, "X-Tahseel-Invoice"),
            stage=unfolded(message, "X-Tahseel-Stage"),
        )

    def flush(self) -> None:
        """Label the messages sent since the last flush; call it when a run ends.

        Labels are applied a batch at a time; messages a crash leaves unlabelled are
        still recognised as Tahseel's by their ``X-Tahseel-Message-Id``, and are
        labelled when ``find_sent`` finds them.
        """
        self._box.flush_labels()

    def _discard(self, draft_id: str) -> None:
        try:
            self._api.call("drafts.delete", lambda u: u.drafts().delete(userId="me", id=draft_id))
        except GmailNotFound:
            pass
        except MailError as exc:
            log.warning("gmail: could not delete unsent draft %s (%s)", draft_id, exc)

    def _check_daily_cap(self) -> None:
        with self._lock:
            if self._sent_today is None:
                since = int(time.time()) - 86400
                # Counting stops at the cap: past it, how far past does not matter.
                found = self._box.search(f"in:sent after:{since}", limit=self.daily_cap)
                self._sent_today = sum(1 for _ in found)
            if self._sent_today >= self.daily_cap:
                raise MailQuotaExceeded(
                    f"gmail: {self._sent_today} messages sent in the last 24 hours reach the "
                    f"daily cap of {self.daily_cap}; the next run resumes"
                )

    def _count_sent(self) -> None:
        with self._lock:
            self._sent_today = (self._sent_today or 0) + 1

    def preflight(self) -> Iterator[Finding]:
        """The checks only Gmail can make, for ``tahseel doctor``; reads only."""
        return preflight(self._api, self._box, self._sender, self.daily_cap)

    # -- settling -----------------------------------------------------------------------

    def has_sent_mail(self) -> bool:
        """Whether the mailbox holds anything Tahseel sent (one cheap search)."""
        self._box.flush_labels()  # the search is by label
        # Search names a label as Gmail shows it, spaces written as hyphens.
        name = self._box.label.replace(" ", "-")
        found = self._box.search(f'in:sent label:"{name}"', limit=1)
        return next(found, None) is not None

    def find_sent(
        self, message_id: str, *, prepared: str | None = None, recipient: str | None = None
    ) -> Sent | None:
        """Find a sent message by Message-ID, or settle a send by its draft reference.

        Args:
            message_id: The composed Message-ID (found through ``X-Tahseel-Message-Id``
                when Gmail replaced it) or the one Gmail stored.
            prepared: The reference ``send`` gave to ``prepared``. A draft that still
                exists was never sent: it is deleted, so that it can never go out, and
                None is returned.
            recipient: An address the message went to, which narrows the search.

        Returns:
            The sent message (labelled ``Tahseel`` if it was not), or None.

        Raises:
            SendOutcomeUnknown: The draft is gone but no sent message matches.
            MailError: Gmail could not be asked (see ``send`` for the kinds).
        """
        to = recipient or ""
        if prepared:
            kind, _, rest = prepared.partition(":")
            draft_id, _, to = rest.partition(":")
            if kind != "draft" or not draft_id:
                raise MailError(f"gmail find_sent: not a Gmail draft reference: {prepared!r}")
            if self._draft_exists(draft_id):
                self._discard(draft_id)
                return None
        found = self._locate(message_id, to)
        if found is None and prepared:
            raise SendOutcomeUnknown(
                "gmail find_sent: the draft was sent or deleted, and no sent message matches; "
                "look in the Sent folder"
            )
        return found

    def _draft_exists(self, draft_id: str) -> bool:
        try:
            self._api.call(
                "drafts.get", lambda u: u.drafts().get(userId="me", id=draft_id, format="minimal")
            )
        except GmailNotFound:
            return False
        return True

    def _locate(self, message_id: str, to: str = "") -> Sent | None:
        """Find a sent message by its stored Message-ID, then by its composed one."""
        if first_id(message_id) != message_id:
            return None
        for ref, _ in self._box.search(f"in:sent rfc822msgid:{message_id}", limit=10):
            meta = self._box.metadata(ref)
            if first_id(meta_header(meta, "Message-ID")) == message_id:
                return self._labelled(meta)
        if not message_id.startswith("<tahseel."):
            return None  # only composed ids are ever replaced by Gmail
        query = f"in:sent newer_than:{self.lookback_days}d" + (f" to:{to}" if to else "")
        for ref, _ in self._box.search(query, limit=1000):
            meta = self._box.metadata(ref)
            if meta_header(meta, ORIGINAL_ID_HEADER) == message_id:
                return self._labelled(meta)
        return None

    def _labelled(self, meta: dict[str, Any]) -> Sent:
        """Label a found message if a crash left it unlabelled, and return it."""
        if self._box.known_label() not in meta.get("labelIds", []):
            self._box.apply_label(str(meta["id"]))
        return self._box.sent(meta)

    # -- reading ------------------------------------------------------------------------

    def replies_since(self, cursor: str | None) -> tuple[list[Incoming], str | None]:
        """Replies that arrived in Tahseel's threads since ``cursor``, and the next cursor.

        Reads the mailbox history since the cursor's historyId; when Gmail has expired
        it (404), searches for mail received since an hour before the previous read.
        Tahseel's own messages, drafts, spam and trash are left out.

        Args:
            cursor: ``"<historyId>:<epoch seconds>"`` from the previous call, or None to
                read the last ``initial_days``. What may follow, the Tahseel label's id,
                spares this run looking the label up.

        Returns:
            The replies, oldest first, and the cursor to pass next time, with the
            label's id when this run knows it (see ``updated_cursor``). Reads may
            overlap; callers drop refs they saw.

        Raises:
            MailError: The cursor is malformed, or Gmail could not be read.
        """
        history, label_id = split_label(cursor, self._box.label)
        if label_id:
            self._box.recall_label(label_id)
        replies, after = read_replies(self._box, history, initial_days=self.initial_days)
        return replies, join_label(after, self._box.cached_label(), self._box.label)

    def updated_cursor(self, cursor: str | None) -> str | None:
        """``cursor`` (from ``replies_since``) with the label id this run ended with.

        A run that created the label, or found the recalled id gone, learns an id the
        cursor it saved before sending does not hold; saving this one spares the next
        run looking the label up.
        """
        if not cursor:
            return cursor
        history, _ = split_label(cursor, self._box.label)
        return join_label(history or "", self._box.cached_label(), self._box.label) or cursor

    def fetch(self, ref: str) -> EmailMessage:
        """Return one message, as Gmail stores it, by its Gmail message id.

        Raises:
            MailError: ``ref`` names no message (or Gmail could not be read).
        """
        if not re.fullmatch(r"[A-Za-z0-9_-]+", ref):
            raise MailError(f"gmail fetch: not a Gmail message id: {ref!r}")
        found = self._api.call(
            "messages.get", lambda u: u.messages().get(userId="me", id=ref, format="raw")
        )
        return decode_raw(str(found["raw"]))
