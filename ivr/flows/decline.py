"""Matters the hotline may not take (article 8): say kindly why and where to go (10(4))."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.flows import welcome
from ivr.flows.common import ask, goodbye
from ivr.voice.turn import Reply, Turn


def decline(turn: Turn, label: str) -> Reply:
    response, _ = ask(turn, "after_decline", f"decline_{label}", "after_decline", speech=False)
    return Reply(response, turn.call.but(step="declined", outcome="declined"))


def after(turn: Turn) -> Reply:
    """1: another matter (back to the menu); anything else: goodbye."""
    if turn.digits[:1] == "1":
        state = {k: v for k, v in turn.call.state.items() if k not in ("shortcut", "misses")}
        return welcome.greet(turn, state)
    return goodbye(turn, VoiceResponse())
