"""Helpers shared by the command modules: the service object, output and errors."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from casework import migrate
from casework.config import load_settings
from casework.lifecycle import CaseError
from casework.privacy import install_log_masking
from casework.service import Casework


def casework() -> Casework:
    """The service on the configured database, refusing to run on an old schema."""
    install_log_masking(logging.WARNING)
    service = Casework.from_settings(load_settings())
    if not migrate.is_up_to_date(service.db.engine):
        raise click.ClickException("the database schema is not up to date: run `ivr db upgrade`")
    return service


def emit(value: Any, as_json: bool, human: Callable[[Any], str] | None = None) -> None:
    if as_json or human is None:
        click.echo(json.dumps(_plain(value), ensure_ascii=False, indent=None if as_json else 2))
    else:
        click.echo(human(value))


def _plain(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def case_errors(func: Callable) -> Callable:
    """Turn a refused request into a one-line error and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except CaseError as exc:
            if kwargs.get("as_json"):
                click.echo(json.dumps({"error": exc.code, "message": str(exc)}, ensure_ascii=False))
                sys.exit(1)
            raise click.ClickException(f"{exc.code}: {exc}") from exc

    return wrapper
