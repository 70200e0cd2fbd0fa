"""What the caller said: classify it (a keypad shortcut narrows it) and take the branch."""

from __future__ import annotations

from dataclasses import replace

from ivr.flows import answer, decline, emergency, intake, referral, transfer
from ivr.flows.common import MAX_MISSES, ask, heard_something, missed
from ivr.services import classifier
from ivr.voice.turn import Reply, Turn
from nlu import Decision

SHORTCUT_LABELS = {
    "1": ("inquiry",),
    "2": ("help_request", "enterprise_service"),
    "3": ("complaint", "report_violation", "enforcement_grievance"),
    "4": ("suggestion",),
}


def heard(turn: Turn) -> Reply:
    """The answer to "please say your problem" (speech, 0 for an agent, or silence)."""
    if not turn.speech:
        if turn.digits[:1] == "0":
            return transfer.to_agent(turn, "caller pressed 0")
        return _missed(turn)
    decision = narrowed(classifier().classify(turn.speech), turn.call.state.get("shortcut"))
    if decision.emergency is None and not decision.matched:
        return _missed(turn, said=turn.speech)
    state = heard_something(turn.call.state)
    state["said"] = [*state.get("said", []), turn.speech]
    state["decision"] = decision.to_dict()
    call = turn.call.but(
        label=decision.label,
        emergency=decision.emergency,
        confidence=round(decision.confidence, 3),
        state=state,
    )
    turn = replace(turn, call=call)
    if decision.emergency:
        return emergency.redirect(turn, decision.emergency)
    if decision.label.startswith("excluded_"):
        return decline.decline(turn, decision.label)
    if decision.low_confidence:
        return transfer.to_agent(turn, "low confidence")
    if decision.label == "inquiry":
        return answer.answer(turn, decision)
    if decision.label == "enterprise_service":
        return referral.recommend(turn)
    return intake.start(turn)


def narrowed(decision: Decision, shortcut: str | None) -> Decision:
    """Keep the decision inside the shortcut's labels; emergencies and declines always win."""
    allowed = SHORTCUT_LABELS.get(shortcut or "")
    if not allowed or decision.emergency or decision.label.startswith("excluded_"):
        return decision
    if decision.label in allowed:
        return decision
    best = max(allowed, key=lambda label: decision.scores.get(label, 0.0))
    if decision.scores.get(best, 0.0) <= 0 and decision.confidence >= 0.5:
        return decision  # a clear matter of another kind: the shortcut was a guess
    unit = classifier().router.route(best, decision.text)
    return replace(
        decision,
        label=best,
        low_confidence=False,
        unit=unit,
        kb_id=decision.kb_id if best == "inquiry" else None,
    )


def _missed(turn: Turn, said: str | None = None) -> Reply:
    misses, state = missed(turn)
    if said:
        state["unclear"] = [*state.get("unclear", []), said]
    if misses >= MAX_MISSES:
        return transfer.to_agent(turn, "two answers in a row not understood", state=state)
    response, _ = ask(turn, "heard", "not_heard")
    return Reply(response, turn.call.but(step="describe", state=state))
