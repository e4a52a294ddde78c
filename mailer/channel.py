"""The ``Channel`` protocol for text messages (SMS, WhatsApp), its records and its errors.

A channel moves one short message to one phone number. Unlike email, the providers
behind it (Twilio first) take no idempotency key and keep no header of ours, so every
message carries a *tag*: a short reference that appears in what the customer sees (the
SMS text, or one of a WhatsApp template's variables). A send whose outcome is unknown is
settled by ``find_sent``, which lists what went to that number since the attempt and
looks for the tag; a send is never blindly repeated.

The types are plain frozen dataclasses; implementations do not inherit from anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Literal, Protocol, runtime_checkable

from mailer.errors import Disposition, MailQuotaExceeded, SendRejected

ChannelKind = Literal["sms", "whatsapp"]


@dataclass(frozen=True, slots=True)
class TextMessage:
    """A free-form text: an SMS, or a WhatsApp message inside the customer's 24-hour window.

    Attributes:
        to: The customer's number in E.164 (``+966501234567``), no channel prefix.
        body: The text; it must contain ``tag``.
        tag: The per-message reference that ``find_sent`` looks for.
    """

    to: str
    body: str
    tag: str


@dataclass(frozen=True, slots=True)
class TemplateMessage:
    """A WhatsApp message from an approved template (business-initiated messages must be).

    Attributes:
        to: The customer's number in E.164, no channel prefix.
        template: The provider's template id (a Twilio Content SID, ``HX...``).
        variables: The template's variables by placeholder (``{"1": "Huda", ...}``);
            one of the values must contain ``tag``.
        tag: The per-message reference that ``find_sent`` looks for.
    """

    to: str
    template: str
    variables: Mapping[str, str]
    tag: str


Outgoing = TextMessage | TemplateMessage


@dataclass(frozen=True, slots=True)
class SentText:
    """A message as the provider holds it.

    Attributes:
        ref: The provider's id (a Twilio ``SM``/``MM`` SID).
        to: The recipient, E.164, no channel prefix.
        status: The provider's status (``queued``, ``sent``, ``delivered``, ``failed`` ...).
        sent_at: When it left, if it has (aware UTC); None while queued.
        segments: Parts it is billed as, when the provider says.
        error_code: The provider's error code for a failed or undelivered message.
        body: The text the provider holds.
    """

    ref: str
    to: str
    status: str
    sent_at: datetime | None
    segments: int | None = None
    error_code: int | None = None
    body: str = ""

    @property
    def failed(self) -> bool:
        """Whether the provider gave up on it (``failed`` or ``undelivered``)."""
        return self.status in ("failed", "undelivered", "canceled")


@dataclass(frozen=True, slots=True)
class InboundText:
    """A message a customer sent to our number.

    Attributes:
        ref: The provider's id; the same message listed twice has the same ref.
        sender: The customer's number, E.164, no channel prefix.
        text: What they wrote.
        received_at: When the provider received it (aware UTC).
        channel: ``sms`` or ``whatsapp``.
    """

    ref: str
    sender: str
    text: str
    received_at: datetime
    channel: ChannelKind


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing a preflight found wrong: what, where, and what to do.

    Attributes:
        where: What was checked (``sender +966...``, ``template HX... (reminder, ar)``).
        what: What is wrong.
        fix: What a person should do.
    """

    where: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}. {self.fix}"


@dataclass(frozen=True, slots=True)
class Preflight:
    """What a channel's preflight found; ``ok`` when nothing.

    Attributes:
        problems: Each problem found, in the order checked.
        checked: What was checked and passed, for ``doctor`` to list.
    """

    problems: tuple[Problem, ...] = ()
    checked: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


@runtime_checkable
class Channel(Protocol):
    """Sends text messages to phone numbers and lists what came back.

    ``kind`` is ``sms`` or ``whatsapp``; ``sender`` is the number (or alphanumeric
    sender id) messages go out from.
    """

    kind: ChannelKind
    sender: str

    def send(self, message: Outgoing) -> SentText:
        """Send one message.

        Raises:
            SendOutcomeUnknown: It may have gone out; settle with ``find_sent``.
            MessageRejected: The provider refused it (opted out, bad number ...).
            TransportUnavailable: Nothing was sent; try again later.
            MailAuthError: The credentials are wrong.
        """
        ...

    def find_sent(self, to: str, tag: str, since: datetime) -> SentText | None:
        """The message carrying ``tag`` sent to ``to`` at or after ``since``, if any."""
        ...

    def inbound_since(self, since: datetime) -> list[InboundText]:
        """Messages customers sent to ``sender`` at or after ``since``, oldest first, once each."""
        ...

    def preflight(self, templates: Mapping[str, str] | None = None) -> Preflight:
        """Check the credentials, the sender and, for WhatsApp, each template.

        Args:
            templates: Template ids by what they are for (``"reminder/ar"``); each must
                exist and be approved for WhatsApp.
        """
        ...


class MessageRejected(SendRejected):
    """The provider refused one message; skip it and tell a person what to do.

    Attributes:
        code: The provider's error code (Twilio's 5-digit codes).
        number: The recipient the refusal is about.
        advice: What to do about it.
    """

    disposition: ClassVar[Disposition] = "skip"

    def __init__(self, message: str, *, code: int | None, number: str, advice: str) -> None:
        super().__init__(f"{message} (to {number}, code {code}). {advice}")
        self.code, self.number, self.advice = code, number, advice


class RecipientOptedOut(MessageRejected):
    """The number has opted out (sent STOP) from this sender: record it, send nothing more."""


class OutsideWindow(MessageRejected):
    """A free-form WhatsApp message outside the 24-hour window: use an approved template."""


class ChannelLimitReached(MailQuotaExceeded):
    """The sender's daily limit of customers is reached: stop sending on it today."""
