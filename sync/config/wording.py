"""Settings for the words customers read: per-customer address, the final notice's terms.

``customers`` maps a ledger contact id or name to a :class:`CustomerSettings`; the
final notice's deadline and the party a matter would go to live in the policy
(:class:`FinalNotice`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from sync.config.base import Model as _Model
from sync.config.channels import ChannelName, check_channels
from sync.config.checks import check_plain_text

Salutation = Literal["company", "person"]
"""How a customer is addressed: a company ("Dear … team", "السادة/ … المحترمين") or a
person ("Dear …", "الأستاذ/ … المحترم")."""

DEFAULT_PARTY = {"en": "our legal counsel", "ar": "مستشارنا القانوني"}
"""To whom an unpaid invoice would go after the final notice, unless the policy says."""


class CustomerSettings(_Model):
    """What one customer (by ledger id or name) is written with; more keys may follow."""

    salutation: Salutation | None = None
    """`company` ("السادة/ … المحترمين") or `person` ("الأستاذ/ … المحترم"); `company` when
    not set."""
    policy: str | None = Field(default=None, min_length=1)
    """The name of the policy (in `policies`) this customer follows; `C-014: government`
    is short for `C-014: {policy: government}`."""

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return {"policy": value} if isinstance(value, str) else value

    channels: tuple[ChannelName, ...] | None = None
    """The channels the customer wants reminders on (of each stage's); all when not set."""

    @field_validator("channels")
    @classmethod
    def _channels(cls, value: tuple[ChannelName, ...] | None) -> tuple[ChannelName, ...] | None:
        if value is not None:
            check_channels(value)
        return value


class FinalNotice(_Model):
    """The terms the final notice states: a deadline and who takes the matter further."""

    deadline_days: int = Field(default=7, ge=1, le=60)
    """Business days (on the policy's calendar) from the notice to its deadline."""
    party: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PARTY))
    """Whom the matter would be referred to, per language (a missing language keeps its default)."""

    @field_validator("party")
    @classmethod
    def _plain(cls, value: dict[str, str]) -> dict[str, str]:
        for language, text in value.items():
            if language not in DEFAULT_PARTY:
                raise ValueError(f"{language!r} is not a language here; use en or ar")
            check_plain_text(text)
            if not text.strip():
                raise ValueError("the party is empty; name who would take the matter further")
        return {**DEFAULT_PARTY, **value}

    def party_in(self, language: str) -> str:
        """The party in ``language`` (English when the language has none)."""
        return self.party.get(language) or self.party.get("en") or DEFAULT_PARTY["en"]


def check_note(value: str | dict[str, str] | None) -> str | dict[str, str] | None:
    """A ``thank_you.note``: one plain line, or one per language."""
    if value is None:
        return None
    texts = [value] if isinstance(value, str) else list(value.values())
    for text in texts:
        check_plain_text(text)
    return value


def note_in(value: str | dict[str, str] | None, language: str) -> str | None:
    """The ``thank_you.note`` for ``language``; one line for every language if it is a string."""
    if value is None or isinstance(value, str):
        return value or None
    return value.get(language) or None
