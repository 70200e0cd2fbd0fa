"""Small pieces the flows share: asking for input, counting misses, ending the call."""

from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.voice.listen import listen
from ivr.voice.turn import Reply, Turn

MAX_MISSES = 2  # two silent or unintelligible answers in a row go to an agent


def ask(
    turn: Turn,
    action: str,
    *keys: str,
    speech: bool = True,
    digits: int | None = 1,
    finish_on_key: str | None = None,
    timeout: int = 6,
    into: VoiceResponse | None = None,
    grammar: str | None = None,
) -> tuple[VoiceResponse, Gather]:
    """A Gather (added to ``into`` or a new response) that says ``keys`` and posts the
    answer, or the silence, to ``action``.

    With ``speech`` the caller may also answer by voice, heard as the speech mode says
    (``ivr.voice.listen``); ``grammar`` names the closed answers of the question
    (``ivr.speech.grammars``), which Vosk then listens for alone."""
    response = into if into is not None else VoiceResponse()
    options = dict(
        action=turn.url(action),
        method="POST",
        timeout=timeout,
        action_on_empty_result=True,
    )
    if digits:
        options["num_digits"] = digits
    if finish_on_key:
        options["finish_on_key"] = finish_on_key
    if speech:
        gather = listen(turn, response, action, options, grammar=grammar)
    else:
        gather = response.gather(input="dtmf", **options)
    for key in keys:
        turn.say(gather, key)
    return response, gather


def missed(turn: Turn) -> tuple[int, dict]:
    """Count one more silent or unintelligible answer; returns the count and the new state."""
    misses = int(turn.call.state.get("misses", 0)) + 1
    return misses, {**turn.call.state, "misses": misses}


def heard_something(state: dict) -> dict:
    return {**state, "misses": 0}


def goodbye(turn: Turn, response: VoiceResponse, **changes) -> Reply:
    turn.say(response, "goodbye")
    response.hangup()
    return Reply(response, turn.call.but(step="done", **changes))
