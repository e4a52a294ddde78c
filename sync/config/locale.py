"""The calendar (weekend, holidays, send window) and the languages customers are written in."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, field_serializer, field_validator, model_validator

from sync.config.base import Model as _Model
from sync.config.hijri import PREFIX as HIJRI_PREFIX
from sync.config.hijri import HijriHoliday, parse_holiday

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LANGUAGES = ("en", "ar")


def _holiday(value: Any) -> Any:
    """Read one ``calendar.holidays`` text: a date, or a ``hijri:`` one."""
    if not isinstance(value, str):
        return value  # a date YAML already read, or a value pydantic refuses
    if value.strip().startswith(HIJRI_PREFIX):
        return parse_holiday(value)
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(
            f"expected a date like 2026-12-01, or a Hijri one like hijri:1448-10-01 or"
            f" hijri:10-01 (every year), got {value!r}"
        ) from None


Holiday = Annotated[date | HijriHoliday, BeforeValidator(_holiday)]
"""A Gregorian date, or an Umm al-Qura one written ``hijri:1448-10-01`` or ``hijri:10-01``."""


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
    holidays: tuple[Holiday, ...] = ()
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

    @field_serializer("holidays")
    def _as_written(self, value: tuple[date | HijriHoliday, ...]) -> list[date | str]:
        return [str(v) if isinstance(v, HijriHoliday) else v for v in value]


class LanguageSettings(_Model):
    """Which language each customer is written to in, and how Arabic digits are shown."""

    default: Literal["en", "ar"] = "en"
    digits: Literal["latin", "arabic"] = "latin"
    calendar: Literal["gregorian", "hijri", "both"] = "gregorian"
    contacts: dict[str, Literal["en", "ar"]] = {}
    greeting: Literal["standard", "islamic"] = "standard"
    """``islamic`` opens with "السلام عليكم ورحمة الله وبركاته" (Assalamu alaikum)."""
