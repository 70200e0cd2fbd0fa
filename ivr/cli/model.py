"""`ivr model`: the Vosk speech models (install, list)."""

from __future__ import annotations

from pathlib import Path

import click

from ivr.cli.common import emit
from ivr.speech.models import (
    DEFAULT_MODEL,
    MODEL_BASE_URL,
    ModelError,
    install,
    install_zip,
    list_models,
    models_dir,
    vosk_status,
)


@click.group("model")
def command() -> None:
    """Vosk speech-recognition models (instance/models)."""


@command.command("install")
@click.argument("name", default=DEFAULT_MODEL)
@click.option(
    "--zip",
    "zip_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Install from a zip downloaded elsewhere instead of downloading it.",
)
@click.option("--force", is_flag=True, help="Replace an installed model of that name.")
@click.option(
    "--url",
    "base_url",
    default=MODEL_BASE_URL,
    show_default=True,
    help="Where the <NAME>.zip files are.",
)
def install_command(name: str, zip_path: Path | None, force: bool, base_url: str) -> None:
    """Download model NAME (default: the small Chinese model), check it and install it.

    The zip is checked (CRCs, folder layout) and loaded once with Vosk before it is
    moved to instance/models/NAME.
    """
    ok, detail = vosk_status()
    if not ok:
        raise click.ClickException(detail)
    shown = {"last": -1}

    def progress(done: int, total: int | None) -> None:
        mb = done >> 20
        if mb // 5 != shown["last"]:
            shown["last"] = mb // 5
            of = f" of {total >> 20} MB" if total else " MB"
            click.echo(f"\r  {mb}{of}", nl=False, err=True)

    try:
        if zip_path is not None:
            path = install_zip(zip_path, name, force=force)
        else:
            click.echo(f"downloading {base_url.rstrip('/')}/{name}.zip", err=True)
            path = install(name, base_url=base_url, force=force, progress=progress)
            click.echo("", err=True)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"installed {name} in {path}")


@command.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """Installed model folders and model packages, with their sizes."""
    entries = list_models()
    ok, detail = vosk_status()

    def human(items) -> str:
        lines = [f"models folder: {models_dir()}", f"vosk: {detail}"]
        if not items:
            lines.append(f"no model installed (run `ivr model install {DEFAULT_MODEL}`)")
        for e in items:
            rate = f"{e.sample_rate} Hz" if e.sample_rate else "?"
            state = f"  BROKEN: {e.problem}" if e.problem else ""
            lines.append(
                f"{e.name:32} {e.source:8} {e.size_bytes / 2**20:8.1f} MB  {rate:9} {e.path}{state}"
            )
        return "\n".join(lines)

    emit(entries, as_json, human)
