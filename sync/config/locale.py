"""The calendar (weekend, holidays, send window) and the languages customers are written in."""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import field_validator, model_validator

from sync.config.base import Model as _Model

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LANGUAGES = ("en", "ar")


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
    greeting: Literal["standard", "islamic"] = "standard"
    """``islamic`` opens with "السلام عليكم ورحمة الله وبركاته" (Assalamu alaikum)."""
