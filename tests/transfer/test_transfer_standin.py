"""The stand-in's conferences on their own: a tiny TwiML app, two calls meeting in a room,
status callbacks, the wait URL loop, and the Conferences/Participants REST resources through
the real `twilio` client."""

from __future__ import annotations

import time

import pytest
from flask import Flask, Response, request

from ivr.local_server import serving
from standin import HoldOn, TwilioStandin

ROOM = (
    '<Response><Dial action="/after"><Conference startConferenceOnEnter="{start}" '
    'endConferenceOnExit="{end}" waitUrl="/wait" statusCallback="/events" '
    'statusCallbackEvent="start end join leave">room-1</Conference></Dial></Response>'
)


@pytest.fixture
def room_app():
    app = Flask("rooms")
    app.events = []

    @app.post("/caller")
    def caller():
        return Response(ROOM.format(start="false", end="true"), mimetype="text/xml")

    @app.post("/host")
    def host():
        return Response(ROOM.format(start="true", end="false"), mimetype="text/xml")

    @app.post("/wait")
    def wait():
        return Response(
            "<Response><Say>请稍候</Say><Pause length='30'/></Response>", mimetype="text/xml"
        )

    @app.post("/events")
    def events():
        app.events.append((request.form["StatusCallbackEvent"], request.form.get("CallSid")))
        return Response(status=204)

    @app.post("/after")
    def after():
        return Response("<Response><Say>再见</Say></Response>", mimetype="text/xml")

    with serving(app) as url:
        app.url = url
        yield app


def wait_until(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_room_waits_starts_and_ends_with_callbacks_and_rest(room_app):
    with TwilioStandin() as standin:
        url = room_app.url
        caller = HoldOn()
        call = standin.start_inbound_call(f"{url}/caller", "+8613800000000", "88908890", caller)
        room = standin.config.conferences.wait_for("room-1")
        wait_until(lambda: "请稍候" in caller.texts)  # the wait URL plays before the start
        assert room.status == "init"
        host = HoldOn()
        standin.answer("+862200000001", host)
        client = standin.client()
        leg = client.calls.create(to="+862200000001", from_="88908890", url=f"{url}/host")
        wait_until(host.joined.is_set)
        assert room.status == "in-progress"

        listed = client.conferences.list(friendly_name="room-1", status="in-progress")
        assert [c.sid for c in listed] == [room.sid]
        people = client.conferences(room.sid).participants.list()
        assert {p.call_sid for p in people} == {call.sid, leg.sid}
        guest = HoldOn()
        standin.answer("120", guest)
        added = client.conferences(room.sid).participants.create(
            from_="88908890", to="120", label="120"
        )
        wait_until(guest.joined.is_set)
        client.conferences(room.sid).participants(added.call_sid).delete()  # kicked
        standin.wait(added.call_sid)

        client.conferences(room.sid).update(status="completed")  # ended from outside
        result = standin.wait(call.sid)
        assert result.texts[-1] == "再见"  # everybody goes on with the <Dial> action
        standin.wait(leg.sid)
        assert host.texts[-1] == "再见" and room.status == "completed"
        kinds = [kind for kind, _ in room_app.events]
        assert kinds[0] == "participant-join" and "conference-start" in kinds
        # the REST-added guest had no ConferenceStatusCallback: only the room's history has it
        assert kinds.count("participant-join") == 2 and kinds.count("participant-leave") == 2
        assert [h["event"] for h in room.history].count("join") == 3
        assert kinds.count("conference-end") == 1


def test_a_participant_with_end_conference_on_exit_ends_the_room(room_app):
    with TwilioStandin() as standin:
        host = HoldOn()
        standin.answer("+862200000001", host)
        caller = HoldOn()
        call = standin.start_inbound_call(
            f"{room_app.url}/caller", "+8613800000000", "88908890", caller
        )
        standin.config.conferences.wait_for("room-1")
        standin.client().calls.create(
            to="+862200000001", from_="88908890", url=f"{room_app.url}/host"
        )
        wait_until(host.joined.is_set)
        caller.release()  # the caller hangs up: no Dial action for them; the room ends
        assert standin.wait(call.sid).end_reason == "caller-hangup"
        wait_until(lambda: "再见" in host.texts)  # the host goes on after the <Dial>
        kinds = [kind for kind, _ in room_app.events]
        assert kinds.index("conference-end") > kinds.index("participant-leave")
