"""Whole calls: the app under a real threaded WSGI server, the local Twilio stand-in calling it
over HTTP with signed webhooks, a real database behind it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from casework.calls import CallLog, CallRecord
from standin import ScriptedCaller


@dataclass
class Call:
    result: object  # standin.CallResult
    record: CallRecord | None

    @property
    def texts(self) -> list[str]:
        return self.result.texts

    def said(self, fragment: str) -> bool:
        return any(fragment in text for text in self.texts)

    def twiml(self) -> list[ET.Element]:
        """Every TwiML document the app answered with, parsed."""
        return [
            ET.fromstring(r.body)
            for r in self.result.requests
            if r.body and r.body.lstrip().startswith("<?xml")
        ]


@pytest.fixture
def phone(app_url, standin, casework):
    """``phone(*steps, caller_id=…)`` places one call and returns what happened."""

    def call(*steps, caller_id: str = "+8613812345678") -> Call:
        result = standin.inbound_call(
            f"{app_url}/voice/incoming",
            from_=caller_id,
            to="+862288908890",
            caller=ScriptedCaller(list(steps)),
            status_callback_url=f"{app_url}/voice/status",
        )
        assert result.application_errors == [], result.application_errors
        return Call(result, CallLog(casework.db).get(result.call_sid))

    return call
