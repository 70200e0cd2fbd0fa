"""The status callback: how the call ended. A caller who hangs up mid-flow loses nothing."""

from __future__ import annotations

from dataclasses import replace

from casework.calls import CallRecord
from casework.service import CASE_LABELS
from ivr.flows import intake
from ivr.voice.turn import Turn

FINAL = {"completed", "busy", "failed", "no-answer", "canceled"}
HUNG_UP = "caller hung up before confirming"


def ended(turn: Turn) -> CallRecord:
    status = turn.form.get("CallStatus", "")[:16]
    if status not in FINAL or turn.call.finished:
        return turn.call
    duration = turn.form.get("CallDuration", "")
    call = turn.call.but(
        status=status,
        duration=int(duration) if duration.isdigit() else None,
        ended_how="flow finished" if turn.call.outcome else "caller hung up",
    )
    if call.outcome is None:
        call = call.but(outcome="abandoned")
        if call.label in CASE_LABELS and call.state.get("said"):
            case = intake.create_case(replace(turn, call=call), HUNG_UP)
            call = call.but(case_ref=case.ref)
    return call
