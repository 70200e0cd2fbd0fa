"""Human-readable case references, ``TJ20261126-000123``: one counter per Beijing day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.models import CaseCounter

_DIALECT_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def next_reference(session: Session, now: dt.datetime, timezone: str) -> str:
    """Take the next number of the day atomically; the row lock serializes concurrent callers."""
    day = now.astimezone(ZoneInfo(timezone)).strftime("%Y%m%d")
    insert = _DIALECT_INSERT[session.get_bind().dialect.name]
    statement = (
        insert(CaseCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": CaseCounter.last + 1})
        .returning(CaseCounter.last)
    )
    number = session.connection().execute(statement).scalar_one()
    return f"TJ{day}-{number:06d}"
