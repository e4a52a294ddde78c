"""The configuration: pydantic models and a YAML loader that reports every error with its line.

Secrets never live in the YAML: a field names the environment variable that holds them.
Relative paths in the file are relative to the folder the file is in.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import is_currency
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from sync.config.durations import parse_age
from sync.config.services import (
    CsvLedgerSettings,
    LedgerSettings,
    MailboxSettings,
    MaildirSettings,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LANGUAGES = ("en", "ar")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
RESERVED_STAGES = ("resend", "thank_you")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessSettings(_Model):
    """Who is sending: the business the invoices belong to."""

    name: str = Field(min_length=1)
    timezone: str = "UTC"

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return check_plain_text(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _check_zone(value)


class SenderSettings(_Model):
    """The mailbox identity reminders come from."""

    name: str = Field(min_length=1)
    email: str
    reply_to: str | None = None

    @field_validator("name")
    @classmethod
    def _one_line(cls, value: str) -> str:
        # The name goes into the From header of every message.
        return check_plain_text(value)

    @field_validator("email", "reply_to")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        return value if value is None else check_email(value)


class StateSettings(_Model):
    """Where Tahseel remembers what it sent: a SQLAlchemy URL (SQLite file or PostgreSQL)."""

    url: str = "sqlite:///tahseel-state.db"


class SendWindow(_Model):
    """Hours of the day, in the business's (or the contact's) time zone, when mail may go out."""

    start: time = time(8, 0)
    end: time = time(18, 0)

    @model_validator(mode="after")
    def _ordered(self) -> SendWindow:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} must be after start {self.start:%H:%M}")
        return self


class CalendarSettings(_Model):
    """Business days: weekend days, holidays and the send window."""

    weekend: tuple[str, ...] = ("saturday", "sunday")
    holidays: tuple[date, ...] = ()
    send_window: SendWindow = SendWindow()

    @field_validator("weekend")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        days = tuple(v.lower() for v in value)
        bad = [d for d in days if d not in WEEKDAYS]
        if bad:
            raise ValueError(f"unknown day {bad[0]!r}; use one of {', '.join(WEEKDAYS)}")
        if len(set(days)) == 7:
            raise ValueError("every day is a weekend day: nothing could ever be sent")
        return days


class LanguageSettings(_Model):
    """Which language each customer is written to in, and how Arabic digits are shown."""

    default: Literal["en", "ar"] = "en"
    digits: Literal["latin", "arabic"] = "latin"
    contacts: dict[str, Literal["en", "ar"]] = {}


class Exclusions(_Model):
    """Customers and invoices that are never chased (matched by id, name, number or reference)."""

    contacts: tuple[str, ...] = ()
    invoices: tuple[str, ...] = ()
    references: tuple[str, ...] = ()


class Stage(_Model):
    """One rung of the reminder ladder."""

    name: str
    offset_days: int = Field(ge=-60, le=365)
    repeat_every_days: int | None = Field(default=None, ge=1, le=90)
    repeat_limit: int = Field(default=0, ge=0, le=52)
    template: str | None = None
    attach_pdf: bool = False
    cc: tuple[str, ...] = ()
    action: Literal["email", "escalate"] = "email"

    @field_validator("cc")
    @classmethod
    def _cc(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_email(v) for v in value)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value) or value in RESERVED_STAGES:
            raise ValueError(
                "a stage name is lowercase letters, digits and _ (not 'resend' or 'thank_you')"
            )
        return value

    @model_validator(mode="after")
    def _repeat(self) -> Stage:
        if self.repeat_limit and not self.repeat_every_days:
            raise ValueError("repeat_limit needs repeat_every_days")
        return self

    @property
    def template_name(self) -> str:
        """The template used for this stage (its own name unless set)."""
        return self.template or self.name


class ThankYou(_Model):
    """The thank-you sent once when a reminded invoice becomes paid."""

    enabled: bool = True
    template: str = "thank_you"


class AcknowledgeSettings(_Model):
    """The reply to a customer who promises to pay on a date."""

    enabled: bool = True
    template: str = "acknowledge"


class Resend(_Model):
    """The message that re-sends the invoice when a customer says it never arrived."""

    template: str = "resend"


class Policy(_Model):
    """The accountant's written policy: when, how often and how firmly to chase."""

    min_days_between: int = Field(default=1, ge=0, le=60)
    minimum_amount: dict[str, Decimal] = {}
    exclude: Exclusions = Exclusions()
    stages: tuple[Stage, ...] = Field(min_length=1)
    thank_you: ThankYou = ThankYou()
    acknowledge: AcknowledgeSettings = AcknowledgeSettings()
    resend: Resend = Resend()

    @field_validator("minimum_amount")
    @classmethod
    def _currencies(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for code, amount in value.items():
            if not is_currency(code.upper()):
                raise ValueError(f"{code!r} is not an ISO 4217 currency code (like SAR or USD)")
            if amount < 0:
                raise ValueError(f"the minimum for {code} must not be negative, got {amount}")
        return {k.upper(): v for k, v in value.items()}

    @field_validator("stages")
    @classmethod
    def _ladder(cls, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        seen: dict[str, int] = {}
        for i, stage in enumerate(stages):
            if stage.name in seen:
                raise ValueError(
                    f"stage names must be unique: stages[{i}] is {stage.name!r}, like"
                    f" stages[{seen[stage.name]}]"
                )
            seen[stage.name] = i
        for i, (before, stage) in enumerate(zip(stages, stages[1:], strict=False), start=1):
            if stage.offset_days < before.offset_days:
                order = (
                    f"stages[{i}] {stage.name!r} ({stage.offset_days}) comes after"
                    f" stages[{i - 1}] {before.name!r} ({before.offset_days})"
                )
                raise ValueError(f"stages must be listed in order of offset_days: {order}")
        return stages


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
    templates: Path | None = None
    notify: tuple[str, ...] = ()
    mode: Literal["preview", "test", "live"] = "preview"
    test_recipients: tuple[str, ...] = Field(default=(), validate_default=True)
    safety: Safety = Safety()
    heartbeat: HeartbeatSettings = HeartbeatSettings()
    replies: RepliesSettings = RepliesSettings()
    source: Path = Field(default=Path("tahseel.yaml"), exclude=True)
    organisation: str | None = Field(default=None, exclude=True)
    """The entry of ``organisations`` these settings are for; None in a one-business file."""

    @field_validator("notify")
    @classmethod
    def _notify_addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_email(v) for v in value)

    @property
    def notify_addresses(self) -> tuple[str, ...]:
        """Who is told when a reply needs a person: ``notify``, else the sender."""
        return self.notify or (self.sender.email,)

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


_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2028\u2029\u2066-\u2069]")
"""Characters that must not be in one line of text headed for a mail header or subject:
C0 and C1 controls, line and paragraph separators, and bidi overrides and isolates."""


def check_plain_text(value: str) -> str:
    """Return ``value`` if it is one line without control characters, else raise ValueError.

    Line breaks would break a mail header; NUL and bidi overrides can hide or reorder
    what a reader sees.
    """
    found = CONTROL_CHARACTERS.search(value)
    if found:
        raise ValueError(
            f"contains the control character U+{ord(found.group()):04X}; use one line of plain text"
        )
    return value


def check_email(value: str) -> str:
    """Return ``value`` if it is a plain email address, else raise ValueError."""
    if not _EMAIL.match(value):
        raise ValueError(f"expected an email address like name@example.com, got {value!r}")
    return value


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Asia/Riyadh)"
        ) from None
    return value
