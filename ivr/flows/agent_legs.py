"""The agents' side of the warm transfer: Twilio's requests about the queue and the legs.

- ``/voice/agents/wait``: the caller's conference wait URL. Each round rings the
  next agent when none is being rung, moves the caller to a message after the
  configured minutes (or at once when nobody is on duty), and says their place
  in the queue, then hold music (or a pause) until the next round.
- ``/voice/agents/whisper``: the agent's leg answered: whisper the summary
  (label, key words, earlier cases), then join the caller's conference.
- ``/voice/agents/leg``: the agent leg's status callback: no answer → next agent.
- ``/voice/agents/conference``: conference events: an agent joined (the call's
  case is registered for them), the caller left (the queue entry ends, a ringing
  agent is called off, what was said becomes a case), the last agent left (the
  caller hears goodbye).

These are not turns of the caller's flow, so they never save the caller's call
record while its own webhooks may run, except when an agent joins.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, request
from twilio.base.exceptions import TwilioException
from twilio.twiml.voice_response import VoiceResponse

from casework.agents import AgentView, EntryView
from ivr.flows import transfer
from ivr.services import (
    agent_desk,
    calllog,
    casework,
    prompts,
    transfer_settings,
    twilio_rest,
)
from ivr.voice.signature import check_signature

log = logging.getLogger(__name__)
bp = Blueprint("agent_legs", __name__)
bp.before_request(check_signature)
FAILED = {"no-answer", "busy", "failed", "canceled"}


def _twiml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _entry_arg() -> EntryView:
    raw = request.args.get("q", "")
    entry = agent_desk().entry(int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if entry is None:
        abort(404, "unknown queue entry")
    return entry


# ----------------------------------------------------------------- ringing agents


def ring(entry: EntryView, agent: AgentView, base: str, transfer_from: str | None = None) -> bool:
    """Dial an agent already claimed for ``entry``; the whisper URL joins them to the call."""
    settings = transfer_settings()
    query = {"q": entry.id, "a": agent.id}
    if transfer_from:
        query["from"] = transfer_from
    query_string = urlencode(query)
    try:
        leg = twilio_rest().calls.create(
            to=agent.address,
            from_=settings.caller_id,
            url=f"{base}/voice/agents/whisper?{query_string}",
            method="POST",
            timeout=settings.ring_seconds,
            status_callback=f"{base}/voice/agents/leg?{query_string}",
            status_callback_event=["answered", "completed"],
            status_callback_method="POST",
        )
    except (TwilioException, OSError) as exc:
        log.error("queue entry %s: could not ring agent %s: %s", entry.id, agent.username, exc)
        agent_desk().release(entry.id, agent.id)
        return False
    agent_desk().leg_started(entry.id, agent.id, leg.sid)
    log.info("queue entry %s: ringing agent %s", entry.id, agent.username)
    return True


def ring_next(entry: EntryView, base: str) -> bool:
    """Ring the longest-idle available agent for a waiting caller, if there is one."""
    agent = agent_desk().claim_next(entry.id)
    return agent is not None and ring(entry, agent, base)


def offer_waiting_calls(base: str) -> int:
    """Ring agents for waiting callers, first come first (e.g. when an agent comes back)."""
    rung = 0
    for entry in agent_desk().live_queue():
        if entry.status == "waiting" and ring_next(entry, base):
            rung += 1
    return rung


def hang_up(call_sid: str | None) -> None:
    if not call_sid:
        return
    try:
        twilio_rest().calls(call_sid).update(status="completed")
    except (TwilioException, OSError) as exc:
        log.warning("could not end call leg %s: %s", call_sid, exc)


def redirect_caller(call_sid: str, step: str, base: str) -> bool:
    try:
        twilio_rest().calls(call_sid).update(url=f"{base}/voice/{step}", method="POST")
        return True
    except (TwilioException, OSError) as exc:
        log.error("could not move call %s to %s: %s", call_sid, step, exc)
        return False


# ----------------------------------------------------------------- webhooks


@bp.post("/wait")
def wait() -> Response:
    entry = _entry_arg()
    response = VoiceResponse()
    if entry.status not in ("waiting", "ringing"):
        response.pause(length=1)
        return _twiml(response)
    desk, settings, base = agent_desk(), transfer_settings(), transfer.base_url()
    if entry.status == "ringing" and _ring_lost(entry, settings.ring_seconds):
        # The leg's final status never came (lost callback): give up on that agent.
        hang_up(entry.ringing_sid)
        entry = desk.leg_failed(entry.id, entry.ringing_agent_id, "no-answer") or entry
    if entry.status == "waiting" and not ring_next(entry, base):
        waited = casework().clock() - entry.queued_at
        too_long = waited >= dt.timedelta(minutes=settings.max_wait_minutes)
        if (too_long or desk.on_duty() == 0) and desk.to_message(entry.id):
            if redirect_caller(entry.call_sid, "agent-message", base):
                response.pause(length=1)
                return _twiml(response)
            desk.requeue(entry.id)  # the caller is still here: keep waiting, try next round
    ahead = desk.ahead_of(entry.id)
    if ahead:
        prompts().say(response, "agent_queue_position", ahead=ahead)
    else:
        prompts().say(response, "agent_queue_next")
    if settings.hold_music_url:
        response.play(settings.hold_music_url)
    else:
        response.pause(length=settings.announce_seconds)
    return _twiml(response)


@bp.post("/whisper")
def whisper() -> Response:
    entry = _entry_arg()
    agent_id = request.args.get("a", "")
    leg_sid = request.form.get("CallSid", "")
    response = VoiceResponse()
    if not agent_id.isdigit():
        abort(400, "agent missing")
    agent_desk().leg_started(entry.id, int(agent_id), leg_sid)
    if not entry.live:
        prompts().say(response, "whisper_gone")
        response.hangup()
        return _twiml(response)
    colleague = request.args.get("from")
    if colleague:
        prompts().say(response, "whisper_colleague", name=colleague)
    for line in whisper_lines(entry):
        prompts().say_text(response, line)
    response.append(transfer.conference_dial(entry.conference, entry.id, caller=False))
    return _twiml(response)


def _ring_lost(entry: EntryView, ring_seconds: int) -> bool:
    if entry.rung_at is None or entry.ringing_agent_id is None:
        return False
    return casework().clock() - entry.rung_at > dt.timedelta(seconds=3 * ring_seconds + 30)


def whisper_lines(entry: EntryView) -> list[str]:
    """The summary an agent hears before joining: label, key words, earlier cases."""
    texts = prompts()
    call = calllog().get(entry.call_sid)
    state = call.state if call else {}
    decision = state.get("decision") or {}
    label = call.label if call else None
    names = casework().policy.label_names
    lines = []
    if label:
        lines.append(texts.text("whisper_label", label=names.get(label, label)))
    else:
        lines.append(texts.text("whisper_no_label"))
    words = matched_words(decision)
    if words:
        lines.append(texts.text("whisper_words", words="、".join(words[:5])))
    earlier = agent_desk().count_earlier_cases(entry.caller_number, entry.call_sid)
    if earlier:
        lines.append(texts.text("whisper_earlier", count=earlier))
    else:
        lines.append(texts.text("whisper_first"))
    return lines


def matched_words(decision: dict) -> list[str]:
    words: list[str] = []
    for match in decision.get("matched") or []:
        if match.get("rule") == "knowledge_base":
            continue
        for word in match.get("words") or []:
            if word not in words:
                words.append(word)
    return words


@bp.post("/leg")
def leg_status() -> Response:
    entry = _entry_arg()
    agent_id = request.args.get("a", "")
    if not agent_id.isdigit():
        abort(400, "agent missing")
    status = request.form.get("CallStatus", "")
    desk = agent_desk()
    if status in FAILED:
        updated = desk.leg_failed(entry.id, int(agent_id), status)
        log.info("queue entry %s: agent leg %s", entry.id, status)
        if updated is not None and updated.status == "waiting":
            ring_next(updated, transfer.base_url())
        elif updated is not None and _alone(updated):
            # an agent-to-agent transfer failed after the first agent had left
            redirect_caller(updated.call_sid, "agent-done", transfer.base_url())
    elif status == "completed":
        desk.leg_ended(int(agent_id), request.form.get("CallSid", ""))
    return Response(status=204)


@bp.post("/outside")
def outside_status() -> Response:
    """110/119/120 added to the conference never answered: the caller must not be left
    alone in silence."""
    entry = _entry_arg()
    if request.form.get("CallStatus", "") in FAILED:
        left = agent_desk().left(entry.conference, request.form.get("CallSid", ""))
        if left.caller_alone and left.entry is not None:
            redirect_caller(left.entry.call_sid, "agent-done", transfer.base_url())
    return Response(status=204)


def _alone(entry: EntryView) -> bool:
    return entry.status == "connected" and not entry.others and entry.ringing_agent_id is None


@bp.post("/conference")
def conference_status() -> Response:
    event = request.form.get("StatusCallbackEvent", "")
    name = request.form.get("FriendlyName", "")
    call_sid = request.form.get("CallSid", "")
    desk, base = agent_desk(), transfer.base_url()
    if event == "participant-join" and call_sid:
        who = desk.joined(name, request.form.get("ConferenceSid"), call_sid)
        if who == "agent":
            entry = desk.entry_for_call(_caller_of(name))
            agent = desk.agent_by_id(entry.agent_id) if entry and entry.agent_id else None
            if entry and agent:
                transfer.register_for_agent(entry.call_sid, agent.username)
    elif event == "participant-leave" and call_sid:
        left = desk.left(name, call_sid)
        if left.who == "caller" and left.entry is not None:
            hang_up(left.cancel_sid)
            if left.entry.answered_at is None and left.entry.end_reason != "no agent: message":
                transfer.register_abandoned(left.entry.call_sid)
            for other in left.entry.others:
                hang_up(other)
        elif left.caller_alone and left.entry is not None:
            redirect_caller(left.entry.call_sid, "agent-done", base)
    return Response(status=204)


def _caller_of(conference: str) -> str:
    return conference.removeprefix("hotline-")
