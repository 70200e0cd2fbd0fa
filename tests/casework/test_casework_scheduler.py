"""The supervision job lives in the database: a restarted scheduler finds and runs it."""

import datetime as dt
import time

from sqlalchemy import text

from casework import scheduler as jobs
from casework.service import Casework, Who


def test_a_pending_job_survives_a_restart_and_runs(casework, database_url):
    # Something overdue for the sweep to find.
    case = casework.create_case(text="x", label="help_request", units=["utility.water"])
    casework.accept(case.ref, Who.unit_user("utility.water"))
    with casework.db.engine.begin() as c:  # make it overdue in real time
        c.execute(text("UPDATE cases SET due_at = :past"), {"past": dt.datetime(2026, 1, 5, 9, 30)})

    # Process 1 schedules the sweep to run in 2 seconds, then stops before it runs.
    first = jobs.build_scheduler(casework)
    first.start(paused=True)
    first.add_job(
        "casework.scheduler:run_sweep",
        "interval",
        minutes=5,
        id=jobs.SWEEP_JOB,
        next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2),
    )
    first.shutdown(wait=False)
    with casework.db.engine.connect() as c:
        assert c.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all() == [
            jobs.SWEEP_JOB
        ]
    assert not casework.get_case(case.ref).overdue

    # Process 2 starts later on the same database, finds the stored job and runs it.
    time.sleep(2.5)
    second = jobs.start(Casework.from_settings(), minutes=5)
    try:
        deadline = time.monotonic() + 20
        while not casework.get_case(case.ref).overdue and time.monotonic() < deadline:
            time.sleep(0.2)
        assert casework.get_case(case.ref).overdue
        assert casework.history(case.ref)[-1].actor == "system:supervision"
        job = second.get_job(jobs.SWEEP_JOB)
        assert job is not None and job.next_run_time > dt.datetime.now(dt.UTC)
    finally:
        second.shutdown(wait=True)


def test_starting_twice_keeps_one_job_and_its_schedule(casework):
    first = jobs.start(casework, minutes=5)
    next_run = first.get_job(jobs.SWEEP_JOB).next_run_time
    first.shutdown()
    second = jobs.start(casework, minutes=5)
    try:
        assert [j.id for j in second.get_jobs()] == [jobs.SWEEP_JOB]
        assert second.get_job(jobs.SWEEP_JOB).next_run_time == next_run
    finally:
        second.shutdown()
    third = jobs.start(casework, minutes=2)
    try:
        assert third.get_job(jobs.SWEEP_JOB).trigger.interval == dt.timedelta(minutes=2)
    finally:
        third.shutdown()
