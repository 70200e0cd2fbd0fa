"""reports: indexes for the dashboard's figures

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 13:45:00.000000
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_case_events_action_case", "case_events", ["action", "case_id", "at", "actor"]
    )
    op.create_index("ix_callbacks_status_updated", "callbacks", ["status", "updated_at"])
    op.create_index("ix_answer_ratings_at", "answer_ratings", ["at"])


def downgrade() -> None:
    op.drop_index("ix_answer_ratings_at", table_name="answer_ratings")
    op.drop_index("ix_callbacks_status_updated", table_name="callbacks")
    op.drop_index("ix_case_events_action_case", table_name="case_events")
