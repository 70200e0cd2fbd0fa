"""The case state machine (articles 9, 11, 12, 13): which action may run from which status.

Pure data and one check function; the service layer applies the effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    REGISTERED = "registered"  # 已登记: taken in, no unit yet
    ASSIGNED = "assigned"  # 已交办: sent to a unit, waiting for accept or return
    ACCEPTED = "accepted"  # 已签收: the unit is handling it
    RETURNED = "returned"  # 已退回: the unit says it is not theirs
    ESCALATED = "escalated"  # 已上报: with the approval office to name a lead unit
    RESOLVED = "resolved"  # 已办结: the unit replied with the result
    REOPENED = "reopened"  # 重办: the citizen was not satisfied
    CLOSED = "closed"  # 已归档


OPEN_STATUSES = frozenset(Status) - {Status.CLOSED}
HANDLING = frozenset({Status.ACCEPTED, Status.REOPENED})


class Actor(StrEnum):
    CENTER = "center"  # the hotline center: agents, supervisors, operators
    UNIT = "unit"  # the unit the case is assigned to
    APPROVAL_OFFICE = "approval_office"  # 市审批办
    SYSTEM = "system"  # supervision sweep, callback survey


@dataclass(frozen=True)
class Transition:
    sources: frozenset[Status]
    target: Status | None  # None: the status does not change
    actors: frozenset[Actor]


def _t(sources, target, *actors) -> Transition:
    return Transition(frozenset(sources), target, frozenset(actors))


_CENTER = (Actor.CENTER, Actor.SYSTEM)

TRANSITIONS: dict[str, Transition] = {
    "assign": _t({Status.REGISTERED}, Status.ASSIGNED, *_CENTER),
    "reassign": _t({Status.ASSIGNED, Status.RETURNED}, Status.ASSIGNED, *_CENTER),
    "accept": _t({Status.ASSIGNED}, Status.ACCEPTED, Actor.UNIT),
    "return": _t({Status.ASSIGNED}, Status.RETURNED, Actor.UNIT),
    "admit_report": _t({Status.ACCEPTED}, None, Actor.UNIT),  # 受理
    "refuse_report": _t({Status.ACCEPTED}, Status.RESOLVED, Actor.UNIT),  # 不予受理
    "request_extension": _t(HANDLING, None, Actor.UNIT),
    "approve_extension": _t(HANDLING, None, *_CENTER),
    "refuse_extension": _t(HANDLING, None, *_CENTER),
    "escalate": _t(
        {Status.REGISTERED, Status.ASSIGNED, Status.RETURNED, *HANDLING},
        Status.ESCALATED,
        *_CENTER,
    ),
    "designate": _t({Status.ESCALATED}, Status.ASSIGNED, Actor.APPROVAL_OFFICE, Actor.CENTER),
    "resolve": _t(HANDLING, Status.RESOLVED, Actor.UNIT),
    "reopen": _t({Status.RESOLVED}, Status.REOPENED, *_CENTER),
    "close": _t({Status.RESOLVED}, Status.CLOSED, *_CENTER),
    "note": _t(OPEN_STATUSES, None, Actor.CENTER, Actor.UNIT, Actor.APPROVAL_OFFICE),
    # Each callback attempt and its outcome, whatever the case's status (article 13).
    "callback": _t(frozenset(Status), None, Actor.SYSTEM, Actor.CENTER),
}


class CaseError(Exception):
    """Base of the errors casework raises for a request it refuses."""

    code = "case_error"


class IllegalTransition(CaseError):
    code = "illegal_transition"


class Forbidden(CaseError):
    code = "forbidden"


class NotFound(CaseError):
    code = "not_found"


class InvalidInput(CaseError):
    code = "invalid_input"


class Conflict(CaseError):
    """Someone else changed the case at the same moment; try again."""

    code = "conflict"


def check(action: str, status: Status, actor: Actor) -> Status:
    """The status after ``action``, or IllegalTransition/Forbidden; changes nothing."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise IllegalTransition(f"unknown action {action!r}")
    if actor not in transition.actors:
        raise Forbidden(f"{actor} may not {action} a case")
    if status not in transition.sources:
        allowed = ", ".join(sorted(transition.sources))
        raise IllegalTransition(f"cannot {action} a case that is {status}; allowed from: {allowed}")
    return transition.target or status
