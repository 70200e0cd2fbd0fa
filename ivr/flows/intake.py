"""Everything that becomes a case: callback number, address, dispatch, read-back (10(2))."""

from __future__ import annotations

import re

from twilio.twiml.voice_response import VoiceResponse

from casework.lifecycle import CaseError
from casework.service import CASE_LABELS
from ivr.flows.common import ask, goodbye
from ivr.prompts import spoken_digits, spoken_reference
from ivr.services import casework
from ivr.voice.turn import Reply, Turn

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
TIANJIN_AREA = "022"


def callback_number(raw: str | None) -> str | None:
    """A valid mainland mobile or landline from a caller ID or keyed digits, else None."""
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("86") and len(digits) in (12, 13):
        digits = digits[2:]
        if not digits.startswith("1"):
            digits = "0" + digits  # +86 22 … → 022 …
    if len(digits) in (7, 8) and not digits.startswith("0"):
        digits = TIANJIN_AREA + digits  # a local Tianjin number keyed without the area code
    if MOBILE.match(digits) or LANDLINE.match(digits):
        return digits
    return None


def start(turn: Turn) -> Reply:
    unit = turn.call.state.get("decision", {}).get("unit")
    response = VoiceResponse()
    names = casework().unit_names()
    if unit and unit in names:
        turn.say(response, "intake_unit", unit=names[unit])
    else:
        turn.say(response, "intake_no_unit")
    caller = callback_number(turn.caller_id)
    if caller:
        _, gather = ask(turn, "number", into=response, grammar="number_ok")
        turn.say(gather, "confirm_number", last4=spoken_digits(caller[-4:]))
        return Reply(response, turn.call.but(step="number"))
    return _ask_number(turn, response)


def number(turn: Turn) -> Reply:
    """1: the caller ID; 2: key in another number."""
    key = turn.digits[:1] or _spoken_choice(turn.speech)
    if key == "1":
        return _ask_address(turn, callback_number(turn.caller_id))
    if key == "2":
        return _ask_number(turn, VoiceResponse())
    asks = int(turn.call.state.get("number_asks", 1))
    if asks >= 2:  # no clear answer: keep the caller ID, do not lose the case
        return _ask_address(turn, callback_number(turn.caller_id))
    response, gather = ask(
        turn, "number", "bad_key" if key else "not_heard", grammar="number_ok"
    )
    turn.say(gather, "confirm_number", last4=spoken_digits(callback_number(turn.caller_id)[-4:]))
    return Reply(response, turn.call.but(state={**turn.call.state, "number_asks": asks + 1}))


# Spoken answers to "this number?": another number is checked first (不是 contains 是).
_ANOTHER_NUMBER = ("不是", "不对", "不用", "换", "别的", "其他", "另外")
_THIS_NUMBER = ("是", "对", "可以", "行", "好")


def _spoken_choice(said: str) -> str:
    """The key a spoken answer means: 1 this number, 2 another one, "" unclear."""
    if any(word in said for word in _ANOTHER_NUMBER):
        return "2"
    if any(word in said for word in _THIS_NUMBER):
        return "1"
    return ""


def number_entered(turn: Turn) -> Reply:
    keyed = callback_number(turn.digits)
    if keyed:
        return _ask_address(turn, keyed)
    asks = int(turn.call.state.get("keyed_asks", 1))
    if asks >= 2:
        return _ask_address(turn, callback_number(turn.caller_id))
    response = VoiceResponse()
    turn.say(response, "number_invalid")
    state = {**turn.call.state, "keyed_asks": asks + 1}
    return _ask_number(turn.but(state=state), response)


def address(turn: Turn) -> Reply:
    state = {**turn.call.state}
    if turn.speech:
        state["address"] = turn.speech
    return finish(turn.but(state=state))


def finish(turn: Turn) -> Reply:
    case = create_case(turn, remark=None)
    response = VoiceResponse()
    turn.say(response, "case_created", ref=spoken_reference(case.ref))
    if case.unit_name:
        days = casework().policy.resolve_limit(case.label)
        turn.say(response, "case_deadline", unit=case.unit_name, days=days)
    else:
        turn.say(response, "case_no_unit")
    return goodbye(turn, response, outcome="case_created", case_ref=case.ref)


def create_case(turn: Turn, remark: str | None, label: str | None = None):
    """The call's case (made once per call), dispatched to the routed unit when there is one."""
    state = turn.call.state
    label = label or turn.call.label
    if label not in CASE_LABELS:
        label = "inquiry"
    words = " ".join(state.get("said", []) + state.get("unclear", []))
    fields = dict(
        text=words or "来电要求人工服务，未说明具体事项",
        label=label,
        channel="phone",
        caller=state.get("callback", callback_number(turn.caller_id)),
        location=state.get("address"),
        call_sid=turn.call.call_sid,
        remark=remark,
    )
    unit = state.get("decision", {}).get("unit")
    try:
        return casework().create_case(**fields, units=[unit] if unit else None)
    except CaseError:  # e.g. the unit was deactivated meanwhile: register it undispatched
        return casework().create_case(**fields)


def _ask_number(turn: Turn, response: VoiceResponse) -> Reply:
    ask(
        turn,
        "number_entered",
        "ask_number",
        speech=False,
        digits=None,
        finish_on_key="#",
        timeout=10,
        into=response,
    )
    return Reply(response, turn.call.but(step="number_entered"))


def _ask_address(turn: Turn, callback: str | None) -> Reply:
    state = {**turn.call.state, "callback": callback}
    response, _ = ask(turn, "address", "ask_address", digits=1, finish_on_key="#", timeout=6)
    return Reply(response, turn.call.but(step="address", state=state))
