"""APScheduler with a job store in the database: the supervision sweep survives restarts.

Jobs are stored by reference (``casework.scheduler:run_sweep``), so a job
written by one process is run by whichever process starts next. The sweep is
idempotent (each rule only touches rows not yet marked), so two schedulers
running it at once do no harm.
"""

from __future__ import annotations

import logging
from functools import cache

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler

from casework.config import load_settings
from casework.service import Casework
from casework.supervision import SweepReport, sweep

log = logging.getLogger(__name__)

SWEEP_JOB = "supervision-sweep"
JOB_TABLE = "apscheduler_jobs"


@cache
def _casework_for(database_url: str) -> Casework:
    return Casework.from_settings(load_settings())


def run_sweep() -> SweepReport:
    """The job: one sweep over the database named by the environment."""
    casework = _casework_for(load_settings().database_url)
    report = sweep(casework)
    log.info("supervision sweep: %s", report.to_dict())
    return report


def build_scheduler(casework: Casework) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=casework.db.engine, tablename=JOB_TABLE)},
        timezone=casework.calendar.timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )


def ensure_sweep_job(scheduler: BaseScheduler, minutes: int) -> None:
    """Add the sweep job once; a stored job keeps its next run time unless the interval changed."""
    job = scheduler.get_job(SWEEP_JOB)
    if job is None:
        scheduler.add_job(
            "casework.scheduler:run_sweep",
            "interval",
            minutes=minutes,
            id=SWEEP_JOB,
            name="supervision sweep",
        )
    elif job.trigger.interval.total_seconds() != minutes * 60:
        scheduler.reschedule_job(SWEEP_JOB, trigger="interval", minutes=minutes)


def start(casework: Casework, minutes: int) -> BackgroundScheduler:
    """Start the scheduler in a background thread, with the sweep job in place."""
    scheduler = build_scheduler(casework)
    scheduler.start(paused=True)  # paused: stored jobs are visible but nothing runs yet
    ensure_sweep_job(scheduler, minutes)
    scheduler.resume()
    return scheduler
