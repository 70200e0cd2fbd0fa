"""Whole calls: the app under a real threaded WSGI server, the local Twilio stand-in calling it
over HTTP with signed webhooks, a real database behind it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from casework.calls import CallLog, CallRecord, read_enterprise_file
from casework.config import REPO_ROOT
from ivr.app import create_app
from ivr.config import load_voice_settings
from ivr.local_server import serving
from standin import ScriptedCaller, TwilioStandin


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
def app(casework):
    _, enterprises = read_enterprise_file(REPO_ROOT / "data" / "enterprises.yaml")
    CallLog(casework.db).load_enterprises(enterprises)
    return create_app(casework=casework)


@pytest.fixture
def app_url(app):
    with serving(app) as url:
        yield url


@pytest.fixture
def standin():
    voice = load_voice_settings()
    with TwilioStandin(voice.account_sid, voice.auth_token) as standin:
        yield standin


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
