"""Gmail transport: ``GmailTransport`` on the Gmail API (the ``gmail`` extra).

``transport`` holds ``GmailTransport``; ``api`` the client, quota budget and retries;
``auth`` the token file and service-account credentials; ``mailbox`` labels, threads
and searches; ``mime`` the pure raw-message helpers; ``replies`` reading replies;
``sender`` the send-as check before the first draft; ``preflight`` the doctor's checks.

Importing this package is cheap: nothing here imports googleapiclient. ``GmailTransport``
is re-exported lazily, so ``from mailer.gmail import GmailTransport`` loads the transport
only when it is asked for (the API client itself is built on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailer.gmail.transport import GmailTransport

__all__ = ["GmailTransport"]


def __getattr__(name: str) -> Any:
    if name == "GmailTransport":
        from mailer.gmail.transport import GmailTransport

        return GmailTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
