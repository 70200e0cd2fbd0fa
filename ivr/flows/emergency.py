"""Emergencies: say so at once and transfer to 110, 119 or 120 (article 8(1))."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.services import voice_settings
from ivr.voice.turn import Reply, Turn


def redirect(turn: Turn, number: str) -> Reply:
    dial_to = voice_settings().emergency_numbers.get(number, number)
    response = VoiceResponse()
    turn.say(response, f"emergency_{number}")
    response.dial(dial_to, action=turn.url("emergency_done"), method="POST", timeout=30)
    call = turn.call.but(
        step="emergency", outcome="emergency_transfer", dialed=dial_to, emergency=number
    )
    return Reply(response, call)


def dial_done(turn: Turn) -> Reply:
    """After the <Dial>: if it did not connect, tell the caller to dial the number directly."""
    status = turn.form.get("DialCallStatus", "")[:16] or "unknown"
    response = VoiceResponse()
    if status != "completed":
        number = turn.call.emergency or turn.call.dialed or "110"
        turn.say(response, "emergency_failed", number=number)
    response.hangup()
    return Reply(response, turn.call.but(step="done", dial_status=status))
