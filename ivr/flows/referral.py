"""Paid household services (article 10(3)): recommend member enterprises, best-rated first."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.flows import transfer
from ivr.flows.common import ask, goodbye
from ivr.services import calllog, catalog
from ivr.voice.turn import Reply, Turn


def recommend(turn: Turn) -> Reply:
    said = " ".join(turn.call.state.get("said", []))
    service = catalog().service_in(said)
    choices = calllog().enterprises_for(service) if service else []
    if not choices:
        return transfer.to_agent(turn, "no member enterprise for this service")
    response, gather = ask(turn, "enterprise", speech=False, timeout=8)
    turn.say(gather, "enterprise_intro", service=catalog().names[service])
    for key, enterprise in enumerate(choices, start=1):
        turn.say(gather, "enterprise_option", name=enterprise.name, key=key)
    turn.say(gather, "enterprise_choose")
    state = {**turn.call.state, "service": service, "choices": [e.code for e in choices]}
    return Reply(response, turn.call.but(step="enterprise", state=state))


def picked(turn: Turn) -> Reply:
    choices = turn.call.state.get("choices", [])
    key = turn.digits[:1]
    if not key.isdigit() or not 1 <= int(key) <= len(choices):
        asked = int(turn.call.state.get("pick_asks", 1))
        if asked >= 2:
            return goodbye(turn, VoiceResponse())
        return recommend(turn.but(state={**turn.call.state, "pick_asks": asked + 1}))
    code = choices[int(key) - 1]
    service = turn.call.state["service"]
    offered = calllog().enterprises_for(service, limit=10)
    enterprise = next((e for e in offered if e.code == code), None)
    if enterprise is None:  # suspended since it was offered
        return transfer.to_agent(turn, "the chosen enterprise is no longer active")
    calllog().refer(turn.call.call_sid, code, service, turn.caller_id)
    response = VoiceResponse()
    turn.say(response, "enterprise_connecting", name=enterprise.name)
    response.dial(enterprise.phone, action=turn.url("enterprise_done"), method="POST")
    call = turn.call.but(step="referred", outcome="enterprise_referral", dialed=enterprise.phone)
    return Reply(response, call)


def dial_done(turn: Turn) -> Reply:
    status = turn.form.get("DialCallStatus", "")[:16] or "unknown"
    response = VoiceResponse()
    if status != "completed":
        turn.say(response, "enterprise_failed")
    response.hangup()
    return Reply(response, turn.call.but(step="done", dial_status=status))
