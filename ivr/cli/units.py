"""`ivr units`: the handling units and their API tokens."""

from pathlib import Path

import click

from casework.config import load_settings
from casework.units_file import UnitsFileError, read_units_file
from ivr.cli.common import case_errors, casework, emit


@click.group("units")
def command() -> None:
    """Handling units (承办单位)."""


@command.command("load")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def load(path: Path | None) -> None:
    """Load or update units from the operators' file (default: data/units.yaml)."""
    path = path or load_settings().units_file
    try:
        specs = read_units_file(path)
    except UnitsFileError as exc:
        raise click.ClickException(str(exc)) from exc
    report = casework().load_units(specs)
    click.echo(
        f"{len(specs)} units in {path}: {len(report.added)} added, "
        f"{len(report.updated)} updated, {len(report.deactivated)} deactivated"
    )
    if report.not_in_file:
        click.echo(
            "kept, but not in the file (set active: false to retire): "
            + ", ".join(report.not_in_file)
        )


@command.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "show_all", is_flag=True, help="Include deactivated units.")
def list_units(as_json: bool, show_all: bool) -> None:
    """List the units."""
    units = casework().list_units(active_only=not show_all)
    emit(
        units,
        as_json,
        lambda us: "\n".join(
            f"{u.code:28} {u.kind:9} {u.name}{'' if u.active else '  (deactivated)'}" for u in us
        ),
    )


@command.command("token")
@click.argument("code")
@click.option("--revoke", is_flag=True, help="Revoke every token of the unit instead.")
@case_errors
def token(code: str, revoke: bool) -> None:
    """Issue an API token for a unit (shown once), or revoke its tokens."""
    service = casework()
    if revoke:
        click.echo(f"revoked {service.revoke_tokens(code)} token(s) of {code}")
    else:
        click.echo(service.issue_token(code))
