"""Callbacks as the rest of the service sees them: build, dial, record results."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from callbacks.hours import CallingHours
from callbacks.settings import CallbackSettings, load_callback_settings
from callbacks.store import CallbackStore, CallbackView
from casework.enterprise_standing import ENTERPRISE_SCORES, after_rating, current_rules
from casework.lifecycle import CaseError
from casework.models import Callback, Enterprise, Referral
from casework.service import Casework, Who

log = logging.getLogger(__name__)
SYSTEM = Who.system("callbacks")


@dataclass
class Callbacks:
    casework: Casework
    store: CallbackStore

    @classmethod
    def build(cls, casework: Casework, settings: CallbackSettings | None = None) -> Callbacks:
        settings = settings or load_callback_settings()
        hours = CallingHours(settings.windows, casework.calendar)
        return cls(casework, CallbackStore(casework.db, settings, hours, casework.clock))

    def recover_stale(self, now: dt.datetime | None = None) -> list[int]:
        """Count attempts whose process died as lost, and retry them."""
        lost = self.store.stale(now)
        for callback_id in lost:
            self.finish_attempt(callback_id, "lost", now=now)
        return lost

    def finish_attempt(
        self,
        callback_id: int,
        result: str,
        outcome: str | None = None,
        answers: dict[str, Any] | None = None,
        now: dt.datetime | None = None,
    ) -> CallbackView:
        """End an attempt, schedule a retry or finish, and write it to the case history."""
        before = self.store.get(callback_id)
        if before is None or before.status != "calling":
            return before
        if answers is not None:
            self.store.save_answers(callback_id, answers)
        after = self.store.finish(callback_id, result, outcome, now=now)
        if after.case_id is not None:
            data = {
                "attempt": after.attempts,
                "result": result,
                "outcome": after.outcome,
                "next_at": after.next_at.isoformat() if after.status == "pending" else None,
            }
            try:
                self.casework.record_callback(after.case_id, data, SYSTEM)
            except CaseError:
                log.exception("could not write callback %s to the case history", callback_id)
        return after

    def apply_answers(self, callback: CallbackView, answers: dict[str, Any]) -> str:
        """Article 13: solved and satisfied closes; unsolved or dissatisfied reopens (重办),
        escalating after the second reopen. Returns the outcome recorded."""
        if answers.get("opt_out"):
            self.store.opt_out(callback.to_number)
            return "opted_out"
        if callback.kind == "referral":
            return self._rate_enterprise(callback, answers.get("enterprise_rating"))
        solved, satisfaction = answers.get("solved"), answers.get("satisfaction")
        ref = self.casework.case_ref(callback.case_id)
        try:
            if solved == "yes" and satisfaction in (1, 2):
                self.casework.close(ref, by=SYSTEM, reason="回访：问题已解决，群众满意")
                return "satisfied"
            if solved == "no" or satisfaction == 3:
                why = "回访：问题未解决" if solved == "no" else "回访：群众不满意"
                case = self.casework.reopen(ref, why, by=SYSTEM, flag=True)
                if case.reopen_count >= 2:
                    self.casework.escalate(ref, "两次回访不满意后重办仍未解决", by=SYSTEM)
                return "unsolved" if solved == "no" else "dissatisfied"
        except CaseError:
            log.exception("callback %s: the case could not take the answer", callback.id)
            return "case_changed"
        return "no_answer"

    def _rate_enterprise(self, callback: CallbackView, rating: int | None) -> str:
        if rating not in ENTERPRISE_SCORES:
            return "no_answer"
        with self.casework.db.transaction() as s:
            enterprise = s.scalar(
                select(Enterprise)
                .join(Referral, Referral.enterprise_id == Enterprise.id)
                .where(Referral.id == callback.referral_id)
            )
            # The starting rating counts as one earlier answer, so one call cannot erase it.
            weight = max(enterprise.rating_count, 1)
            score = ENTERPRISE_SCORES[rating]
            enterprise.rating = round((enterprise.rating * weight + score) / (weight + 1), 3)
            enterprise.rating_count += 1
            # The answer on its callback now, so the standing can tell it from earlier ones.
            now = self.casework.clock()
            row = s.get(Callback, callback.id)
            row.answers = {**(row.answers or {}), "enterprise_rating": rating}
            row.updated_at = now
            s.flush()
            # Article 24: a rating below the threshold suspends it, in this transaction.
            after_rating(s, enterprise, current_rules(), now)
        return {1: "satisfied", 2: "basically_satisfied", 3: "dissatisfied"}[rating]

    def matter_day(self, callback: CallbackView) -> dt.date:
        return dt.date.fromisoformat(callback.matter_date)
