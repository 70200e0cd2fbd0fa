"""Callback rows: scheduling, atomic claiming under the caps, attempt results, recovery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, insert, select, text, update

from callbacks.hours import CallingHours
from callbacks.settings import CallbackSettings
from casework.db import Database
from casework.lifecycle import Status
from casework.models import Callback, CallbackAttempt, Case, OptOut, Referral, utcnow

_cb = Callback.__table__
_attempts = CallbackAttempt.__table__
UNANSWERED = frozenset(
    {
        "busy",
        "no-answer",
        "failed",
        "canceled",
        "machine",
        "no-input",
        "hung-up",
        "lost",
        "dial-error",
    }
)


@dataclass(frozen=True)
class Claimed:
    id: int
    kind: str
    to_number: str
    attempt: int


@dataclass(frozen=True)
class CallbackView:
    id: int
    kind: str
    case_id: int | None
    referral_id: int | None
    to_number: str
    matter_date: str
    status: str
    attempts: int
    next_at: dt.datetime | None
    call_sid: str | None
    outcome: str | None
    answers: dict[str, Any]


class CallbackStore:
    def __init__(
        self,
        database: Database,
        settings: CallbackSettings,
        hours: CallingHours,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = database
        self.settings = settings
        self.hours = hours
        self.clock = clock

    # ------------------------------------------------------------------ scheduling

    def schedule_new(self, now: dt.datetime | None = None) -> int:
        """A callback for every resolved case (per round of 重办) and every referral lacking one."""
        now = now or self.clock()
        tz = ZoneInfo(self.hours.calendar.timezone)
        opted_out = select(OptOut.number)
        with self.db.transaction() as s:
            cases = s.execute(
                select(
                    Case.id,
                    Case.caller_number,
                    Case.created_at,
                    Case.resolved_at,
                    Case.reopen_count,
                ).where(
                    Case.status == Status.RESOLVED.value,
                    Case.caller_number.is_not(None),
                    Case.caller_number.not_in(opted_out),
                    ~exists().where(
                        and_(_cb.c.case_id == Case.id, _cb.c.case_round == Case.reopen_count)
                    ),
                )
            ).all()
            referrals = s.execute(
                select(Referral.id, Referral.caller_number, Referral.at).where(
                    Referral.caller_number.is_not(None),
                    Referral.caller_number.not_in(opted_out),
                    ~exists().where(_cb.c.referral_id == Referral.id),
                )
            ).all()
            rows = [
                self._new_row(
                    "case",
                    now,
                    tz,
                    number=c.caller_number,
                    when=c.resolved_at or now,
                    matter=c.created_at,
                    case_id=c.id,
                    case_round=c.reopen_count,
                )
                for c in cases
            ] + [
                self._new_row(
                    "referral",
                    now,
                    tz,
                    number=r.caller_number,
                    when=r.at,
                    matter=r.at,
                    referral_id=r.id,
                )
                for r in referrals
            ]
            if rows:
                s.connection().execute(insert(_cb), rows)
        return len(rows)

    def _new_row(self, kind, now, tz, *, number, when, matter, **ids) -> dict:
        return dict(
            kind=kind,
            to_number=number,
            status="pending",
            attempts=0,
            matter_date=matter.astimezone(tz).date().isoformat(),
            next_at=self.hours.first_call(when, self.settings.delay_working_days),
            answers={},
            created_at=now,
            updated_at=now,
            case_id=ids.get("case_id"),
            case_round=ids.get("case_round", 0),
            referral_id=ids.get("referral_id"),
        )

    # ------------------------------------------------------------------ claiming

    def claim(self, worker: str, now: dt.datetime | None = None, limit: int = 100) -> list[Claimed]:
        """Take due callbacks for dialing, within the caps; no two workers get the same one."""
        now = now or self.clock()
        if not self.hours.is_open(now):
            return []
        with self.db.transaction() as s:
            c = s.connection()
            if self.db.dialect == "postgresql":  # claims queue here, so the caps hold
                c.execute(text("SELECT pg_advisory_xact_lock(88908890)"))
            self._cancel_moot(c, now)
            calling = c.execute(
                select(func.count()).select_from(_cb).where(_cb.c.status == "calling")
            ).scalar_one()
            last_second = c.execute(
                select(func.count())
                .select_from(_attempts)
                .where(_attempts.c.started_at > now - dt.timedelta(seconds=1))
            ).scalar_one()
            room = min(
                limit,
                self.settings.max_concurrent_calls - calling,
                self.settings.calls_per_second - last_second,
            )
            if room <= 0:
                return []
            due = (
                select(_cb.c.id)
                .where(_cb.c.status == "pending", _cb.c.next_at <= now)
                .order_by(_cb.c.next_at, _cb.c.id)
                .limit(room)
            )
            if self.db.dialect == "postgresql":
                due = due.with_for_update(skip_locked=True)
            ids = list(c.execute(due).scalars())
            if not ids:
                return []
            claimed = c.execute(
                update(_cb)
                .where(_cb.c.id.in_(ids), _cb.c.status == "pending")
                .values(
                    status="calling",
                    claimed_by=worker,
                    claimed_at=now,
                    call_sid=None,
                    attempts=_cb.c.attempts + 1,
                    updated_at=now,
                )
                .returning(_cb.c.id, _cb.c.kind, _cb.c.to_number, _cb.c.attempts)
            ).all()
            if claimed:
                c.execute(
                    insert(_attempts),
                    [dict(callback_id=r.id, number=r.attempts, started_at=now) for r in claimed],
                )
        return [Claimed(r.id, r.kind, r.to_number, r.attempts) for r in claimed]

    def _cancel_moot(self, c, now) -> None:
        """Stop calling when the case was closed meanwhile or the citizen opted out."""
        c.execute(
            update(_cb)
            .where(
                _cb.c.status == "pending",
                # Correlated per pending callback (few), never a scan of all closed cases.
                exists().where(OptOut.number == _cb.c.to_number)
                | exists().where(Case.id == _cb.c.case_id, Case.status == Status.CLOSED.value),
            )
            .values(status="cancelled", outcome="moot", updated_at=now)
        )

    # ------------------------------------------------------------------ attempts

    def attach_call(self, callback_id: int, call_sid: str) -> None:
        with self.db.transaction() as s:
            c = s.connection()
            c.execute(update(_cb).where(_cb.c.id == callback_id).values(call_sid=call_sid))
            c.execute(
                update(_attempts)
                .where(_attempts.c.callback_id == callback_id, _attempts.c.call_sid.is_(None))
                .values(call_sid=call_sid)
            )

    def get(self, callback_id: int) -> CallbackView | None:
        with self.db.reading() as c:
            row = c.execute(select(_cb).where(_cb.c.id == callback_id)).mappings().first()
        return _view(row) if row else None

    def by_call(self, call_sid: str) -> CallbackView | None:
        with self.db.reading() as c:
            row = c.execute(select(_cb).where(_cb.c.call_sid == call_sid)).mappings().first()
        return _view(row) if row else None

    def save_answers(self, callback_id: int, answers: dict[str, Any]) -> None:
        with self.db.transaction() as s:
            s.connection().execute(
                update(_cb)
                .where(_cb.c.id == callback_id)
                .values(answers=answers, updated_at=self.clock())
            )

    def finish(
        self,
        callback_id: int,
        result: str,
        outcome: str | None = None,
        now: dt.datetime | None = None,
    ) -> CallbackView:
        """Close the running attempt. Unanswered: retry later (calling hours, gap, attempts);
        otherwise the callback is done with ``outcome``."""
        now = now or self.clock()
        with self.db.transaction() as s:
            c = s.connection()
            row = c.execute(select(_cb).where(_cb.c.id == callback_id)).mappings().one()
            if row["status"] != "calling":
                return _view(row)  # the same status callback again
            c.execute(
                update(_attempts)
                .where(_attempts.c.callback_id == callback_id, _attempts.c.ended_at.is_(None))
                .values(ended_at=now, result=result)
            )
            if result in UNANSWERED and row["attempts"] < self.settings.max_attempts:
                values = dict(
                    status="pending",
                    claimed_by=None,
                    next_at=self.hours.next_open(now + self.settings.retry_after),
                )
            elif result in UNANSWERED:
                values = dict(status="done", outcome="unreachable")
            else:
                values = dict(status="done", outcome=outcome or result)
            c.execute(update(_cb).where(_cb.c.id == callback_id).values(updated_at=now, **values))
            return _view(c.execute(select(_cb).where(_cb.c.id == callback_id)).mappings().one())

    def release(
        self, callback_id: int, retry_in: dt.timedelta, now: dt.datetime | None = None
    ) -> None:
        """The call could not even be placed (Twilio unreachable, bad credentials): not the
        citizen's fault, so the attempt is not counted; try again shortly."""
        now = now or self.clock()
        with self.db.transaction() as s:
            c = s.connection()
            c.execute(
                update(_attempts)
                .where(_attempts.c.callback_id == callback_id, _attempts.c.ended_at.is_(None))
                .values(ended_at=now, result="dial-error")
            )
            c.execute(
                update(_cb)
                .where(_cb.c.id == callback_id, _cb.c.status == "calling")
                .values(
                    status="pending",
                    attempts=_cb.c.attempts - 1,
                    claimed_by=None,
                    next_at=self.hours.next_open(now + retry_in),
                    updated_at=now,
                )
            )

    def stale(self, now: dt.datetime | None = None) -> list[int]:
        """Attempts with no news for too long: their process died mid-call."""
        now = now or self.clock()
        with self.db.reading() as c:
            return list(
                c.execute(
                    select(_cb.c.id).where(
                        _cb.c.status == "calling",
                        _cb.c.claimed_at < now - self.settings.stale_after,
                    )
                ).scalars()
            )

    def due_count(self, now: dt.datetime) -> int:
        with self.db.reading() as c:
            return c.execute(
                select(func.count())
                .select_from(_cb)
                .where(_cb.c.status == "pending", _cb.c.next_at <= now)
            ).scalar_one()

    def opt_out(self, number: str) -> None:
        with self.db.transaction() as s:
            exists_ = s.scalar(select(OptOut.number).where(OptOut.number == number))
            if not exists_:
                s.add(OptOut(number=number, at=self.clock()))

    def attempts_started(self) -> list[dt.datetime]:
        with self.db.reading() as c:
            return list(
                c.execute(select(_attempts.c.started_at).order_by(_attempts.c.started_at)).scalars()
            )

    def all(self) -> list[CallbackView]:
        with self.db.reading() as c:
            return [_view(r) for r in c.execute(select(_cb).order_by(_cb.c.id)).mappings()]


def _view(row) -> CallbackView:
    return CallbackView(
        row["id"],
        row["kind"],
        row["case_id"],
        row["referral_id"],
        row["to_number"],
        row["matter_date"],
        row["status"],
        row["attempts"],
        row["next_at"],
        row["call_sid"],
        row["outcome"],
        dict(row["answers"] or {}),
    )
