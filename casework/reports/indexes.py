"""Indexes the reports' queries need, on casework's tables (created by migration 0007).

Each one covers the columns its query reads, so the figures come from index entries
alone, in an order that lets the database count without sorting the rows.
"""

from sqlalchemy import Index

from casework.models import AnswerRating, Call, Callback, Case, CaseEvent

# The period's cases by lead unit, status and label (each combination one range of
# created_at), with what the rates need: read in index order, grouped without a sort.
CASES_BY_UNIT = Index(
    "ix_cases_report",
    Case.unit_id,
    Case.status,
    Case.label,
    Case.created_at,
    Case.resolved_at,
    Case.resolve_due,
    Case.accept_due,
    Case.due_at,
    Case.reopen_count,
)
# Acceptances and returns of a period's cases: one index range per action, covering the
# columns the figures read (when, by whom), so the history table itself is not touched.
EVENTS_BY_ACTION = Index(
    "ix_case_events_action_case",
    CaseEvent.action,
    CaseEvent.case_id,
    CaseEvent.at,
    CaseEvent.actor,
)
# Callbacks finished in a period, with what they are grouped by.
CALLBACKS_DONE = Index(
    "ix_callbacks_report",
    Callback.status,
    Callback.updated_at,
    Callback.kind,
    Callback.outcome,
    Callback.case_id,
)
# Inbound calls started in a period (per day too), with what they are grouped by.
CALLS_BY_DIRECTION = Index(
    "ix_calls_report",
    Call.direction,
    Call.started_at,
    Call.outcome,
    Call.label,
    Call.emergency,
    Call.dial_status,
)
# Answer ratings given in a period.
RATINGS_AT = Index("ix_answer_ratings_report", AnswerRating.at, AnswerRating.rating)
