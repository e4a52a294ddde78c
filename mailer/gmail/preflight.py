"""The Gmail checks of ``tahseel doctor``: token, scopes, sender, label, daily cap.

Everything here reads: nothing is drafted, sent or labelled, and a missing label is not
created. The token is refreshed (as the first call of any run would do), which is how a
revoked or expired grant shows; a refreshed token is written back to the token file as
a run would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from mailer.errors import MailAuthError, MailError
from mailer.gmail.api import GmailApi, _translate
from mailer.gmail.auth import REAUTH_HINT, SCOPES
from mailer.gmail.mailbox import GmailMailbox
from mailer.gmail.sender import SenderCheck
from mailer.transport import Finding

#: Scopes that hold every method Tahseel calls (``gmail.modify``, or all of Gmail).
COVERING = frozenset({*SCOPES, "https://mail.google.com/"})


def preflight(
    api: GmailApi, box: GmailMailbox, check: SenderCheck, daily_cap: int
) -> Iterator[Finding]:
    """Yield the Gmail lines of the doctor's checklist, in the order a person fixes them.

    Args:
        api: The transport's Gmail client.
        box: The transport's mailbox helpers (its ``address`` is ``sender.email``).
        check: The transport's sender check.
        daily_cap: ``mailbox.daily_cap``.
    """
    try:
        _refresh(api)
    except MailAuthError as exc:
        yield "gmail token", "fail", f"{exc}"
        return
    except MailError as exc:
        yield "gmail token", "fail", f"{exc}; check the network (or mailbox.api_url) and retry"
        return
    yield "gmail token", "ok", "valid and refreshable"
    yield _scopes(api.credentials)
    try:
        known = check.addresses()
    except MailError as exc:
        yield "gmail sender", "fail", f"could not read the account's addresses: {exc}"
        return
    address = box.address or known.primary
    refusal = known.refusal(address)
    if refusal is not None:
        says = refusal.removeprefix("gmail: ").removesuffix(". Nothing was sent")
        yield "gmail sender", "fail", says
    elif address == known.primary:
        yield "gmail sender", "ok", f"{address}, the account's own address"
    else:
        yield "gmail sender", "ok", f"{address}, a verified send-as alias of {known.primary}"
    yield from _label(box)
    yield from _daily_cap(box, daily_cap)


def _refresh(api: GmailApi) -> None:
    """Get a new access token now: proves the grant is neither expired nor revoked."""
    import google_auth_httplib2
    import httplib2

    try:
        api.credentials.refresh(google_auth_httplib2.Request(httplib2.Http(timeout=api.timeout)))
    except Exception as exc:  # translated, as every Gmail call is
        raise _translate(exc, "token refresh") from None


def _scopes(credentials: Any) -> Finding:
    granted = getattr(credentials, "granted_scopes", None)
    if not granted:
        return "gmail scopes", "ok", "not reported by Google; the calls below use them"
    if COVERING & set(granted):
        return "gmail scopes", "ok", "gmail.modify granted"
    return (
        "gmail scopes",
        "fail",
        f"the token holds {', '.join(sorted(granted))} but Tahseel needs {SCOPES[0]} "
        f"(drafts, replies and the label); {REAUTH_HINT} and tick every box Google shows",
    )


def _label(box: GmailMailbox) -> Iterator[Finding]:
    try:
        label_id = box.known_label()
    except MailError as exc:
        yield "gmail label", "fail", f"could not list the labels: {exc}"
        return
    if label_id is None:
        yield "gmail label", "ok", f"{box.label} will be created on the first run"
    else:
        yield "gmail label", "ok", f"{box.label} ({label_id})"


def _daily_cap(box: GmailMailbox, cap: int) -> Iterator[Finding]:
    since = int(time.time()) - 86400
    try:
        sent = sum(1 for _ in box.search(f"in:sent after:{since}", limit=cap))
    except MailError as exc:
        yield "gmail daily cap", "fail", f"could not count the mail sent today: {exc}"
        return
    left = cap - sent
    if left > 0:
        yield "gmail daily cap", "ok", f"{left} of {cap} left (sent in the last 24 hours: {sent})"
    else:
        yield (
            "gmail daily cap",
            "fail",
            f"{sent} messages sent in the last 24 hours reach mailbox.daily_cap ({cap}); a run "
            "now sends nothing: wait until tomorrow, or raise mailbox.daily_cap if Gmail allows",
        )
