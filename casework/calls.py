"""Call records: the state of each call flow, answer ratings, member enterprises, referrals.

Plain values in and out, one transaction per call. The call flows read a
`CallRecord`, decide, and save it back; the optimistic version check refuses
a save that raced with another worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from casework.db import Database
from casework.enterprise_standing import is_suspended
from casework.lifecycle import Conflict, InvalidInput
from casework.models import AnswerRating, Call, Enterprise, Referral, utcnow

OUTCOMES = frozenset(
    {
        "emergency_transfer",
        "declined",
        "answered",
        "case_created",
        "agent_transfer",
        "agent_message",
        "enterprise_referral",
        "abandoned",
    }
)


@dataclass(frozen=True)
class CallRecord:
    call_sid: str
    from_number: str | None
    to_number: str | None
    step: str
    state: dict[str, Any]
    label: str | None = None
    emergency: str | None = None
    confidence: float | None = None
    outcome: str | None = None
    dialed: str | None = None
    dial_status: str | None = None
    case_ref: str | None = None
    status: str = "in-progress"
    duration: int | None = None
    ended_how: str | None = None
    last_request: str | None = None
    last_response: str | None = None
    version: int = 1

    def but(self, **changes: Any) -> CallRecord:
        return replace(self, **changes)

    @property
    def finished(self) -> bool:
        return self.status != "in-progress"

    _FIELDS = (
        "step",
        "state",
        "label",
        "emergency",
        "confidence",
        "outcome",
        "dialed",
        "dial_status",
        "case_ref",
        "status",
        "duration",
        "ended_how",
        "last_request",
        "last_response",
    )


@dataclass(frozen=True)
class EnterpriseView:
    code: str
    name: str
    phone: str
    services: list[str]
    rating: float
    sample: bool


@dataclass(frozen=True)
class EnterpriseSpec:
    code: str
    name: str
    phone: str
    services: tuple[str, ...]
    active: bool = True
    rating: float = 0.0
    sample: bool = False


@dataclass(frozen=True)
class ServiceCatalog:
    """Paid household services and the words callers use for them."""

    names: dict[str, str] = field(default_factory=dict)
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def service_in(self, text: str) -> str | None:
        """The service whose keywords appear in ``text`` most often, or None."""
        hits = {code: sum(text.count(w) for w in words) for code, words in self.keywords.items()}
        best = max(hits, key=hits.get, default=None)
        return best if best and hits[best] else None


def read_enterprise_file(path: Path) -> tuple[ServiceCatalog, list[EnterpriseSpec]]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        services = raw.get("services") or {}
        catalog = ServiceCatalog(
            names={code: str(spec["name"]) for code, spec in services.items()},
            keywords={code: tuple(spec.get("keywords") or ()) for code, spec in services.items()},
        )
        sample = bool(raw.get("sample_data", False))
        specs = [
            EnterpriseSpec(
                code=str(e["code"]),
                name=str(e["name"]),
                phone=str(e["phone"]),
                services=tuple(e.get("services") or ()),
                active=bool(e.get("active", True)),
                rating=float(e.get("rating", 0.0)),
                sample=sample,
            )
            for e in raw.get("enterprises") or []
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
    unknown = {s for e in specs for s in e.services} - set(catalog.names)
    if unknown:
        raise InvalidInput(f"{path}: services not listed under 'services:': {sorted(unknown)}")
    return catalog, specs


_calls = Call.__table__
_INSERT_CALL = insert(_calls).returning(*_calls.c)
_SELECT_CALL = select(_calls).where(_calls.c.call_sid == bindparam("sid"))
# Built once: the save runs on every webhook turn. Optimistic: only from the version read.
_SAVE_CALL = (
    update(_calls)
    .where(_calls.c.call_sid == bindparam("b_sid"), _calls.c.version == bindparam("b_version"))
    .values(
        {
            **{name: bindparam(name) for name in (*CallRecord._FIELDS, "updated_at", "version")},
            "ended_at": func.coalesce(
                _calls.c.ended_at, bindparam("ended", type_=_calls.c.ended_at.type)
            ),
        }
    )
    .returning(_calls.c.version)
)


def _record(row) -> CallRecord:
    values = {name: row[name] for name in CallRecord._FIELDS}
    values["state"] = dict(values["state"] or {})
    return CallRecord(
        call_sid=row["call_sid"],
        from_number=row["from_number"],
        to_number=row["to_number"],
        version=row["version"],
        **values,
    )


class CallLog:
    def __init__(self, database: Database, clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.db = database
        self.clock = clock

    def begin(
        self,
        call_sid: str,
        from_number: str | None,
        to_number: str | None,
        step: str = "welcome",
        direction: str = "inbound",
    ) -> CallRecord:
        """The call's record, made on the first webhook; later webhooks get the same one."""
        existing = self.get(call_sid)
        if existing is not None:
            return existing
        now = self.clock()
        row = dict(
            call_sid=call_sid,
            from_number=from_number,
            to_number=to_number,
            direction=direction,
            step=step,
            state={},
            started_at=now,
            updated_at=now,
            status="in-progress",
            version=1,
        )
        try:
            with self.db.transaction() as s:
                made = s.connection().execute(_INSERT_CALL, row).mappings().one()
            return _record(made)
        except IntegrityError:  # a retried first webhook got here first
            return self.get(call_sid)

    def get(self, call_sid: str) -> CallRecord | None:
        with self.db.reading() as c:
            row = c.execute(_SELECT_CALL, {"sid": call_sid}).mappings().first()
        return _record(row) if row else None

    def save(self, record: CallRecord) -> CallRecord:
        """Write the record back; refuses if someone saved the call since it was read."""
        now = self.clock()
        params = {name: getattr(record, name) for name in CallRecord._FIELDS}
        params.update(
            b_sid=record.call_sid,
            b_version=record.version,
            updated_at=now,
            version=record.version + 1,
            ended=now if record.finished else None,
        )
        with self.db.transaction() as s:
            saved = s.connection().execute(_SAVE_CALL, params).scalar()
        if saved is None:
            raise Conflict(f"call {record.call_sid} changed meanwhile, or is unknown")
        return record.but(version=saved)

    def rate_answer(self, call_sid: str, kb_id: str, rating: int) -> None:
        """Article 13: the caller's rating of the answer just given; once per call."""
        if rating not in (1, 2, 3):
            raise InvalidInput("rating is 1 (satisfied), 2 (basically) or 3 (dissatisfied)")
        try:
            with self.db.transaction() as s:
                s.add(AnswerRating(call_sid=call_sid, kb_id=kb_id, rating=rating, at=self.clock()))
        except IntegrityError:
            pass  # the same webhook again

    def ratings(self, kb_id: str | None = None) -> list[tuple[str, int]]:
        with self.db.transaction() as s:
            query = select(AnswerRating.kb_id, AnswerRating.rating).order_by(AnswerRating.id)
            if kb_id:
                query = query.where(AnswerRating.kb_id == kb_id)
            return [(k, r) for k, r in s.execute(query)]

    # ----------------------------------------------------------- member enterprises

    def load_enterprises(self, specs: Iterable[EnterpriseSpec]) -> int:
        """Upsert by code. Ratings already earned from callbacks are kept."""
        count = 0
        with self.db.transaction() as s:
            existing = {e.code: e for e in s.scalars(select(Enterprise))}
            for spec in specs:
                row = existing.get(spec.code)
                if row is None:
                    row = Enterprise(code=spec.code, rating=spec.rating, rating_count=0)
                    s.add(row)
                row.name, row.phone, row.services = spec.name, spec.phone, list(spec.services)
                row.active, row.sample = spec.active, spec.sample
                count += 1
        return count

    def enterprises_for(self, service: str, limit: int = 3) -> list[EnterpriseView]:
        """Active, not suspended member enterprises offering ``service``, best-rated first."""
        with self.db.transaction() as s:
            rows = s.scalars(
                select(Enterprise)
                .where(Enterprise.active.is_(True), ~is_suspended())  # article 24
                .order_by(Enterprise.rating.desc(), Enterprise.rating_count.desc(), Enterprise.code)
            )
            matching = [e for e in rows if service in (e.services or [])][:limit]
            return [
                EnterpriseView(e.code, e.name, e.phone, list(e.services), e.rating, e.sample)
                for e in matching
            ]

    def refer(
        self, call_sid: str, enterprise_code: str, service: str, caller_number: str | None
    ) -> None:
        try:
            with self.db.transaction() as s:
                enterprise = s.scalar(select(Enterprise).where(Enterprise.code == enterprise_code))
                if enterprise is None:
                    raise InvalidInput(f"no enterprise {enterprise_code}")
                s.add(
                    Referral(
                        call_sid=call_sid,
                        enterprise_id=enterprise.id,
                        service=service,
                        caller_number=caller_number,
                        at=self.clock(),
                    )
                )
        except IntegrityError:
            pass  # the same webhook again
