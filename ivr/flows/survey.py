"""The callback survey call (回访, article 13): solved?, satisfied?, a comment, or opt out.

Whoever picks up hears only the hotline's name and the date of the matter, never a
personal detail. An answering machine gets nothing at all.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.flows.common import ask
from ivr.services import callbacks
from ivr.voice.turn import Reply, Turn

SATISFACTION = {"1": 1, "2": 2, "3": 3}
SPOKEN_SATISFACTION = (("不满意", 3), ("基本满意", 2), ("满意", 1))
# Closed answers heard in grammar mode (ivr.speech.grammars), per step.
GRAMMARS = {
    "survey_solved": "yes_no",
    "survey_satisfaction": "satisfaction",
    "survey_enterprise": "satisfaction",
}


def start(turn: Turn) -> Reply:
    callback = _callback(turn)
    response = VoiceResponse()
    if callback is None or turn.form.get("AnsweredBy", "").startswith(("machine", "fax")):
        response.hangup()  # a machine, or a call we did not place: say nothing
        state = {**turn.call.state, "machine": callback is not None}
        return Reply(response, turn.but(step="done", state=state).call)
    day = callbacks().matter_day(callback)
    state = {**turn.call.state, "callback": callback.id, "kind": callback.kind, "answers": {}}
    if callback.kind == "referral":
        _, gather = ask(
            turn,
            "survey_enterprise",
            speech=True,
            into=response,
            grammar=GRAMMARS["survey_enterprise"],
        )
        turn.say(gather, "survey_enterprise", month=day.month, day=day.day)
        return Reply(response, turn.but(step="survey_enterprise", state=state).call)
    turn.say(response, "survey_greeting", month=day.month, day=day.day)
    ask(turn, "survey_solved", "survey_solved", into=response, grammar=GRAMMARS["survey_solved"])
    return Reply(response, turn.but(step="survey_solved", state=state).call)


def solved(turn: Turn) -> Reply:
    key, said = turn.digits[:1], turn.speech
    if key == "9":
        return _finish(turn, {"opt_out": True}, "survey_opt_out")
    answer = {"1": "yes", "2": "no"}.get(key) or _spoken_yes_no(said)
    if answer is None:
        return _again(turn, "survey_solved")
    answers = {**turn.call.state.get("answers", {}), "solved": answer}
    response, _ = ask(
        turn, "survey_satisfaction", "survey_satisfaction", grammar=GRAMMARS["survey_satisfaction"]
    )
    state = {**turn.call.state, "answers": answers, "asks": 0}
    return Reply(response, turn.but(step="survey_satisfaction", state=state).call)


def satisfaction(turn: Turn) -> Reply:
    key, said = turn.digits[:1], turn.speech
    if key == "9":
        return _finish(turn, {"opt_out": True}, "survey_opt_out")
    value = SATISFACTION.get(key) or next((v for w, v in SPOKEN_SATISFACTION if w in said), None)
    if value is None:
        return _again(turn, "survey_satisfaction")
    answers = {**turn.call.state.get("answers", {}), "satisfaction": value}
    response, _ = ask(turn, "survey_comment", "survey_comment", digits=1, finish_on_key="#")
    state = {**turn.call.state, "answers": answers, "asks": 0}
    return Reply(response, turn.but(step="survey_comment", state=state).call)


def comment(turn: Turn) -> Reply:
    answers = {**turn.call.state.get("answers", {})}
    if turn.speech:
        answers["comment"] = turn.speech
    reopen = answers.get("solved") == "no" or answers.get("satisfaction") == 3
    return _finish(turn, answers, "survey_reopen" if reopen else "survey_thanks")


def enterprise(turn: Turn) -> Reply:
    key, said = turn.digits[:1], turn.speech
    if key == "9":
        return _finish(turn, {"opt_out": True}, "survey_opt_out")
    value = SATISFACTION.get(key) or next((v for w, v in SPOKEN_SATISFACTION if w in said), None)
    if value is None:
        return _again(turn, "survey_enterprise", month_day=True)
    return _finish(turn, {"enterprise_rating": value}, "survey_thanks")


def ended(turn: Turn) -> None:
    """Status callback of a survey call: close the attempt (retry if nobody answered)."""
    status = turn.form.get("CallStatus", "")
    if status not in {"completed", "busy", "failed", "no-answer", "canceled"}:
        return
    service = callbacks()
    callback = _callback(turn)
    if callback is None:
        return
    state = turn.call.state
    if state.get("finished"):
        result, outcome = "completed", state.get("outcome")
    elif state.get("machine") or turn.form.get("AnsweredBy", "").startswith(("machine", "fax")):
        result, outcome = "machine", None
    elif status != "completed":
        result, outcome = status, None
    else:
        result, outcome = ("no-input" if state.get("no_input") else "hung-up"), None
    service.finish_attempt(callback.id, result, outcome, state.get("answers"))


def _finish(turn: Turn, answers: dict, prompt: str) -> Reply:
    service = callbacks()
    callback = _callback(turn)
    outcome = service.apply_answers(callback, answers) if callback else "unknown"
    response = VoiceResponse()
    turn.say(response, prompt)
    response.hangup()
    state = {**turn.call.state, "answers": answers, "finished": True, "outcome": outcome}
    return Reply(response, turn.but(step="done", state=state).call)


def _again(turn: Turn, step: str, month_day: bool = False) -> Reply:
    """Silence or a wrong key: ask once more, then end politely as "no answer"."""
    asks = int(turn.call.state.get("asks", 0)) + 1
    if asks >= 2:
        response = VoiceResponse()
        turn.say(response, "survey_no_answer")
        response.hangup()
        state = {**turn.call.state, "no_input": True}
        return Reply(response, turn.but(step="done", state=state).call)
    response, gather = ask(
        turn, step, "bad_key" if turn.digits else "not_heard", grammar=GRAMMARS.get(step)
    )
    if month_day:
        day = callbacks().matter_day(_callback(turn))
        turn.say(gather, step, month=day.month, day=day.day)
    else:
        turn.say(gather, step)
    return Reply(response, turn.but(step=step, state={**turn.call.state, "asks": asks}).call)


def _callback(turn: Turn):
    store = callbacks().store
    callback_id = turn.call.state.get("callback") or turn.args.get("cb", "")
    callback = store.get(int(callback_id)) if str(callback_id).isdigit() else None
    if callback is None or (callback.call_sid and callback.call_sid != turn.call.call_sid):
        return None
    return callback


def _spoken_yes_no(said: str) -> str | None:
    if not said:
        return None
    if any(w in said for w in ("没有解决", "没解决", "还没", "没有", "不行", "没好")):
        return "no"
    if any(w in said for w in ("解决了", "已经解决", "好了", "可以了", "办好了", "是的")):
        return "yes"
    return None
