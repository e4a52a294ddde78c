"""What ``check`` and ``doctor`` ask Twilio before a run: read-only, nothing is sent.

1. The credentials: the account is fetched, and must be ``active``.
2. The sender: an SMS number must be one of the account's numbers (IncomingPhoneNumbers);
   an alphanumeric sender id must be 1 to 11 letters, digits or spaces with a letter
   (Saudi Arabia also wants it registered beforehand [18], which the API cannot show).
   A WhatsApp sender is registered through Meta and is not checked here: the Senders
   API is out of this module's reach, and a wrong one fails the first send with 63007.
3. Each mapped Content template exists (``GET /v1/Content/{HX}``), is in the language it
   is mapped for, and is approved for WhatsApp (``GET .../ApprovalRequests``; statuses
   pending/approved/rejected/paused/disabled [7], [8]).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twilio.base.exceptions import TwilioRestException

from mailer.channel import ChannelKind, Preflight, Problem
from mailer.errors import MailAuthError, MailError
from mailer.twilio.calls import Caller, sender_kind

_ALPHANUMERIC = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}")


@dataclass(frozen=True, slots=True)
class Sender:
    """The channel being checked: its client, how calls run, its kind and sender."""

    client: Any
    caller: Caller
    kind: ChannelKind
    sender: str


def run_preflight(channel: Sender, templates: Mapping[str, str]) -> Preflight:
    """Check ``channel``'s account, sender and ``templates`` (``"reminder/ar": "HX..."``).

    Raises:
        MailAuthError: The credentials are refused (nothing else can be checked).
    """
    problems: list[Problem] = []
    checked: list[str] = []
    client, run = channel.client, channel.caller.run
    account = run(
        lambda: client.api.v2010.accounts(client.account_sid).fetch(),
        operation="accounts.fetch",
        number=channel.sender,
        creating=False,
    )
    if account.status != "active":
        problems.append(
            Problem(
                f"Twilio account {client.account_sid}",
                f"the account is {account.status}",
                "Reactivate it in Twilio Console, or name another account's credentials.",
            )
        )
    else:
        checked.append(f"Twilio account {client.account_sid} is active")
    problems += _check_sender(channel, checked)
    for purpose, sid in templates.items():
        problem = _check_template(channel, purpose, sid)
        if problem is None:
            checked.append(f"template {sid} ({purpose}) is approved for WhatsApp")
        else:
            problems.append(problem)
    return Preflight(tuple(problems), tuple(checked))


def _check_sender(channel: Sender, checked: list[str]) -> list[Problem]:
    where = f"{channel.kind} sender {channel.sender}"
    if channel.kind == "whatsapp":
        checked.append(f"{where}: registered with Meta (not checked through the API)")
        return []
    kind = sender_kind(channel.sender)
    if kind == "alphanumeric":
        if not _ALPHANUMERIC.fullmatch(channel.sender):
            return [
                Problem(
                    where,
                    "an alphanumeric sender id is 1 to 11 letters, digits or spaces, "
                    "with at least one letter",
                    "Correct the sender in the settings.",
                )
            ]
        checked.append(f"{where}: alphanumeric (register it with Twilio for Saudi Arabia)")
        return []
    numbers = channel.caller.run(
        lambda: channel.client.incoming_phone_numbers.list(phone_number=channel.sender, limit=1),
        operation="incoming_phone_numbers.list",
        number=channel.sender,
        creating=False,
    )
    if not numbers:
        return [
            Problem(
                where,
                "the number is not one of this Twilio account's numbers",
                "Buy or port it in Twilio Console, or correct the sender in the settings.",
            )
        ]
    checked.append(f"{where} belongs to the account")
    return []


def _check_template(channel: Sender, purpose: str, sid: str) -> Problem | None:
    where = f"template {sid} ({purpose})"
    if not sid.startswith("HX"):
        return Problem(
            where, "a Content SID starts with HX", "Copy it from Content Template Builder."
        )
    content = channel.client.content.v1.contents(sid)
    try:
        found = _read(channel, lambda: content.fetch(), "content.fetch", sid)
    except MailAuthError:
        raise
    except MailError as exc:
        return Problem(where, f"could not be read ({exc})", "Check the SID in the settings.")
    if found is None:
        return Problem(
            where,
            "no such Content template in this account",
            "Create it in Content Template Builder and map its SID in the settings.",
        )
    wanted = purpose.rpartition("/")[2] if "/" in purpose else None
    if wanted and found.language and found.language.split("_")[0] != wanted.split("_")[0]:
        return Problem(
            where,
            f"the template is in {found.language!r}, mapped for {wanted!r}",
            "Map the template of the right language (one Content template a language).",
        )
    approval = _read(channel, lambda: content.approval_fetch().fetch(), "approval.fetch", sid)
    whatsapp: dict[str, Any] = (approval.whatsapp if approval is not None else None) or {}
    status = str(whatsapp.get("status") or "not submitted")
    if status != "approved":
        reason = whatsapp.get("rejection_reason")
        return Problem(
            where,
            f"WhatsApp approval is {status}" + (f" ({reason})" if reason else ""),
            "Submit it for WhatsApp approval (utility category) in Content Template "
            "Builder and wait for approval; reminders cannot go on WhatsApp without it.",
        )
    return None


def _read(channel: Sender, call: Any, operation: str, sid: str) -> Any:
    """``call()``, or None when Twilio answers 404."""

    def guarded() -> Any:
        try:
            return call()
        except TwilioRestException as exc:
            if exc.status == 404:
                return None
            raise

    return channel.caller.run(guarded, operation=operation, number=sid, creating=False)
