"""The dashboard's figures for a period, as plain values (articles 12, 13, 18, 22).

A handful of set-based queries, each one GROUP BY over the period's rows read
from a covering index (migration 0007); the totals, shares and per-unit and
per-district figures are added up in Python from the grouped rows (tens to a few
thousand), never from the rows themselves.

What "in the period" means (Beijing days, see `Period`):

- calls, answer ratings and callbacks: those that started, were given or were
  finished in the period;
- cases: the cases registered in the period, as they stand now (their
  acceptance, completion, returns and reopens so far).

The rates (numerator / denominator), all per case:

- on-time acceptance: acceptances (签收) no later than the case's acceptance
  deadline / acceptances + cases still waiting for acceptance past it;
- on-time completion: cases resolved (办结) no later than the resolve deadline
  (after an approved extension, the extended one) / cases resolved + cases
  still being handled past it;
- return rate: returns / (acceptances + returns): the share of the units'
  answers to a dispatch that sent the case back;
- reopen rate: cases reopened (重办) at least once / cases resolved at least once;
- satisfaction: callbacks answered "solved and satisfied" / callbacks with an
  answer (satisfied, unsolved, dissatisfied);
- callback reach: finished callbacks that reached the citizen / finished callbacks.

A unit's acceptances and returns are the ones it made (the history's actor);
everything else about a case counts for its current lead unit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, func, literal, select
from sqlalchemy.engine import Connection

from casework.db import Database
from casework.lifecycle import Status
from casework.models import AnswerRating, Callback, Case, CaseEvent, Unit
from casework.reports.calls import CallFigures, call_figures
from casework.reports.period import Period
from casework.reports.sql import count_if, counts_per_day, in_period
from casework.service import CASE_LABELS

_cases = Case.__table__
_events = CaseEvent.__table__
_ratings = AnswerRating.__table__
_callbacks = Callback.__table__
_units = Unit.__table__

ANSWERED_CALLBACK = ("satisfied", "unsolved", "dissatisfied")
HANDLING_OR_WAITING = ("assigned", "accepted", "reopened")
NO_DISTRICT = "市级部门"
NO_UNIT = "未分派"
TIANJIN_DISTRICTS = (
    "和平区",
    "河东区",
    "河西区",
    "南开区",
    "河北区",
    "红桥区",
    "东丽区",
    "西青区",
    "津南区",
    "北辰区",
    "武清区",
    "宝坻区",
    "宁河区",
    "静海区",
    "蓟州区",
    "滨海新区",
)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """The share 0-1, or None when there is nothing to count."""
        return self.numerator / self.denominator if self.denominator else None

    def percent(self) -> str:
        value = self.value
        return "—" if value is None else f"{value * 100:.1f}%"

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.numerator + other.numerator, self.denominator + other.denominator)


NO_RATE = Rate(0, 0)


@dataclass
class UnitStats:
    """One unit's counts for the period (its cases, acceptances, returns, callbacks)."""

    code: str
    name: str
    district: str | None
    cases: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    waiting_late: int = 0
    returns: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    handling_late: int = 0
    reopened: int = 0
    ever_resolved: int = 0
    overdue_now: int = 0
    satisfied: int = 0
    callbacks_answered: int = 0

    @property
    def on_time_accept(self) -> Rate:
        return Rate(self.accepted_on_time, self.accepted + self.waiting_late)

    @property
    def on_time_complete(self) -> Rate:
        return Rate(self.resolved_on_time, self.resolved + self.handling_late)

    @property
    def return_rate(self) -> Rate:
        return Rate(self.returns, self.accepted + self.returns)

    @property
    def reopen_rate(self) -> Rate:
        return Rate(self.reopened, self.ever_resolved)

    @property
    def satisfaction(self) -> Rate:
        return Rate(self.satisfied, self.callbacks_answered)


@dataclass(frozen=True)
class Figures:
    period: Period
    now: dt.datetime
    calls: CallFigures
    ratings: dict[int, int]  # 1 satisfied, 2 basically, 3 dissatisfied → ratings given
    cases: int
    by_label: dict[str, int]
    by_status: dict[str, int]
    by_district: dict[str, int]  # the 16 districts, 市级部门, 未分派
    units: dict[str, UnitStats]  # unit code → its figures; only units with something
    on_time_accept: Rate
    on_time_complete: Rate
    return_rate: Rate
    reopen_rate: Rate
    satisfaction: Rate
    callback_reach: Rate
    callbacks_done: int
    callback_outcomes: dict[str, int]
    overdue_now: int  # the period's cases whose running deadline has passed
    days: list[tuple[dt.date, int, int]]  # Beijing day, calls, cases

    @property
    def ratings_given(self) -> int:
        return sum(self.ratings.values())

    @property
    def rating_satisfied(self) -> Rate:
        return Rate(self.ratings.get(1, 0), self.ratings_given)

    def by_unit(self) -> dict[str, int]:
        return {code: u.cases for code, u in self.units.items() if u.cases}


def compute(db: Database, period: Period, now: dt.datetime) -> Figures:
    """All of the dashboard's figures for ``period``, judged at ``now``."""
    with db.reading() as c:
        units = _unit_table(c)
        stats: dict[str, UnitStats] = {}

        def unit(unit_id: int | None = None, code: str | None = None) -> UnitStats | None:
            row = units.get(unit_id) if unit_id is not None else units.get(code)
            if row is None:
                return None
            if row.code not in stats:
                stats[row.code] = UnitStats(row.code, row.name, row.district)
            return stats[row.code]

        cases_per_day = counts_per_day(c, _cases.c.created_at, period)
        totals = _CaseTotals()
        for row in _case_rows(c, period, now, sum(cases_per_day.values())):
            totals.add(row, unit(row.unit_id), units.get(row.unit_id))
        accepted = accepted_on_time = returns = 0
        ids = totals.id_range()
        for row in c.execute(_answer_query(period, ids)) if ids else ():
            kind, _, code = (row.actor or "").partition(":")
            who = unit(code=code) if kind == "unit" else None
            if row.action == "accept":
                accepted += row.n
                accepted_on_time += row.on_time
                if who:
                    who.accepted += row.n
                    who.accepted_on_time += row.on_time
            else:
                returns += row.n
                if who:
                    who.returns += row.n
        callbacks = Counter()
        satisfied = answered = 0
        for row in c.execute(_callback_query(period)):
            callbacks[row.outcome or "unknown"] += row.n
            if row.kind != "case" or row.outcome not in ANSWERED_CALLBACK:
                continue
            answered += row.n
            satisfied += row.n if row.outcome == "satisfied" else 0
            who = unit(row.unit_id)
            if who:
                who.callbacks_answered += row.n
                who.satisfied += row.n if row.outcome == "satisfied" else 0
        calls, calls_per_day = call_figures(c, period)
        ratings = {
            int(r): n
            for r, n in c.execute(
                select(_ratings.c.rating, func.count())
                .where(_ratings.c.at >= period.lo, _ratings.c.at < period.hi)
                .group_by(_ratings.c.rating)
            )
        }
        days = _days(period, calls_per_day, cases_per_day)
    done = sum(callbacks.values())
    return Figures(
        period=period,
        now=now,
        calls=calls,
        ratings=ratings,
        cases=totals.cases,
        by_label=dict(totals.by_label.most_common()),
        by_status=dict(totals.by_status.most_common()),
        by_district=totals.districts(),
        units=dict(sorted(stats.items(), key=lambda kv: (-kv[1].cases, kv[0]))),
        on_time_accept=Rate(accepted_on_time, accepted + totals.waiting_late),
        on_time_complete=Rate(totals.resolved_on_time, totals.resolved + totals.handling_late),
        return_rate=Rate(returns, accepted + returns),
        reopen_rate=Rate(totals.reopened, totals.ever_resolved),
        satisfaction=Rate(satisfied, answered),
        callback_reach=Rate(done - callbacks.get("unreachable", 0), done),
        callbacks_done=done,
        callback_outcomes=dict(callbacks.most_common()),
        overdue_now=totals.overdue_now,
        days=days,
    )


# ----------------------------------------------------------------- cases


CASE_STATUSES = tuple(Status)


def _case_rows(c: Connection, period: Period, now: dt.datetime, expected: int) -> list:
    """The period's cases grouped by lead unit, status and label, with their flags.

    PostgreSQL hashes the groups. SQLite groups by sorting every row, unless the rows
    come in the groups' order: asked for the known units (then the undispatched cases),
    statuses and labels, each combination is one range of the ``ix_cases_report`` index,
    read in its order, no table rows, no sort. Should those groups not add up to the
    ``expected`` number of cases (a status or label these lists do not know), the plain
    GROUP BY answers.
    """
    if c.dialect.name == "sqlite":
        rows = _known_case_rows(c, period, now)
        if sum(row.n for row in rows) == expected:
            return _in_label_order(rows)
    return _in_label_order(c.execute(_case_query(period, now)).all())


def _in_label_order(rows: list) -> list:
    """By label, status, unit (undispatched first): equal counts list in that order."""
    return sorted(rows, key=lambda r: (r.label, r.status, r.unit_id is not None, r.unit_id or 0))


def _known_case_rows(c: Connection, period: Period, now: dt.datetime) -> list:
    k = _cases.c
    known = (k.status.in_(CASE_STATUSES), k.label.in_(sorted(CASE_LABELS)))
    return [
        *c.execute(_case_query(period, now, k.unit_id.in_(select(_units.c.id)), *known)),
        *c.execute(_case_query(period, now, k.unit_id.is_(None), *known)),
    ]


def _case_query(period: Period, now: dt.datetime, *where):
    c = _cases.c
    now_ = literal(now, c.due_at.type)
    return (
        select(
            c.unit_id,
            c.status,
            c.label,
            func.count().label("n"),
            count_if(c.resolved_at.is_not(None)).label("resolved"),
            count_if(c.resolved_at <= c.resolve_due).label("resolved_on_time"),
            count_if(and_(c.status.in_(HANDLING_OR_WAITING), c.resolve_due < now_)).label(
                "handling_late"
            ),
            count_if(and_(c.status == "assigned", c.accept_due < now_)).label("waiting_late"),
            count_if(c.reopen_count > 0).label("reopened"),
            count_if((c.resolved_at.is_not(None)) | (c.reopen_count > 0)).label("ever_resolved"),
            count_if(c.due_at < now_).label("overdue_now"),
            func.min(c.id).label("first_id"),
            func.max(c.id).label("last_id"),
        )
        .where(*where, in_period(c.created_at, period))
        .group_by(c.unit_id, c.status, c.label)
    )


_CASE_FLAGS = (
    "resolved",
    "resolved_on_time",
    "handling_late",
    "waiting_late",
    "reopened",
    "ever_resolved",
    "overdue_now",
)


class _CaseTotals:
    """Adds up the grouped case rows: totals, and by label, status, district."""

    def __init__(self) -> None:
        self.cases = self.resolved = self.resolved_on_time = self.handling_late = 0
        self.waiting_late = self.reopened = self.ever_resolved = self.overdue_now = 0
        self.by_label: Counter[str] = Counter()
        self.by_status: Counter[str] = Counter()
        self.by_district: Counter[str] = Counter()
        self.first_id: int | None = None
        self.last_id: int | None = None

    def add(self, row, stats: UnitStats | None, unit) -> None:
        n = row.n
        self.cases += n
        self.by_label[row.label] += n
        self.by_status[row.status] += n
        district = NO_UNIT if unit is None else (unit.district or NO_DISTRICT)
        self.by_district[district] += n
        if stats is not None:
            stats.cases += n
        if self.first_id is None or row.first_id < self.first_id:
            self.first_id = row.first_id
        if self.last_id is None or row.last_id > self.last_id:
            self.last_id = row.last_id
        for name in _CASE_FLAGS:
            value = int(getattr(row, name) or 0)
            setattr(self, name, getattr(self, name) + value)
            if stats is not None:
                setattr(stats, name, getattr(stats, name) + value)

    def id_range(self) -> tuple[int, int] | None:
        """The lowest and highest id among the cases (for the history's index range)."""
        return None if self.first_id is None else (self.first_id, self.last_id)

    def districts(self) -> dict[str, int]:
        grid = {d: self.by_district.get(d, 0) for d in TIANJIN_DISTRICTS}
        for extra in (NO_DISTRICT, NO_UNIT):
            grid[extra] = self.by_district.get(extra, 0)
        for other, n in self.by_district.items():  # a district not in the list (renamed unit)
            grid.setdefault(other, n)
        return grid


def _answer_query(period: Period, ids: tuple[int, int]):
    """Acceptances and returns of the period's cases, by who made them.

    The case id range lets the database walk the history's (action, case_id) index
    for just those cases; the period test on the case keeps it exact.
    """
    e, c = _events.c, _cases.c
    return (
        select(
            e.action,
            e.actor,
            func.count().label("n"),
            count_if(e.at <= c.accept_due).label("on_time"),  # read for acceptances only
        )
        .select_from(_events.join(_cases, _cases.c.id == e.case_id))
        .where(
            e.action.in_(("accept", "return")),
            e.case_id.between(*ids),
            in_period(c.created_at, period),
        )
        .group_by(e.action, e.actor)
    )


def _callback_query(period: Period):
    """Callbacks finished in the period, by kind, outcome and the case's lead unit."""
    b = _callbacks.c
    return (
        select(b.kind, b.outcome, _cases.c.unit_id, func.count().label("n"))
        .select_from(_callbacks.outerjoin(_cases, _cases.c.id == b.case_id))
        .where(b.status == "done", in_period(b.updated_at, period))
        .group_by(b.kind, b.outcome, _cases.c.unit_id)
    )


def _unit_table(c: Connection) -> dict:
    """Units by id and by code (a few dozen rows)."""
    rows = c.execute(select(_units.c.id, _units.c.code, _units.c.name, _units.c.district)).all()
    return {**{r.id: r for r in rows}, **{r.code: r for r in rows}}


# ----------------------------------------------------------------- by day


def _days(
    period: Period, calls: Counter[str], cases: Counter[str]
) -> list[tuple[dt.date, int, int]]:
    """Calls and cases per Beijing day, every day of the period."""
    return [
        (d, calls.get(d.isoformat(), 0), cases.get(d.isoformat(), 0)) for d in period.day_list()
    ]
