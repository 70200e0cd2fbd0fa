"""`ivr serve`: the web service, with the supervision scheduler in the same process."""

import logging

import click

from callbacks import jobs as callback_jobs
from casework import outbox_jobs
from casework import scheduler as jobs
from casework.config import load_settings
from casework.outbox import Outbox
from ivr.cli.common import casework


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8890, show_default=True)
@click.option("--no-scheduler", is_flag=True, help="Do not run the supervision sweep here.")
def command(host: str, port: int, no_scheduler: bool) -> None:
    """Serve the webhooks, pages and API (development server)."""
    from ivr.app import create_app

    service = casework()
    logging.getLogger().setLevel(logging.INFO)
    settings = load_settings()
    try:
        app = create_app(settings, service)
    except ValueError as exc:  # a setting or data file an operator must fix: say which
        raise click.ClickException(f"cannot start: {exc}") from exc
    if not no_scheduler:
        scheduler = jobs.start(service, settings.sweep_minutes)
        callback_jobs.ensure_job(scheduler)
        outbox_jobs.ensure_jobs(scheduler, Outbox.from_settings(settings, service.db))
    app.run(host=host, port=port, threaded=True, use_reloader=False)
