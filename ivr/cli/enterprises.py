"""`ivr enterprises`: member enterprises recommended for paid household services."""

from pathlib import Path

import click

from casework.calls import CallLog, read_enterprise_file
from casework.lifecycle import CaseError
from ivr.cli.common import casework
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
