"""Outbound calls through the REST endpoints, with the real `twilio` client."""

from __future__ import annotations

import threading

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from standin import Press, Say, ScriptedCaller, Silence

CITIZEN = "+8613800000002"
HOTLINE = "88908890"


def doc(*verbs: str) -> str:
    return "<?xml version='1.0' encoding='UTF-8'?><Response>" + "".join(verbs) + "</Response>"


SURVEY = doc(
    '<Gather action="/survey/score" numDigits="1">'
    '<Say language="zh-CN">请对本次办理结果打分，满意请按1，不满意请按2。</Say></Gather>',
    "<Say>再见</Say>",
)


def test_create_call_drives_it_and_sends_every_status_callback(standin, app):
    app.pages["/survey"] = SURVEY
    app.pages["/survey/score"] = lambda v: doc(f"<Say>score {v['Digits']}</Say>", "<Hangup/>")
    standin.answer(CITIZEN, [Press("1")])
    client = standin.client()
    call = client.calls.create(
        to=CITIZEN,
        from_=HOTLINE,
        url=app.url("/survey"),
        status_callback=app.url("/status"),
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        status_callback_method="POST",
    )
    assert call.sid.startswith("CA") and len(call.sid) == 34
    assert call.status == "queued"
    assert (call.to, call._from) == (CITIZEN, HOTLINE)
    assert call.account_sid == standin.account_sid
    assert call.uri.endswith(f"/Calls/{call.sid}.json")

    result = standin.wait(call.sid)
    assert app.rejected == []
    assert result.direction == "outbound-api"
    assert result.texts[-1] == "score 1"
    webhook = app.hits_to("/survey")[0].form
    assert webhook["Direction"] == "outbound-api"
    assert webhook["CallStatus"] == "in-progress"
    assert (webhook["From"], webhook["To"]) == (HOTLINE, CITIZEN)
    assert "AnsweredBy" not in webhook
    callbacks = [h.form for h in app.hits_to("/status")]
    assert [c["CallStatus"] for c in callbacks] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [c["SequenceNumber"] for c in callbacks] == ["0", "1", "2", "3"]
    assert callbacks[-1]["CallDuration"] == str(result.duration)

    fetched = client.calls(call.sid).fetch()
    assert fetched.status == "completed"
    assert fetched.duration == str(result.duration)
    assert fetched.direction == "outbound-api"
    assert fetched.end_time is not None


def test_only_the_completed_callback_by_default(standin, app):
    app.pages["/survey"] = SURVEY
    client = standin.client()
    call = client.calls.create(
        to=CITIZEN, from_=HOTLINE, url=app.url("/survey"), status_callback=app.url("/status")
    )
    result = standin.wait(call.sid)
    assert result.end_reason == "caller-hangup"  # the default person hangs up at the Gather
    assert [h.form["CallStatus"] for h in app.hits_to("/status")] == ["completed"]


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
def test_unanswered_calls_never_fetch_the_url(standin, app, outcome):
    standin.answer(CITIZEN, outcome)
    client = standin.client()
    call = client.calls.create(
        to=CITIZEN, from_=HOTLINE, url=app.url("/survey"), status_callback=app.url("/status")
    )
    result = standin.wait(call.sid)
    assert result.status == outcome
    assert app.hits_to("/survey") == []
    final = app.hits_to("/status")[0].form
    assert final["CallStatus"] == outcome
    assert final["CallDuration"] == "0"
    assert client.calls(call.sid).fetch().status == outcome


def test_machine_detection_sets_answered_by(standin, app):
    app.pages["/survey"] = SURVEY
    standin.answer(CITIZEN, "machine")
    standin.answer("+8613800000003", [Press("2")])
    client = standin.client()
    machine = client.calls.create(
        to=CITIZEN, from_=HOTLINE, url=app.url("/survey"), machine_detection="Enable"
    )
    human = client.calls.create(
        to="+8613800000003", from_=HOTLINE, url=app.url("/survey"), machine_detection="Enable"
    )
    assert standin.wait(machine.sid).answered_by == "machine_start"
    assert standin.wait(human.sid).answered_by == "human"
    by_sid = {h.form["CallSid"]: h.form for h in app.hits_to("/survey")}
    assert by_sid[machine.sid]["AnsweredBy"] == "machine_start"
    assert by_sid[human.sid]["AnsweredBy"] == "human"
    assert client.calls(machine.sid).fetch().answered_by == "machine_start"


def test_create_call_with_twiml(standin, app):
    standin.answer(CITIZEN, [Say("好的")])
    client = standin.client()
    call = client.calls.create(
        to=CITIZEN,
        from_=HOTLINE,
        twiml='<Response><Gather input="speech" action="'
        + app.url("/heard")
        + '"><Say>您好</Say></Gather></Response>',
    )
    result = standin.wait(call.sid)
    assert app.hits_to("/heard")[0].form["SpeechResult"] == "好的"
    assert result.texts == ["您好"]


class BlockingCaller:
    """Stays silent on the line until released, so a test can update the call meanwhile."""

    def __init__(self) -> None:
        self.waiting = threading.Event()
        self.release = threading.Event()
        self.heard: list[dict] = []

    def hear(self, prompt):
        self.heard.append(dict(prompt))

    def next_input(self, wait):
        self.waiting.set()
        if not self.release.wait(10):
            raise AssertionError("never released")
        return Silence()


def test_update_a_live_call_with_a_new_url(standin, app):
    app.pages["/agent"] = doc('<Connect><Stream url="wss://bot.example/s"/></Connect>')
    app.pages["/moved"] = doc('<Say language="zh-CN">已为您转接人工</Say>', "<Hangup/>")
    caller = BlockingCaller()
    standin.answer(CITIZEN, caller)
    client = standin.client()
    call = client.calls.create(to=CITIZEN, from_=HOTLINE, url=app.url("/agent"))
    assert caller.waiting.wait(10)
    assert client.calls(call.sid).fetch().status == "in-progress"
    updated = client.calls(call.sid).update(url=app.url("/moved"), method="POST")
    assert updated.sid == call.sid
    caller.release.set()
    result = standin.wait(call.sid)
    assert [r.purpose for r in result.requests] == ["webhook", "update"]
    assert app.hits_to("/moved")[0].form["CallSid"] == call.sid
    assert result.texts == ["已为您转接人工"]
    assert caller.heard[-1]["text"] == "已为您转接人工"
    assert result.end_reason == "hangup"


def test_update_status_completed_hangs_up_and_a_finished_call_cannot_redirect(standin, app):
    app.pages["/wait"] = doc('<Gather action="/never"><Say>请按键</Say></Gather>')
    caller = BlockingCaller()
    standin.answer(CITIZEN, caller)
    client = standin.client()
    call = client.calls.create(
        to=CITIZEN, from_=HOTLINE, url=app.url("/wait"), status_callback=app.url("/status")
    )
    assert caller.waiting.wait(10)
    client.calls(call.sid).update(status="completed")
    caller.release.set()
    result = standin.wait(call.sid)
    assert result.end_reason == "updated"
    assert app.hits_to("/never") == []
    assert app.hits_to("/status")[0].form["CallStatus"] == "completed"
    with pytest.raises(TwilioRestException) as error:
        client.calls(call.sid).update(url=app.url("/wait"))
    assert error.value.status == 400
    assert error.value.code == 21220


def test_update_of_an_inbound_call(standin, app):
    app.pages["/voice"] = doc('<Enqueue waitUrl="/hold">operators</Enqueue>')
    app.pages["/hold"] = doc("<Say>请稍候</Say>")
    app.pages["/agent"] = doc("<Say>接通</Say>")
    caller = BlockingCaller()
    call = standin.start_inbound_call(app.url("/voice"), CITIZEN, HOTLINE, caller)
    assert caller.waiting.wait(10)
    standin.client().calls(call.sid).update(
        twiml="<Response><Redirect>/agent</Redirect></Response>"
    )
    caller.release.set()
    result = standin.wait(call.sid)
    # The Twiml update resolves relative URLs against the call's current document.
    assert result.texts == ["请稍候", "接通"]


def test_wrong_credentials_are_refused(standin, app):
    wrong = Client(standin.account_sid, "wrong-token")
    wrong.api.base_url = standin.base_url
    with pytest.raises(TwilioRestException) as error:
        wrong.calls.create(to=CITIZEN, from_=HOTLINE, url=app.url("/survey"))
    assert error.value.status == 401
    assert error.value.code == 20003
    other = Client("AC" + "f" * 32, standin.auth_token)
    other.api.base_url = standin.base_url
    with pytest.raises(TwilioRestException) as error:
        other.calls("CA" + "0" * 32).fetch()
    assert error.value.status == 401
    assert app.hits == []
    anonymous = requests.get(
        f"{standin.base_url}/2010-04-01/Accounts/{standin.account_sid}/Calls.json", timeout=5
    )
    assert anonymous.status_code == 401


def test_unknown_call_and_missing_url(standin):
    client = standin.client()
    with pytest.raises(TwilioRestException) as error:
        client.calls("CA" + "0" * 32).fetch()
    assert error.value.status == 404
    with pytest.raises(TwilioRestException) as error:
        client.calls.create(to=CITIZEN, from_=HOTLINE)
    assert error.value.status == 400


def test_list_calls_and_callers_from_factories(standin, app):
    app.pages["/survey"] = SURVEY
    standin.answer(CITIZEN, lambda: ScriptedCaller([Press("2")]))
    client = standin.client()
    sids = [
        client.calls.create(to=CITIZEN, from_=HOTLINE, url=app.url("/survey")).sid for _ in "ab"
    ]
    for sid in sids:
        assert standin.wait(sid).inputs[0]["step"] == {"press": "2"}
    assert {c.sid for c in client.calls.list()} == set(sids)


def test_canceling_an_answered_call_is_ignored_like_twilio_does(standin, app):
    app.pages["/wait"] = doc('<Gather action="/never"><Say>请按键</Say></Gather>', "<Say>end</Say>")
    caller = BlockingCaller()
    standin.answer(CITIZEN, caller)
    client = standin.client()
    call = client.calls.create(to=CITIZEN, from_=HOTLINE, url=app.url("/wait"))
    assert caller.waiting.wait(10)
    assert client.calls(call.sid).update(status="canceled").status == "in-progress"
    caller.release.set()
    result = standin.wait(call.sid)
    assert result.texts == ["请按键", "end"]
    assert result.end_reason == "end-of-document"
