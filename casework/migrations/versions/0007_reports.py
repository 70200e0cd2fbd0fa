"""reports: indexes for the dashboard's figures

Covering indexes (see casework/reports/indexes.py): the period's cases by lead unit,
status and label; acceptances and returns; finished callbacks; inbound calls; ratings.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 13:45:00.000000
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_cases_report": (
        "cases",
        [
            "unit_id",
            "status",
            "label",
            "created_at",
            "resolved_at",
            "resolve_due",
            "accept_due",
            "due_at",
            "reopen_count",
        ],
    ),
    "ix_case_events_action_case": ("case_events", ["action", "case_id", "at", "actor"]),
    "ix_callbacks_report": ("callbacks", ["status", "updated_at", "kind", "outcome", "case_id"]),
    "ix_calls_report": (
        "calls",
        ["direction", "started_at", "outcome", "label", "emergency", "dial_status"],
    ),
    "ix_answer_ratings_report": ("answer_ratings", ["at", "rating"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
