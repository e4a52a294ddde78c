"""What the Twilio emulator holds: messages, senders, opt-outs, windows and Content templates.

Every rule cites the reference (/work/shared/reference/twilio-whatsapp-sms.md, its [n]
sources) or says where the reference and Twilio's docs are silent and the emulator is
strict instead. Answers are built on Twilio's own example responses (``fixtures/``).
"""

from __future__ import annotations

import copy
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from mailer.segments import count_segments

FIXTURES = Path(__file__).parent / "fixtures"
E164 = re.compile(r"\+[1-9]\d{6,14}")
WINDOW = timedelta(hours=24)
"""WhatsApp's customer service window after the customer's last message [2][6]."""
BODY_LIMIT = 1600
"""Characters a Body may hold [1] (longer: 21617)."""
# Twilio's default English opt-out keywords, single word, case-insensitive [20]. Arabic
# keywords only with Advanced Opt-Out [20], which the emulator leaves off, so an Arabic
# STOP reaches the inbox as an ordinary message and the business must act on it.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
# Test credentials' magic recipients and the errors they give [23].
MAGIC_TO = {
    "+15005550001": 21211,
    "+15005550002": 21612,
    "+15005550003": 21408,
    "+15005550004": 21610,
    "+15005550009": 21614,
}
# Countries whose SMS cannot be answered: Twilio's Saudi guidelines, "two-way SMS not
# supported" [17]. Other countries are not listed in the reference.
NO_TWO_WAY_SMS = ("+966",)


def fixture(name: str) -> dict[str, Any]:
    """A fresh copy of a Twilio example answer."""
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text()))


def rfc2822(moment: datetime | None) -> str | None:
    """Twilio's date format in the Messages API ("Thu, 30 Jul 2015 20:12:31 +0000")."""
    return format_datetime(moment.astimezone(UTC)) if moment else None


class ApiError(Exception):
    """A Twilio error answer: ``{"code", "message", "more_info", "status"}`` [2]."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        """The JSON body Twilio sends with an error."""
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


@dataclass
class Message:
    """One message as Twilio holds it."""

    sid: str
    to: str
    from_: str
    body: str
    direction: str
    status: str
    created: datetime
    sent: datetime | None
    error_code: int | None = None
    content_sid: str | None = None

    def resource(self, account: str) -> dict[str, Any]:
        """The message's JSON, on the shape of Twilio's example."""
        data = fixture("message")
        uri = f"/2010-04-01/Accounts/{account}/Messages/{self.sid}"
        data.update(
            account_sid=account,
            body=self.body,
            date_created=rfc2822(self.created),
            date_updated=rfc2822(self.sent or self.created),
            date_sent=rfc2822(self.sent),
            direction=self.direction,
            error_code=self.error_code,
            error_message=None,
            messaging_service_sid=None,
            num_segments=str(max(count_segments(self.body).count, 1)),
            sid=self.sid,
            status=self.status,
            to=self.to,
            uri=uri + ".json",
            subresource_uris={"media": uri + "/Media.json"},
        )
        data["from"] = self.from_
        return data


@dataclass
class Template:
    """A Content template and its WhatsApp approval."""

    sid: str
    name: str
    language: str
    body: str
    variables: dict[str, str]
    approval: str | None = "approved"  # None: never submitted
    category: str = "UTILITY"
    rejection_reason: str = ""

    def render(self, values: dict[str, str]) -> str:
        """The text with ``{{n}}`` filled in (what the emulator keeps as the body)."""
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: values.get(m[1], m[0]), self.body)


@dataclass
class Account:
    """One account's state; every method is called under ``lock``."""

    sid: str
    now: Callable[[], datetime]
    senders: set[str] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)
    templates: dict[str, Template] = field(default_factory=dict)
    opted_out: set[tuple[str, str]] = field(default_factory=set)  # (sender, customer)
    last_inbound: dict[tuple[str, str], datetime] = field(default_factory=dict)
    landlines: set[str] = field(default_factory=set)
    not_on_whatsapp: set[str] = field(default_factory=set)
    hold_queued: bool = False
    # WhatsApp's messaging limit: unique customers reached by business-initiated
    # (template) messages in a rolling 24 hours, 1K/10K/100K/unlimited; over it, 63018
    # [13][14]. None: unlimited. Tests set a small one.
    whatsapp_limit: int | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def new_sid(self, prefix: str) -> str:
        """A fresh 34-character SID."""
        return prefix + uuid.uuid4().hex

    # -- create ------------------------------------------------------------------------

    def create(self, form: dict[str, str]) -> Message:
        """Run the checks Twilio makes on a create, then store the message.

        The error codes are those of Twilio's error dictionary, one page a code at
        https://www.twilio.com/docs/errors/<code> (21603 no From, 21604 no To, 21602 no
        body or media, 21617 body over 1,600 characters, 21606 a From that is not the
        account's message-capable sender, 21211 bad To, 21910 From and To of different
        channels, 21655 a ContentSid not of this account); each was read on its page.
        21211 is the reference's [21].
        """
        to, sender = form.get("To", ""), form.get("From", "")
        if "MessagingServiceSid" in form:
            # Not in the reference's scope; strict: refuse rather than guess.
            raise ApiError(400, 21701, "MessagingServiceSid is not emulated")
        if not to:
            raise ApiError(400, 21604, "A 'To' phone number is required.")
        if not sender:
            raise ApiError(400, 21603, "A 'From' phone number is required.")
        whatsapp = to.startswith("whatsapp:")
        if whatsapp != sender.startswith("whatsapp:"):
            # Both or neither carry the prefix [2][6]; Twilio's code 21910.
            raise ApiError(
                400,
                21910,
                "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel",
            )
        if sender not in self.senders:
            raise ApiError(
                400,
                21606,
                f"The 'From' phone number {sender} provided is not a valid message-capable"
                " Twilio phone number for this destination/account",
            )
        number = to.removeprefix("whatsapp:")
        if not E164.fullmatch(number) or MAGIC_TO.get(number) == 21211:
            raise ApiError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if number in MAGIC_TO:
            code = MAGIC_TO[number]
            raise ApiError(400, code, f"Error {code} for the test number {number}.")
        body, content_sid = form.get("Body"), form.get("ContentSid")
        if not body and not content_sid and not form.get("MediaUrl"):
            raise ApiError(400, 21602, "Message body is required.")
        if body and len(body) > BODY_LIMIT:
            raise ApiError(
                400, 21617, "The concatenated message body exceeds the 1600 character limit"
            )
        template = None
        if content_sid:
            template = self.templates.get(content_sid)
            if template is None:
                raise ApiError(400, 21655, "The ContentSid is Invalid.")
            body = template.render(self._variables(form.get("ContentVariables")))
            # Reference, "Not verified": the ``body`` of a ContentSid send. The emulator
            # keeps the rendered text, which is what settling by tag relies on; a live
            # re-recording of the cassette checks it.
        if not whatsapp and (sender, number) in self.opted_out:
            raise ApiError(400, 21610, "Attempt to send to unsubscribed recipient")
        if not whatsapp and number in self.landlines:
            raise ApiError(400, 21614, f"'To' number {number} is not a valid mobile number")
        now = self.now()
        message = Message(
            self.new_sid("SM"), to, sender, body or "", "outbound-api", "queued", now, None
        )
        message.content_sid = content_sid
        message.error_code = self._async_failure(whatsapp, sender, number, template, content_sid)
        self.messages.append(message)
        return message

    def _variables(self, raw: str | None) -> dict[str, str]:
        if raw is None:
            return {}
        try:
            values = json.loads(raw)
        except ValueError:
            values = None
        if not isinstance(values, dict):
            # A dict passed to the SDK goes out as its keys (trap 2): not JSON, refused.
            raise ApiError(400, 21656, "The Content Variables parameter is invalid.")
        return {str(k): str(v) for k, v in values.items()}

    def _async_failure(
        self,
        whatsapp: bool,
        sender: str,
        number: str,
        template: Template | None,
        content_sid: str | None,
    ) -> int | None:
        """The error a message fails with after it was accepted, if any [21][23]."""
        if not whatsapp:
            return None
        if number in self.not_on_whatsapp:
            return 63024
        if content_sid is None:
            opened = self.last_inbound.get((sender, number))
            if opened is None or self.now() - opened > WINDOW:
                return 63016
        elif self.whatsapp_limit is not None and self._over_limit(sender, number):
            return 63018
        elif template is not None and template.approval != "approved":
            # Silent in the reference; strict: an unapproved template counts as outside
            # the window, the failure a business-initiated free-form message gets [6].
            return 63016
        return None

    def _over_limit(self, sender: str, number: str) -> bool:
        since = self.now() - WINDOW
        reached = {
            m.to.removeprefix("whatsapp:")
            for m in self.messages
            if m.from_ == sender and m.content_sid and m.created > since and not m.error_code
        }
        return number not in reached and len(reached) >= (self.whatsapp_limit or 0)

    def progress(self) -> None:
        """Move queued messages on: sent (or failed with their code), unless held."""
        if self.hold_queued:
            return
        for message in self.messages:
            if message.status == "queued":
                message.sent = self.now()
                message.status = "failed" if message.error_code else "sent"

    # -- inbound -----------------------------------------------------------------------

    def receive(self, sender: str, customer: str, text: str) -> Message:
        """A customer's message to ``sender`` (``whatsapp:`` on both for WhatsApp)."""
        whatsapp = sender.startswith("whatsapp:")
        number = customer.removeprefix("whatsapp:")
        if not whatsapp and number.startswith(NO_TWO_WAY_SMS):
            raise ValueError(f"Twilio: two-way SMS is not supported for {number} [17]")
        now = self.now()
        if whatsapp:
            self.last_inbound[(sender, number)] = now
        else:
            word = text.strip().upper()
            if word in STOP_WORDS:
                self.opted_out.add((sender, number))
            elif word in START_WORDS:
                self.opted_out.discard((sender, number))
        message = Message(
            self.new_sid("SM"), sender, customer, text, "inbound", "received", now, now
        )
        self.messages.append(message)
        return message

    # -- list --------------------------------------------------------------------------

    def select(self, query: dict[str, str]) -> list[Message]:
        """Messages matching To, From and DateSent filters, newest first [1][2]."""
        found = list(self.messages)
        if "To" in query:
            found = [m for m in found if m.to == query["To"]]
        if "From" in query:
            found = [m for m in found if m.from_ == query["From"]]
        for name, keep in (
            ("DateSent", lambda d, day: d == day),
            ("DateSent>", lambda d, day: d >= day),
            ("DateSent<", lambda d, day: d <= day),
        ):
            if name in query:
                day = _date(name, query[name])
                found = [m for m in found if m.sent is not None and keep(m.sent.date(), day)]
        return sorted(found, key=lambda m: m.created, reverse=True)


def _date(name: str, value: str) -> Any:
    """The date of a DateSent filter.

    Documented as a GMT ``YYYY-MM-DD`` [1]; the SDK sends ``%Y-%m-%dT%H:%M:%SZ`` [2] and
    whether Twilio reads the time is "not verified": the emulator reads the date only,
    the strict reading, so a client must overlap a day (trap 3).
    """
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d").date()
    except ValueError:
        raise ApiError(400, 20001, f"Invalid {name}: {value!r}") from None
