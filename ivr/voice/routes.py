"""Webhook URLs of the call; each is one step of a flow in `ivr.flows`."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException

from ivr.flows import (
    answer,
    decline,
    emergency,
    hangup,
    intake,
    referral,
    survey,
    transfer,
    understand,
    welcome,
)
from ivr.services import calllog, prompts
from ivr.voice.listen import call_ended, hearing
from ivr.voice.signature import check_signature
from ivr.voice.turn import Turn, webhook

bp = Blueprint("voice", __name__)
bp.before_request(check_signature)

STEPS = {
    "incoming": welcome.greet,
    "menu": welcome.menu,
    "heard": understand.heard,
    "emergency_done": emergency.dial_done,
    "after_decline": decline.after,
    "rated": answer.rated,
    "enterprise": referral.picked,
    "enterprise_done": referral.dial_done,
    "number": intake.number,
    "number_entered": intake.number_entered,
    "address": intake.address,
    "survey_start": survey.start,
    "survey_solved": survey.solved,
    "survey_satisfaction": survey.satisfaction,
    "survey_comment": survey.comment,
    "survey_enterprise": survey.enterprise,
    "agent_after": transfer.after,
    "agent_done": transfer.after,
    "agent_message": transfer.message_from_queue,
    "agent_message_done": transfer.message_done,
}

for _name, _flow in STEPS.items():
    bp.add_url_rule(f"/{_name.replace('_', '-')}", _name, webhook(hearing(_flow)), methods=["POST"])


@bp.post("/status")
def status() -> Response:
    """Twilio's status callback: duration and how the call ended."""
    call_sid = request.form.get("CallSid", "")
    log = calllog()
    call = log.get(call_sid) if call_sid else None
    if call is None:
        abort(404, "unknown call")
    ended = hangup.ended(Turn(call, request.form.to_dict(), prompts()))
    if ended != call:
        log.save(ended)
    call_ended(call_sid, request.form.get("CallStatus", ""))  # its recognizer goes back
    return Response(status=204)


@bp.post("/survey-status")
def survey_status() -> Response:
    """Status callbacks of survey calls, also for calls nobody answered."""
    call_sid = request.form.get("CallSid", "")
    if not call_sid.startswith("CA"):
        abort(400, "CallSid is missing or malformed")
    call = calllog().begin(
        call_sid,
        request.form.get("From"),
        request.form.get("To"),
        step="survey",
        direction="outbound",
    )
    survey.ended(Turn(call, request.form.to_dict(), prompts(), request.args.to_dict()))
    call_ended(call_sid, request.form.get("CallStatus", ""))
    return Response(status=204)


@bp.errorhandler(Exception)
def broken_turn(exc: Exception):
    """A bug must not leave the caller in silence: apologise in TwiML and log it."""
    if isinstance(exc, HTTPException):
        return exc
    current_app.logger.exception("voice webhook failed: %s", request.path)
    _keep_what_was_said()
    response = VoiceResponse()
    prompts().say(response, "system_error")
    response.hangup()
    return Response(str(response), mimetype="text/xml")


def _keep_what_was_said() -> None:
    """Best effort after a failure: register what the caller said so it is not lost."""
    call_sid, speech = request.form.get("CallSid", ""), request.form.get("SpeechResult", "")
    call = calllog().get(call_sid) if call_sid else None
    if call is None or call.case_ref or not (speech or call.state.get("said")):
        return
    said = [*call.state.get("said", []), *([speech] if speech else [])]
    turn = Turn(call.but(state={**call.state, "said": said}), request.form.to_dict(), prompts())
    try:
        case = intake.create_case(turn, remark="system error during the call")
        calllog().save(call.but(case_ref=case.ref, outcome=call.outcome or "abandoned"))
    except Exception:  # already failing: log and let the caller go
        current_app.logger.exception("could not register the case of call %s", call_sid)
