"""Inquiries (article 10(1)): read the knowledge-base answer, then ask for a rating (13)."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.flows import transfer
from ivr.flows.common import ask
from ivr.services import calllog, classifier
from ivr.voice.turn import Reply, Turn
from nlu import Decision

RATINGS = {"1": 1, "2": 2, "3": 3}
# Spoken ratings (heard in grammar mode "satisfaction" with Vosk), longest first.
SPOKEN_RATINGS = (("不满意", "3"), ("基本满意", "2"), ("满意", "1"))


def answer(turn: Turn, decision: Decision) -> Reply:
    entry = _entry(decision.kb_id)
    if entry is None:
        return transfer.to_agent(turn, "no confident answer in the knowledge base")
    response, gather = ask(turn, "rated", timeout=8, grammar="satisfaction")
    turn.say(gather, "answer_intro")
    turn.prompts.say_text(gather, entry.answer)
    turn.say(gather, "answer_rate")
    state = {**turn.call.state, "kb_id": entry.id}
    return Reply(response, turn.call.but(step="rating", outcome="answered", state=state))


def rated(turn: Turn) -> Reply:
    key = turn.digits[:1] or next((k for w, k in SPOKEN_RATINGS if w in turn.speech), "")
    if key == "0":
        return transfer.to_agent(turn, "caller asked for an agent after the answer")
    kb_id = turn.call.state.get("kb_id")
    if key in RATINGS and kb_id:
        calllog().rate_answer(turn.call.call_sid, kb_id, RATINGS[key])
        response = VoiceResponse()
        turn.say(response, "rating_thanks")
        response.hangup()
        return Reply(response, turn.call.but(step="done"))
    asked = int(turn.call.state.get("rating_asks", 1))
    response = VoiceResponse()
    if asked >= 2:  # asked twice: end politely without a rating
        turn.say(response, "goodbye")
        response.hangup()
        return Reply(response, turn.call.but(step="done"))
    response, gather = ask(
        turn,
        "rated",
        "bad_key" if key else "not_heard",
        "answer_rate",
        timeout=8,
        grammar="satisfaction",
    )
    state = {**turn.call.state, "rating_asks": asked + 1}
    return Reply(response, turn.call.but(step="rating", state=state))


def _entry(kb_id: str | None):
    if not kb_id:
        return None
    return next((e for e in classifier().kb.entries if e.id == kb_id), None)
