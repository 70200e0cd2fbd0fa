"""Member enterprises' standing (articles 20, 24): ratings, violations, suspension, reinstatement.

A callback rating below the threshold (``data/enterprise_rules.yaml``) or a
violation record suspends an enterprise; suspended enterprises are never
recommended; only a supervisor reinstates one. Every violation, suspension and
reinstatement is queued for the credit-information system in the same
transaction (the outbox). No Flask here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from casework.config import load_settings
from casework.db import Database
from casework.lifecycle import Forbidden, InvalidInput, NotFound
from casework.models import Callback, Enterprise, Referral, utcnow
from casework.outbox import enqueue
from casework.outside_models import EnterpriseSuspension, EnterpriseViolation
from casework.users import User

VIOLATION_KINDS = {"violation": "违法记录", "consumer_rights": "侵害消费者合法权益"}
CAUSES = ("rating", "violation", "manual")
SUPERVISOR_ROLES = ("supervisor", "admin")
# A referral callback's answer as a 0-5 rating: satisfied, basically satisfied, dissatisfied.
ENTERPRISE_SCORES = {1: 5.0, 2: 3.5, 3: 1.0}


@dataclass(frozen=True)
class StandingRules:
    suspend_below: float = 2.5
    min_ratings: int = 3
    suspend_on_violation: bool = True


def read_rules(path: Path) -> StandingRules:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rules = StandingRules(
            suspend_below=float(raw.get("suspend_below", 2.5)),
            min_ratings=int(raw.get("min_ratings", 3)),
            suspend_on_violation=bool(raw.get("suspend_on_violation", True)),
        )
    except (OSError, yaml.YAMLError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
    if not 0 <= rules.suspend_below <= 5 or rules.min_ratings < 1:
        raise InvalidInput(f"{path}: suspend_below is 0-5 and min_ratings at least 1")
    return rules


@cache
def _rules_at(path: str, mtime: float) -> StandingRules:
    return read_rules(Path(path))


def current_rules() -> StandingRules:
    """The rules in ``$HOTLINE_DATA/enterprise_rules.yaml``, re-read when the file changes."""
    path = load_settings().data_dir / "enterprise_rules.yaml"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return StandingRules()
    return _rules_at(str(path), mtime)


def is_suspended():
    """A SQL condition: the enterprise has a suspension not yet lifted."""
    return exists().where(
        EnterpriseSuspension.enterprise_id == Enterprise.id,
        EnterpriseSuspension.lifted_at.is_(None),
    )


@dataclass(frozen=True)
class StandingView:
    code: str
    name: str
    services: list[str]
    active: bool
    rating: float
    rating_count: int
    suspended: bool
    cause: str | None
    reason: str | None
    suspended_at: dt.datetime | None
    violations: int

    def to_dict(self) -> dict[str, Any]:
        return {
            k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in asdict(self).items()
        }


def after_rating(
    s: Session, enterprise: Enterprise, rules: StandingRules, now: dt.datetime
) -> bool:
    """In the rating's transaction: suspend when the rating fell below the threshold.

    After a reinstatement the enterprise starts afresh: only the answers given since
    (at least ``min_ratings`` of them) are judged, not the running average that got it
    suspended before. The rating itself (for the order of recommendations) keeps them all.
    """
    if _open_suspension(s, enterprise.id) is not None:
        return False
    rating, count = enterprise.rating, enterprise.rating_count
    lifted = s.scalar(
        select(func.max(EnterpriseSuspension.lifted_at)).where(
            EnterpriseSuspension.enterprise_id == enterprise.id
        )
    )
    since = ""
    if lifted is not None:
        scores = _scores_since(s, enterprise.id, lifted)
        count = len(scores)
        rating = sum(scores) / count if scores else rating
        since = "恢复推荐后"
    if count < rules.min_ratings or rating >= rules.suspend_below:
        return False
    reason = f"{since}回访评价{rating:.2f}分，低于{rules.suspend_below:g}分（共{count}次评价）"
    _suspend(s, enterprise, "rating", reason, "system:ratings", now)
    return True


def _scores_since(s: Session, enterprise_id: int, since: dt.datetime) -> list[float]:
    """The 0-5 scores of the referral callbacks answered after ``since``.

    A callback's row is written when its answer is rated (``callbacks.service``), and
    only later changes move ``updated_at`` on, never back.
    """
    rows = s.execute(
        select(Callback.answers)
        .join(Referral, Referral.id == Callback.referral_id)
        .where(
            Referral.enterprise_id == enterprise_id,
            Callback.kind == "referral",
            Callback.updated_at > since,
        )
    ).scalars()
    return [
        ENTERPRISE_SCORES[answer]
        for answer in ((a or {}).get("enterprise_rating") for a in rows)
        if answer in ENTERPRISE_SCORES
    ]


@dataclass(frozen=True)
class StandingEvent:
    """One line of an enterprise's record: a violation, a suspension or a reinstatement."""

    at: dt.datetime
    event: str  # violation | suspension | reinstatement
    by: str
    text: str  # Chinese
    cause: str | None = None  # of a suspension: rating | violation | manual


CAUSE_NAMES = {"rating": "回访评价过低", "violation": "违法记录", "manual": "督办人员暂停"}


class Enterprises:
    def __init__(
        self,
        database: Database,
        rules: StandingRules | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.db = database
        self.rules = rules or current_rules()
        self.clock = clock

    def list(self) -> list[StandingView]:
        with self.db.transaction() as s:
            return [
                self._view(s, e) for e in s.scalars(select(Enterprise).order_by(Enterprise.code))
            ]

    def get(self, code: str) -> StandingView:
        with self.db.transaction() as s:
            return self._view(s, self._enterprise(s, code))

    def history(self, code: str) -> list[StandingEvent]:
        """Violations, suspensions and reinstatements, newest first."""
        with self.db.transaction() as s:
            enterprise = self._enterprise(s, code)
            events: list[StandingEvent] = []
            violations = select(EnterpriseViolation).where(
                EnterpriseViolation.enterprise_id == enterprise.id
            )
            for v in s.scalars(violations):
                source = f"（来源：{v.source}）" if v.source else ""
                text = f"{VIOLATION_KINDS.get(v.kind, v.kind)}：{v.description}{source}"
                events.append(StandingEvent(v.at, "violation", v.recorded_by, text))
            for p in s.scalars(
                select(EnterpriseSuspension).where(
                    EnterpriseSuspension.enterprise_id == enterprise.id
                )
            ):
                events.append(
                    StandingEvent(p.suspended_at, "suspension", p.suspended_by, p.reason, p.cause)
                )
                if p.lifted_at is not None:
                    events.append(
                        StandingEvent(
                            p.lifted_at, "reinstatement", p.lifted_by or "", p.lift_reason or ""
                        )
                    )
        order = {"violation": 0, "suspension": 1, "reinstatement": 2}  # same moment: cause first
        return sorted(events, key=lambda e: (e.at, order[e.event]), reverse=True)

    def suspend(self, code: str, reason: str, supervisor: str) -> StandingView:
        reason = _required(reason, "reason")
        with self.db.transaction() as s:
            by = self._supervisor(s, supervisor)
            enterprise = self._enterprise(s, code)
            if _open_suspension(s, enterprise.id) is not None:
                raise InvalidInput(f"{code} is suspended already")
            _suspend(s, enterprise, "manual", reason, by, self.clock())
            return self._view(s, enterprise)

    def reinstate(self, code: str, reason: str, supervisor: str) -> StandingView:
        """Article 24: only a supervisor lifts a suspension, with a reason."""
        reason = _required(reason, "reason")
        with self.db.transaction() as s:
            by = self._supervisor(s, supervisor)
            enterprise = self._enterprise(s, code)
            suspension = _open_suspension(s, enterprise.id)
            if suspension is None:
                raise InvalidInput(f"{code} is not suspended")
            now = self.clock()
            suspension.lifted_at, suspension.lifted_by, suspension.lift_reason = now, by, reason
            _credit(s, enterprise, "reinstatement", suspension.id, now, reason=reason, by=by)
            return self._view(s, enterprise)

    def record_violation(
        self,
        code: str,
        kind: str,
        description: str,
        supervisor: str,
        source: str | None = None,
    ) -> StandingView:
        """A violation record: kept, sent to the credit system, and (by the rules) suspends."""
        if kind not in VIOLATION_KINDS:
            raise InvalidInput(f"kind must be one of {', '.join(VIOLATION_KINDS)}")
        description = _required(description, "description")
        with self.db.transaction() as s:
            by = self._supervisor(s, supervisor)
            enterprise = self._enterprise(s, code)
            now = self.clock()
            violation = EnterpriseViolation(
                enterprise_id=enterprise.id,
                kind=kind,
                description=description,
                source=(source or "").strip()[:200] or None,
                recorded_by=by,
                at=now,
            )
            s.add(violation)
            s.flush()
            _credit(
                s,
                enterprise,
                "violation",
                violation.id,
                now,
                kind=kind,
                description=description,
                source=violation.source,
            )
            if self.rules.suspend_on_violation and _open_suspension(s, enterprise.id) is None:
                reason = f"{VIOLATION_KINDS[kind]}：{description}"
                _suspend(s, enterprise, "violation", reason, by, now)
            return self._view(s, enterprise)

    # ------------------------------------------------------------------ internals

    @staticmethod
    def _enterprise(s: Session, code: str) -> Enterprise:
        enterprise = s.scalar(select(Enterprise).where(Enterprise.code == (code or "").strip()))
        if enterprise is None:
            raise NotFound(f"no member enterprise {code!r}; see `ivr enterprises list`")
        return enterprise

    @staticmethod
    def _supervisor(s: Session, username: str) -> str:
        user = s.scalar(select(User).where(User.username == (username or "").strip()))
        if user is None or not user.active or user.role not in SUPERVISOR_ROLES:
            raise Forbidden(
                f"{username!r} is not an active supervisor; only supervisors may do this"
            )
        return f"supervisor:{user.username}"

    @staticmethod
    def _view(s: Session, e: Enterprise) -> StandingView:
        open_ = _open_suspension(s, e.id)
        violations = len(
            s.scalars(
                select(EnterpriseViolation.id).where(EnterpriseViolation.enterprise_id == e.id)
            ).all()
        )
        return StandingView(
            e.code,
            e.name,
            list(e.services or []),
            e.active,
            e.rating,
            e.rating_count,
            open_ is not None,
            open_.cause if open_ else None,
            open_.reason if open_ else None,
            open_.suspended_at if open_ else None,
            violations,
        )


def _open_suspension(s: Session, enterprise_id: int) -> EnterpriseSuspension | None:
    return s.scalar(
        select(EnterpriseSuspension).where(
            EnterpriseSuspension.enterprise_id == enterprise_id,
            EnterpriseSuspension.lifted_at.is_(None),
        )
    )


def _suspend(s: Session, enterprise: Enterprise, cause: str, reason: str, by: str, now) -> None:
    suspension = EnterpriseSuspension(
        enterprise_id=enterprise.id,
        cause=cause,
        reason=reason,
        suspended_by=by,
        suspended_at=now,
        rating_at_suspension=enterprise.rating,
    )
    s.add(suspension)
    s.flush()
    _credit(s, enterprise, "suspension", suspension.id, now, cause=cause, reason=reason)


def _credit(s: Session, enterprise: Enterprise, event: str, record_id: int, now, **details) -> None:
    """Queue the record for the credit-information system, in this transaction."""
    enqueue(
        s.connection(),
        topic="enterprise_credit",
        key=f"enterprise_credit:{event}:{record_id}",
        payload={
            "event": event,
            "enterprise": enterprise.code,
            "name": enterprise.name,
            "at": now.isoformat(),
            "rating": enterprise.rating,
            "rating_count": enterprise.rating_count,
            **details,
        },
        now=now,
    )


def _required(value: str | None, name: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{name} is required")
    return value[:2000]
