"""Onward transfers from the agent's call: 110/119/120 added to the caller's conference with
the Participants REST API, or another agent rung into it; each is noted on the case."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioException

from casework.agents import EntryView
from casework.lifecycle import CaseError, InvalidInput
from casework.service import Who
from ivr.flows.agent_legs import ring
from ivr.services import agent_desk, casework, transfer_settings, twilio_rest, voice_settings

log = logging.getLogger(__name__)

ONWARD = {"110": "110报警电话", "119": "119消防救援电话", "120": "120急救电话"}


def transfer_to_number(entry: EntryView, key: str, username: str, base: str) -> str:
    """Add 110/119/120 to the caller's conference (the caller stays); noted on the case."""
    if key not in ONWARD:
        raise InvalidInput("onward transfers go to 110, 119 or 120")
    if entry.status != "connected" or not entry.conference_sid:
        raise InvalidInput("the call is not connected to an agent")
    number = voice_settings().emergency_numbers.get(key, key)
    try:
        participant = (
            twilio_rest()
            .conferences(entry.conference_sid)
            .participants.create(
                from_=transfer_settings().caller_id,
                to=number,
                label=key,
                early_media=True,
                start_conference_on_enter=True,
                end_conference_on_exit=False,
                timeout=30,
                conference_status_callback=f"{base}/voice/agents/conference",
                conference_status_callback_event=["join", "leave"],
                status_callback=f"{base}/voice/agents/outside?q={entry.id}",
                status_callback_event=["completed"],
            )
        )
    except (TwilioException, OSError) as exc:
        log.error("queue entry %s: could not add %s: %s", entry.id, key, exc)
        raise InvalidInput(f"the transfer to {key} could not be placed") from exc
    agent_desk().expect(entry.id, participant.call_sid)
    agent_desk().record_transfer(entry.id, {"to": key, "by": username, "sid": participant.call_sid})
    _note(entry, f"转接{ONWARD[key]}（{number}），来电人保留在通话中", username)
    return participant.call_sid


def transfer_to_agent(entry: EntryView, target: str, username: str, base: str) -> None:
    """Ring another available agent into the caller's conference, with a whisper."""
    if target == username:
        raise InvalidInput("choose another agent")
    agent = agent_desk().claim_agent(entry.id, target)
    if not ring(entry, agent, base, transfer_from=username):
        raise InvalidInput(f"agent {target} could not be rung")
    agent_desk().record_transfer(entry.id, {"to": f"agent:{target}", "by": username})
    _note(entry, f"转给坐席{target}", username)


def _note(entry: EntryView, text: str, username: str) -> None:
    case = casework().case_for_call(entry.call_sid)
    if case is None:
        return
    try:
        casework().add_note(case.ref, text, Who.center(username))
    except CaseError:  # e.g. the case is closed already: the queue entry still records it
        log.warning("could not note the transfer on case %s", case.ref)
