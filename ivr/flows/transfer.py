"""Hand the call to a person. The agents' console comes with the warm-transfer issue;
until then this placeholder still records the call and registers the case."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.flows import intake
from ivr.prompts import spoken_reference
from ivr.voice.turn import Reply, Turn


def to_agent(turn: Turn, reason: str, state: dict | None = None) -> Reply:
    turn = turn.but(state=state or turn.call.state)
    case = intake.create_case(turn, remark=f"for an agent: {reason} (agent console pending)")
    response = VoiceResponse()
    turn.say(response, "agent_transfer")
    turn.say(response, "agent_placeholder", ref=spoken_reference(case.ref))
    response.hangup()
    call = turn.call.but(
        step="done",
        outcome="agent_transfer",
        case_ref=case.ref,
        state={**turn.call.state, "agent_reason": reason},
    )
    return Reply(response, call)
