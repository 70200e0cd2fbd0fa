"""Conferences in the stand-in: `<Dial><Conference>`, the wait URL loop, status callbacks,
and the Conferences / Participants REST resources.

A call that reaches `<Dial><Conference>` with any of waitUrl, statusCallback,
startConferenceOnEnter or endConferenceOnExit (a bare `<Conference>` stays a recorded,
bridged dial target as before) joins a room shared by every call of the stand-in
and stays there, in its own thread, one round at a time:

- while the room has not started (no participant with startConferenceOnEnter=true), a
  participant with a waitUrl fetches it and hears its Say/Play/Pause (a `<Redirect>` in it
  names the next round's URL; otherwise the waitUrl is fetched again, as Twilio loops it);
- each round asks the participant's caller for one step (wait kind "conference"): Hangup
  leaves (and ends the call), anything else stays; `HoldOn` callers stay until released;
- a REST update of the call (redirect or hang-up) takes it out of the room at once;
- a participant with endConferenceOnExit=true ends the room when it leaves: everybody else
  leaves too and goes on with the verb after their `<Dial>` (or its action URL).

Status callbacks (statusCallbackEvent: start end join leave) go to the statusCallback of the
participant's own `<Conference>` noun, with Twilio's form fields (ConferenceSid,
FriendlyName, StatusCallbackEvent, CallSid, ...). Real time passes between rounds
(`StandinConfig.hold_seconds`), so other calls (agents' legs) can join meanwhile.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from flask import Flask, jsonify, request

from standin.callers import Hangup, Step
from standin.twiml import Document, End, Fetch, Outcome

if TYPE_CHECKING:
    from standin.engine import StandinCall
    from standin.server import TwilioStandin

MAX_ROUNDS = 2000  # a participant nobody releases leaves after this many rounds
EVENTS = {
    "start": "conference-start",
    "end": "conference-end",
    "join": "participant-join",
    "leave": "participant-leave",
}


class HoldOn:
    """A caller who keeps listening in a conference until `release()` (then hangs up), and
    takes the given steps for any other wait (e.g. an agent's phone, a 120 operator)."""

    def __init__(self, steps: list[Step] | None = None) -> None:
        self.steps = list(steps or [])
        self.heard: list[dict[str, Any]] = []
        self.released = threading.Event()
        self.joined = threading.Event()
        self.rounds = 0

    def hear(self, prompt: dict[str, Any]) -> None:
        self.heard.append(dict(prompt))

    def next_input(self, wait: str) -> Step:
        from standin.callers import Silence

        if wait == "conference":
            self.joined.set()
            self.rounds += 1
            return Hangup() if self.released.is_set() else Silence()
        return self.steps.pop(0) if self.steps else Hangup()

    def release(self) -> None:
        self.released.set()

    @property
    def texts(self) -> list[str]:
        return [p["text"] for p in self.heard if p.get("text")]


@dataclass
class Participant:
    call: StandinCall
    start_on_enter: bool
    end_on_exit: bool
    callback: str | None
    callback_method: str
    events: set[str]
    muted: bool = False
    label: str | None = None
    joined: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class Room:
    name: str
    sid: str
    status: str = "init"  # init | in-progress | completed
    participants: dict[str, Participant] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)  # joins and leaves, in order
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    changed: threading.Event = field(default_factory=threading.Event)
    sequence: int = 0


class ConferenceHub:
    """The stand-in's conference rooms by friendly name (a name is reused after it ends)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rooms: dict[str, Room] = {}
        self.ended: list[Room] = []

    def room(self, name: str) -> Room | None:
        with self.lock:
            return self.rooms.get(name)

    def by_sid(self, sid: str) -> Room | None:
        with self.lock:
            for room in [*self.rooms.values(), *self.ended]:
                if room.sid == sid:
                    return room
        return None

    def all_rooms(self) -> list[Room]:
        with self.lock:
            return [*self.ended, *self.rooms.values()]

    def wait_for(self, name: str, who: int = 1, timeout: float = 10.0) -> Room:
        """Test helper: the room once it has at least `who` participants."""
        deadline = threading.Event()
        for _ in range(int(timeout / 0.05)):
            room = self.room(name)
            if room is not None and len(room.participants) >= who:
                return room
            deadline.wait(0.05)
        raise TimeoutError(f"conference {name!r} did not get {who} participants")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() == "true"


def join(
    call: StandinCall, interpreter: Any, dial: ET.Element, noun: ET.Element, doc: Document
) -> Outcome:
    """Run a `<Dial><Conference>` for `call` until it leaves the room."""
    hub: ConferenceHub = call.config.conferences
    name = "".join(noun.itertext()).strip()
    events = {e for e in (noun.get("statusCallbackEvent") or "").split() if e in EVENTS}
    me = Participant(
        call=call,
        start_on_enter=_bool(noun.get("startConferenceOnEnter"), True),
        end_on_exit=_bool(noun.get("endConferenceOnExit"), False),
        callback=doc.resolve(noun.get("statusCallback")),
        callback_method=(noun.get("statusCallbackMethod") or "POST").upper(),
        events=events,
        muted=_bool(noun.get("muted"), False),
        label=noun.get("participantLabel"),
    )
    entry = {
        "kind": "conference",
        "target": name,
        "attributes": dict(noun.attrib),
        "outcome": "completed",
        "sid": None,
    }
    call.result.dialed.append(entry)
    room, started = _enter(hub, name, me)
    entry["sid"] = room.sid
    if started:
        _notify(room, me, "start")
    _notify(room, me, "join")
    wait_url = doc.resolve(noun.get("waitUrl"))
    wait_method = (noun.get("waitMethod") or "POST").upper()
    reason = "conference-ended"
    try:
        for _ in range(MAX_ROUNDS):
            if call.update_pending():
                reason = "updated"
                break
            if room.status == "completed" or call.sid not in room.participants:
                break
            if room.status != "in-progress" and wait_url:
                wait_url = _play_wait(call, interpreter, room, wait_url, wait_method) or wait_url
                if call.update_pending() or room.status == "completed":
                    continue
            step = call.ask(
                "conference",
                {"verb": "conference", "conference": name, "started": room.status == "in-progress"},
            )
            if isinstance(step, Hangup):
                reason = "hangup"
                break
            room.changed.wait(call.config.hold_seconds)
            room.changed.clear()
        else:
            reason = "hangup"
    finally:
        _leave(hub, room, me)
    entry["left"] = reason
    if reason == "hangup":
        return End("caller-hangup")
    if reason == "updated":
        return None  # the engine applies the update next
    action = doc.resolve(dial.get("action"))
    if action:
        params = {
            "DialCallStatus": "completed",
            "DialCallSid": room.sid,
            "DialCallDuration": "0",
            "DialBridged": "true",
        }
        return Fetch(action, (dial.get("method") or "POST").upper(), params)
    return None


def _enter(hub: ConferenceHub, name: str, me: Participant) -> tuple[Room, bool]:
    with hub.lock:
        room = hub.rooms.get(name)
        if room is None:
            room = Room(name=name, sid="CF" + uuid.uuid4().hex)
            hub.rooms[name] = room
        room.participants[me.call.sid] = me
        room.history.append({"event": "join", "call_sid": me.call.sid, "to": me.call.to})
        started = False
        if room.status == "init" and me.start_on_enter:
            room.status, started = "in-progress", True
    room.changed.set()
    return room, started


def _leave(hub: ConferenceHub, room: Room, me: Participant) -> None:
    ended = False
    with hub.lock:
        if room.participants.pop(me.call.sid, None) is None:
            return
        room.history.append({"event": "leave", "call_sid": me.call.sid, "to": me.call.to})
        if room.status != "completed" and (me.end_on_exit or not room.participants):
            room.status, ended = "completed", True
            hub.rooms.pop(room.name, None)
            hub.ended.append(room)
    room.changed.set()
    _notify(room, me, "leave")
    if ended:
        _notify(room, me, "end")


def end_room(hub: ConferenceHub, room: Room) -> None:
    """End a room from outside (REST): everybody leaves and goes on after their `<Dial>`."""
    with hub.lock:
        if room.status == "completed":
            return
        room.status = "completed"
        hub.rooms.pop(room.name, None)
        hub.ended.append(room)
        anyone = next(iter(room.participants.values()), None)
    room.changed.set()
    if anyone is not None:
        _notify(room, anyone, "end")


def _play_wait(
    call: StandinCall, interpreter: Any, room: Room, url: str, method: str
) -> str | None:
    """One round of the wait music: fetch the wait URL, hear it; the next round's URL."""
    params = {**call.call_params(), "ConferenceSid": room.sid, "FriendlyName": room.name}
    wait = call.fetch_side(url, method, params, "wait-url")
    following = None
    for verb in wait.verbs if wait else []:
        if verb.tag in ("Say", "Play", "Pause"):
            interpreter._prompt(verb, wait, conference=room.name)
        elif verb.tag == "Redirect":
            following = wait.resolve("".join(verb.itertext()))
            break
    return following


def _notify(room: Room, me: Participant, event: str) -> None:
    if not me.callback or event not in me.events:
        return
    with_call = event in ("join", "leave")
    room.sequence += 1
    params = {
        "AccountSid": me.call.config.account_sid,
        "ConferenceSid": room.sid,
        "FriendlyName": room.name,
        "StatusCallbackEvent": EVENTS[event],
        "Timestamp": dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
        "SequenceNumber": str(room.sequence),
    }
    if with_call:
        params.update(
            CallSid=me.call.sid,
            Muted="true" if me.muted else "false",
            Hold="false",
            Coaching="false",
            EndConferenceOnExit="true" if me.end_on_exit else "false",
            StartConferenceOnEnter="true" if me.start_on_enter else "false",
        )
        if me.label:
            params["ParticipantLabel"] = me.label
    if event == "end":
        params.update(
            ReasonConferenceEnded="participant-with-end-conference-on-exit-left"
            if me.end_on_exit
            else "last-participant-left",
            CallSidEndingConference=me.call.sid,
        )
    me.call.notify(me.callback, me.callback_method, params, "conference-status")


# -- REST: Conferences and Participants ---------------------------------------------------


def register_routes(app: Flask, standin: TwilioStandin, prefix: str) -> None:
    base = f"{prefix}/Conferences"

    def conferences(account_sid: str) -> Any:
        name = request.args.get("FriendlyName")
        status = request.args.get("Status")
        rooms = [
            _conference_json(standin, r)
            for r in standin.config.conferences.all_rooms()
            if (name is None or r.name == name) and (status is None or r.status == status)
        ]
        return jsonify({"conferences": rooms, **_page(standin, "Conferences.json", len(rooms))})

    def conference(account_sid: str, sid: str) -> Any:
        room = _room_or_404(standin, sid)
        if isinstance(room, tuple):
            return room
        if request.method == "POST" and request.form.get("Status") == "completed":
            end_room(standin.config.conferences, room)
        return jsonify(_conference_json(standin, room))

    def participants(account_sid: str, sid: str) -> Any:
        room = _room_or_404(standin, sid)
        if isinstance(room, tuple):
            return room
        if request.method == "GET":
            rows = [_participant_json(standin, room, p) for p in room.participants.values()]
            return jsonify(
                {
                    "participants": rows,
                    **_page(standin, f"Conferences/{sid}/Participants.json", len(rows)),
                }
            )
        return _add_participant(standin, room)

    def participant(account_sid: str, sid: str, call_sid: str) -> Any:
        room = _room_or_404(standin, sid)
        if isinstance(room, tuple):
            return room
        me = room.participants.get(call_sid)
        if me is None:
            return _not_found(f"Participant {call_sid} is not in conference {sid}")
        if request.method == "DELETE":
            me.call.update(status="completed")
            return "", 204
        return jsonify(_participant_json(standin, room, me))

    app.add_url_rule(f"{base}.json", "conferences", conferences, methods=["GET"])
    app.add_url_rule(f"{base}/<sid>.json", "conference", conference, methods=["GET", "POST"])
    app.add_url_rule(
        f"{base}/<sid>/Participants.json", "participants", participants, methods=["GET", "POST"]
    )
    app.add_url_rule(
        f"{base}/<sid>/Participants/<call_sid>.json",
        "participant",
        participant,
        methods=["GET", "POST", "DELETE"],
    )


def _add_participant(standin: TwilioStandin, room: Room) -> Any:
    from standin.engine import StandinCall

    form = request.form
    to, from_ = form.get("To", ""), form.get("From", "")
    if not to or not from_:
        return _error(400, 21201, "To and From are required")
    if room.status == "completed":
        return _error(400, 20404, "Conference is completed")
    attrs = {
        "startConferenceOnEnter": form.get("StartConferenceOnEnter", "true"),
        "endConferenceOnExit": form.get("EndConferenceOnExit", "false"),
        "beep": form.get("Beep", "true"),
    }
    callback = form.get("ConferenceStatusCallback")
    if callback:
        attrs["statusCallback"] = callback
        attrs["statusCallbackEvent"] = " ".join(form.getlist("ConferenceStatusCallbackEvent"))
    attributes = " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
    twiml = (
        f"<Response><Dial><Conference {attributes}>{escape(room.name)}</Conference>"
        "</Dial></Response>"
    )
    events = tuple(e for v in form.getlist("StatusCallbackEvent") for e in v.split()) or (
        "completed",
    )
    outcome, caller, _ = standin._answerer(to, None)
    call = StandinCall(
        standin.config,
        caller=caller,
        from_=from_,
        to=to,
        direction="outbound-api",
        twiml=twiml,
        status_callback=form.get("StatusCallback") or None,
        status_callback_method=form.get("StatusCallbackMethod", "POST"),
        status_callback_events=events,
    )
    standin._register(call)
    threading.Thread(
        target=call.run, args=(outcome,), name=f"participant-{call.sid}", daemon=True
    ).start()
    body = {
        "account_sid": standin.account_sid,
        "call_sid": call.sid,
        "conference_sid": room.sid,
        "label": form.get("Label"),
        "status": "queued",
        "muted": False,
        "hold": False,
        "coaching": False,
        "call_sid_to_coach": None,
        "start_conference_on_enter": attrs["startConferenceOnEnter"] == "true",
        "end_conference_on_exit": attrs["endConferenceOnExit"] == "true",
        "date_created": _rfc(dt.datetime.now(dt.UTC)),
        "date_updated": _rfc(dt.datetime.now(dt.UTC)),
        "uri": f"/2010-04-01/Accounts/{standin.account_sid}/Conferences/{room.sid}/"
        f"Participants/{call.sid}.json",
    }
    return jsonify(body), 201


def _room_or_404(standin: TwilioStandin, sid: str) -> Room | tuple:
    room = standin.config.conferences.by_sid(sid)
    return room if room is not None else _not_found(f"Conference {sid} was not found")


def _conference_json(standin: TwilioStandin, room: Room) -> dict[str, Any]:
    uri = f"/2010-04-01/Accounts/{standin.account_sid}/Conferences/{room.sid}"
    return {
        "sid": room.sid,
        "account_sid": standin.account_sid,
        "friendly_name": room.name,
        "status": room.status,
        "region": "us1",
        "date_created": _rfc(room.created),
        "date_updated": _rfc(dt.datetime.now(dt.UTC)),
        "api_version": "2010-04-01",
        "reason_conference_ended": None,
        "call_sid_ending_conference": None,
        "uri": f"{uri}.json",
        "subresource_uris": {
            "participants": f"{uri}/Participants.json",
            "recordings": f"{uri}/Recordings.json",
        },
    }


def _participant_json(standin: TwilioStandin, room: Room, p: Participant) -> dict[str, Any]:
    return {
        "account_sid": standin.account_sid,
        "call_sid": p.call.sid,
        "conference_sid": room.sid,
        "label": p.label,
        "status": "connected",
        "muted": p.muted,
        "hold": False,
        "coaching": False,
        "start_conference_on_enter": p.start_on_enter,
        "end_conference_on_exit": p.end_on_exit,
        "date_created": _rfc(p.joined),
        "date_updated": _rfc(dt.datetime.now(dt.UTC)),
        "uri": f"/2010-04-01/Accounts/{standin.account_sid}/Conferences/{room.sid}/"
        f"Participants/{p.call.sid}.json",
    }


def _page(standin: TwilioStandin, path: str, count: int) -> dict[str, Any]:
    uri = f"/2010-04-01/Accounts/{standin.account_sid}/{path}"
    return {
        "page": 0,
        "page_size": count,
        "first_page_uri": uri,
        "uri": uri,
        "next_page_uri": None,
        "previous_page_uri": None,
        "start": 0,
        "end": count,
    }


def _rfc(moment: dt.datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _error(status: int, code: int, message: str) -> tuple:
    return jsonify(
        {
            "code": code,
            "message": message,
            "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
        }
    ), status


def _not_found(message: str) -> tuple:
    return _error(404, 20404, message)
