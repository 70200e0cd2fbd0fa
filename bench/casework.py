"""Casework benchmark: dispatch throughput and the supervision sweep over 100,000 open cases.

Each figure is printed next to a baseline measured in the same run on the same
database, because the machines here are noisy:

- dispatch: `Casework.create_case(..., units=[...])` (reference, case, handler,
  notice, two history events, deadlines; one transaction per case) against bare
  Core INSERTs of the same rows, one transaction per case. The bare insert of
  the case row alone is printed too.
- sweep: `supervision.sweep()` in steady state (open cases, earlier sweeps have
  marked what was already overdue, a few deadlines passed since) against a bare
  indexed `SELECT count(*)` of the overdue rows. The first catch-up sweep, which
  writes history for every overdue case at once, is printed too.

Usage: python bench/casework.py [--cases 2000] [--open 100000] [--database-url URL]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/casework.py`, this file's folder comes first on sys.path
# and its name would hide the `casework` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time

from sqlalchemy import func, insert, select, text

from casework import migrate
from casework.config import REPO_ROOT
from casework.db import Database
from casework.models import Case, CaseEvent, CaseUnit, Notice, Unit
from casework.policy import Policy
from casework.references import next_reference
from casework.service import Casework
from casework.supervision import sweep
from casework.units_file import read_units_file
from casework.workdays import WorkCalendar

LABELS = ["help_request", "complaint", "suggestion", "report_violation", "enforcement_grievance"]
TEXT = "小区门口的路灯坏了好几天，晚上出行很不方便，麻烦尽快派人修理"


def fresh_service(url: str | None, folder: Path, name: str) -> Casework:
    database = Database(url or f"sqlite:///{folder / name}.db")
    if url:  # start from an empty schema on a server database
        migrate.downgrade(database.engine, "base")
    migrate.upgrade(database.engine)
    policy = Policy.from_file(REPO_ROOT / "data" / "casework.yaml")
    service = Casework(database, WorkCalendar(end_of_business=policy.end_of_business), policy)
    service.load_units(read_units_file(REPO_ROOT / "data" / "units.yaml"))
    return service


def case_row(i: int, unit_id: int, now: dt.datetime, due: dt.datetime | None = None) -> dict:
    return dict(
        ref=f"BENCH-{i:09d}",
        channel="phone",
        caller_number="13800000000",
        label=LABELS[i % len(LABELS)],
        text=TEXT,
        location=None,
        unit_id=unit_id,
        priority="normal",
        complex=False,
        status="accepted",
        accept_due=now,
        decision_due=None,
        resolve_due=due,
        due_at=due,
        due_kind="resolve" if due else None,
        reminded_at=None,
        overdue_at=None,
        extension_status=None,
        extension_until=None,
        decision=None,
        reply=None,
        return_count=0,
        reopen_count=0,
        unit_count=1,
        lead_designated=False,
        call_sid=None,
        created_at=now,
        updated_at=now,
        resolved_at=None,
        closed_at=None,
        version=1,
    )


def bench_dispatch(service: Casework, count: int) -> tuple[float, float, float]:
    units = [u.code for u in service.list_units(active_only=True) if u.kind != "office"]
    with service.db.transaction() as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == units[0]))
    now = dt.datetime.now(dt.UTC)

    statement = insert(Case.__table__)
    start = time.perf_counter()
    for i in range(count):
        with service.db.transaction() as s:
            s.connection().execute(statement, case_row(i, unit_id, now))
    bare_case = count / (time.perf_counter() - start)

    # Every row a dispatch writes: reference counter, case, handler, notice, two events.
    statements = [insert(t.__table__) for t in (Case, CaseUnit, Notice, CaseEvent)]
    start = time.perf_counter()
    for i in range(count):
        with service.db.transaction() as s:
            c = s.connection()
            next_reference(s, now, "Asia/Shanghai")
            case_id = c.execute(
                statements[0].returning(Case.__table__.c.id), case_row(count + i, unit_id, now)
            ).scalar_one()
            c.execute(
                statements[1], dict(case_id=case_id, unit_id=unit_id, role="lead", added_at=now)
            )
            c.execute(
                statements[2],
                dict(
                    case_id=case_id,
                    unit_id=unit_id,
                    recipient="unit",
                    kind="assigned",
                    body=TEXT,
                    created_at=now,
                ),
            )
            c.execute(
                statements[3],
                [
                    dict(
                        case_id=case_id,
                        at=now,
                        actor="center:bench",
                        action=action,
                        from_status=None,
                        to_status="assigned",
                        reason=None,
                        data={},
                    )
                    for action in ("register", "assign")
                ],
            )
    bare_rows = count / (time.perf_counter() - start)

    start = time.perf_counter()
    for i in range(count):
        service.create_case(
            text=TEXT,
            label=LABELS[i % len(LABELS)],
            caller="13800000000",
            units=[units[i % len(units)]],
        )
    real = count / (time.perf_counter() - start)
    return real, bare_rows, bare_case


def fill_open_cases(service: Casework, count: int, now: dt.datetime) -> None:
    """Open cases with deadlines from 10 days ago to 20 days ahead; what passed more than an
    hour ago was marked by earlier sweeps, as in a service that sweeps every few minutes."""
    rng = random.Random(7)
    with service.db.transaction() as s:
        unit_ids = list(s.scalars(select(Unit.id)))
    rows = []
    for i in range(count):
        due = now + dt.timedelta(minutes=rng.randint(-10 * 24 * 60, 20 * 24 * 60))
        row = case_row(i, rng.choice(unit_ids), now, due)
        if due < now - dt.timedelta(hours=1):
            row["overdue_at"] = row["reminded_at"] = due
        elif due < now + dt.timedelta(hours=service.policy.reminder_hours - 1):
            row["reminded_at"] = now - dt.timedelta(hours=1)
        rows.append(row)
    for chunk in range(0, count, 10_000):
        with service.db.transaction() as s:
            s.execute(insert(Case), rows[chunk : chunk + 10_000])
    with service.db.engine.begin() as c:
        if service.db.dialect == "postgresql":
            c.execute(text("ANALYZE cases"))
        else:
            c.execute(text("ANALYZE"))


def timed(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_sweep(service: Casework, count: int) -> dict[str, float]:
    now = dt.datetime.now(dt.UTC)
    fill_open_cases(service, count, now)

    def bare_count():
        with service.db.transaction() as s:
            s.scalar(select(func.count()).select_from(Case).where(Case.due_at <= now))

    baseline = timed(bare_count)
    # Steady state: each repetition advances the clock by one sweep interval (5 minutes).
    moments = iter(now + dt.timedelta(minutes=5 * k) for k in range(1, 100))
    steady = timed(lambda: sweep(service, next(moments)))
    with service.db.transaction() as s:
        s.execute(Case.__table__.update().values(overdue_at=None, reminded_at=None))
    start = time.perf_counter()
    first = sweep(service, next(moments))
    catch_up = time.perf_counter() - start
    return dict(
        baseline=baseline,
        steady=steady,
        catch_up=catch_up,
        catch_up_rows=first.overdue + first.reminded,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases to create and dispatch")
    parser.add_argument("--open", type=int, default=100_000, help="open cases for the sweep")
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        service = fresh_service(args.database_url, Path(folder), "dispatch")
        print(f"database: {service.db.dialect}")
        real, bare_rows, bare_case = bench_dispatch(service, args.cases)
        print(
            f"dispatch: {real:8.0f} cases/s   bare insert of the same rows: {bare_rows:8.0f}/s   "
            f"ratio {bare_rows / real:4.2f}x (target <= 3x)"
        )
        print(
            f"          (bare insert of the case row alone: {bare_case:8.0f}/s, "
            f"ratio {bare_case / real:4.2f}x)"
        )
        service.db.dispose()

        service = fresh_service(args.database_url, Path(folder), "sweep")
        r = bench_sweep(service, args.open)
        print(
            f"sweep over {args.open} open cases (steady state): {r['steady'] * 1000:7.2f} ms   "
            f"bare count of overdue: {r['baseline'] * 1000:7.2f} ms   "
            f"ratio {r['steady'] / r['baseline']:4.2f}x (target <= 3x)"
        )
        print(
            f"first sweep catching up {r['catch_up_rows']} unmarked cases: "
            f"{r['catch_up'] * 1000:7.1f} ms "
            f"({r['catch_up'] / r['baseline']:5.1f}x the bare count; writes a history row each)"
        )
        service.db.dispose()


if __name__ == "__main__":
    main()
