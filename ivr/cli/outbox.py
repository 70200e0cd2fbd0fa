"""`ivr outbox`: messages to outside systems: list, show, deliver now, retry dead letters."""

from __future__ import annotations

import click

from casework.outbox import STATUSES, Outbox
from casework.outbox_jobs import worker_name
from ivr.cli.common import case_errors, casework, emit


def _outbox() -> Outbox:
    service = casework()
    return Outbox.from_settings(database=service.db)


@click.group("outbox")
def command() -> None:
    """The outbox toward the enforcement-supervision and credit-information systems."""


@command.command("list")
@click.option("--dead", is_flag=True, help="Only dead letters (gave up; retry with `retry`).")
@click.option("--status", type=click.Choice(STATUSES), help="Only messages in this state.")
@click.option("--topic", help="Only this topic (enforcement_grievance, violation_reports, …).")
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@case_errors
def list_messages(dead: bool, status: str | None, topic: str | None, limit: int, as_json: bool):
    """Messages, newest first."""
    service = casework()
    outbox = Outbox.from_settings(database=service.db)
    rows = outbox.list(status="dead" if dead else status, topic=topic, limit=limit)
    if as_json:
        emit([{k: v for k, v in r.to_dict().items() if k != "payload"} for r in rows], True)
        return
    if not rows:
        click.echo("no messages")
        return
    for r in rows:
        when = service.local(r.next_at) if r.status == "pending" else ""
        error = f"  {r.last_error}" if r.last_error and r.status != "delivered" else ""
        click.echo(
            f"#{r.id:<5} {r.status:<10} {r.topic:<22} {r.case_ref or '-':<18} "
            f"attempts {r.attempts}  {when}{error}"
        )


@command.command("show")
@click.argument("message_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@case_errors
def show(message_id: int, as_json: bool) -> None:
    """One message, its payload and every attempt."""
    outbox = _outbox()
    data = outbox.get(message_id).to_dict()
    data["attempt_log"] = [a.to_dict() for a in outbox.attempts(message_id)]
    emit(data, bool(as_json))


@command.command("retry")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Every dead letter.")
@click.option("--json", "as_json", is_flag=True)
@case_errors
def retry(message_ids: tuple[int, ...], all_dead: bool, as_json: bool) -> None:
    """Make dead letters pending again (after fixing the cause, e.g. the endpoint URL)."""
    count = _outbox().retry(list(message_ids), all_dead=all_dead)
    emit({"retried": count}, as_json, lambda v: f"{v['retried']} messages will be delivered again")


@command.command("deliver")
@click.option("--json", "as_json", is_flag=True)
@case_errors
def deliver(as_json: bool) -> None:
    """Deliver what is due now (what the job in `ivr serve` does every run)."""
    report = _outbox().deliver_once(worker_name())
    emit(
        report.to_dict(),
        as_json,
        lambda v: ", ".join(f"{k} {n}" for k, n in v.items()),
    )


@command.command("batch-reports")
@click.option("--json", "as_json", is_flag=True)
@case_errors
def batch_reports(as_json: bool) -> None:
    """Gather the reports of illegal acts not yet sent into one message now (article 16)."""
    message = _outbox().gather_reports()
    emit(
        {"message": message},
        as_json,
        lambda v: f"batched as message #{v['message']}" if v["message"] else "nothing new",
    )
