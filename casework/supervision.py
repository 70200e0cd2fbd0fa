"""The supervision sweep (督办, article 12): reminders, overdue notices, automatic escalation.

Each rule is one set-based UPDATE … RETURNING over indexed columns; history and
notices are then written for the rows it touched only, in the same transaction.
Running it twice at the same moment changes nothing the second time. A case
the center has not dispatched yet (registered, or returned by a unit) runs
its dispatch deadline (``due_kind`` ``dispatch``) through the same rules; its
reminder and overdue notices go to the hotline center.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, insert, select, update

from casework.lifecycle import Status
from casework.models import Case, CaseEvent, Notice, Unit
from casework.service import Casework
from casework.units_file import APPROVAL_OFFICE

ACTOR = "system:supervision"
CENTER = "center.hotline"  # the hotline center's own unit: where 待分派 notices go
_cases = Case.__table__


@dataclass(frozen=True)
class SweepReport:
    reminded: int
    overdue: int
    escalated: int

    def to_dict(self) -> dict[str, int]:
        return {"reminded": self.reminded, "overdue": self.overdue, "escalated": self.escalated}


def sweep(casework: Casework, now: dt.datetime | None = None) -> SweepReport:
    now = now or casework.clock()
    policy = casework.policy
    window_end = now + dt.timedelta(hours=policy.reminder_hours)
    with casework.db.transaction() as s:
        by_returns = _escalate(
            s,
            now,
            and_(
                _cases.c.status == Status.RETURNED.value,
                _cases.c.return_count >= policy.escalate_after_returns,
            ),
        )
        by_units = _escalate(
            s,
            now,
            and_(
                _cases.c.status.in_([Status.REGISTERED.value, Status.ASSIGNED.value]),
                _cases.c.unit_count >= policy.escalate_when_units,
                _cases.c.lead_designated.is_(False),
            ),
        )

        reminded = s.execute(
            update(_cases)
            .where(
                _cases.c.due_at > now, _cases.c.due_at <= window_end, _cases.c.reminded_at.is_(None)
            )
            .values(reminded_at=now)
            .returning(*_RETURNED)
        ).all()
        overdue = s.execute(
            update(_cases)
            .where(_cases.c.due_at <= now, _cases.c.overdue_at.is_(None))
            .values(overdue_at=now)
            .returning(*_RETURNED)
        ).all()
        office_id = s.scalar(select(Unit.id).where(Unit.code == APPROVAL_OFFICE))
        center_id = s.scalar(select(Unit.id).where(Unit.code == CENTER))
        events, notices = [], []
        for kind, rows in (("reminder", reminded), ("overdue", overdue)):
            for row in rows:
                events.append(_event(row, now, kind, row.status, {"due": row.due_at}))
                body = policy.notice(
                    kind, ref=row.ref, due_kind=row.due_kind, due=casework.local(row.due_at)
                )
                # a case waiting to be dispatched (待分派) is the hotline center's to chase
                to = center_id if row.due_kind == "dispatch" else row.unit_id
                notices.append(_notice(row, now, to, kind, body))
        for rows, why in (
            (by_returns, f"returned by {policy.escalate_after_returns} or more units"),
            (by_units, f"{policy.escalate_when_units} or more units involved"),
        ):
            for row in rows:
                events.append(
                    _event(row, now, "escalate", Status.ESCALATED.value, {"rule": why}, reason=why)
                )
                notices.append(
                    _notice(
                        row,
                        now,
                        office_id,
                        "escalated",
                        policy.notice("escalated", ref=row.ref, reason=why),
                    )
                )
        if events:
            s.execute(insert(CaseEvent), [_jsonable(e) for e in events])
        notices = [n for n in notices if n["unit_id"] is not None]
        if notices:
            s.execute(insert(Notice), notices)
    return SweepReport(len(reminded), len(overdue), len(by_returns) + len(by_units))


_RETURNED = (
    _cases.c.id,
    _cases.c.ref,
    _cases.c.unit_id,
    _cases.c.status,
    _cases.c.due_at,
    _cases.c.due_kind,
)


def _escalate(s, now: dt.datetime, condition) -> list:
    """Escalate the cases matching ``condition``; rows carry the status they had before."""
    candidates = s.execute(select(*_RETURNED).where(condition)).all()
    if not candidates:
        return []
    changed = set(
        s.scalars(
            update(_cases)
            .where(condition, _cases.c.id.in_([row.id for row in candidates]))
            .values(
                status=Status.ESCALATED.value,
                due_at=None,
                due_kind=None,
                reminded_at=None,
                overdue_at=None,
                updated_at=now,
            )
            .returning(_cases.c.id)
        )
    )
    return [row for row in candidates if row.id in changed]


def _event(row, now, action, to_status, data, reason=None) -> dict:
    return dict(
        case_id=row.id,
        at=now,
        actor=ACTOR,
        action=action,
        from_status=row.status,
        to_status=to_status,
        reason=reason,
        data=data,
    )


def _notice(row, now, unit_id, kind, body) -> dict:
    return dict(
        case_id=row.id, unit_id=unit_id, recipient="unit", kind=kind, body=body, created_at=now
    )


def _jsonable(event: dict) -> dict:
    data = {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in event["data"].items()}
    return {**event, "data": data}
