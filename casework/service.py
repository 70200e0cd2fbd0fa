"""The casework service layer: plain values in, plain values out, one transaction per call.

Every change goes through `_change`, which checks the state machine, applies
the change and appends one event to the case history in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from casework import outbox
from casework.config import Settings, load_settings
from casework.db import Database
from casework.lifecycle import (
    OPEN_STATUSES,
    Actor,
    CaseError,
    Conflict,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    Status,
    check,
)
from casework.models import Case, CaseEvent, CaseUnit, Notice, Unit, UnitToken, utcnow
from casework.policy import Policy
from casework.references import next_reference
from casework.units_file import APPROVAL_OFFICE, UnitSpec
from casework.views import CaseView, EventView, NoticeView, UnitView
from casework.workdays import WorkCalendar

CASE_LABELS = frozenset(
    {
        "help_request",
        "complaint",
        "report_violation",
        "enforcement_grievance",
        "suggestion",
        "inquiry",
    }
)
NOT_CASES = {
    "emergency": "emergencies go to 110, 119 or 120, not into a case",
    "excluded_civil": "civil disputes are declined (article 8)",
    "excluded_legal": "matters in legal proceedings are declined (article 8)",
    "excluded_military": "military matters are declined (article 8)",
    "enterprise_service": "household services are referred to member enterprises",
}
CHANNELS = frozenset({"phone", "web", "app", "open311"})
PRIORITIES = frozenset({"normal", "urgent"})
MAX_TEXT = 5000
UNIT_NAMES_TTL = 60.0  # seconds


@dataclass(frozen=True)
class Who:
    """Who acts: the kind of actor and a name for the history (``unit:district.hexi``)."""

    kind: Actor
    name: str
    unit: str | None = None

    @classmethod
    def unit_user(cls, code: str) -> Who:
        return cls(Actor.UNIT, f"unit:{code}", code)

    @classmethod
    def center(cls, name: str = "operator") -> Who:
        return cls(Actor.CENTER, f"center:{name}")

    @classmethod
    def approval_office(cls, name: str = "approval") -> Who:
        return cls(Actor.APPROVAL_OFFICE, f"approval_office:{name}", APPROVAL_OFFICE)

    @classmethod
    def system(cls, name: str) -> Who:
        return cls(Actor.SYSTEM, f"system:{name}")


@dataclass(frozen=True)
class LoadReport:
    added: list[str]
    updated: list[str]
    deactivated: list[str]
    not_in_file: list[str]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Casework:
    def __init__(
        self,
        database: Database,
        calendar: WorkCalendar,
        policy: Policy,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = database
        self.calendar = calendar
        self.policy = policy
        self.clock = clock
        self._unit_names: tuple[float, dict[str, str] | None] = (0.0, None)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, database: Database | None = None):
        settings = settings or load_settings()
        policy = Policy.from_file(settings.casework_file)
        calendar = WorkCalendar.from_file(
            settings.holidays_file,
            timezone=settings.timezone,
            end_of_business=policy.end_of_business,
        )
        return cls(database or Database(settings.database_url), calendar, policy)

    # ----------------------------------------------------------------- units

    def load_units(self, specs: Iterable[UnitSpec]) -> LoadReport:
        """Upsert units by code; a unit missing from the file is reported, never deleted."""
        specs = list(specs)
        added, updated, deactivated = [], [], []
        with self.db.transaction() as s:
            existing = {u.code: u for u in s.scalars(select(Unit))}
            for spec in specs:
                unit = existing.get(spec.code)
                if unit is None:
                    unit = Unit(code=spec.code)
                    s.add(unit)
                    added.append(spec.code)
                else:
                    if unit.active and not spec.active:
                        deactivated.append(spec.code)
                    if _unit_differs(unit, spec):
                        updated.append(spec.code)
                unit.name, unit.kind, unit.district = spec.name, spec.kind, spec.district
                unit.categories, unit.keywords = list(spec.categories), list(spec.keywords)
                unit.active = spec.active
            missing = sorted(set(existing) - {spec.code for spec in specs})
        self._unit_names = (0.0, None)
        return LoadReport(added, updated, deactivated, missing)

    def list_units(self, active_only: bool = False) -> list[UnitView]:
        with self.db.transaction() as s:
            query = select(Unit).order_by(Unit.kind, Unit.code)
            if active_only:
                query = query.where(Unit.active.is_(True))
            return [UnitView.of(u) for u in s.scalars(query)]

    def unit_names(self) -> dict[str, str]:
        """Unit names by code, read at most once a minute (the intake reads them every call)."""
        stamp, names = self._unit_names
        if names is None or time.monotonic() - stamp > UNIT_NAMES_TTL:
            with self.db.reading() as c:
                names = {code: name for code, name in c.execute(select(Unit.code, Unit.name))}
            self._unit_names = (time.monotonic(), names)
        return names

    def issue_token(self, unit_code: str) -> str:
        """A new API token for the unit; only its hash is stored, so show it once."""
        token = secrets.token_urlsafe(32)
        with self.db.transaction() as s:
            unit = self._unit(s, unit_code)
            s.add(UnitToken(unit_id=unit.id, token_hash=hash_token(token)))
        return token

    def revoke_tokens(self, unit_code: str) -> int:
        with self.db.transaction() as s:
            unit = self._unit(s, unit_code)
            tokens = s.scalars(
                select(UnitToken).where(
                    UnitToken.unit_id == unit.id, UnitToken.revoked_at.is_(None)
                )
            ).all()
            for token in tokens:
                token.revoked_at = self.clock()
            return len(tokens)

    def unit_for_token(self, token: str) -> str | None:
        """The code of the active unit that owns this token, or None."""
        if not token:
            return None
        with self.db.transaction() as s:
            return s.scalar(
                select(Unit.code)
                .join(UnitToken, UnitToken.unit_id == Unit.id)
                .where(
                    UnitToken.token_hash == hash_token(token),
                    UnitToken.revoked_at.is_(None),
                    Unit.active.is_(True),
                )
            )

    # ----------------------------------------------------------------- reading

    def get_case(self, ref: str, viewer: Who | None = None) -> CaseView:
        with self.db.transaction() as s:
            case = self._case(s, ref)
            self._check_can_see(case, viewer)
            return CaseView.of(case)

    def history(self, ref: str, viewer: Who | None = None) -> list[EventView]:
        with self.db.transaction() as s:
            case = self._case(s, ref)
            self._check_can_see(case, viewer)
            return [EventView.of(e) for e in case.events]

    def list_cases(
        self,
        *,
        viewer: Who | None = None,
        status: str | None = None,
        label: str | None = None,
        overdue: bool | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[CaseView]:
        """Newest first. A unit viewer gets only the cases it handles (article 15)."""
        query = select(Case).options(*_CASE_LOADS).order_by(Case.id.desc())
        with self.db.transaction() as s:
            if viewer is not None and viewer.unit is not None:
                query = query.where(self._visible_to(s, viewer))
            if status:
                query = query.where(Case.status == status)
            if label:
                query = query.where(Case.label == label)
            if overdue is not None:
                query = query.where(
                    Case.overdue_at.is_not(None) if overdue else Case.overdue_at.is_(None)
                )
            query = query.limit(max(1, min(limit, 1000))).offset(max(0, offset))
            return [CaseView.of(c) for c in s.scalars(query)]

    def notices(self, unit_code: str, limit: int = 100) -> list[NoticeView]:
        with self.db.transaction() as s:
            unit = self._unit(s, unit_code)
            rows = s.execute(
                select(Notice, Case.ref)
                .join(Case, Case.id == Notice.case_id)
                .where(Notice.unit_id == unit.id)
                .order_by(Notice.id.desc())
                .limit(limit)
            ).all()
            return [NoticeView.of(n, ref) for n, ref in rows]

    # ----------------------------------------------------------------- intake

    def create_case(
        self,
        *,
        text: str,
        label: str,
        channel: str = "phone",
        caller: str | None = None,
        location: str | None = None,
        units: list[str] | None = None,
        priority: str = "normal",
        complex_case: bool = False,
        call_sid: str | None = None,
        remark: str | None = None,
        by: Who | None = None,
    ) -> CaseView:
        """Register a case and, when units are given, dispatch it in the same transaction.

        A call makes at most one case: asked again with the same ``call_sid`` (a
        webhook retried by Twilio), this returns the case already made.
        """
        by = by or Who.center()
        text = (text or "").strip()
        if not text:
            raise InvalidInput("the caller's words (text) are empty")
        if label in NOT_CASES:
            raise InvalidInput(f"no case for label {label!r}: {NOT_CASES[label]}")
        if label not in CASE_LABELS:
            raise InvalidInput(f"unknown label {label!r}; one of {', '.join(sorted(CASE_LABELS))}")
        if channel not in CHANNELS:
            raise InvalidInput(f"unknown channel {channel!r}; one of {', '.join(sorted(CHANNELS))}")
        if priority not in PRIORITIES:
            raise InvalidInput(f"priority must be one of {', '.join(sorted(PRIORITIES))}")
        caller = _clean_number(caller)
        codes = list(dict.fromkeys(units or []))
        if call_sid:
            existing = self.case_for_call(call_sid)
            if existing is not None:
                return existing
        intake = dict(
            channel=channel,
            caller_number=caller,
            label=label,
            text=text[:MAX_TEXT],
            location=(location or "").strip()[:300] or None,
            priority=priority,
            complex=complex_case,
            call_sid=call_sid,
        )
        try:
            return self._insert_case(intake, codes, remark, by)
        except IntegrityError:
            existing = self.case_for_call(call_sid) if call_sid else None
            if existing is None:
                raise
            return existing  # the same call's retry won the race

    def case_for_call(self, call_sid: str) -> CaseView | None:
        with self.db.transaction() as s:
            case = s.scalar(select(Case).options(*_CASE_LOADS).where(Case.call_sid == call_sid))
            return CaseView.of(case) if case else None

    def _insert_case(self, intake: dict, codes: list[str], remark: str | None, by: Who) -> CaseView:
        now = self.clock()
        # The hot path of every call: plain INSERTs, no unit-of-work bookkeeping.
        with self.db.transaction() as s:
            chosen = self._dispatchable(s, codes, rows=True) if codes else []
            status = check("assign", Status.REGISTERED, by.kind) if chosen else Status.REGISTERED
            row = dict(
                **intake,
                ref=next_reference(s, now, self.calendar.timezone),
                status=status.value,
                created_at=now,
                updated_at=now,
                return_count=0,
                reopen_count=0,
                unit_count=len(chosen),
                lead_designated=False,
                unit_id=chosen[0].id if chosen else None,
                version=1,
                **(
                    self._deadlines(intake["label"], intake["complex"], now)
                    if chosen
                    else dict(due_at=self.dispatch_due(now), due_kind="dispatch")
                ),
            )
            db = s.connection()
            row["id"] = db.execute(_INSERT_CASE, row).scalar_one()
            events = [
                _event_row(
                    row["id"],
                    now,
                    by,
                    "register",
                    None,
                    Status.REGISTERED,
                    reason=remark,
                    data={"channel": intake["channel"]},
                )
            ]
            if chosen:
                events.append(
                    _event_row(
                        row["id"],
                        now,
                        by,
                        "assign",
                        Status.REGISTERED,
                        status,
                        data={"units": codes},
                    )
                )
                db.execute(
                    insert(CaseUnit.__table__),
                    [
                        dict(case_id=row["id"], unit_id=u.id, role=_role(i), added_at=now)
                        for i, u in enumerate(chosen)
                    ],
                )
                db.execute(
                    insert(Notice.__table__),
                    [
                        dict(
                            case_id=row["id"],
                            unit_id=u.id,
                            recipient="unit",
                            kind="assigned",
                            created_at=now,
                            body=self._assigned_notice(row),
                        )
                        for u in chosen
                    ],
                )
            db.execute(insert(CaseEvent.__table__), events)
            if intake["label"] == "enforcement_grievance":  # article 9: copied on receipt
                outbox.enqueue_grievance(db, row, chosen[0].code if chosen else None, now)
            # A detached copy for the view; the rows above are what was stored.
            units = [Unit(code=u.code, name=u.name) for u in chosen]
            case = Case(**row, unit=units[0] if units else None)
            case.handlers = [CaseUnit(unit=u, role=_role(i)) for i, u in enumerate(units)]
            return CaseView.of(case)

    # ----------------------------------------------------------------- center actions

    def assign(
        self,
        ref: str,
        units: list[str],
        by: Who | None = None,
        reason: str | None = None,
        awaiting_only: bool = False,
    ):
        """Dispatch to units (first is the lead); reassigns when the case was already sent.
        ``awaiting_only`` (the 待分派 list): refuse a case a unit already has, so that two
        people dispatching the same case at once do not send it twice."""
        by = by or Who.center()
        if not units:
            raise InvalidInput("name at least one unit")

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            if awaiting_only and case.status not in _AWAITING_DISPATCH:
                raise IllegalTransition(f"case {case.ref} is {case.status}, not awaiting dispatch")
            action = "assign" if case.status == Status.REGISTERED else "reassign"
            case.status = check(action, Status(case.status), by.kind)
            if action == "reassign":
                self._refuse_units_that_returned(s, case, units)
            self._dispatch(s, case, units, now)
            return action

        return self._change(ref, None, by, reason, change, data={"units": units})

    def escalate(self, ref: str, reason: str, by: Who | None = None) -> CaseView:
        by = by or Who.center()
        reason = _required(reason, "reason")

        def change(s: Session, case: Case, now: dt.datetime) -> None:
            self._clear_due(case)
            self._notify_approval_office(s, case, reason, now)

        return self._change(ref, "escalate", by, reason, change)

    def designate(
        self,
        ref: str,
        lead: str,
        co_handlers: list[str] | None = None,
        by: Who | None = None,
        reason: str | None = None,
    ) -> CaseView:
        """Article 12: the approval office names the lead unit (and co-handlers) of a case."""
        by = by or Who.approval_office()
        units = [lead, *[u for u in (co_handlers or []) if u != lead]]

        def change(s: Session, case: Case, now: dt.datetime) -> None:
            self._dispatch(s, case, units, now)
            case.lead_designated = True

        return self._change(
            ref, "designate", by, reason, change, data={"lead": lead, "co_handlers": units[1:]}
        )

    def approve_extension(self, ref: str, by: Who | None = None) -> CaseView:
        by = by or Who.center()

        def change(s: Session, case: Case, now: dt.datetime) -> dict:
            self._require_pending_extension(case)
            old = case.resolve_due
            case.extension_status = "approved"
            case.resolve_due = case.extension_until
            if case.due_kind == "resolve":
                self._set_due(case, "resolve", case.resolve_due)
            return {"from": _iso(old), "to": _iso(case.resolve_due)}

        return self._change(ref, "approve_extension", by, None, change)

    def refuse_extension(self, ref: str, reason: str, by: Who | None = None) -> CaseView:
        by = by or Who.center()
        reason = _required(reason, "reason")

        def change(s: Session, case: Case, now: dt.datetime) -> None:
            self._require_pending_extension(case)
            case.extension_status = "refused"

        return self._change(ref, "refuse_extension", by, reason, change)

    def reopen(self, ref: str, reason: str, by: Who | None = None, flag: bool = False) -> CaseView:
        """重办 after an unsatisfied callback: same unit, a fresh resolve deadline;
        ``flag`` marks it for a supervisor's attention."""
        by = by or Who.center()
        reason = _required(reason, "reason")

        def change(s: Session, case: Case, now: dt.datetime) -> None:
            if flag:
                case.flagged_at = now
            case.reopen_count += 1
            case.resolved_at = None
            case.extension_status = case.extension_until = None
            case.resolve_due = self.calendar.add_working_days(
                now, self.policy.resolve_limit(case.label)
            )
            self._set_due(case, "resolve", case.resolve_due)

        return self._change(ref, "reopen", by, reason, change)

    def close(self, ref: str, by: Who | None = None, reason: str | None = None) -> CaseView:
        by = by or Who.center()

        def change(s: Session, case: Case, now: dt.datetime) -> None:
            case.closed_at = now
            self._clear_due(case)

        return self._change(ref, "close", by, reason, change)

    # ----------------------------------------------------------------- unit actions

    def accept(self, ref: str, by: Who) -> CaseView:
        def change(s: Session, case: Case, now: dt.datetime) -> None:
            self._require_lead(case, by)
            waiting_decision = case.label == "report_violation" and case.decision is None
            if waiting_decision:
                self._set_due(case, "decision", case.decision_due)
            else:
                self._set_due(case, "resolve", case.resolve_due)

        return self._change(ref, "accept", by, None, change)

    def return_case(self, ref: str, reason: str, by: Who) -> CaseView:
        """Article 11(3): not ours; back to the center with a reason."""
        reason = _required(reason, "reason")

        def change(s: Session, case: Case, now: dt.datetime) -> dict:
            self._require_lead(case, by)
            if case.lead_designated:
                raise Forbidden(
                    "the approval office designated this unit as lead; it cannot be returned"
                )
            late = case.accept_due is not None and now > case.accept_due
            case.return_count += 1
            case.unit_id = None
            case.handlers.clear()
            case.unit_count = 0
            self._set_due(case, "dispatch", self.dispatch_due(now))  # back to the center
            return {"late": late}

        return self._change(ref, "return", by, reason, change)

    def decide(self, ref: str, admit: bool, by: Who, reason: str | None = None) -> CaseView:
        """Article 9: the acceptance decision on a report; the reporter is told either way."""
        action = "admit_report" if admit else "refuse_report"
        if not admit:
            reason = _required(reason, "reason")

        def change(s: Session, case: Case, now: dt.datetime) -> None:
            self._require_lead(case, by)
            if case.label != "report_violation":
                raise InvalidInput(
                    "only reports of illegal acts (report_violation) need a decision"
                )
            if case.decision is not None:
                raise InvalidInput(f"the decision was already made: {case.decision}")
            case.decision = "admitted" if admit else "refused"
            unit_name = case.unit.name if case.unit else ""
            if admit:
                self._set_due(case, "resolve", case.resolve_due)
                body = self.policy.notice("report_admitted", ref=case.ref, unit=unit_name)
            else:
                case.reply = reason
                case.resolved_at = now
                self._clear_due(case)
                body = self.policy.notice(
                    "report_refused", ref=case.ref, unit=unit_name, reason=reason or ""
                )
            self._notify(s, case, None, "report_decision", body, now, recipient="citizen")

        return self._change(ref, action, by, reason, change)

    def request_extension(
        self,
        ref: str,
        reason: str,
        by: Who,
        until: dt.datetime | None = None,
        days: int | None = None,
    ) -> CaseView:
        """Article 11(2): asked before the deadline, with a reason and a new date."""
        reason = _required(reason, "reason")
        if (until is None) == (days is None):
            raise InvalidInput("give either a new deadline (until) or extra working days (days)")

        def change(s: Session, case: Case, now: dt.datetime) -> dict:
            self._require_lead(case, by)
            if case.due_kind != "resolve":
                raise InvalidInput("an extension applies to the resolve deadline only")
            if case.extension_status == "requested":
                raise InvalidInput("an extension request is already waiting for the center")
            if now >= case.resolve_due:
                raise InvalidInput(
                    "the deadline has passed; an extension must be asked for before it"
                )
            if days is not None:
                if days < 1:
                    raise InvalidInput("days must be at least 1")
                new_due = self.calendar.add_working_days(case.resolve_due, days)
            else:
                new_due = _aware(until)
            if new_due <= case.resolve_due:
                raise InvalidInput("the new deadline must be later than the current one")
            case.extension_status = "requested"
            case.extension_until = new_due
            return {"current": _iso(case.resolve_due), "requested": _iso(new_due)}

        return self._change(ref, "request_extension", by, reason, change)

    def resolve(self, ref: str, reply: str, by: Who) -> CaseView:
        reply = _required(reply, "reply")

        def change(s: Session, case: Case, now: dt.datetime) -> None:
            self._require_lead(case, by)
            if case.label == "report_violation" and case.decision is None:
                raise InvalidInput("record the acceptance decision (受理/不予受理) first")
            case.reply = reply
            case.resolved_at = now
            if case.extension_status == "requested":
                case.extension_status = "withdrawn"
            self._clear_due(case)

        return self._change(ref, "resolve", by, None, change, data={"reply": reply})

    def record_callback(self, case_id: int, data: dict, by: Who | None = None) -> None:
        """Write a callback attempt and its outcome into the case's history."""
        by = by or Who.system("callbacks")
        with self.db.transaction() as s:
            ref = s.scalar(select(Case.ref).where(Case.id == case_id))
        if ref is None:
            raise NotFound(f"no case #{case_id}")
        self._change(ref, "callback", by, data.get("outcome"), lambda s, c, now: None, data=data)

    def case_ref(self, case_id: int) -> str | None:
        with self.db.transaction() as s:
            return s.scalar(select(Case.ref).where(Case.id == case_id))

    def add_note(self, ref: str, text: str, by: Who) -> CaseView:
        text = _required(text, "text")

        def change(s: Session, case: Case, now: dt.datetime) -> None:
            self._check_can_see(case, by)

        return self._change(ref, "note", by, text, change)

    # ----------------------------------------------------------------- agents' actions

    def relabel(self, ref: str, label: str, by: Who, reason: str | None = None) -> CaseView:
        """An agent corrects the label of a case no unit has accepted yet.

        In the same transaction: an enforcement grievance is queued for the
        law-enforcement supervision platform (article 9, as at intake); the
        deadlines of a dispatched case are counted again for the new label from
        the dispatch they ran from (a report gets its acceptance-decision
        deadline), and its units are told."""
        self._check_label(label)
        data: dict[str, Any] = {"to": label}

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            data.update(self._relabel(s, case, label, by, now))
            return "relabel"

        return self._change(ref, None, by, reason, change, data=data)

    def _check_label(self, label: str) -> None:
        if label in NOT_CASES:
            raise InvalidInput(f"no case for label {label!r}: {NOT_CASES[label]}")
        if label not in CASE_LABELS:
            raise InvalidInput(f"unknown label {label!r}; one of {', '.join(sorted(CASE_LABELS))}")

    def _relabel(self, s: Session, case: Case, label: str, by: Who, now: dt.datetime) -> dict:
        """Change the label and everything that hangs on it; the history data of the change."""
        if by.kind != Actor.CENTER:
            raise Forbidden(f"{by.kind} may not relabel a case")
        if case.status not in _RELABEL_FROM:
            allowed = ", ".join(sorted(_RELABEL_FROM))
            raise IllegalTransition(
                f"cannot relabel a case that is {case.status}; allowed from: {allowed}"
            )
        if case.label == label:
            raise InvalidInput(f"the case is already labelled {label}")
        data: dict[str, Any] = {"from": case.label, "to": label}
        old = case.label
        case.label = label
        if label == "enforcement_grievance":  # article 9: copied on receipt, whatever the label
            data["outbox"] = self._queue_grievance(s, case, now)
        if case.status == Status.ASSIGNED and case.resolve_due is not None:
            data.update(self._recount_deadlines(s, case, now))
            body = self.policy.notice(
                "relabeled",
                ref=case.ref,
                old_label=self.policy.label_names.get(old, old),
                label=label,
                due=self.local(case.resolve_due),
            )
            if case.decision_due is not None:
                body += self.policy.notice("relabeled_decision", due=self.local(case.decision_due))
            for handler in case.handlers:
                self._notify(s, case, handler.unit_id, "relabeled", body, now)
        return data

    def _queue_grievance(self, s: Session, case: Case, now: dt.datetime) -> bool:
        """Queue the case for the supervision platform unless it already was (relabelled back)."""
        from casework.outside_models import OutboxMessage

        key = f"enforcement_grievance:{case.ref}"
        if s.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)):
            return False
        row = dict(
            id=case.id,
            ref=case.ref,
            label=case.label,
            created_at=case.created_at,
            channel=case.channel,
            text=case.text,
            location=case.location,
            caller_number=case.caller_number,
        )
        outbox.enqueue_grievance(s.connection(), row, case.unit.code if case.unit else None, now)
        return True

    def _recount_deadlines(self, s: Session, case: Case, now: dt.datetime) -> dict:
        """The decision and resolve deadlines for the case's (new) label, counted from the
        dispatch they run from, as `_deadlines` counted them; the accept one does not
        depend on the label and stays."""
        since = s.scalar(
            select(func.max(CaseEvent.at)).where(
                CaseEvent.case_id == case.id,
                CaseEvent.action.in_(("assign", "reassign", "designate")),
            )
        )
        since = since or case.created_at
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        fresh = self._deadlines(case.label, case.complex, since)
        before = {"resolve_due": _iso(case.resolve_due), "decision_due": _iso(case.decision_due)}
        case.resolve_due, case.decision_due = fresh["resolve_due"], fresh["decision_due"]
        case.decision = None
        if case.due_kind in ("resolve", "decision"):  # not while assigned, but kept true
            self._set_due(case, case.due_kind, getattr(case, f"{case.due_kind}_due"))
        return {
            "deadlines_from": before,
            "deadlines_to": {
                "resolve_due": _iso(case.resolve_due),
                "decision_due": _iso(case.decision_due),
            },
        }

    def answer_inquiry(
        self, ref: str, reply: str, by: Who, relabel_reason: str | None = None
    ) -> CaseView:
        """Article 10(1): an agent answers an inquiry on the phone; the case closes with the
        answer, without going to a unit. With ``relabel_reason``, a registered case of
        another label is first labelled an inquiry, in the same transaction (two events)."""
        reply = _required(reply, "reply")[:MAX_TEXT]

        def change(s: Session, case: Case, now: dt.datetime) -> str:
            if by.kind != Actor.CENTER:
                raise Forbidden(f"{by.kind} may not answer an inquiry for the center")
            if case.status != Status.REGISTERED:
                raise IllegalTransition(
                    f"cannot answer a case that is {case.status}; allowed from: registered"
                )
            if case.label != "inquiry":
                if relabel_reason is None:
                    raise InvalidInput(
                        "only an inquiry is answered directly; correct the label first"
                    )
                moved = self._relabel(s, case, "inquiry", by, now)
                self._event(
                    s, case, by, "relabel", case.status, case.status, relabel_reason, moved, now
                )
            case.reply, case.resolved_at, case.closed_at = reply, now, now
            case.status = Status.CLOSED.value
            self._clear_due(case)
            return "answer"

        return self._change(ref, None, by, None, change, data={"reply": reply})

    def dispatch_due(self, now: dt.datetime) -> dt.datetime:
        """When a case the center has not dispatched yet must be (``deadlines.dispatch``)."""
        return self.calendar.add_working_days(now, self.policy.dispatch_days)

    def awaiting_dispatch(self, limit: int = 50) -> tuple[int, list[CaseView]]:
        """待分派: open cases with no unit that wait for the center (registered, or returned
        by a unit), the most urgent deadline first; how many there are in all."""
        condition = Case.status.in_(_AWAITING_DISPATCH)
        with self.db.transaction() as s:
            total = s.scalar(select(func.count()).select_from(Case).where(condition))
            rows = s.scalars(
                select(Case)
                .options(*_CASE_LOADS)
                .where(condition)
                .order_by(Case.due_at.is_(None), Case.due_at, Case.id)
                .limit(max(1, min(limit, 500)))
            )
            return total or 0, [CaseView.of(c) for c in rows]

    # ----------------------------------------------------------------- internals

    def _change(
        self,
        ref: str,
        action: str | None,
        by: Who,
        reason: str | None,
        effect: Callable[[Session, Case, dt.datetime], Any],
        data: dict | None = None,
    ) -> CaseView:
        try:
            with self.db.transaction() as s:
                case = self._case(s, ref)
                if by.kind == Actor.UNIT:
                    self._check_can_see(case, by)
                now = self.clock()
                if action is None:  # the effect picks, checks and applies the action itself
                    before = case.status
                    action = effect(s, case, now)
                    self._finish(s, case, action, by, reason, before, data, now, None)
                else:
                    self._apply(
                        s, case, action, by, reason, data, now, lambda: effect(s, case, now)
                    )
                return CaseView.of(case)
        except StaleDataError as exc:
            raise Conflict(
                "the case was changed by someone else at the same time; try again"
            ) from exc

    def _apply(self, s, case, action, by, reason, data, now, effect) -> None:
        before = case.status
        after = check(action, Status(before), by.kind)
        extra = effect()
        case.status = after
        self._finish(s, case, action, by, reason, before, data, now, extra)

    def _finish(self, s, case, action, by, reason, before, data, now, extra) -> None:
        case.updated_at = now
        merged = {**(data or {}), **(extra if isinstance(extra, dict) else {})}
        self._event(s, case, by, action, before, case.status, reason, merged, now)

    def _event(self, s, case, by, action, before, after, reason=None, data=None, now=None):
        s.add(
            CaseEvent(
                case=case,
                at=now or self.clock(),
                actor=by.name,
                action=action,
                from_status=before,
                to_status=after,
                reason=reason,
                data=data or {},
            )
        )

    def _dispatch(self, s: Session, case: Case, codes: list[str], now: dt.datetime) -> None:
        units = self._dispatchable(s, list(dict.fromkeys(codes)))
        if case.handlers:
            case.handlers.clear()
            s.flush()  # so a unit named again is inserted after its old row is gone
        for index, unit in enumerate(units):
            case.handlers.append(CaseUnit(unit=unit, role=_role(index), added_at=now))
        case.unit = units[0]
        case.unit_count = len(units)
        case.decision = None if case.label == "report_violation" else case.decision
        case.extension_status = case.extension_until = None
        for key, value in self._deadlines(case.label, case.complex, now).items():
            setattr(case, key, value)
        body = self._assigned_notice(
            {"ref": case.ref, "label": case.label, "accept_due": case.accept_due}
        )
        for unit in units:
            self._notify(s, case, unit.id, "assigned", body, now)

    def _deadlines(self, label: str, complex_case: bool, now: dt.datetime) -> dict:
        """The clocks a dispatch starts; the accept-or-return one runs first."""
        accept_due = self.calendar.add_working_days(now, self.policy.accept_limit(complex_case))
        decision_due = (
            self.calendar.add_working_days(now, self.policy.report_decision_days)
            if label == "report_violation"
            else None
        )
        return dict(
            accept_due=accept_due,
            decision_due=decision_due,
            resolve_due=self.calendar.add_working_days(now, self.policy.resolve_limit(label)),
            due_at=accept_due,
            due_kind="accept",
            reminded_at=None,
            overdue_at=None,
        )

    def _assigned_notice(self, case: dict) -> str:
        return self.policy.notice(
            "assigned", ref=case["ref"], label=case["label"], due=self.local(case["accept_due"])
        )

    def _dispatchable(self, s: Session, codes: list[str], rows: bool = False) -> list:
        units = self._unit_rows(s, codes) if rows else self._units(s, codes)
        if any(u.code == APPROVAL_OFFICE for u in units):
            raise InvalidInput("the approval office designates units; escalate instead")
        return units

    def _notify_approval_office(self, s, case, reason, now) -> None:
        office = s.scalar(select(Unit).where(Unit.code == APPROVAL_OFFICE))
        if office is not None:
            body = self.policy.notice("escalated", ref=case.ref, reason=reason)
            self._notify(s, case, office.id, "escalated", body, now)

    @staticmethod
    def _notify(s, case, unit_id, kind, body, now, recipient="unit") -> None:
        """A message to a unit, or to the citizen when ``unit_id`` is None."""
        s.add(
            Notice(
                case=case,
                unit_id=unit_id,
                recipient=recipient,
                kind=kind,
                body=body,
                created_at=now,
            )
        )

    def _refuse_units_that_returned(self, s: Session, case: Case, codes: list[str]) -> None:
        returned = set(
            s.scalars(
                select(CaseEvent.actor).where(
                    CaseEvent.case_id == case.id, CaseEvent.action == "return"
                )
            )
        )
        again = [c for c in codes if f"unit:{c}" in returned]
        if again:
            raise InvalidInput(
                f"{', '.join(again)} already returned this case; choose another unit or escalate"
            )

    @staticmethod
    def _set_due(case: Case, kind: str, when: dt.datetime | None) -> None:
        case.due_kind, case.due_at = kind, when
        case.reminded_at = case.overdue_at = None

    @staticmethod
    def _clear_due(case: Case) -> None:
        case.due_kind = case.due_at = case.reminded_at = case.overdue_at = None

    @staticmethod
    def _require_lead(case: Case, by: Who) -> None:
        if by.kind == Actor.UNIT and (case.unit is None or case.unit.code != by.unit):
            raise Forbidden("only the lead unit of this case may do that")

    @staticmethod
    def _require_pending_extension(case: Case) -> None:
        if case.extension_status != "requested":
            raise InvalidInput("there is no extension request waiting on this case")

    def _check_can_see(self, case: Case, viewer: Who | None) -> None:
        if viewer is None or viewer.unit is None:
            return
        if viewer.unit == APPROVAL_OFFICE and (
            case.status == Status.ESCALATED or case.lead_designated
        ):
            return
        if not any(h.unit.code == viewer.unit for h in case.handlers):
            raise Forbidden(f"case {case.ref} is not handled by {viewer.unit}")

    def _visible_to(self, s: Session, viewer: Who):
        own = Case.id.in_(
            select(CaseUnit.case_id)
            .join(Unit, Unit.id == CaseUnit.unit_id)
            .where(Unit.code == viewer.unit)
        )
        if viewer.unit == APPROVAL_OFFICE:
            return own | (Case.status == Status.ESCALATED) | Case.lead_designated.is_(True)
        return own

    @staticmethod
    def _case(s: Session, ref: str) -> Case:
        case = s.scalar(select(Case).options(*_CASE_LOADS).where(Case.ref == (ref or "").strip()))
        if case is None:
            raise NotFound(f"no case {ref!r}")
        return case

    @staticmethod
    def _units(s: Session, codes: list[str]) -> list[Unit]:
        """Active units by code, in the order given, with one query."""
        found = {u.code: u for u in s.scalars(select(Unit).where(Unit.code.in_(codes)))}
        return _in_order(found, codes)

    @staticmethod
    def _unit_rows(s: Session, codes: list[str]) -> list:
        """Like `_units`, as plain rows (id, code, name, active) for the intake hot path."""
        table = Unit.__table__
        query = select(table.c.id, table.c.code, table.c.name, table.c.active).where(
            table.c.code.in_(codes)
        )
        found = {row.code: row for row in s.connection().execute(query)}
        return _in_order(found, codes)

    @staticmethod
    def _unit(s: Session, code: str, must_be_active: bool = False) -> Unit:
        unit = s.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            raise NotFound(f"no unit {code!r}; see `ivr units list`")
        if must_be_active and not unit.active:
            raise InvalidInput(f"unit {code} is deactivated")
        return unit

    def local(self, moment: dt.datetime | None) -> str:
        """A moment as Beijing time for people: 2026-11-27 17:30."""
        if moment is None:
            return ""
        return moment.astimezone(ZoneInfo(self.calendar.timezone)).strftime("%Y-%m-%d %H:%M")

    def open_case_count(self) -> int:
        with self.db.transaction() as s:
            return s.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.status.in_([str(x) for x in OPEN_STATUSES]))
            )


_RELABEL_FROM = (Status.REGISTERED, Status.ASSIGNED, Status.RETURNED)
_AWAITING_DISPATCH = (Status.REGISTERED.value, Status.RETURNED.value)

_CASE_LOADS = (
    selectinload(Case.unit),
    selectinload(Case.handlers).selectinload(CaseUnit.unit),
)


_INSERT_CASE = insert(Case.__table__).returning(Case.__table__.c.id)


def _in_order(found: dict, codes: list[str]) -> list:
    for code in codes:
        if code not in found:
            raise NotFound(f"no unit {code!r}; see `ivr units list`")
        if not found[code].active:
            raise InvalidInput(f"unit {code} is deactivated")
    return [found[code] for code in codes]


def _role(index: int) -> str:
    return "lead" if index == 0 else "co"


def _event_row(case_id, now, by, action, before, after, reason=None, data=None) -> dict:
    return dict(
        case_id=case_id,
        at=now,
        actor=by.name,
        action=action,
        from_status=before,
        to_status=after,
        reason=reason,
        data=data or {},
    )


def _unit_differs(unit: Unit, spec: UnitSpec) -> bool:
    def fields(u) -> tuple:
        return (u.name, u.kind, u.district, list(u.categories), list(u.keywords), u.active)

    return fields(unit) != fields(spec)


def _required(value: str | None, name: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{name} is required")
    return value[:MAX_TEXT]


def _clean_number(number: str | None) -> str | None:
    if number is None or not number.strip():
        return None
    cleaned = number.strip().replace(" ", "")
    digits = cleaned.lstrip("+")
    if not digits.replace("-", "").isdigit() or not 5 <= len(digits.replace("-", "")) <= 15:
        raise InvalidInput(f"not a phone number: {number!r}")
    return cleaned


def _aware(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        raise InvalidInput("a date is required")
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


__all__ = ["Casework", "CaseError", "Who", "LoadReport", "CASE_LABELS"]
