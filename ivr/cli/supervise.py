"""`ivr supervise`: the supervision sweep, once or on a schedule."""

import datetime as dt
import time

import click

from casework import scheduler as jobs
from casework.config import load_settings
from casework.supervision import sweep
from ivr.cli.common import casework, emit


@click.group("supervise")
def command() -> None:
    """Supervision (督办): reminders, overdue notices, escalation."""


@command.command("sweep")
@click.option("--at", "at", type=click.DateTime(), help="Pretend it is this UTC time (testing).")
@click.option("--json", "as_json", is_flag=True)
def sweep_once(at: dt.datetime | None, as_json: bool) -> None:
    """Run one sweep now."""
    now = at.replace(tzinfo=dt.UTC) if at else None
    report = sweep(casework(), now)
    emit(
        report,
        as_json,
        lambda r: "reminded {reminded}, overdue {overdue}, escalated {escalated}".format(
            **r.to_dict()
        ),
    )


@command.command("run")
def run() -> None:
    """Run the scheduler in the foreground (the sweep every HOTLINE_SWEEP_MINUTES)."""
    service = casework()
    minutes = load_settings().sweep_minutes
    scheduler = jobs.start(service, minutes)
    click.echo(f"supervision sweep every {minutes} min; Ctrl-C to stop")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        scheduler.shutdown()
