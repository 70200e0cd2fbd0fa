"""Indexes the reports' queries need, on casework's tables (created by migration 0007)."""

from sqlalchemy import Index

from casework.models import AnswerRating, Callback, CaseEvent

# Acceptances and returns of a period's cases: one index range per action, covering the
# columns the figures read (when, by whom), so the history table itself is not touched.
EVENTS_BY_ACTION = Index(
    "ix_case_events_action_case",
    CaseEvent.action,
    CaseEvent.case_id,
    CaseEvent.at,
    CaseEvent.actor,
)
# Callbacks finished in a period.
CALLBACKS_DONE = Index("ix_callbacks_status_updated", Callback.status, Callback.updated_at)
# Answer ratings given in a period.
RATINGS_AT = Index("ix_answer_ratings_at", AnswerRating.at)
