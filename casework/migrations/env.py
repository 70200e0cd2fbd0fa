"""Alembic environment: runs on the connection handed over by `casework.migrate`."""

from alembic import context

import casework.agents  # noqa: F401
import casework.outbox  # noqa: F401
import casework.reports  # noqa: F401
import casework.users  # noqa: F401
from casework.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `ivr db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
