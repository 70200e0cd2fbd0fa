"""The calls' figures for a period: handled by the IVR or by agents, emergency transfers by
number, declines by reason, inquiries answered, and calls per Beijing day."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from casework.models import Call
from casework.reports.period import Period
from casework.reports.sql import counts_per_day, in_period

_calls = Call.__table__
IVR_OUTCOMES = ("emergency_transfer", "declined", "answered", "case_created", "enterprise_referral")
EMERGENCY_NUMBERS = ("110", "119", "120")


@dataclass(frozen=True)
class CallFigures:
    total: int = 0
    by_ivr: int = 0  # handled fully by the phone service
    by_agents: int = 0
    abandoned: int = 0
    unfinished: int = 0  # no outcome recorded (still going, or the line dropped at once)
    outcomes: dict[str, int] = field(default_factory=dict)
    emergency: dict[str, int] = field(default_factory=dict)  # "110" → transfers
    emergency_failed: int = 0  # the transfer did not connect
    declined: dict[str, int] = field(default_factory=dict)  # label → calls
    answered: int = 0  # inquiries answered from the knowledge base


def call_figures(c: Connection, period: Period) -> tuple[CallFigures, Counter[str]]:
    """The inbound calls started in the period by outcome (one GROUP BY), and per Beijing
    day; both read the ``ix_calls_report`` index only."""
    k = _calls.c
    inbound = k.direction == "inbound"
    rows = c.execute(
        select(k.outcome, k.label, k.emergency, k.dial_status, func.count().label("n"))
        .where(inbound, in_period(k.started_at, period))
        .group_by(k.outcome, k.label, k.emergency, k.dial_status)
    ).all()
    per_day = counts_per_day(c, k.started_at, period, inbound)
    outcomes, emergency, declined = Counter(), Counter(), Counter()
    failed = 0
    for row in rows:
        outcomes[row.outcome or "unfinished"] += row.n
        if row.outcome == "emergency_transfer":
            emergency[row.emergency or "?"] += row.n
            if row.dial_status and row.dial_status != "completed":
                failed += row.n
        elif row.outcome == "declined":
            declined[row.label or "?"] += row.n
    figures = CallFigures(
        total=sum(outcomes.values()),
        by_ivr=sum(outcomes.get(o, 0) for o in IVR_OUTCOMES),
        by_agents=outcomes.get("agent_transfer", 0),
        abandoned=outcomes.get("abandoned", 0),
        unfinished=outcomes.get("unfinished", 0),
        outcomes=dict(outcomes.most_common()),
        emergency={n: emergency.get(n, 0) for n in EMERGENCY_NUMBERS}
        | {n: v for n, v in emergency.items() if n not in EMERGENCY_NUMBERS},
        emergency_failed=failed,
        declined=dict(declined.most_common()),
        answered=outcomes.get("answered", 0),
    )
    return figures, per_day
