# ruff: noqa: E402  (the imports follow the sys.path fix below)
"""Reports benchmark: the dashboard's figures over 1,000,000 cases.

Fills a fresh database with a year of hotline work by bulk INSERTs (cases, the
acceptances and returns in their history, callbacks, calls, answer ratings),
then measures, on the same database in the same run:

- baseline: a bare ``SELECT label, status, count(*) FROM cases WHERE created_at
  in the year GROUP BY label, status`` over the same rows;
- figures: `casework.reports.compute` for that year (every figure on the
  dashboard: calls, ratings, cases by label/status/unit/district, the on-time,
  return, reopen, satisfaction and reach rates, the per-unit figures, the trend
  by day), printed as a ratio to the baseline (target within 5x);
- the dashboard's work lists (overdue, escalated, reopened; 50 lines each) and
  one week's figures, for scale.

Each measurement alternates with the baseline and the median ratio is printed
(the machines here are shared and noisy); timings are printed, never asserted.

Usage: python bench/reports.py [--cases 1000000] [--database-url URL [--reuse]] [--keep PATH]

``--keep PATH`` puts the SQLite database in PATH and leaves it there; a later run
with the same PATH measures again on those rows without filling anew (the reports'
migration 0007 is applied again, so a change to its indexes is measured too).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/reports.py`, this file's folder comes first on sys.path and
# `bench/casework.py` would hide the `casework` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time

from sqlalchemy import and_, func, select, text

from casework import migrate
from casework.config import REPO_ROOT
from casework.db import Database
from casework.models import Case, Unit
from casework.policy import Policy
from casework.reports import Period, compute, escalated_cases, overdue_cases, reopened_cases
from casework.service import Casework
from casework.units_file import read_units_file
from casework.workdays import WorkCalendar

YEAR = Period.parse("2026-01-01", "2026-12-31")
LABELS = ["help_request", "complaint", "suggestion", "report_violation", "enforcement_grievance"]
TEXTS = [
    "小区停水三天了，自来水管道破裂",
    "河西区小海地的路灯坏了，晚上很黑",
    "楼下饭店油烟扰民，晚上噪音很大",
    "反映办事窗口工作人员态度差",
    "建议在地铁站附近增加公交线路",
]
CHUNK = 20_000
CASE_COLUMNS = [
    "ref",
    "channel",
    "caller_number",
    "label",
    "text",
    "location",
    "unit_id",
    "priority",
    "complex",
    "status",
    "accept_due",
    "decision_due",
    "resolve_due",
    "due_at",
    "due_kind",
    "return_count",
    "reopen_count",
    "unit_count",
    "lead_designated",
    "created_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "version",
]
EVENT_COLUMNS = ["case_id", "at", "actor", "action", "from_status", "to_status", "data"]
CALLBACK_COLUMNS = [
    "kind",
    "case_id",
    "case_round",
    "to_number",
    "matter_date",
    "status",
    "attempts",
    "outcome",
    "answers",
    "created_at",
    "updated_at",
]
CALL_COLUMNS = [
    "call_sid",
    "direction",
    "from_number",
    "step",
    "state",
    "label",
    "emergency",
    "outcome",
    "dial_status",
    "status",
    "started_at",
    "updated_at",
    "version",
]
OUTCOMES = [
    ("case_created", 40),
    ("answered", 25),
    ("agent_transfer", 10),
    ("declined", 8),
    ("emergency_transfer", 5),
    ("enterprise_referral", 5),
    ("abandoned", 7),
]


def fresh_service(url: str | None, path: Path, reuse: bool = False) -> Casework:
    """The service on ``url`` or on the SQLite file ``path``; emptied unless ``reuse``."""
    database = Database(url or f"sqlite:///{path}")
    if reuse:  # keep the rows; the reports' indexes as migration 0007 has them now
        migrate.downgrade(database.engine, "0006")
    elif url:  # start from an empty schema on a server database
        migrate.downgrade(database.engine, "base")
    migrate.upgrade(database.engine)
    policy = Policy.from_file(REPO_ROOT / "data" / "casework.yaml")
    service = Casework(database, WorkCalendar(end_of_business=policy.end_of_business), policy)
    service.load_units(read_units_file(REPO_ROOT / "data" / "units.yaml"))
    return service


def stamper(dialect: str):
    """Naive UTC datetimes as the database stores them (on SQLite the text SQLAlchemy writes,
    always with microseconds), so the bulk INSERTs skip per-value type processing."""
    if dialect != "sqlite":
        return lambda moment: moment
    return lambda moment: None if moment is None else moment.isoformat(" ", "microseconds")


def _insert_sql(table: str, columns: list[str]) -> str:
    names = ", ".join(columns)
    marks = ", ".join(f"%({c})s" for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"


def fill(service: Casework, count: int) -> dict[str, int]:
    """A year of work: ``count`` cases spread evenly, with their history, callbacks, calls."""
    db = service.db
    stamp = stamper(db.dialect)
    rng = random.Random(7)
    with db.reading() as c:
        units = c.execute(
            select(Unit.id, Unit.code).where(Unit.kind.in_(["district", "bureau", "utility"]))
        ).all()
    start = YEAR.lo.replace(tzinfo=None)  # naive UTC from here on
    spacing = (YEAR.hi - YEAR.lo) / count
    totals = dict(cases=0, events=0, callbacks=0, calls=0, ratings=0)
    json_empty = "{}"
    for first in range(0, count, CHUNK):
        cases, events, callbacks, calls, ratings = [], [], [], [], []
        ids = range(first + 1, min(first + CHUNK, count) + 1)
        for case_id in ids:
            created = start + spacing * (case_id - 1)
            unit_id, code = units[case_id % len(units)]
            r = rng.random()
            status = (
                "registered" if r < 0.02 else "assigned" if r < 0.05
                else "accepted" if r < 0.20 else "reopened" if r < 0.22
                else "resolved" if r < 0.25 else "escalated" if r < 0.26
                else "returned" if r < 0.27 else "closed"
            )  # fmt: skip
            dispatched = status not in ("registered", "returned")
            accept_due = created + dt.timedelta(hours=30)
            resolve_due = created + dt.timedelta(days=5)
            accepted = status in ("accepted", "reopened", "resolved", "closed")
            resolved_at = (
                created + dt.timedelta(hours=rng.randint(4, 160))
                if status in ("resolved", "closed")
                else None
            )
            returned = status == "returned" or rng.random() < 0.04
            reopened = status == "reopened" or (status == "closed" and rng.random() < 0.03)
            due_at = accept_due if status == "assigned" else None
            due_at = resolve_due if status in ("accepted", "reopened") else due_at
            cases.append(
                dict(
                    ref=f"BENCH{case_id:010d}",
                    channel="phone",
                    caller_number="13800000000",
                    label=LABELS[case_id % len(LABELS)],
                    text=TEXTS[case_id % len(TEXTS)],
                    location=None,
                    unit_id=unit_id if dispatched else None,
                    priority="normal",
                    complex=False,
                    status=status,
                    accept_due=stamp(accept_due),
                    decision_due=None,
                    resolve_due=stamp(resolve_due),
                    due_at=stamp(due_at),
                    due_kind=None if due_at is None else "resolve",
                    return_count=int(returned),
                    reopen_count=int(reopened),
                    unit_count=int(dispatched),
                    lead_designated=False,
                    created_at=stamp(created),
                    updated_at=stamp(created),
                    resolved_at=stamp(resolved_at),
                    closed_at=stamp(resolved_at) if status == "closed" else None,
                    version=1,
                )
            )  # fmt: skip
            if returned:
                other = units[(case_id + 1) % len(units)][1]
                events.append(
                    dict(
                        case_id=case_id,
                        at=stamp(created + dt.timedelta(hours=3)),
                        actor=f"unit:{other}",
                        action="return",
                        from_status="assigned",
                        to_status="returned",
                        data=json_empty,
                    )
                )
            if accepted:
                late = rng.random() < 0.08
                events.append(
                    dict(
                        case_id=case_id,
                        at=stamp(created + dt.timedelta(hours=40 if late else 5)),
                        actor=f"unit:{code}",
                        action="accept",
                        from_status="assigned",
                        to_status="accepted",
                        data=json_empty,
                    )
                )
            if status == "closed" and case_id % 3 == 0:
                called = resolved_at + dt.timedelta(days=1)
                outcome = rng.choices(
                    ["satisfied", "unsolved", "dissatisfied", "unreachable"], [80, 8, 5, 7]
                )[0]
                callbacks.append(
                    dict(
                        kind="case",
                        case_id=case_id,
                        case_round=0,
                        to_number="13800000000",
                        matter_date=created.date().isoformat(),
                        status="done",
                        attempts=1,
                        outcome=outcome,
                        answers=json_empty,
                        created_at=stamp(resolved_at),
                        updated_at=stamp(called),
                    )
                )
            if case_id % 2 == 0:  # a call for every other case, of every kind
                outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
                calls.append(
                    dict(
                        call_sid=f"CA{case_id:032d}",
                        direction="inbound",
                        from_number="13800000000",
                        step="done",
                        state=json_empty,
                        label="emergency" if outcome == "emergency_transfer" else "help_request",
                        emergency="110" if outcome == "emergency_transfer" else None,
                        outcome=outcome,
                        dial_status="completed" if outcome == "emergency_transfer" else None,
                        status="completed",
                        started_at=stamp(created),
                        updated_at=stamp(created),
                        version=1,
                    )
                )
                if outcome == "answered":
                    ratings.append(
                        dict(
                            call_sid=f"CA{case_id:032d}",
                            kb_id=f"kb-{case_id % 120}",
                            rating=rng.choice([1, 1, 1, 2, 3]),
                            at=stamp(created),
                        )
                    )
        with db.engine.begin() as c:
            for table, columns, rows in (
                ("cases", CASE_COLUMNS, cases),
                ("case_events", EVENT_COLUMNS, events),
                ("callbacks", CALLBACK_COLUMNS, callbacks),
                ("calls", CALL_COLUMNS, calls),
                ("answer_ratings", ["call_sid", "kb_id", "rating", "at"], ratings),
            ):
                if rows:
                    c.exec_driver_sql(_paramstyle(db, _insert_sql(table, columns)), rows)
        for key, rows in (
            ("cases", cases),
            ("events", events),
            ("callbacks", callbacks),
            ("calls", calls),
            ("ratings", ratings),
        ):
            totals[key] += len(rows)
    analyze(db)
    return totals


def analyze(db: Database) -> None:
    """As after autovacuum in a running service: statistics, and the visibility map that
    lets PostgreSQL answer from an index alone."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE" if db.dialect == "postgresql" else "ANALYZE"))


def _paramstyle(db: Database, sql: str) -> str:
    if db.dialect == "sqlite":  # sqlite3 takes :name
        import re

        return re.sub(r"%\((\w+)\)s", r":\1", sql)
    return sql


def once(fn) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def against(fn, baseline, repeat: int) -> tuple[float, float, float]:
    """Median time of ``fn``, of ``baseline``, and the median of their ratios, measured in
    alternation so that a change in the machine's load hits both alike."""
    pairs = [(once(fn), once(baseline)) for _ in range(repeat)]
    return (
        statistics.median(t for t, _ in pairs),
        statistics.median(b for _, b in pairs),
        statistics.median(t / b for t, b in pairs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: keep the cases an earlier run left there (no refill)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="PATH",
        help="SQLite: fill the database in PATH and keep it; reuse it when it is already there",
    )
    args = parser.parse_args()
    if args.keep and args.database_url:
        raise SystemExit("--keep is for SQLite; with --database-url use --reuse")

    with tempfile.TemporaryDirectory() as folder:
        path = args.keep or Path(folder) / "reports.db"
        reuse = args.reuse or bool(args.keep and args.keep.exists())
        service = fresh_service(args.database_url, path, reuse)
        db = service.db
        print(f"database: {db.dialect}")
        with db.reading() as c:
            there = c.execute(select(func.count()).select_from(Case)).scalar()
        if reuse and there == args.cases:
            totals = {"cases": there}
            analyze(db)  # the indexes migration 0007 made again
            print(f"reusing the {there:,} cases already there")
        else:
            if there:
                raise SystemExit(
                    f"the database holds {there:,} cases, not {args.cases:,}: "
                    "leave out --reuse or remove the --keep file to start afresh"
                )
            began = time.perf_counter()
            totals = fill(service, args.cases)
            took = time.perf_counter() - began
            print(
                f"filled in {took:.1f} s ({totals['cases'] / took:,.0f} cases/s with their rows): "
                + ", ".join(f"{n:,} {k}" for k, n in totals.items())
            )
        now = YEAR.hi + dt.timedelta(days=3)
        cases = Case.__table__

        def baseline() -> None:
            with db.reading() as c:
                c.execute(
                    select(cases.c.label, cases.c.status, func.count())
                    .where(and_(cases.c.created_at >= YEAR.lo, cases.c.created_at < YEAR.hi))
                    .group_by(cases.c.label, cases.c.status)
                ).all()

        figures = compute(db, YEAR, now)  # warm the caches once, and check the counts
        assert figures.cases == totals["cases"], (figures.cases, totals["cases"])
        baseline()
        week_period = Period.parse("2026-06-01", "2026-06-07")
        year, base, ratio = against(lambda: compute(db, YEAR, now), baseline, args.repeat)
        week, _, week_ratio = against(lambda: compute(db, week_period, now), baseline, args.repeat)
        lists, _, lists_ratio = against(
            lambda: (overdue_cases(db, now), escalated_cases(db), reopened_cases(db)),
            baseline,
            args.repeat,
        )
        print(f"bare GROUP BY count over the year's {figures.cases:,} cases: {base * 1000:8.1f} ms")
        print(
            f"dashboard figures for the year:                {year * 1000:8.1f} ms   "
            f"ratio {ratio:5.2f}x (target <= 5x)"
        )
        print(
            f"  on-time acceptance {figures.on_time_accept.percent()}, "
            f"completion {figures.on_time_complete.percent()}, "
            f"satisfaction {figures.satisfaction.percent()}, calls {figures.calls.total:,}"
        )
        print(
            f"dashboard figures for one week:                {week * 1000:8.1f} ms   "
            f"ratio {week_ratio:5.2f}x"
        )
        print(
            f"work lists (overdue, escalated, reopened):     {lists * 1000:8.1f} ms   "
            f"ratio {lists_ratio:5.2f}x"
        )
        db.dispose()


if __name__ == "__main__":
    main()
