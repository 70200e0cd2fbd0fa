"""Database tables of casework (SQLAlchemy 2). The schema is created by Alembic migrations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    Unicode,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(50))
    categories: Mapped[list[str]] = mapped_column(default=list)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UnitToken(Base):
    """An API token of a unit; only its SHA-256 is stored."""

    __tablename__ = "unit_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    unit: Mapped[Unit] = relationship()


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    caller_number: Mapped[str | None] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    complex: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))
    # Deadlines of the current assignment; `due_at` is whichever one runs now
    # (`due_kind`), kept so the supervision sweep is one indexed range query.
    accept_due: Mapped[dt.datetime | None]
    decision_due: Mapped[dt.datetime | None]
    resolve_due: Mapped[dt.datetime | None]
    due_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    due_kind: Mapped[str | None] = mapped_column(String(16))
    reminded_at: Mapped[dt.datetime | None]
    overdue_at: Mapped[dt.datetime | None]
    extension_status: Mapped[str | None] = mapped_column(String(16))
    extension_until: Mapped[dt.datetime | None]
    decision: Mapped[str | None] = mapped_column(String(16))
    reply: Mapped[str | None] = mapped_column(Text)
    return_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    unit_count: Mapped[int] = mapped_column(Integer, default=0)  # len(handlers), for the sweep
    lead_designated: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged_at: Mapped[dt.datetime | None]  # for a supervisor's attention (e.g. 重办)
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit | None] = relationship()
    handlers: Mapped[list[CaseUnit]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseUnit.added_at"
    )
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id", viewonly=True)

    __mapper_args__ = {"version_id_col": version}


class CaseUnit(Base):
    """A unit handling a case: the lead (主办) or a co-handler (协办)."""

    __tablename__ = "case_units"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(8))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="handlers")
    unit: Mapped[Unit] = relationship()


class CaseEvent(Base):
    """Append-only history (article 14); database triggers refuse UPDATE and DELETE."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship()


class Notice(Base):
    """A message to a unit (reminder, 催办) or to the citizen (report decision)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(16))  # unit | citizen
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]

    case: Mapped[Case] = relationship()


class CaseCounter(Base):
    """Last reference number handed out per day; references are never reused."""

    __tablename__ = "case_counters"

    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class SchedulerJob(Base):
    """APScheduler's SQLAlchemy job store table, created here so migrations own the schema."""

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Call(Base):
    """One phone call: where the call flow stands, what was said and how it ended.

    The flow's state lives here, keyed by CallSid, so any worker can take the
    next webhook; the last request and reply are kept so that a webhook Twilio
    retries gets the same answer and changes nothing twice.
    """

    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    from_number: Mapped[str | None] = mapped_column(String(32))
    to_number: Mapped[str | None] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    label: Mapped[str | None] = mapped_column(String(32), index=True)
    emergency: Mapped[str | None] = mapped_column(String(3))
    confidence: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(24), index=True)
    dialed: Mapped[str | None] = mapped_column(String(32))
    dial_status: Mapped[str | None] = mapped_column(String(16))
    case_ref: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="in-progress")
    duration: Mapped[int | None] = mapped_column(Integer)
    ended_how: Mapped[str | None] = mapped_column(String(32))
    last_request: Mapped[str | None] = mapped_column(String(64))
    last_response: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class AnswerRating(Base):
    """A caller's rating of a knowledge-base answer right after hearing it (article 13)."""

    __tablename__ = "answer_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    kb_id: Mapped[str] = mapped_column(String(64), index=True)
    rating: Mapped[int] = mapped_column(Integer)  # 1 satisfied, 2 basically, 3 dissatisfied
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Enterprise(Base):
    """A member enterprise (加盟企业) offering paid household services (articles 20, 24)."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    services: Mapped[list[str]] = mapped_column(default=list)
    phone: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rating: Mapped[float] = mapped_column(Float, default=0.0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)


class Referral(Base):
    """A caller connected to a member enterprise."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    service: Mapped[str] = mapped_column(String(32))
    caller_number: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Callback(Base):
    """An automated satisfaction survey call (回访) owed to a citizen (article 13)."""

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # case | referral
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    case_round: Mapped[int] = mapped_column(Integer, default=0)  # the case's reopen count
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), unique=True)
    to_number: Mapped[str] = mapped_column(String(32))
    matter_date: Mapped[str] = mapped_column(String(10))  # the day of the matter, Beijing
    status: Mapped[str] = mapped_column(String(16))  # pending | calling | done | cancelled
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None]
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    outcome: Mapped[str | None] = mapped_column(String(24))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CallbackAttempt(Base):
    """One dialing of a callback and how it ended; written to the case history too."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    call_sid: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[dt.datetime | None]
    result: Mapped[str | None] = mapped_column(String(24))


class OptOut(Base):
    """A number that asked for no more callbacks."""

    __tablename__ = "callback_opt_outs"

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


Index("ix_callbacks_due", Callback.status, Callback.next_at)
Index("ix_callbacks_case_round", Callback.case_id, Callback.case_round, unique=True)
Index("ix_cases_unit_status", Case.unit_id, Case.status)
# The sweep's escalation queries: returned by N units, or N units involved.
Index("ix_cases_status_returns", Case.status, Case.return_count)
Index("ix_cases_status_units", Case.status, Case.unit_count)
# The sweep's deadline queries: not yet marked, deadline in range.
Index("ix_cases_overdue_scan", Case.overdue_at, Case.due_at)
Index("ix_cases_reminder_scan", Case.reminded_at, Case.due_at)
