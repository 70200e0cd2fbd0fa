"""warm transfer: agents' presence, the transfer queue, transfers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 13:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("idle_since", sa.DateTime(), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("leg_sid", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=32), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["username"], ["users.username"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_index("ix_agents_status", "agents", ["status"])
    op.create_table(
        "agent_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("conference", sa.String(length=100), nullable=False),
        sa.Column("conference_sid", sa.String(length=64), nullable=True),
        sa.Column("caller_number", sa.String(length=32), nullable=True),
        sa.Column("from_number", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("leg_sid", sa.String(length=64), nullable=True),
        sa.Column("ringing_agent_id", sa.Integer(), nullable=True),
        sa.Column("ringing_sid", sa.String(length=64), nullable=True),
        sa.Column("rung_at", sa.DateTime(), nullable=True),
        sa.Column("tried", sa.JSON(), nullable=False),
        sa.Column("legs", sa.JSON(), nullable=False),
        sa.Column("others", sa.JSON(), nullable=False),
        sa.Column("transfers", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"]),
        sa.ForeignKeyConstraint(["ringing_agent_id"], ["agents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_sid"),
        sa.UniqueConstraint("conference"),
    )
    op.create_index("ix_agent_queue_status", "agent_queue", ["status"])


def downgrade() -> None:
    op.drop_index("ix_agent_queue_status", table_name="agent_queue")
    op.drop_table("agent_queue")
    op.drop_index("ix_agents_status", table_name="agents")
    op.drop_table("agents")
