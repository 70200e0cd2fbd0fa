"""Warm transfers end to end: the app under a real threaded server, the local Twilio stand-in
calling it (caller, agents' legs, conferences) and the app's `twilio` client pointed at it."""

from __future__ import annotations

import dataclasses

import pytest

from casework.agents import AgentDesk
from casework.calls import CallLog
from casework.users import Users
from ivr.app import create_app
from ivr.local_server import serving

CALLER = "+8613812345678"


@pytest.fixture
def users(casework) -> Users:
    service = Users(casework.db, casework.clock)
    for name in ("agent1", "agent2"):
        service.create(name, f"{name}-pass-2026", "agent")
    return service


@pytest.fixture
def app(casework, users, standin):
    app = create_app(casework=casework)
    app.extensions["twilio_rest"] = standin.client()
    return app


@pytest.fixture
def app_url(app):
    with serving(app) as url:
        yield url


@pytest.fixture
def desk(app) -> AgentDesk:
    return app.extensions["agent_desk"]


@pytest.fixture
def settings(app):
    """``settings(max_wait_minutes=0)`` changes the transfer settings of the running app."""

    def change(**values):
        current = app.extensions["transfer_settings"]
        app.extensions["transfer_settings"] = dataclasses.replace(current, **values)

    return change


@pytest.fixture
def available(desk, clock):
    """Set agents available in this order (the first has been idle longest)."""

    def make(*names: str) -> None:
        for name in names:
            desk.set_status(name, "available")
            clock.advance(seconds=1)

    return make


@pytest.fixture
def dial_in(standin, app_url):
    """Start a call into the app in the background; returns the stand-in call."""

    def start(caller, caller_id: str = CALLER):
        return standin.start_inbound_call(
            f"{app_url}/voice/incoming",
            from_=caller_id,
            to="+862288908890",
            caller=caller,
            status_callback_url=f"{app_url}/voice/status",
        )

    return start


@pytest.fixture
def record_of(casework):
    def get(call_sid: str):
        return CallLog(casework.db).get(call_sid)

    return get
