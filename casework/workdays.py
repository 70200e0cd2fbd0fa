"""Chinese working days: statutory holidays and make-up workdays (调休).

Sources, first match wins for a year:
1. the operator holiday file (``data/holidays.yaml``), for years the library
   does not know yet or to correct it;
2. ``chinesecalendar``, which knows the State Council schedules up to its
   release (2026 for version 1.11);
3. Monday to Friday, with a loud warning, so that deadlines running into an
   unpublished year never crash the service.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

log = logging.getLogger(__name__)

_LIBRARY_YEARS = frozenset(day.year for day in chinese_calendar.holidays)


class HolidayFileError(ValueError):
    """The operator holiday file cannot be read."""


@dataclass(frozen=True)
class YearSchedule:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()


def load_holiday_file(path: Path | None) -> dict[int, YearSchedule]:
    """Read ``years: {2027: {holidays: [...], workdays: [...]}}``; a missing file is empty."""
    if path is None or not path.exists():
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise HolidayFileError(f"{path}: not valid YAML: {exc}") from exc
    years = raw.get("years") or {}
    if not isinstance(years, dict):
        raise HolidayFileError(f"{path}: 'years' must map a year to its schedule")
    schedules: dict[int, YearSchedule] = {}
    for year, spec in years.items():
        spec = spec or {}
        schedules[int(year)] = YearSchedule(
            holidays=_dates(path, year, spec.get("holidays")),
            workdays=_dates(path, year, spec.get("workdays")),
        )
    return schedules


def _dates(path: Path, year: object, values: Iterable | None) -> frozenset[dt.date]:
    out = set()
    for value in values or ():
        day = value if isinstance(value, dt.date) else _parse_date(path, value)
        if day.year != int(year):
            raise HolidayFileError(f"{path}: {day} is listed under year {year}")
        out.add(day)
    return frozenset(out)


def _parse_date(path: Path, value: object) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise HolidayFileError(f"{path}: {value!r} is not a date (YYYY-MM-DD)") from exc


@dataclass
class WorkCalendar:
    """Answers "is this a working day" and counts deadlines in working days."""

    operator_years: dict[int, YearSchedule] = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"
    end_of_business: dt.time = dt.time(17, 30)
    _warned: set[int] = field(default_factory=set, repr=False)
    _known: dict[dt.date, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def from_file(cls, path: Path | None, **kwargs) -> WorkCalendar:
        return cls(operator_years=load_holiday_file(path), **kwargs)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def source_of(self, year: int) -> str:
        if year in self.operator_years:
            return "operator"
        if year in _LIBRARY_YEARS:
            return "chinesecalendar"
        return "weekdays"

    def missing_years(self, years: Iterable[int]) -> list[int]:
        """Years for which only the Monday-to-Friday fallback is available."""
        return sorted(y for y in set(years) if self.source_of(y) == "weekdays")

    def is_workday(self, day: dt.date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._is_workday(day)
        return known

    def _is_workday(self, day: dt.date) -> bool:
        source = self.source_of(day.year)
        if source == "operator":
            schedule = self.operator_years[day.year]
            if day in schedule.workdays:
                return True
            if day in schedule.holidays:
                return False
            return day.weekday() < 5
        if source == "chinesecalendar":
            return chinese_calendar.is_workday(day)
        self._warn_missing(day.year)
        return day.weekday() < 5

    def _warn_missing(self, year: int) -> None:
        if year not in self._warned:
            self._warned.add(year)
            log.warning(
                "No holiday schedule for %s: counting Monday to Friday as working days. "
                "Add the State Council's %s schedule to the operator holiday file.",
                year,
                year,
            )

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """End of business on the ``days``-th working day after the day of ``start``.

        The day something is received does not count, whatever the hour, so a
        matter received on Friday afternoon with one working day is due at the
        close of Monday (or of the next working day after a holiday).
        """
        if days < 1:
            raise ValueError("a deadline needs at least one working day")
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        day = start.astimezone(self.tz).date()
        left = days
        while left:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                left -= 1
        closing = dt.datetime.combine(day, self.end_of_business, tzinfo=self.tz)
        return closing.astimezone(dt.UTC)

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            count += self.is_workday(day)
        return count
