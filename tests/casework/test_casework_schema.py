"""Migrations own the schema: they match the models and run both ways."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from casework import migrate
from casework.db import Database
from casework.models import Base


def test_migrated_schema_matches_the_models(database):
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    assert migrate.is_up_to_date(database.engine)


def test_downgrade_and_upgrade_again(database_url):
    database = Database(database_url)
    migrate.downgrade(database.engine, "base")
    assert migrate.current_revision(database.engine) is None
    migrate.upgrade(database.engine)
    assert migrate.is_up_to_date(database.engine)
    database.dispose()
