"""`ivr users`: back-office logins (agents, supervisors, unit users, admins)."""

from __future__ import annotations

import sys

import click

from casework.users import ROLES, Users
from ivr.cli.common import case_errors, casework, emit


def _users() -> Users:
    service = casework()
    return Users(service.db, service.clock)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("users")
def command() -> None:
    """Logins of the back office and the units' workbench."""


@command.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--unit", "unit", metavar="CODE", help="The unit of a unit user (`ivr units list`).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@case_errors
def add(username: str, role: str, unit: str | None, password_stdin: bool) -> None:
    """Add a user; the password is asked for (at least 8 characters)."""
    user = _users().create(username, _read_password(password_stdin), role, unit)
    where = f" of {user.unit}" if user.unit else ""
    click.echo(f"added {user.username} ({user.role}{where})")


@command.command("passwd")
@click.argument("username")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@case_errors
def passwd(username: str, password_stdin: bool) -> None:
    """Set a user's password; their open sessions end."""
    user = _users().set_password(username, _read_password(password_stdin))
    click.echo(f"password of {user.username} changed")


@command.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_users(as_json: bool) -> None:
    """List the users."""
    users = _users().list_users()
    emit(
        users,
        as_json,
        lambda us: (
            "\n".join(
                f"{u.username:24} {u.role:10} {u.unit or '-':28} "
                f"{'active' if u.active else 'disabled'}"
                for u in us
            )
            or "no users yet: ivr users add USERNAME --role …"
        ),
    )


@command.command("disable")
@click.argument("username")
@case_errors
def disable(username: str) -> None:
    """Disable a user: they can no longer log in, and their sessions end."""
    click.echo(f"disabled {_users().disable(username).username}")


@command.command("enable")
@click.argument("username")
@case_errors
def enable(username: str) -> None:
    """Enable a disabled user again."""
    click.echo(f"enabled {_users().set_active(username, True).username}")
