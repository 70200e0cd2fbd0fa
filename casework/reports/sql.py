"""Small SQL helpers the reports' queries share (the same on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Interval, and_, case, func, literal, literal_column

from casework.reports.period import Period

_ONE, _ZERO = literal_column("1"), literal_column("0")


def count_if(condition) -> object:
    """How many rows meet ``condition`` (SUM of CASE)."""
    return func.sum(case((condition, _ONE), else_=_ZERO))


def in_period(column, period: Period):
    """``column`` (UTC) falls in the period's Beijing days."""
    return and_(column >= period.lo, column < period.hi)


def local_day(column, period: Period, dialect: str):
    """The Beijing day of a UTC column, as SQL."""
    hours = int(period.utc_offset.total_seconds() // 3600)
    if dialect == "sqlite":
        return func.date(column, f"{hours:+d} hours")
    return func.date(column + literal(dt.timedelta(hours=hours), Interval()))


def day_key(value) -> str:
    """A day from the database (a date on PostgreSQL, text on SQLite) as ``YYYY-MM-DD``."""
    return value.isoformat() if isinstance(value, dt.date) else str(value)
