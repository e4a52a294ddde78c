"""Business days and send windows under the policy's calendar. Pure: the moment is passed in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sync.config.hijri import HijriHoliday
from sync.config.settings import Settings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class BusinessCalendar:
    """When the business works and when its mail may go out.

    Attributes:
        timezone: The business's IANA time zone.
        weekend: Weekday numbers (Monday = 0) that are not business days.
        holidays: Dates that are not business days.
        window_start: First moment of the day mail may be sent (local time).
        window_end: Moment mail stops being sent (local time, exclusive).
    """

    timezone: str = "UTC"
    weekend: frozenset[int] = frozenset({5, 6})
    holidays: frozenset[date] = frozenset()
    window_start: time = time(8, 0)
    window_end: time = time(18, 0)
    # Answers of next_business_day: a plan asks about the same few dates many times.
    _next: dict[date, date] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_names(
        cls,
        timezone: str,
        weekend: Iterable[str],
        holidays: Iterable[date | HijriHoliday],
        window: tuple[time, time],
    ) -> BusinessCalendar:
        """Build a calendar from weekday names like ``friday``.

        A Hijri holiday becomes its Gregorian days: one without a year, those of every
        year of the Umm al-Qura table (1924 to 2077), so any day a run looks at is known.
        """
        days: set[date] = set()
        for holiday in holidays:
            if isinstance(holiday, HijriHoliday):
                days.update(holiday.days())
            else:
                days.add(holiday)
        return cls(
            timezone=timezone,
            weekend=frozenset(WEEKDAYS.index(d.lower()) for d in weekend),
            holidays=frozenset(days),
            window_start=window[0],
            window_end=window[1],
        )

    def local(self, moment: datetime, timezone: str | None = None) -> datetime:
        """Return ``moment`` in the given zone, or the business's."""
        return moment.astimezone(ZoneInfo(timezone or self.timezone))

    def today(self, moment: datetime, timezone: str | None = None) -> date:
        """The local date at ``moment``."""
        return self.local(moment, timezone).date()

    def is_business_day(self, day: date) -> bool:
        """True unless ``day`` is a weekend day or a holiday."""
        return day.weekday() not in self.weekend and day not in self.holidays

    def next_business_day(self, day: date) -> date:
        """Return ``day`` if it is a business day, else the first business day after it."""
        found = self._next.get(day)
        if found is not None:
            return found
        asked = day
        for _ in range(400):
            if self.is_business_day(day):
                if len(self._next) < 100_000:
                    self._next[asked] = day
                return day
            day += timedelta(days=1)
        raise ValueError("no business day within 400 days: check weekend and holidays")

    def in_send_window(self, moment: datetime, timezone: str | None = None) -> bool:
        """True when ``moment`` is on a business day, inside the send window."""
        here = self.local(moment, timezone)
        return (
            self.is_business_day(here.date())
            and self.window_start <= here.time().replace(tzinfo=None) < self.window_end
        )

    def next_send_moment(self, moment: datetime, timezone: str | None = None) -> datetime:
        """The first moment at or after ``moment`` when mail may go out."""
        here = self.local(moment, timezone)
        if self.in_send_window(here):
            return here
        day = here.date()
        if here.time().replace(tzinfo=None) >= self.window_start:
            day += timedelta(days=1)
        day = self.next_business_day(day)
        return datetime.combine(day, self.window_start, tzinfo=here.tzinfo)

    def why_closed(self, moment: datetime, timezone: str | None = None) -> str | None:
        """Say why mail cannot go out at ``moment``, or None when it can."""
        here = self.local(moment, timezone)
        day = here.date()
        if day in self.holidays:
            return f"{day.isoformat()} is a holiday"
        if day.weekday() in self.weekend:
            return f"{WEEKDAYS[day.weekday()].title()} is a weekend day"
        if not self.in_send_window(here):
            return (
                f"{here:%H:%M} ({here.tzname()}) is outside the send window "
                f"{self.window_start:%H:%M}-{self.window_end:%H:%M}"
            )
        return None


def calendar_of(settings: Settings) -> BusinessCalendar:
    """The business calendar the settings describe."""
    cal = settings.calendar
    return BusinessCalendar.from_names(
        settings.business.timezone,
        cal.weekend,
        cal.holidays,
        (cal.send_window.start, cal.send_window.end),
    )
