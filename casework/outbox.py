"""The transactional outbox toward outside systems (articles 9, 16, 24).

A message is written by the same transaction as the change that causes it
(`enqueue`), so a case is never created without its copy for the
enforcement-supervision platform, and a copy never exists for a case that was
rolled back. The delivery job (`Outbox.deliver_once`) claims due messages
atomically (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional UPDATE
under SQLite's write lock), POSTs each one as JSON with its fixed
``Idempotency-Key``, and records the result: delivered; failed and retried
later with exponential backoff and jitter; or a dead letter after the last
attempt (or at once when the receiver refuses it with a 4xx). A worker that
dies mid-delivery holds its messages only until their lease ends; the next
run takes them back. Nothing is kept in memory between runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, and_, exists, func, insert, select, text, update

import casework.outside_models  # noqa: F401  (tables for the migrations' env)
from casework.config import Settings, load_settings
from casework.db import Database
from casework.lifecycle import InvalidInput, NotFound
from casework.models import Case, Unit, utcnow
from casework.outbox_config import (
    TOPICS,
    OutboxSettings,
    outbox_file,
    read_outbox_file,
)
from casework.outbox_http import Sent, post
from casework.outside_models import OutboxAttempt, OutboxBatched, OutboxMessage
from casework.privacy import mask_phone, mask_phones_in

log = logging.getLogger(__name__)
_m = OutboxMessage.__table__
_a = OutboxAttempt.__table__
_b = OutboxBatched.__table__
STATUSES = ("pending", "delivering", "delivered", "dead")
REPORTS_TOPIC = "violation_reports"
REPORTS_PER_BATCH = 500


# ----------------------------------------------------------------- writing messages


def enqueue(
    connection: Connection,
    *,
    topic: str,
    key: str,
    payload: dict[str, Any],
    now: dt.datetime,
    case_id: int | None = None,
) -> int:
    """Write one message inside the caller's transaction; returns its id."""
    if topic not in TOPICS:
        raise InvalidInput(f"unknown outbox topic {topic!r}; one of {', '.join(TOPICS)}")
    return connection.execute(
        insert(_m).returning(_m.c.id),
        dict(
            topic=topic,
            destination=TOPICS[topic],
            idempotency_key=key,
            payload=payload,
            case_id=case_id,
            status="pending",
            attempts=0,
            next_at=now,
            created_at=now,
            updated_at=now,
        ),
    ).scalar_one()


def enqueue_grievance(
    connection: Connection, case: dict[str, Any], unit_code: str | None, now: dt.datetime
) -> int:
    """Article 9: an enforcement grievance goes to the supervision platform on receipt."""
    payload = {
        "ref": case["ref"],
        "label": case["label"],
        "received_at": _iso(case["created_at"]),
        "channel": case["channel"],
        "text": mask_phones_in(case["text"]),
        "location": case.get("location"),
        "caller": mask_phone(case.get("caller_number")) or None,
        "unit": unit_code,
    }
    return enqueue(
        connection,
        topic="enforcement_grievance",
        key=f"enforcement_grievance:{case['ref']}",
        payload=payload,
        now=now,
        case_id=case["id"],
    )


# ----------------------------------------------------------------- views


@dataclass(frozen=True)
class OutboxView:
    id: int
    topic: str
    destination: str
    idempotency_key: str
    status: str
    attempts: int
    next_at: dt.datetime | None
    last_http_status: int | None
    last_error: str | None
    case_ref: str | None
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    dead_at: dt.datetime | None
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(v) if isinstance(v, dt.datetime) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class AttemptView:
    number: int
    worker: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    result: str
    http_status: int | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {k: _iso(v) if isinstance(v, dt.datetime) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    topic: str
    destination: str
    key: str
    body: dict[str, Any]
    attempt: int


@dataclass
class DeliveryReport:
    recovered: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


_VIEW_COLUMNS = (
    _m.c.id,
    _m.c.topic,
    _m.c.destination,
    _m.c.idempotency_key,
    _m.c.status,
    _m.c.attempts,
    _m.c.next_at,
    _m.c.last_http_status,
    _m.c.last_error,
    Case.__table__.c.ref,
    _m.c.created_at,
    _m.c.delivered_at,
    _m.c.dead_at,
    _m.c.payload,
)


def _view_query():
    cases = Case.__table__
    return select(*_VIEW_COLUMNS).select_from(_m.outerjoin(cases, cases.c.id == _m.c.case_id))


def _view(row) -> OutboxView:
    return OutboxView(*row[:-1], dict(row[-1] or {}))


def dead_letters(database: Database, limit: int = 100) -> list[OutboxView]:
    """Messages that gave up (for the supervisors' dashboard), newest first."""
    with database.reading() as c:
        rows = c.execute(
            _view_query().where(_m.c.status == "dead").order_by(_m.c.id.desc()).limit(limit)
        ).all()
    return [_view(r) for r in rows]


def status_counts(database: Database) -> dict[str, int]:
    """How many messages are in each state (pending, delivering, delivered, dead)."""
    with database.reading() as c:
        found = dict(c.execute(select(_m.c.status, func.count()).group_by(_m.c.status)).all())
    return {status: int(found.get(status, 0)) for status in STATUSES}


# ----------------------------------------------------------------- the service


class Outbox:
    def __init__(
        self,
        database: Database,
        settings: OutboxSettings,
        clock: Callable[[], dt.datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        self.db = database
        self.settings = settings
        self.clock = clock
        self.rng = rng or random.Random()

    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, database: Database | None = None, **kwargs: Any
    ) -> Outbox:
        settings = settings or load_settings()
        config = read_outbox_file(outbox_file(settings.data_dir))
        return cls(database or Database(settings.database_url), config, **kwargs)

    # ---------------------------------------------------------- reading

    def list(
        self, status: str | None = None, topic: str | None = None, limit: int = 100
    ) -> list[OutboxView]:
        if status and status not in STATUSES:
            raise InvalidInput(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        query = _view_query().order_by(_m.c.id.desc()).limit(max(1, min(limit, 1000)))
        if status:
            query = query.where(_m.c.status == status)
        if topic:
            query = query.where(_m.c.topic == topic)
        with self.db.reading() as c:
            return [_view(r) for r in c.execute(query).all()]

    def get(self, message_id: int) -> OutboxView:
        with self.db.reading() as c:
            row = c.execute(_view_query().where(_m.c.id == message_id)).first()
        if row is None:
            raise NotFound(f"no outbox message #{message_id}")
        return _view(row)

    def attempts(self, message_id: int) -> list[AttemptView]:
        with self.db.reading() as c:
            rows = c.execute(
                select(
                    _a.c.number,
                    _a.c.worker,
                    _a.c.started_at,
                    _a.c.ended_at,
                    _a.c.result,
                    _a.c.http_status,
                    _a.c.error,
                )
                .where(_a.c.message_id == message_id)
                .order_by(_a.c.id)
            ).all()
        return [AttemptView(*r) for r in rows]

    # ---------------------------------------------------------- retrying dead letters

    def retry(self, ids: list[int] | None = None, all_dead: bool = False) -> int:
        """Make dead letters pending again, with a fresh count of attempts."""
        if not ids and not all_dead:
            raise InvalidInput("name the messages to retry, or ask for all dead letters")
        now = self.clock()
        query = update(_m).where(_m.c.status == "dead")
        if ids:
            query = query.where(_m.c.id.in_(ids))
        with self.db.transaction() as s:
            if ids:
                query_ids = select(_m.c.id, _m.c.status).where(_m.c.id.in_(ids))
                found = {i: st for i, st in s.connection().execute(query_ids)}
                missing = sorted(set(ids) - set(found))
                if missing:
                    raise NotFound(f"no outbox message {', '.join(f'#{i}' for i in missing)}")
                alive = sorted(i for i, st in found.items() if st != "dead")
                if alive:
                    raise InvalidInput(
                        f"only dead letters can be retried; "
                        f"{', '.join(f'#{i} is {found[i]}' for i in alive)}"
                    )
            result = s.connection().execute(
                query.values(
                    status="pending",
                    attempts=0,
                    next_at=now,
                    dead_at=None,
                    claim_token=None,
                    lease_until=None,
                    updated_at=now,
                )
            )
            return result.rowcount

    # ---------------------------------------------------------- delivery

    def deliver_once(self, worker: str = "outbox", budget_seconds: float = 50.0) -> DeliveryReport:
        """One run of the job: take back lost messages, then deliver what is due."""
        report = DeliveryReport(recovered=self.recover())
        deadline = time.monotonic() + budget_seconds
        while time.monotonic() < deadline:
            claimed = self.claim(worker)
            if not claimed:
                break
            for message in claimed:
                outcome = self.send(message)
                setattr(report, outcome, getattr(report, outcome) + 1)
            if len(claimed) < self.settings.batch:
                break
        return report

    def send(self, message: Claimed) -> str:
        """Deliver one claimed message and record how it went: delivered, failed or dead."""
        destination = self.settings.destination(message.destination)
        started = self.clock()
        sent = post(
            destination,
            message.key,
            message.body,
            message.attempt,
            self.settings.timeout_seconds,
        )
        return self.finish(message, sent, started)

    def recover(self, now: dt.datetime | None = None) -> int:
        """Messages whose worker's lease ran out (it died or hung): count the attempt as lost."""
        now = now or self.clock()
        expired = and_(_m.c.status == "delivering", _m.c.lease_until < now)
        released = dict(
            claim_token=None,
            lease_until=None,
            last_error="lost: the worker did not finish",
            updated_at=now,
        )
        with self.db.transaction() as s:
            c = s.connection()

            def take_back(condition, **values) -> list:
                statement = update(_m).where(condition).values(**released, **values)
                return c.execute(statement.returning(_m.c.id, _m.c.attempts, _m.c.claimed_by)).all()

            # out of attempts: a dead letter; the others are due again at once
            done = take_back(
                and_(expired, _m.c.attempts >= self.settings.max_attempts),
                status="dead",
                dead_at=now,
            )
            again = take_back(expired, status="pending", next_at=now)
            rows = [*done, *again]
            if rows:
                c.execute(
                    insert(_a),
                    [
                        dict(
                            message_id=i,
                            number=n,
                            worker=w,
                            started_at=now,
                            ended_at=now,
                            result="lost",
                            error="the worker did not finish in time",
                        )
                        for i, n, w in rows
                    ],
                )
        if rows:
            log.warning("outbox: %s messages taken back from unfinished workers", len(rows))
        return len(rows)

    def claim(self, worker: str, now: dt.datetime | None = None) -> list[Claimed]:
        """Take due messages for delivery; no two workers get the same one."""
        now = now or self.clock()
        ready = [d.code for d in self.settings.destinations.values() if d.configured]
        if not ready:
            return []
        token = uuid.uuid4().hex
        with self.db.transaction() as s:
            c = s.connection()
            due = (
                select(_m.c.id)
                .where(_m.c.status == "pending", _m.c.next_at <= now, _m.c.destination.in_(ready))
                .order_by(_m.c.next_at, _m.c.id)
                .limit(self.settings.batch)
            )
            if self.db.dialect == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(c.execute(due).scalars())
            if not ids:
                return []
            rows = c.execute(
                update(_m)
                .where(_m.c.id.in_(ids), _m.c.status == "pending")
                .values(
                    status="delivering",
                    claim_token=token,
                    claimed_by=worker[:64],
                    lease_until=now + dt.timedelta(seconds=self.settings.lease_seconds),
                    attempts=_m.c.attempts + 1,
                    updated_at=now,
                )
                .returning(
                    _m.c.id,
                    _m.c.topic,
                    _m.c.destination,
                    _m.c.idempotency_key,
                    _m.c.payload,
                    _m.c.attempts,
                    _m.c.created_at,
                )
            ).all()
        return sorted(
            (
                Claimed(
                    id=r.id,
                    token=token,
                    topic=r.topic,
                    destination=r.destination,
                    key=r.idempotency_key,
                    body=_body(r.idempotency_key, r.topic, r.created_at, r.payload),
                    attempt=r.attempts,
                )
                for r in rows
            ),
            key=lambda m: m.id,
        )

    def finish(self, message: Claimed, sent: Sent, started: dt.datetime) -> str:
        """Record an attempt's result; a worker whose lease was taken back changes nothing."""
        now = self.clock()
        common = dict(
            claim_token=None,
            lease_until=None,
            last_http_status=sent.http_status,
            last_error=sent.error,
            updated_at=now,
        )
        if sent.result == "delivered":
            outcome, values = "delivered", dict(status="delivered", delivered_at=now)
        elif sent.result == "refused" or message.attempt >= self.settings.max_attempts:
            outcome, values = "dead", dict(status="dead", dead_at=now)
        else:
            delay = self.settings.backoff(message.attempt, self.rng.random())
            outcome = "failed"
            values = dict(status="pending", next_at=now + dt.timedelta(seconds=delay))
        with self.db.transaction() as s:
            c = s.connection()
            changed = c.execute(
                update(_m)
                .where(
                    _m.c.id == message.id,
                    _m.c.claim_token == message.token,
                    _m.c.status == "delivering",
                )
                .values(**common, **values)
            ).rowcount
            c.execute(
                insert(_a),
                dict(
                    message_id=message.id,
                    number=message.attempt,
                    worker=None,
                    started_at=started,
                    ended_at=now,
                    result=sent.result,
                    http_status=sent.http_status,
                    error=sent.error,
                ),
            )
        if not changed:
            log.warning("outbox: message #%s was taken back before its result came", message.id)
            return "failed" if outcome == "delivered" else outcome
        if outcome == "dead":
            log.error(
                "outbox: message #%s (%s) is a dead letter after %s attempts: %s",
                message.id,
                message.topic,
                message.attempt,
                sent.error,
            )
        return outcome

    # ---------------------------------------------------------- periodic batches (article 16)

    def gather_reports(self, now: dt.datetime | None = None) -> int | None:
        """Put the reports of illegal acts not yet sent into one message; returns its id."""
        now = now or self.clock()
        cases, units = Case.__table__, Unit.__table__
        with self.db.transaction() as s:
            c = s.connection()
            if self.db.dialect == "postgresql":  # two schedulers: one batch at a time
                c.execute(text("SELECT pg_advisory_xact_lock(88908891)"))
            rows = c.execute(
                select(
                    cases.c.id,
                    cases.c.ref,
                    cases.c.created_at,
                    cases.c.channel,
                    cases.c.text,
                    cases.c.location,
                    cases.c.status,
                    cases.c.decision,
                    units.c.code,
                    units.c.name,
                )
                .select_from(cases.outerjoin(units, units.c.id == cases.c.unit_id))
                .where(
                    cases.c.label == "report_violation",
                    ~exists().where(and_(_b.c.topic == REPORTS_TOPIC, _b.c.case_id == cases.c.id)),
                )
                .order_by(cases.c.id)
                .limit(REPORTS_PER_BATCH)
            ).all()
            if not rows:
                return None
            records = [
                {
                    "ref": r.ref,
                    "received_at": _iso(r.created_at),
                    "channel": r.channel,
                    "text": mask_phones_in(r.text),
                    "location": r.location,
                    "status": r.status,
                    "decision": r.decision,
                    "unit": r.code,
                    "unit_name": r.name,
                }
                for r in rows
            ]
            payload = {"gathered_at": _iso(now), "count": len(records), "records": records}
            message_id = enqueue(
                c,
                topic=REPORTS_TOPIC,
                key=f"{REPORTS_TOPIC}:{rows[0].id}-{rows[-1].id}:{len(rows)}",
                payload=payload,
                now=now,
            )
            c.execute(
                insert(_b),
                [dict(topic=REPORTS_TOPIC, case_id=r.id, message_id=message_id) for r in rows],
            )
        return message_id


def _body(key: str, topic: str, created_at: dt.datetime, payload: dict) -> dict[str, Any]:
    """What is POSTed: the same bytes on every attempt."""
    return {
        "id": key,
        "topic": topic,
        "source": "tianjin-88908890",
        "created_at": _iso(created_at),
        "data": payload,
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else value


__all__ = [
    "Outbox",
    "OutboxView",
    "DeliveryReport",
    "dead_letters",
    "enqueue",
    "enqueue_grievance",
    "status_counts",
]
