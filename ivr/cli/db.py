"""`ivr db`: schema migrations."""

import logging

import click

from casework import migrate
from casework.config import load_settings
from casework.db import Database
from casework.privacy import install_log_masking


@click.group("db")
def command() -> None:
    """Database schema (Alembic migrations)."""


@command.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Create or upgrade the schema on the configured database."""
    install_log_masking(logging.WARNING)
    database = Database(load_settings().database_url)
    migrate.upgrade(database.engine, revision)
    click.echo(f"database at revision {migrate.current_revision(database.engine)}")


@command.command("current")
def current() -> None:
    """Show the schema revision of the configured database."""
    database = Database(load_settings().database_url)
    revision = migrate.current_revision(database.engine)
    state = "up to date" if revision == migrate.head_revision() else "needs `ivr db upgrade`"
    click.echo(f"{revision or 'empty'} ({state})")
