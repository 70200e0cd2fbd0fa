"""A local Twilio stand-in for development without a Twilio account or the internet.

It behaves like Twilio toward the app: signed voice webhooks with Twilio's form fields,
TwiML interpretation, status callbacks, and the REST Calls endpoints the `twilio` client
uses. It is a development tool and never part of the production path.

    import twilio.rest
    from standin import TwilioStandin, ScriptedCaller, Say, Press

    with TwilioStandin(account_sid, auth_token) as standin:
        # a call into the app, driven in this thread
        result = standin.inbound_call(
            "http://127.0.0.1:8890/voice", from_="+8613800000000", to="88908890",
            caller=ScriptedCaller([Press("1"), Say("路灯坏了")]),
        )
        print(result.texts, result.status)

        # the app's own twilio client, pointed at the stand-in
        client = twilio.rest.Client(account_sid, auth_token)
        client.api.base_url = standin.base_url      # or: client = standin.client()
        standin.answer("+8613800000000", [Press("5")])
        call = client.calls.create(to="+8613800000000", from_="88908890", url=...)
        standin.wait(call.sid)
"""

from standin.callers import (
    Caller,
    Hangup,
    InteractiveCaller,
    Press,
    Say,
    SayAudio,
    ScriptedCaller,
    Silence,
    Step,
)
from standin.conference import ConferenceHub, HoldOn
from standin.engine import StandinCall, StandinConfig
from standin.recordings import Recording, wav_comment
from standin.result import CallResult, Exchange
from standin.server import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, TwilioStandin

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "CallResult",
    "Caller",
    "ConferenceHub",
    "Exchange",
    "Hangup",
    "HoldOn",
    "InteractiveCaller",
    "Press",
    "Recording",
    "Say",
    "SayAudio",
    "ScriptedCaller",
    "Silence",
    "StandinCall",
    "StandinConfig",
    "Step",
    "TwilioStandin",
    "wav_comment",
]
