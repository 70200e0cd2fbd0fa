"""A reporting period: whole Beijing days, and the UTC bounds the queries use."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from casework.lifecycle import InvalidInput

MAX_DAYS = 3660
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2099, 12, 31)  # the dates a report may ask for


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both Beijing days included."""

    start: dt.date
    end: dt.date
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("the period ends before it starts")
        if self.days > MAX_DAYS:
            raise InvalidInput(f"a period is at most {MAX_DAYS} days")

    @classmethod
    def parse(cls, start: str, end: str, timezone: str = "Asia/Shanghai") -> Period:
        """From two ``YYYY-MM-DD`` strings; InvalidInput when they are not dates."""
        try:
            first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"dates are YYYY-MM-DD: {start!r}, {end!r}") from exc
        if not (EARLIEST <= first <= LATEST and EARLIEST <= last <= LATEST):
            raise InvalidInput(f"dates are between {EARLIEST} and {LATEST}: {start!r}, {end!r}")
        return cls(first, last, timezone)

    @classmethod
    def week_before(cls, today: dt.date, timezone: str = "Asia/Shanghai") -> Period:
        """The last seven days up to and including ``today``."""
        return cls(today - dt.timedelta(days=6), today, timezone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def lo(self) -> dt.datetime:
        """The first moment, in UTC."""
        return _midnight(self.start, self.timezone)

    @property
    def hi(self) -> dt.datetime:
        """The first moment after the period, in UTC."""
        return _midnight(self.end + dt.timedelta(days=1), self.timezone)

    @property
    def utc_offset(self) -> dt.timedelta:
        return dt.datetime.combine(self.start, dt.time(), ZoneInfo(self.timezone)).utcoffset()

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.start - dt.timedelta(days=1), self.timezone)

    def day_list(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def __str__(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def _midnight(day: dt.date, timezone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), ZoneInfo(timezone)).astimezone(dt.UTC)
