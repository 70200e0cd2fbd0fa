"""One webhook turn of a call: load the call's record, let a flow answer, save, reply.

The reply to each request is stored with a fingerprint of the request, so a
webhook that Twilio sends again is answered the same way without doing
anything twice.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from flask import Response, abort, request, url_for
from twilio.twiml.voice_response import VoiceResponse

from casework.calls import CallRecord
from casework.lifecycle import Conflict
from ivr.prompts import Prompts
from ivr.services import calllog, prompts

log = logging.getLogger(__name__)

_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
_KEYS = re.compile(r"[^0-9*#]")
MAX_SPEECH = 500


@dataclass(frozen=True)
class Turn:
    """What a flow gets: the call so far, the caller's input, the prompts."""

    call: CallRecord
    form: dict[str, str]
    prompts: Prompts
    args: dict[str, str] = field(default_factory=dict)  # the webhook URL's query

    def but(self, **call_changes) -> Turn:
        """The same turn with the call record changed."""
        return replace(self, call=self.call.but(**call_changes))

    @property
    def digits(self) -> str:
        return _KEYS.sub("", self.form.get("Digits", ""))[:32]

    @property
    def speech(self) -> str:
        return " ".join(self.form.get("SpeechResult", "").split())[:MAX_SPEECH]

    @property
    def caller_id(self) -> str | None:
        return self.call.from_number

    def url(self, endpoint: str) -> str:
        """The next step's URL, numbered by turn: a retry of this request is recognised as
        the same request, while a second silence at the same step is a new one."""
        return url_for(f"voice.{endpoint}", t=self.call.version)

    def say(self, verb, key: str, /, **values) -> None:
        self.prompts.say(verb, key, **values)


@dataclass(frozen=True)
class Reply:
    twiml: VoiceResponse
    call: CallRecord


def webhook(flow: Callable[[Turn], Reply]) -> Callable[[], Response]:
    """Wrap a flow step as a webhook: validation, replay protection, state saving."""

    @functools.wraps(flow)
    def view() -> Response:
        form = {k: v for k, v in request.form.items() if isinstance(v, str)}
        call_sid = form.get("CallSid", "")
        if not _CALL_SID.match(call_sid):
            abort(400, "CallSid is missing or malformed")
        log_ = calllog()
        call = log_.begin(call_sid, _number(form.get("From")), _number(form.get("To")))
        fingerprint = _fingerprint(request.full_path, form)
        if call.last_request == fingerprint and call.last_response:
            return _twiml(call.last_response)  # Twilio sent the same request again
        reply = flow(Turn(call, form, prompts(), request.args.to_dict()))
        body = str(reply.twiml)
        try:
            log_.save(reply.call.but(last_request=fingerprint, last_response=body))
        except Conflict:
            again = log_.get(call_sid)
            if again and again.last_request == fingerprint and again.last_response:
                return _twiml(again.last_response)
            raise
        return _twiml(body)

    return view


def _fingerprint(path: str, form: dict[str, str]) -> str:
    material = path + "\n" + "\n".join(f"{k}={form[k]}" for k in sorted(form))
    return hashlib.sha256(material.encode()).hexdigest()


def _number(value: str | None) -> str | None:
    value = (value or "").strip()
    return value[:32] or None


def _twiml(body: str) -> Response:
    return Response(body, mimetype="text/xml")
