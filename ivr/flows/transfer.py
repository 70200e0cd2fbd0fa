"""Hand the call to a person: the caller's side of the warm transfer.

The caller waits in a conference named after the call, hearing their place in
the queue (`ivr.flows.agent_legs` answers the wait URL and rings agents). When
nobody is on duty, or nobody could be rung for the configured minutes, the
call is registered as a case at once and the caller may add a spoken message;
nothing said is lost.
"""

from __future__ import annotations

import logging

from flask import request
from twilio.twiml.voice_response import Dial, VoiceResponse

from casework.lifecycle import CaseError, Conflict
from casework.service import CASE_LABELS, Who
from ivr.flows import intake
from ivr.flows.common import ask, goodbye
from ivr.prompts import spoken_reference
from ivr.services import agent_desk, calllog, casework, voice_settings
from ivr.voice.turn import Reply, Turn

log = logging.getLogger(__name__)
CONFERENCE_EVENTS = "start end join leave"
NO_WORDS = "来电要求人工服务，未说明具体事项"


def conference_name(call_sid: str) -> str:
    return f"hotline-{call_sid}"


def base_url() -> str:
    """This service's address as Twilio reaches it, for the URLs we hand to Twilio."""
    return voice_settings().public_url or request.host_url.rstrip("/")


def to_agent(turn: Turn, reason: str, state: dict | None = None) -> Reply:
    """Queue the caller for an agent, or take a message when nobody is on duty."""
    turn = turn.but(state={**(state or turn.call.state), "agent_reason": reason})
    desk = agent_desk()
    if desk.on_duty() == 0:  # the caller has not waited: say so truthfully
        remark = f"for an agent: {reason}; no agent on duty, message taken"
        return message(turn, remark, prompt="agent_message_no_one")
    entry = desk.enqueue(
        turn.call.call_sid,
        conference_name(turn.call.call_sid),
        reason,
        intake.callback_number(turn.caller_id),
        turn.call.to_number,
    )
    response = VoiceResponse()
    turn.say(response, "agent_transfer")
    response.append(
        conference_dial(entry.conference, entry.id, caller=True, after=turn.url("agent_after"))
    )
    return Reply(response, turn.call.but(step="agent_queue"))


def conference_dial(name: str, entry_id: int, caller: bool, after: str | None = None) -> Dial:
    """``<Dial><Conference>`` for the caller (waits with the queue announcements, ends the
    conference on leaving) or for an agent or outside party (starts it, may leave)."""
    base = base_url()
    dial = Dial(action=after, method="POST") if after else Dial()
    options = dict(
        beep=False,
        start_conference_on_enter=not caller,
        end_conference_on_exit=caller,
        status_callback=f"{base}/voice/agents/conference",
        status_callback_event=CONFERENCE_EVENTS,
        status_callback_method="POST",
    )
    if caller:
        options.update(wait_url=f"{base}/voice/agents/wait?q={entry_id}", wait_method="POST")
    dial.conference(name, **options)
    return dial


def message(turn: Turn, remark: str, prompt: str = "agent_message") -> Reply:
    """Register the call as a case now, read its reference, and offer to add a message.

    The case waits for the center to dispatch it (待分派, with a dispatch deadline); the
    call's outcome is ``agent_message``: no agent handled it."""
    case = intake.create_case(turn, remark=remark)
    # heard in the configured speech mode, like every other question; # ends it early
    response, gather = ask(turn, "agent_message_done", digits=None, finish_on_key="#", timeout=8)
    turn.say(gather, prompt, ref=spoken_reference(case.ref))
    call = turn.call.but(step="agent_message", outcome="agent_message", case_ref=case.ref)
    return Reply(response, call)


def message_from_queue(turn: Turn) -> Reply:
    """The caller waited the configured minutes and nobody could be rung (REST redirect)."""
    reason = turn.call.state.get("agent_reason", "agent requested")
    return message(turn, f"for an agent: {reason}; nobody answered in time, message taken")


def message_done(turn: Turn) -> Reply:
    """The caller's message goes on the case (history) and into the call's transcript."""
    response = VoiceResponse()
    ref = turn.call.case_ref
    if turn.speech and ref:
        try:
            casework().add_note(ref, f"来电留言：{turn.speech}", Who.center("ivr"))
        except CaseError:
            log.exception("could not add the caller's message to case %s", ref)
        state = {**turn.call.state, "message": turn.speech}
        turn.say(response, "agent_message_thanks")
        return goodbye(turn.but(state=state), response)
    turn.say(response, "agent_message_none")
    return goodbye(turn, response)


def after(turn: Turn) -> Reply:
    """The caller's conference is over (or the agents left): thank them and hang up."""
    response = VoiceResponse()
    ref = turn.call.case_ref or _case_ref(turn.call.call_sid)
    if ref:
        # "the result will be reported to you" only while the matter is still open
        done = casework().get_case(ref).status in ("resolved", "closed")
        prompt = "agent_done_answered" if done else "agent_done"
        turn.say(response, prompt, ref=spoken_reference(ref))
    else:
        turn.say(response, "agent_done_no_case")
    response.hangup()
    outcome = turn.call.outcome or "agent_transfer"
    return Reply(response, turn.call.but(step="done", outcome=outcome, case_ref=ref))


def _case_ref(call_sid: str) -> str | None:
    case = casework().case_for_call(call_sid)
    return case.ref if case else None


# ----------------------------------------------------------------- used by the agents' legs


def words_of(state: dict) -> str:
    return " ".join(state.get("said", []) + state.get("unclear", []))


def register_for_agent(call_sid: str, username: str) -> str | None:
    """The case an agent works on: registered (not dispatched) with what the caller said;
    the agent corrects, dispatches or answers it from the console. Made once per call."""
    call = calllog().get(call_sid)
    if call is None:
        return None
    existing = casework().case_for_call(call_sid)
    if existing is None:
        label = call.label if call.label in CASE_LABELS else "inquiry"
        reason = call.state.get("agent_reason", "agent requested")
        existing = casework().create_case(
            text=words_of(call.state) or NO_WORDS,
            label=label,
            channel="phone",
            caller=call.state.get("callback") or intake.callback_number(call.from_number),
            location=call.state.get("address"),
            call_sid=call_sid,
            remark=f"for an agent: {reason}; taken by agent {username}",
            by=Who.center(username),
        )
    update_call(
        call_sid, outcome="agent_transfer", case_ref=existing.ref, dialed=f"agent:{username}"[:32]
    )
    return existing.ref


def register_abandoned(call_sid: str) -> str | None:
    """The caller hung up while waiting: what was said becomes a case, as on any hang-up."""
    from ivr.services import prompts

    call = calllog().get(call_sid)
    if call is None or not words_of(call.state):
        return None
    turn = Turn(call, {}, prompts())
    case = intake.create_case(turn, remark="caller hung up while waiting for an agent")
    return case.ref


def update_call(call_sid: str, **changes) -> None:
    """Change the caller's call record from outside its own webhooks (retrying races)."""
    log_ = calllog()
    for _ in range(5):
        call = log_.get(call_sid)
        if call is None:
            return
        try:
            log_.save(call.but(**changes))
            return
        except Conflict:
            continue
    log.error("could not update call %s after 5 tries", call_sid)
