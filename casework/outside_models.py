"""Tables for outside systems (articles 9, 16, 20, 24): the outbox, Open311 keys and requests,
and member enterprises' violations and suspensions.

They live on ``casework.models.Base`` so the migrations see them (the migrations'
env imports ``casework.outbox``, which imports this module). Schema: migration 0006.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from casework.models import Base, utcnow


class OutboxMessage(Base):
    """One message owed to an outside system, written in the transaction that caused it.

    ``status``: pending (waiting for ``next_at``) → delivering (claimed by a worker
    until ``lease_until``) → delivered, or back to pending after a failure, or
    dead after the last attempt (``ivr outbox retry`` makes it pending again).
    The ``idempotency_key`` is fixed when the message is written and sent with
    every attempt, so the receiver can drop a repeat.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    destination: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[dt.datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(40))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]
    dead_at: Mapped[dt.datetime | None]


class OutboxAttempt(Base):
    """One delivery attempt of a message and how it ended."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]
    result: Mapped[str] = mapped_column(String(16))  # delivered | failed | refused | lost
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class OutboxBatched(Base):
    """A record already put into a periodic batch (one row per topic and case)."""

    __tablename__ = "outbox_batched"

    topic: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"), index=True)


class ApiKey(Base):
    """An Open311 client (a website or an app); only the key's SHA-256 is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # web | app
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]


class Open311Request(Base):
    """What an Open311 client sent beside the case: who sent it, and the location's parts."""

    __tablename__ = "open311_requests"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    service_code: Mapped[str] = mapped_column(String(32))
    service_notice: Mapped[str | None] = mapped_column(Text)
    address_string: Mapped[str | None] = mapped_column(String(300))
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    device_id: Mapped[str | None] = mapped_column(String(100))
    account_id: Mapped[str | None] = mapped_column(String(100))
    media_url: Mapped[str | None] = mapped_column(String(500))


class EnterpriseViolation(Base):
    """A member enterprise's violation record or consumer-rights infringement (article 24)."""

    __tablename__ = "enterprise_violations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # violation | consumer_rights
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EnterpriseSuspension(Base):
    """A suspension of a member enterprise; open while ``lifted_at`` is empty."""

    __tablename__ = "enterprise_suspensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    cause: Mapped[str] = mapped_column(String(16))  # rating | violation | manual
    reason: Mapped[str] = mapped_column(Text)
    suspended_by: Mapped[str] = mapped_column(String(100))
    suspended_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    rating_at_suspension: Mapped[float | None] = mapped_column(Float)
    lifted_by: Mapped[str | None] = mapped_column(String(100))
    lifted_at: Mapped[dt.datetime | None]
    lift_reason: Mapped[str | None] = mapped_column(Text)


Index("ix_outbox_due", OutboxMessage.status, OutboxMessage.next_at)
Index(
    "ix_enterprise_suspensions_open",
    EnterpriseSuspension.enterprise_id,
    EnterpriseSuspension.lifted_at,
)
