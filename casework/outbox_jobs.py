"""The outbox's APScheduler jobs (stored by reference, so they survive restarts).

Delivery runs every ``delivery.every_seconds``; the batch of reports of illegal
acts for the enforcement-supervision platform every ``reports.every_minutes``.
Both are safe with two schedulers running them at once.
"""

from __future__ import annotations

import logging
import os
import socket
from functools import cache

from apscheduler.schedulers.base import BaseScheduler

from casework.config import load_settings
from casework.outbox import DeliveryReport, Outbox

log = logging.getLogger(__name__)
DELIVERY_JOB = "outbox-delivery"
REPORTS_JOB = "outbox-violation-reports"


@cache
def _outbox(database_url: str) -> Outbox:
    return Outbox.from_settings(load_settings())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_delivery() -> DeliveryReport:
    """The job: take back lost messages and deliver what is due."""
    outbox = _outbox(load_settings().database_url)
    report = outbox.deliver_once(worker_name(), budget_seconds=outbox.settings.every_seconds)
    if report.delivered or report.failed or report.dead or report.recovered:
        log.info("outbox delivery: %s", report.to_dict())
    return report


def run_reports() -> int | None:
    """The job: gather the reports of illegal acts not yet sent into one message."""
    message = _outbox(load_settings().database_url).gather_reports()
    if message is not None:
        log.info("outbox: reports of illegal acts batched as message #%s", message)
    return message


def ensure_jobs(scheduler: BaseScheduler, outbox: Outbox) -> None:
    """Add (or re-time) both jobs on a scheduler with a database job store."""
    wanted = {
        DELIVERY_JOB: ("casework.outbox_jobs:run_delivery", outbox.settings.every_seconds),
        REPORTS_JOB: (
            "casework.outbox_jobs:run_reports",
            outbox.settings.report_every_minutes * 60,
        ),
    }
    for job_id, (func, seconds) in wanted.items():
        job = scheduler.get_job(job_id)
        if job is None:
            scheduler.add_job(func, "interval", seconds=seconds, id=job_id, name=job_id)
        elif job.trigger.interval.total_seconds() != seconds:
            scheduler.reschedule_job(job_id, trigger="interval", seconds=seconds)
