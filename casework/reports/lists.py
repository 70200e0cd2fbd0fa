"""The supervisors' work lists: overdue, escalated and reopened cases; low-rated answers.

The lists show the case as it stands now, newest problem first, numbers masked
(article 15). They are capped (``limit``) and say how many there are in all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from casework.db import Database
from casework.lifecycle import OPEN_STATUSES, Status
from casework.models import AnswerRating, Case, CaseEvent, CaseUnit, Unit
from casework.privacy import mask_phone, mask_phones_in
from casework.reports.period import Period
from casework.reports.settings import ReportSettings

_cases, _events, _units = Case.__table__, CaseEvent.__table__, Unit.__table__
SUMMARY = 60


@dataclass(frozen=True)
class CaseLine:
    ref: str
    label: str
    status: str
    summary: str  # the caller's words, numbers masked, shortened
    location: str | None
    caller: str  # masked
    unit: str | None  # lead unit code
    co_handlers: list[str]
    created_at: dt.datetime
    due_at: dt.datetime | None
    due_kind: str | None
    return_count: int
    reopen_count: int
    reason: str | None  # why it was escalated or reopened, from the history


@dataclass(frozen=True)
class CaseList:
    total: int
    lines: list[CaseLine]


@dataclass(frozen=True)
class LowRated:
    kb_id: str
    ratings: int
    satisfied: int
    basically: int
    dissatisfied: int

    @property
    def satisfied_share(self) -> float:
        return self.satisfied / self.ratings if self.ratings else 0.0

    @property
    def dissatisfied_share(self) -> float:
        return self.dissatisfied / self.ratings if self.ratings else 0.0


def overdue_cases(db: Database, now: dt.datetime, limit: int = 50) -> CaseList:
    """Open cases whose running deadline (签收, 受理决定, 办结) has passed, oldest first."""
    condition = and_(_cases.c.due_at < now, _cases.c.status.in_([str(s) for s in OPEN_STATUSES]))
    return _list(db, condition, _cases.c.due_at.asc(), limit, None)


def escalated_cases(db: Database, limit: int = 50) -> CaseList:
    """Cases waiting for the approval office to name a lead unit (article 12)."""
    condition = _cases.c.status == Status.ESCALATED.value
    return _list(db, condition, _cases.c.updated_at.asc(), limit, "escalate")


def reopened_cases(db: Database, limit: int = 50) -> CaseList:
    """Cases being handled again (重办) after the citizen was not satisfied."""
    condition = _cases.c.status == Status.REOPENED.value
    return _list(db, condition, _cases.c.updated_at.desc(), limit, "reopen")


def _list(db: Database, condition, order, limit: int, reason_of: str | None) -> CaseList:
    c = _cases.c
    with db.reading() as conn:
        total = conn.execute(select(func.count()).select_from(_cases).where(condition)).scalar()
        rows = conn.execute(
            select(
                c.id,
                c.ref,
                c.label,
                c.status,
                c.text,
                c.location,
                c.caller_number,
                _units.c.code.label("unit"),
                c.created_at,
                c.due_at,
                c.due_kind,
                c.return_count,
                c.reopen_count,
            )
            .select_from(_cases.outerjoin(_units, _units.c.id == c.unit_id))
            .where(condition)
            .order_by(order, c.id)
            .limit(limit)
        ).all()
        ids = [r.id for r in rows]
        handlers: dict[int, list[str]] = {}
        reasons: dict[int, str] = {}
        if ids:
            for case_id, code in conn.execute(
                select(CaseUnit.case_id, Unit.code)
                .join(Unit, Unit.id == CaseUnit.unit_id)
                .where(CaseUnit.case_id.in_(ids), CaseUnit.role == "co")
                .order_by(CaseUnit.added_at)
            ):
                handlers.setdefault(case_id, []).append(code)
            if reason_of:
                for case_id, reason in conn.execute(
                    select(_events.c.case_id, _events.c.reason)
                    .where(_events.c.case_id.in_(ids), _events.c.action == reason_of)
                    .order_by(_events.c.id)
                ):
                    reasons[case_id] = reason  # the latest wins
    lines = [
        CaseLine(
            ref=r.ref,
            label=r.label,
            status=r.status,
            summary=_summary(r.text),
            location=r.location,
            caller=mask_phone(r.caller_number) or "—",
            unit=r.unit,
            co_handlers=handlers.get(r.id, []),
            created_at=r.created_at,
            due_at=r.due_at,
            due_kind=r.due_kind,
            return_count=r.return_count,
            reopen_count=r.reopen_count,
            reason=mask_phones_in(reasons[r.id]) if reasons.get(r.id) else None,
        )
        for r in rows
    ]
    return CaseList(total or 0, lines)


def low_rated_answers(
    db: Database, period: Period, settings: ReportSettings, limit: int = 20
) -> list[LowRated]:
    """Knowledge-base answers callers rated badly in the period, worst first (article 13)."""
    r = AnswerRating.__table__.c

    def count(value: int):
        return func.sum(case((r.rating == value, 1), else_=0))

    query = (
        select(
            r.kb_id,
            func.count().label("n"),
            count(1).label("satisfied"),
            count(2).label("basically"),
            count(3).label("dissatisfied"),
        )
        .where(r.at >= period.lo, r.at < period.hi)
        .group_by(r.kb_id)
        .having(func.count() >= settings.min_ratings)
    )
    with db.reading() as conn:
        rows = conn.execute(query).all()
    found = [
        LowRated(row.kb_id, row.n, row.satisfied or 0, row.basically or 0, row.dissatisfied or 0)
        for row in rows
    ]
    bad = [
        x
        for x in found
        if x.satisfied_share <= settings.max_satisfied
        or x.dissatisfied_share >= settings.min_dissatisfied
    ]
    bad.sort(key=lambda x: (-x.dissatisfied_share, x.satisfied_share, -x.ratings, x.kb_id))
    return bad[:limit]


def _summary(text: str) -> str:
    text = " ".join(mask_phones_in(text or "").split())
    return text if len(text) <= SUMMARY else text[: SUMMARY - 1] + "…"
