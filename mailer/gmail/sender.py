"""Which addresses a Gmail account may send as, checked before the first draft.

Gmail sends only as the account's primary address or one of its send-as aliases
(``users.settings.sendAs``; https://developers.google.com/gmail/api/reference/rest/v1/users.settings.sendAs):
``sendAsEmail`` is the address of the From header, ``isPrimary`` marks the sign-in
address, and a custom alias can be used once its ``verificationStatus`` is ``accepted``
("The address is ready to use as a send-as alias"); ``pending`` means "awaiting
verification by the owner" (https://developers.google.com/gmail/api/guides/alias_and_signature_settings).
The primary address carries no ``verificationStatus`` ("This setting only applies to
custom from aliases").

Gmail does not refuse a From it does not own: it sends the message from the primary
address instead (googleapis/google-api-php-client#2393, "Setting the From does nothing
as it reverts to" the account's address; taylorwilsdon/google_workspace_mcp#1075,
"Gmail quietly substitutes the default sender and returns success"). A customer would
get a reminder from an address the business did not choose, so the transport stops
before the first draft instead.

Scopes. ``settings.sendAs.list`` needs ``gmail.modify``, ``gmail.readonly``,
``gmail.settings.basic`` or ``https://mail.google.com/``; ``getProfile`` also accepts
``gmail.compose`` and ``gmail.metadata`` (googleapiclient's discovery document
``gmail.v1.json``, ``gmail.users.settings.sendAs.list`` and ``gmail.users.getProfile``).
Tahseel asks for ``gmail.modify``, which covers both. A token without it (granted by an
older consent) is checked against the primary address only, and says so.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from mailer.errors import MailConfigError
from mailer.gmail.api import GmailApi, GmailForbidden
from mailer.mime import sender as from_address

log = logging.getLogger(__name__)

#: Scopes that allow ``settings.sendAs.list`` (discovery document, gmail.v1.json).
SEND_AS_SCOPES = (
    "https://mail.google.com/",
    "https://www.googleapis.com/auth/gmail.modify",
    "https://www.googleapis.com/auth/gmail.readonly",
    "https://www.googleapis.com/auth/gmail.settings.basic",
)
SETTINGS_PATH = "Gmail > Settings > Accounts > Send mail as"


class SenderNotAllowed(MailConfigError):
    """The From address is neither the account's own nor a verified send-as alias."""


@dataclass(frozen=True, slots=True)
class SendAs:
    """The addresses one Gmail account may send as.

    Attributes:
        primary: The account's own (sign-in) address, lower case.
        accepted: Every address it may send as, the primary first.
        pending: Aliases still waiting for their owner's verification.
        listed: False when the token may not read the aliases (only ``primary`` known).
    """

    primary: str
    accepted: tuple[str, ...]
    pending: tuple[str, ...] = ()
    listed: bool = True

    def refusal(self, address: str) -> str | None:
        """Why Gmail would not send as ``address`` (what to do included), or None."""
        wanted = address.strip().lower()
        if wanted in self.accepted:
            return None
        may = ", ".join(self.accepted)
        head = f"gmail: sender.email is {wanted or '(empty)'}"
        if wanted in self.pending:
            return (
                f"{head}, a send-as alias of {self.primary} still waiting for verification; "
                f"open the verification email Gmail sent to {wanted} (or resend it from "
                f"{SETTINGS_PATH}), or set sender.email to one of: {may}. Nothing was sent"
            )
        if not self.listed:
            return (
                f"{head}, not the account's own address {self.primary}, and this token may "
                "not read the account's send-as aliases (settings.sendAs.list needs the "
                f"gmail.modify scope); run `tahseel auth gmail` again, or set sender.email "
                f"to {self.primary}. Nothing was sent"
            )
        return (
            f"{head}, which this Gmail account ({self.primary}) cannot send as: Gmail would "
            f"send from {self.primary} instead. It may send as: {may}. Add {wanted} in "
            f"{SETTINGS_PATH} and verify it, or set sender.email to one of those. "
            "Nothing was sent"
        )


def read_send_as(api: GmailApi) -> SendAs:
    """The account's primary address and send-as aliases (``getProfile``, ``sendAs.list``).

    Raises:
        MailError: Gmail could not be asked (see ``GmailApi.call``).
    """
    profile = api.call("getProfile", lambda u: u.getProfile(userId="me"))
    primary = str(profile.get("emailAddress", "")).lower()
    try:
        listed = api.call("settings.sendAs.list", lambda u: u.settings().sendAs().list(userId="me"))
    except GmailForbidden:
        log.warning(
            "gmail: this token may not read the send-as aliases (settings.sendAs.list needs "
            "gmail.modify); checking the sender against %s only",
            primary,
        )
        return SendAs(primary, (primary,), listed=False)
    return _from_list(primary, listed.get("sendAs", []))


def _from_list(primary: str, entries: list[dict[str, Any]]) -> SendAs:
    accepted, pending = [primary], []
    for entry in entries:
        address = str(entry.get("sendAsEmail", "")).lower()
        status = entry.get("verificationStatus")
        if entry.get("isPrimary") or status == "accepted":
            accepted.append(address)
        elif status == "pending":
            pending.append(address)
    return SendAs(primary, tuple(dict.fromkeys(a for a in accepted if a)), tuple(pending))


class SenderCheck:
    """Checks, once per transport, that Gmail will send as the message's From address.

    Args:
        api: The Gmail API client.
    """

    def __init__(self, api: GmailApi) -> None:
        self._api = api
        self._known: SendAs | None = None
        self._lock = threading.Lock()

    def addresses(self) -> SendAs:
        """The account's send-as addresses, read the first time they are asked for."""
        with self._lock:
            if self._known is None:
                self._known = read_send_as(self._api)
            return self._known

    def require(self, message: EmailMessage) -> None:
        """Raise unless Gmail sends ``message`` from the address in its From header.

        Raises:
            SenderNotAllowed: The From is neither the account's nor a verified alias.
            MailError: Gmail could not be asked.
        """
        refusal = self.addresses().refusal(from_address(message))
        if refusal is not None:
            raise SenderNotAllowed(refusal)
