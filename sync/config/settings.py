"""The configuration's top model, ``Settings``, and the sections that have no module of their own.

Secrets never live in the YAML: a field names the environment variable that holds them.
Relative paths in the file are relative to the folder the file is in.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from sync.config.base import Model as _Model
from sync.config.channels import TEXT_CHANNELS, ChannelSettings
from sync.config.checks import CONTROL_CHARACTERS, check_email, check_plain_text, check_zone
from sync.config.durations import parse_age
from sync.config.instalments import InstalmentSettings
from sync.config.locale import (
    LANGUAGES,
    WEEKDAYS,
    CalendarSettings,
    LanguageSettings,
    SendWindow,
)
from sync.config.policy import (
    RESERVED_STAGES,
    AcknowledgeSettings,
    Exclusions,
    Policy,
    Resend,
    Stage,
    ThankYou,
    check_policy_names,
)
from sync.config.services import (
    CsvLedgerSettings,
    LedgerSettings,
    MailboxSettings,
    MaildirSettings,
)
from sync.config.wording import CustomerSettings

__all__ = [
    "CONTROL_CHARACTERS",
    "LANGUAGES",
    "RESERVED_STAGES",
    "WEEKDAYS",
    "AcknowledgeSettings",
    "BusinessSettings",
    "CalendarSettings",
    "EscalationSettings",
    "Exclusions",
    "HeartbeatSettings",
    "LanguageSettings",
    "Policy",
    "RepliesSettings",
    "Resend",
    "Safety",
    "SendWindow",
    "SenderSettings",
    "Settings",
    "StateSettings",
    "Stage",
    "ThankYou",
    "check_email",
    "check_plain_text",
]


class BusinessSettings(_Model):
    """Who is sending: the business the invoices belong to."""

    name: str = Field(min_length=1)
    timezone: str = "UTC"
    country: str | None = None
    """ISO 3166 code (``SA``) of the country whose numbers are written without ``+``."""

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return check_plain_text(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and (len(value) != 2 or not value.isalpha()):
            raise ValueError(f"{value!r} is not a country code: write two letters, like SA or AE")
        return value.upper() if value else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone(value)


class SenderSettings(_Model):
    """The mailbox identity reminders come from."""

    name: str = Field(min_length=1)
    email: str
    reply_to: str | None = None
    phone: str | None = Field(default=None, min_length=1)
    """A phone (or WhatsApp) number for the signature of every message."""

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # The name goes into the From header of every message.
        return check_plain_text(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return value if value is None else check_plain_text(value)

    @field_validator("email", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return value if value is None else check_email(value)


class StateSettings(_Model):
    """Where Tahseel remembers what it sent: a SQLAlchemy URL (SQLite file or PostgreSQL)."""

    url: str = "sqlite:///tahseel-state.db"


class Safety(_Model):
    """Limits on how much one run may send before a person approves it."""

    max_emails_per_run: int = Field(default=200, ge=1)
    max_share_of_open: float = Field(default=0.5, gt=0, le=1)
    max_growth: float = Field(default=3.0, ge=1)
    floor: int = Field(default=20, ge=0)
    """Plans of at most this many emails never trip the relative limits."""


class HeartbeatSettings(_Model):
    """How long without a successful run before `tahseel heartbeat` fails."""

    max_age: timedelta = timedelta(hours=26)

    @field_validator("max_age", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta:
        if isinstance(value, timedelta):
            return value
        return parse_age(value if isinstance(value, str) else repr(value))

    @field_serializer("max_age", when_used="json")
    def _written(self, value: timedelta) -> str:
        # Written as it is read (26h, 1d2h), so dumped settings load again.
        seconds = int(value.total_seconds())
        parts = []
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
            count, seconds = divmod(seconds, size)
            if count:
                parts.append(f"{count}{unit}")
        return "".join(parts) or "1s"


class RepliesSettings(_Model):
    """How customers' replies are read (see [Replies](replies.md))."""

    min_confidence: float = Field(default=0.8, ge=0, le=1)
    model: str | None = Field(default=None, min_length=1)


class EscalationSettings(_Model):
    """Who takes over an escalated invoice, and the deadline its demand letter gives."""

    to: tuple[str, ...] = ()
    """Who gets the dossier; ``notify`` when empty, else the sender."""
    deadline_days: int = Field(default=14, ge=1, le=90)
    """Days from the letter's date the customer is given to pay."""

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_email(v) for v in value)


class Settings(_Model):
    """Everything one run needs, validated once at start."""

    business: BusinessSettings
    ledger: LedgerSettings = CsvLedgerSettings()
    sender: SenderSettings
    mailbox: MailboxSettings = MaildirSettings()
    state: StateSettings = StateSettings()
    calendar: CalendarSettings = CalendarSettings()
    language: LanguageSettings = LanguageSettings()
    policy: Policy
    policies: dict[str, Policy] = {}
    """More ladders by name, each a full policy; ``customers`` chooses one per customer
    (see [Policies per customer](ladder.md#policies-per-customer))."""
    templates: Path | None = None
    notify: tuple[str, ...] = ()
    escalation: EscalationSettings = EscalationSettings()
    mode: Literal["preview", "test", "live"] = "preview"
    test_recipients: tuple[str, ...] = Field(default=(), validate_default=True)
    safety: Safety = Safety()
    heartbeat: HeartbeatSettings = HeartbeatSettings()
    replies: RepliesSettings = RepliesSettings()
    customers: dict[str, CustomerSettings] = {}
    """Per customer (ledger contact id or name): how it is addressed, which policy it
    follows."""
    channels: ChannelSettings | None = None
    """WhatsApp and SMS beside email (see [WhatsApp and SMS](channels.md))."""
    instalments: InstalmentSettings = InstalmentSettings()
    """When an instalment plan's reminders go (see [Instalment plans](instalments.md))."""
    source: Path = Field(default=Path("tahseel.yaml"), exclude=True)
    organisation: str | None = Field(default=None, exclude=True)
    """The entry of ``organisations`` these settings are for; None in a one-business file."""

    @field_validator("policies")
    @classmethod
    def _policy_names(cls, value: dict[str, Policy]) -> dict[str, Policy]:
        return check_policy_names(value)

    @field_validator("notify")
    @classmethod
    def _notify_addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_email(v) for v in value)

    @model_validator(mode="after")
    def _text_channels_set_up(self) -> Settings:
        for i, stage in enumerate(self.policy.stages):
            for channel in stage.channels:
                if channel not in TEXT_CHANNELS:
                    continue
                if self.channels is None:
                    raise ValueError(
                        f"policy.stages[{i}] {stage.name!r} sends on {channel}: add a"
                        " `channels:` section (type: file for a local outbox file, or twilio)"
                    )
                if self.channels.type == "twilio" and not self.channels.sender_of(channel):
                    raise ValueError(
                        f"policy.stages[{i}] {stage.name!r} sends on {channel}: set"
                        f" channels.{channel}.sender (the Twilio sender's number)"
                    )
        return self

    @property
    def notify_addresses(self) -> tuple[str, ...]:
        """Who is told when a reply needs a person: ``notify``, else the sender."""
        return self.notify or (self.sender.email,)

    @property
    def escalation_addresses(self) -> tuple[str, ...]:
        """Who takes over an escalated invoice: ``escalation.to``, else ``notify_addresses``."""
        return self.escalation.to or self.notify_addresses

    @field_validator("test_recipients")
    @classmethod
    def _fits_mode(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        mode = info.data.get("mode")
        if mode == "test" and not value:
            raise ValueError(
                "mode is test, so name the address(es) that get every message instead of"
                " the customers"
            )
        if mode == "live" and value:
            raise ValueError("mode is live: remove test_recipients, or use mode: test")
        return tuple(check_email(v) for v in value)

    @property
    def base_dir(self) -> Path:
        """The folder relative paths are resolved against."""
        return self.source.parent

    def resolve(self, path: Path) -> Path:
        """Return ``path`` relative to the configuration file's folder."""
        return path if path.is_absolute() else (self.base_dir / path)

    @property
    def state_url(self) -> str:
        """The state URL with a relative SQLite path anchored at the config folder."""
        url = self.state.url
        prefix = "sqlite:///"
        relative = not url.startswith((prefix + "/", prefix + "file:"))
        if url.startswith(prefix) and relative and url != "sqlite://":
            return prefix + str(self.resolve(Path(url[len(prefix) :])))
        return url

    @property
    def tenant(self) -> str:
        """A stable name for the business, used to keep state of several apart.

        Test mode keeps its own state, so rungs sent to the test address are still
        sent to the customers once the mode is live.
        """
        return self.business.name + (" [test]" if self.mode == "test" else "")
