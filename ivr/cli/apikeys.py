"""`ivr apikeys`: keys of the Open311 clients (websites and apps) allowed to post requests."""

from __future__ import annotations

import click

from casework.apikeys import KEY_CHANNELS, ApiKeys
from ivr.cli.common import case_errors, casework, emit


def _keys() -> ApiKeys:
    return ApiKeys(casework().db)


@click.group("apikeys")
def command() -> None:
    """Open311 API keys (stored hashed; a key is shown once, when added)."""


@command.command("add")
@click.argument("name")
@click.option(
    "--channel",
    type=click.Choice(KEY_CHANNELS),
    default="app",
    show_default=True,
    help="The channel its cases are registered under (article 9).",
)
@click.option("--json", "as_json", is_flag=True)
@case_errors
def add(name: str, channel: str, as_json: bool) -> None:
    """A new key for the client NAME; it is printed once and cannot be shown again."""
    key = _keys().add(name, channel)
    emit(
        {"name": name, "channel": channel, "api_key": key},
        as_json,
        lambda v: f"API key for {name} ({channel}), shown once:\n{key}",
    )


@command.command("list")
@click.option("--json", "as_json", is_flag=True)
@case_errors
def list_keys(as_json: bool) -> None:
    """Every key's client, channel and state (never the keys themselves)."""
    keys = _keys().list()
    emit(
        keys,
        as_json,
        lambda ks: (
            "\n".join(
                f"{k.name:<24} {k.channel:<4} {'revoked' if k.revoked_at else 'active':<8} "
                f"last used {k.last_used_at.isoformat() if k.last_used_at else 'never'}"
                for k in ks
            )
            or "no API keys"
        ),
    )


@command.command("revoke")
@click.argument("name")
@case_errors
def revoke(name: str) -> None:
    """Revoke the key of the client NAME at once."""
    _keys().revoke(name)
    click.echo(f"API key of {name} revoked")
