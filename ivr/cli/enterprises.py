"""`ivr enterprises`: member enterprises recommended for paid household services."""

from pathlib import Path

import click

from casework.calls import CallLog, read_enterprise_file
from casework.lifecycle import CaseError
from ivr.cli.common import case_errors, casework, emit
from ivr.config import load_voice_settings


@click.group("enterprises")
def command() -> None:
    """Member enterprises (加盟企业)."""


@command.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def load(path: Path | None) -> None:
    """Load or update member enterprises (default: data/enterprises.yaml)."""
    path = path or load_voice_settings().enterprises_file
    try:
        _, specs = read_enterprise_file(path)
    except CaseError as exc:
        raise click.ClickException(str(exc)) from exc
    service = casework()
    count = CallLog(service.db).load_enterprises(specs)
    sample = " (SAMPLE DATA: replace before going live)" if any(s.sample for s in specs) else ""
    click.echo(f"{count} member enterprises loaded from {path}{sample}")


# ----------------------------------------------------------------- standing (article 24)


def _standing():
    from casework.enterprise_standing import Enterprises

    return Enterprises(casework().db)


def _standing_line(e) -> str:
    state = f"SUSPENDED ({e.cause}: {e.reason})" if e.suspended else "recommended"
    if not e.active:
        state = "inactive (data file)"
    return f"{e.code:<22} {e.name:<20} rating {e.rating:.2f} ({e.rating_count})  {state}"


@command.command("list")
@click.option("--json", "as_json", is_flag=True)
@case_errors
def list_enterprises(as_json: bool) -> None:
    """Member enterprises with their rating and whether they are suspended."""
    rows = _standing().list()
    emit(rows, as_json, lambda rs: "\n".join(_standing_line(e) for e in rs) or "none loaded")


@command.command("suspend")
@click.argument("code")
@click.option("--reason", required=True, help="Why (kept and sent to the credit system).")
@click.option("--by", "supervisor", required=True, help="The supervisor's username.")
@click.option("--json", "as_json", is_flag=True)
@case_errors
def suspend(code: str, reason: str, supervisor: str, as_json: bool) -> None:
    """Suspend a member enterprise: it is no longer recommended."""
    emit(_standing().suspend(code, reason, supervisor), as_json, _standing_line)


@command.command("reinstate")
@click.argument("code")
@click.option("--reason", required=True, help="Why it may be recommended again.")
@click.option("--by", "supervisor", required=True, help="The supervisor's username.")
@click.option("--json", "as_json", is_flag=True)
@case_errors
def reinstate(code: str, reason: str, supervisor: str, as_json: bool) -> None:
    """Lift a suspension (supervisors only)."""
    emit(_standing().reinstate(code, reason, supervisor), as_json, _standing_line)


@command.command("violation")
@click.argument("code")
@click.option("--kind", type=click.Choice(["violation", "consumer_rights"]), required=True)
@click.option("--description", required=True)
@click.option("--source", help="Where the record comes from (e.g. 市场监管局 decision no.).")
@click.option("--by", "supervisor", required=True, help="The supervisor's username.")
@click.option("--json", "as_json", is_flag=True)
@case_errors
def violation(
    code: str, kind: str, description: str, source: str | None, supervisor: str, as_json: bool
) -> None:
    """Record a violation: sent to the credit system; suspends the enterprise."""
    view = _standing().record_violation(code, kind, description, supervisor, source)
    emit(view, as_json, _standing_line)
