"""Twilio's failures sorted by what to do: the one place that knows the SDK's exceptions.

``translate`` turns what the SDK or ``requests`` raised into a ``MailError``;
``describe_failure`` says in words what a message's asynchronous ``error_code`` means.
Twilio warns that error meanings may change ([2] in the reference, trap 10), so codes
are mapped coarsely and an unknown one is handed to a person with its number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException

from mailer.channel import (
    ChannelLimitReached,
    MessageRejected,
    OutsideWindow,
    RecipientOptedOut,
)
from mailer.errors import MailAuthError, MailError, SendOutcomeUnknown, TransportUnavailable


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a Twilio error code means and what a person should do about it."""

    what: str
    advice: str
    kind: type[MessageRejected] = MessageRejected


# Synchronous 400s of a create and asynchronous codes of a failed message, from the
# reference's Errors table ([21], [23]) and Twilio's error pages ([6], [14]).
MEANINGS: dict[int, Meaning] = {
    21211: Meaning(
        "Twilio refused the number as invalid",
        "Correct the customer's phone number on the contact.",
    ),
    21408: Meaning(
        "the account may not send to this country",
        "Enable the country in Twilio Console, Messaging, Geo permissions.",
    ),
    21610: Meaning(
        "the customer has opted out (sent STOP) from this sender",
        "Record the opt-out; send nothing more on this channel unless they send START.",
        RecipientOptedOut,
    ),
    21612: Meaning(
        "Twilio cannot route a message from this sender to this number",
        "Check the sender's capabilities in Twilio Console for this country.",
    ),
    21614: Meaning(
        "the number cannot receive SMS (a landline)",
        "Add a mobile number to the contact, or reach the customer by email.",
    ),
    21617: Meaning(
        "the text is longer than 1600 characters",
        "Shorten the SMS template.",
    ),
    21655: Meaning(
        "the Content template SID is not one of this account's templates",
        "Check the template SID mapped in the settings (it starts with HX).",
    ),
    21656: Meaning(
        "the template variables are not valid JSON for the template",
        "Check the variables mapped for this template.",
    ),
    63016: Meaning(
        "a free-form WhatsApp message outside the 24-hour window",
        "Send an approved Content template instead.",
        OutsideWindow,
    ),
    63024: Meaning(
        "the number is not on WhatsApp",
        "Reach the customer by SMS or email.",
    ),
    63049: Meaning(
        "Meta did not deliver this marketing message",
        "Keep reminder templates in the utility category.",
    ),
}

LIMIT_CODES = {63018: "the WhatsApp sender's messaging limit for 24 hours is reached"}


def describe_failure(code: int | None) -> str:
    """Words for a failed message's ``error_code`` (what happened and what to do)."""
    if code is None:
        return "Twilio gave no error code: look the message up in Twilio Console"
    if code in LIMIT_CODES:
        return f"{LIMIT_CODES[code]} (code {code}): wait a day or ask Meta for a higher tier"
    meaning = MEANINGS.get(code)
    if meaning is None:
        return (
            f"Twilio error {code}: see https://www.twilio.com/docs/api/errors/{code} and "
            "decide by hand"
        )
    return f"{meaning.what} (code {code}). {meaning.advice}"


def translate(exc: BaseException, *, operation: str, number: str, creating: bool) -> MailError:
    """The ``MailError`` for ``exc``, raised by the SDK during ``operation``.

    Args:
        exc: What the SDK or ``requests`` raised.
        operation: What was being done (``messages.create``), for the message.
        number: The recipient concerned (or the sender, for a read).
        creating: Whether ``operation`` creates a message: then a failure that may have
            been processed (5xx, timeout, dropped connection) is ``SendOutcomeUnknown``.
    """
    where = f"Twilio {operation}"
    page = _page_response(exc)
    if isinstance(exc, TwilioRestException) or page is not None:
        status, code = _status_and_code(exc, page)
        if status == 429:
            # 429/20429: too many requests at once; Twilio did not process it ([3]).
            return TransportUnavailable(f"{where}: HTTP 429 (code {code}), too many requests")
        if status in (401, 403):
            return MailAuthError(
                f"{where}: HTTP {status} (code {code}): the account SID, auth token or API "
                "key is wrong or revoked; check the variables named in the settings"
            )
        if status >= 500:
            message = f"{where}: HTTP {status} (code {code})"
            return SendOutcomeUnknown(message) if creating else TransportUnavailable(message)
        if code in LIMIT_CODES:
            return ChannelLimitReached(f"{where}: {describe_failure(code)}")
        meaning = MEANINGS.get(code) if isinstance(code, int) else None
        if meaning is not None:
            return meaning.kind(
                f"{where}: {meaning.what}", code=code, number=number, advice=meaning.advice
            )
        return MessageRejected(
            f"{where}: HTTP {status}",
            code=code if isinstance(code, int) else None,
            number=number,
            advice=f"See https://www.twilio.com/docs/api/errors/{code} and decide by hand.",
        )
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.InvalidURL):
        # The request never reached Twilio.
        return TransportUnavailable(f"{where}: could not connect ({type(exc).__name__})")
    if isinstance(exc, requests.ConnectionError) and _never_connected(exc):
        return TransportUnavailable(f"{where}: could not connect")
    if isinstance(exc, requests.RequestException):
        message = f"{where}: no answer ({type(exc).__name__})"
        return SendOutcomeUnknown(message) if creating else TransportUnavailable(message)
    if isinstance(exc, TwilioException):
        # A list's next page fails as a bare TwilioException, without status or code
        # (reference, Errors; trap 5): the request was a read, so it can be retried.
        return TransportUnavailable(f"{where}: {exc}")
    return TransportUnavailable(f"{where}: {type(exc).__name__}")


def _page_response(exc: BaseException) -> Any:
    """The response a list's bare ``TwilioException("Unable to fetch page", response)`` holds."""
    if isinstance(exc, TwilioException) and not isinstance(exc, TwilioRestException):
        if len(exc.args) > 1 and hasattr(exc.args[1], "status_code"):
            return exc.args[1]
    return None


def _status_and_code(exc: BaseException, page: Any) -> tuple[int, Any]:
    if isinstance(exc, TwilioRestException):
        return exc.status, exc.code
    try:
        code = json.loads(page.text).get("code", page.status_code)
    except (ValueError, AttributeError):
        code = page.status_code
    return int(page.status_code), code


def _never_connected(exc: requests.ConnectionError) -> bool:
    """Whether the connection was refused before any byte of the request left."""
    text = repr(exc.args[0]) if exc.args else ""
    return "NewConnectionError" in text or "Failed to establish a new connection" in text
