"""Calling hours: Beijing time windows on working days, whatever the server's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casework.workdays import WorkCalendar


@dataclass(frozen=True)
class CallingHours:
    windows: tuple[tuple[dt.time, dt.time], ...]
    calendar: WorkCalendar

    def is_open(self, moment: dt.datetime) -> bool:
        return self.next_open(moment) == moment

    def next_open(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` if calls may be placed then, else the next opening of a window."""
        tz = self.calendar.tz
        local = moment.astimezone(tz)
        for offset in range(60):
            day = local.date() + dt.timedelta(days=offset)
            if not self.calendar.is_workday(day):
                continue
            for start, end in self.windows:
                opens = dt.datetime.combine(day, start, tzinfo=tz)
                closes = dt.datetime.combine(day, end, tzinfo=tz)
                if local < closes:
                    return (
                        max(opens, local).astimezone(dt.UTC)
                        if offset == 0
                        else (opens.astimezone(dt.UTC))
                    )
        raise ValueError("no calling window in the next 60 days; check the calling hours")

    def first_call(self, done_at: dt.datetime, delay_working_days: int) -> dt.datetime:
        """The opening of calling hours ``delay_working_days`` working days after ``done_at``."""
        if delay_working_days < 1:
            return self.next_open(done_at)
        due = self.calendar.add_working_days(done_at, delay_working_days)
        day_start = dt.datetime.combine(
            due.astimezone(self.calendar.tz).date(), dt.time(0), tzinfo=self.calendar.tz
        )
        return self.next_open(day_start)
