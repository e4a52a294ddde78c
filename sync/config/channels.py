"""Settings of the text channels beside email: WhatsApp and SMS, through Twilio or a file.

``channels:`` in ``tahseel.yaml`` says where text messages go (``type: twilio``, or
``type: file`` for the local outbox file the demo uses), who sends them, the WhatsApp
Content templates per stage and language, the SMS length limit, and the caps. A stage
names the channels it sends on (``channels: [email, whatsapp]``, see ``Stage``); a
customer may prefer some (``customers: {C-1: {channels: [whatsapp]}}``, or a ledger
field).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sync.config.base import Model as _Model

ChannelName = Literal["email", "whatsapp", "sms"]
"""A channel a stage sends on."""
TEXT_CHANNELS: tuple[ChannelName, ...] = ("whatsapp", "sms")
"""The channels that send to a phone number."""

Variable = Literal["customer", "invoice", "amount", "due_date", "payment_link"]
"""What a WhatsApp template's placeholder is filled with."""

DEFAULT_VARIABLES: dict[str, Variable] = {
    "1": "customer",
    "2": "invoice",
    "3": "amount",
    "4": "due_date",
    "5": "payment_link",
}
"""The placeholders of a reminder template and what fills them, unless configured."""

_CONTENT_SID = re.compile(r"^HX[0-9a-fA-F]{32}$")
_SENDER = re.compile(r"^(\+[1-9][0-9]{6,14}|[A-Za-z0-9 ]{1,11})$")


def check_sender(value: str | None) -> str | None:
    """A sender: an E.164 number (``+9665...``) or an alphanumeric sender id (SMS)."""
    if value is None:
        return None
    value = value.removeprefix("whatsapp:").strip()
    if not _SENDER.match(value):
        raise ValueError(
            f"{value!r} is not a sender: write the number in E.164 (+966501234567) or,"
            " for SMS, an alphanumeric sender id of at most 11 letters and digits"
        )
    return value


class WhatsAppSettings(_Model):
    """The WhatsApp sender and its approved Content templates."""

    sender: str | None = None
    """The WhatsApp sender's number in E.164 (Twilio Console, Messaging, Senders)."""
    templates: dict[str, dict[Literal["en", "ar"], str]] = {}
    """Content template SIDs (HX...) by stage and language: ``{overdue: {en: HX..., ar: ...}}``."""
    variables: dict[str, Variable] = Field(default_factory=lambda: dict(DEFAULT_VARIABLES))
    """What fills each placeholder of the templates (``{"1": customer, "2": invoice, ...}``)."""

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return check_sender(value)

    @field_validator("templates")
    @classmethod
    def _sids(
        cls, value: dict[str, dict[Literal["en", "ar"], str]]
    ) -> dict[str, dict[Literal["en", "ar"], str]]:
        for stage, languages in value.items():
            for language, sid in languages.items():
                if not _CONTENT_SID.match(sid):
                    raise ValueError(
                        f"templates.{stage}.{language} is {sid!r}, not a Content SID: copy"
                        " the HX... id of the approved template from Twilio Console, Content"
                        " Template Builder"
                    )
        return value

    @field_validator("variables")
    @classmethod
    def _invoice_mapped(cls, value: dict[str, Variable]) -> dict[str, Variable]:
        # The invoice variable carries the message's tag, which settles an uncertain send.
        if "invoice" not in value.values():
            raise ValueError(
                "no placeholder is filled with the invoice number: map one to `invoice`"
                " (it carries the reference that finds a message again after a crash)"
            )
        return value

    def template_for(self, stage: str, language: str) -> str | None:
        """The Content SID for ``stage`` in ``language`` (English when it has none)."""
        languages = self.templates.get(stage, {})
        return languages.get(language) or languages.get("en")  # type: ignore[call-overload]


class SmsSettings(_Model):
    """The SMS sender and how long a message may be."""

    sender: str | None = None
    """The number (E.164) or registered alphanumeric sender id messages come from."""
    max_segments: int = Field(default=3, ge=1, le=10)
    """The most segments an SMS may take (GSM-7: 160, 153 a part; Arabic: 70, 67 a part)."""

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        return check_sender(value)


class ChannelSettings(_Model):
    """Where WhatsApp and SMS messages go, who sends them, and how many a run and a day."""

    type: Literal["file", "twilio"] = "file"
    """``twilio``, or ``file``: a local outbox file (JSON lines) and inbox file, no account."""
    outbox: Path = Path("texts/outbox.jsonl")
    """``file``: every message sent is appended here."""
    inbox: Path = Path("texts/inbox.jsonl")
    """``file``: messages customers sent, one JSON object a line."""
    account_sid_env: str = "TWILIO_ACCOUNT_SID"
    """``twilio``: the environment variable holding the account SID (AC...)."""
    auth_token_env: str = "TWILIO_AUTH_TOKEN"
    """``twilio``: the environment variable holding the auth token."""
    api_key_env: str | None = None
    """An API key SID's variable (SK...), used instead of the auth token when set."""
    api_secret_env: str | None = None
    """The API key secret's variable (``<api_key_env>_SECRET`` when not set)."""
    api_url: str | None = None
    """Where Twilio's services are; set only for a proxy or a test server."""
    whatsapp: WhatsAppSettings = WhatsAppSettings()
    """The WhatsApp sender and its approved Content templates."""
    sms: SmsSettings = SmsSettings()
    """The SMS sender and how long a message may be."""
    test_number: str | None = None
    """``mode: test``: the number (E.164) every text message goes to instead of the
    customer's; without one, test runs send no text messages."""
    max_per_run: int = Field(default=200, ge=0)
    """Text messages one run may send; the rest wait for the next run."""
    max_per_day: int = Field(default=500, ge=0)
    """Text messages one business day may send."""
    price_per_segment: Decimal = Field(default=Decimal("0"), ge=0)
    """What one SMS segment or WhatsApp message costs, to count the money spent."""
    currency: str = "USD"
    """The currency of ``price_per_segment`` (Twilio bills in USD)."""

    @field_validator("test_number")
    @classmethod
    def _test_number(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\+[1-9][0-9]{6,14}", value):
            raise ValueError(f"{value!r} is not a number in E.164: write it like +966501234567")
        return value

    @model_validator(mode="after")
    def _secret_pair(self) -> ChannelSettings:
        if self.api_secret_env and not self.api_key_env:
            raise ValueError("api_secret_env needs api_key_env (the API key SID's variable)")
        return self

    def sender_of(self, channel: str) -> str | None:
        """The sender configured for ``channel``."""
        return self.whatsapp.sender if channel == "whatsapp" else self.sms.sender


def check_channels(value: tuple[str, ...]) -> tuple[str, ...]:
    """A list of channels: each once, at least one."""
    if not value:
        raise ValueError("name at least one channel: email, whatsapp or sms")
    if len(set(value)) != len(value):
        raise ValueError(f"a channel is named twice in {list(value)}")
    return value
