"""The Transport protocol and the records it returns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Sent:
    """A message as the mailbox holds it after sending.

    Attributes:
        ref: The transport's own id for the stored message.
        message_id: The Message-ID the mailbox holds (with angle brackets); a
            transport that rewrites Message-IDs returns the rewritten one.
        thread: The transport's id for the thread the message is in.
        invoice: The ``X-Tahseel-Invoice`` header, if the message carries one.
        stage: The ``X-Tahseel-Stage`` header, if the message carries one.
    """

    ref: str
    message_id: str
    thread: str
    invoice: str | None = None
    stage: str | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message that arrived in the mailbox in reply to something Tahseel sent.

    Attributes:
        ref: The transport's own id for the message (pass it to ``fetch``).
        message_id: The message's own Message-ID, with angle brackets.
        thread: The transport's thread id, when the transport knows it.
        refers_to: Message-IDs from In-Reply-To and References, nearest first.
        sender: The From address.
        subject: The Subject header, decoded.
        text: The plain-text body (from the HTML part if there is no text part).
        received_at: When the mailbox received it (aware).
        automatic: True for auto-replies and bounces (Auto-Submitted, Precedence).
    """

    ref: str
    message_id: str
    thread: str | None
    refers_to: tuple[str, ...]
    sender: str
    subject: str
    text: str
    received_at: datetime
    automatic: bool = False
    attachments: tuple[str, ...] = field(default=())


@runtime_checkable
class Transport(Protocol):
    """Moves composed messages in and out of one mailbox, keeping threads.

    Implementations do not inherit from this class; every method raises only
    ``mailer.errors.MailError`` subclasses.
    """

    name: str

    def send(
        self,
        message: EmailMessage,
        *,
        thread: str | None,
        prepared: Callable[[str], None] | None = None,
    ) -> Sent:
        """Send ``message``, into ``thread`` when given, and return it as stored.

        ``prepared``, when given, may be called once with a transport reference just
        before the irreversible step (Gmail: the draft about to be sent). The caller
        records it durably before returning; if it raises, nothing is sent and the
        exception propagates. A transport whose send is a single atomic step may never
        call it.
        """
        ...

    def find_sent(
        self, message_id: str, *, prepared: str | None = None, recipient: str | None = None
    ) -> Sent | None:
        """Find a message this mailbox sent by its Message-ID, or return None.

        ``prepared`` is the reference a ``send`` gave to its ``prepared`` callback, when
        the caller recorded one; with it, a transport can settle that send exactly
        (None then means it was not sent and cannot be sent any more). ``recipient``,
        an address the message went to, lets a transport narrow its search. May raise
        ``SendOutcomeUnknown`` when the outcome still cannot be told.
        """
        ...

    def has_sent_mail(self) -> bool:
        """Whether the mailbox holds anything this transport sent (cheap to ask)."""
        ...

    def replies_since(self, cursor: str | None) -> tuple[list[Incoming], str | None]:
        """Return replies to Tahseel's messages that arrived after ``cursor``, and the new cursor.

        Reads may overlap the previous one; callers drop messages whose ``ref`` they saw.
        """
        ...

    def fetch(self, ref: str) -> EmailMessage:
        """Return one stored message by its ``ref``."""
        ...


@runtime_checkable
class FlushesBatches(Protocol):
    """A transport that batches work during a run and finishes it in ``flush``.

    Gmail keeps no user label on a draft, so ``GmailTransport`` labels the messages it
    sent in batches; ``flush`` labels those sent since the last flush. The job calls it
    once when a run ends (not in a dry run), after sending and even after an abort.
    A transport whose sends are complete when ``send`` returns does not implement it.
    """

    def flush(self) -> None:
        """Finish the work batched since the last flush (Gmail: label the sent messages).

        Raises only ``mailer.errors.MailError`` subclasses; work a crash leaves undone
        must be recoverable without it (Gmail finds and labels such messages later).
        """
        ...


@runtime_checkable
class UpdatesReplyCursor(Protocol):
    """A transport whose reply cursor can carry what it learnt during a run.

    ``GmailTransport`` keeps the Tahseel label's id in the cursor ``replies_since``
    returns, so a run need not look the label up. A run that created the label, or
    found the remembered id gone, learns an id after the cursor was saved; the job
    passes the saved cursor to ``updated_cursor`` when the run ends and saves the
    answer if it differs.
    """

    def updated_cursor(self, cursor: str | None) -> str | None:
        """Return ``cursor`` (from ``replies_since``) with what this run learnt.

        Args:
            cursor: The reply cursor saved during the run, or None.

        Returns:
            The cursor to save instead; ``cursor`` itself when nothing changed.
        """
        ...


Finding = tuple[str, Literal["ok", "warn", "fail"], str]
"""One line of a preflight check: ``(what, verdict, says)``.

``what`` names the check ("token", "organisation", "daily calls left"); ``verdict`` is
``ok``, ``warn`` (a run works, but something deserves a look) or ``fail`` (a run would
not work); ``says`` is what was found, and for ``warn`` and ``fail`` also what to do.
"""


@runtime_checkable
class Preflight(Protocol):
    """A transport that can check, without changing anything, that a run will work.

    Optional: ``tahseel doctor`` asks it for the checks only it can make (the token
    and its scopes, the sender address, the label); a transport without it gets the
    generic checks only.
    """

    def preflight(self) -> Iterator[Finding]:
        """Yield the transport's own checks, in the order a person would fix them.

        Reads only: nothing is sent, written or labelled. A failing check is a
        ``fail`` line, not an exception; after a ``fail`` that makes the rest
        meaningless (no token), stop yielding.
        """
        ...
