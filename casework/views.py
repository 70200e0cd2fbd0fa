"""Plain read-only values the service layer hands out: no ORM objects leave a transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from casework.models import Case, CaseEvent, Notice, Unit
from casework.privacy import mask_phone


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class UnitView:
    code: str
    name: str
    kind: str
    district: str | None
    categories: list[str]
    keywords: list[str]
    active: bool

    @classmethod
    def of(cls, unit: Unit) -> UnitView:
        return cls(
            unit.code,
            unit.name,
            unit.kind,
            unit.district,
            list(unit.categories),
            list(unit.keywords),
            unit.active,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EventView:
    at: dt.datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    data: dict[str, Any]

    @classmethod
    def of(cls, event: CaseEvent) -> EventView:
        return cls(
            event.at,
            event.actor,
            event.action,
            event.from_status,
            event.to_status,
            event.reason,
            dict(event.data or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": _iso(self.at)}


@dataclass(frozen=True)
class CaseView:
    """A case as shown to anyone: the caller's number is always masked (article 15)."""

    ref: str
    channel: str
    caller: str
    label: str
    text: str
    location: str | None
    unit: str | None
    unit_name: str | None
    co_handlers: list[str]
    priority: str
    complex: bool
    status: str
    due_at: dt.datetime | None
    due_kind: str | None
    accept_due: dt.datetime | None
    decision_due: dt.datetime | None
    resolve_due: dt.datetime | None
    overdue: bool
    extension_status: str | None
    extension_until: dt.datetime | None
    decision: str | None
    reply: str | None
    return_count: int
    reopen_count: int
    lead_designated: bool
    flagged: bool
    call_sid: str | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None

    @classmethod
    def of(cls, case: Case) -> CaseView:
        return cls(
            ref=case.ref,
            channel=case.channel,
            caller=mask_phone(case.caller_number),
            label=case.label,
            text=case.text,
            location=case.location,
            unit=case.unit.code if case.unit else None,
            unit_name=case.unit.name if case.unit else None,
            co_handlers=[h.unit.code for h in case.handlers if h.role == "co"],
            priority=case.priority,
            complex=case.complex,
            status=case.status,
            due_at=case.due_at,
            due_kind=case.due_kind,
            accept_due=case.accept_due,
            decision_due=case.decision_due,
            resolve_due=case.resolve_due,
            overdue=case.overdue_at is not None,
            extension_status=case.extension_status,
            extension_until=case.extension_until,
            decision=case.decision,
            reply=case.reply,
            return_count=case.return_count,
            reopen_count=case.reopen_count,
            lead_designated=case.lead_designated,
            flagged=case.flagged_at is not None,
            call_sid=case.call_sid,
            created_at=case.created_at,
            resolved_at=case.resolved_at,
            closed_at=case.closed_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            key: _iso(value) if isinstance(value, dt.datetime) else value
            for key, value in asdict(self).items()
        }


@dataclass(frozen=True)
class NoticeView:
    case_ref: str
    kind: str
    body: str
    created_at: dt.datetime

    @classmethod
    def of(cls, notice: Notice, ref: str) -> NoticeView:
        return cls(ref, notice.kind, notice.body, notice.created_at)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "created_at": _iso(self.created_at)}
