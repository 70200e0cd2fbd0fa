"""Webhook hygiene: signatures (also behind a proxy), retries, garbage never a 500."""

import xml.etree.ElementTree as ET

import pytest
import requests
from twilio.request_validator import RequestValidator

from casework.calls import CallLog
from ivr.config import load_voice_settings
from standin import Press, Say, ScriptedCaller

SID = "CA" + "c" * 32


def signed_post(url, form, *, sign_url=None, token=None, headers=None, **kwargs):
    token = token or load_voice_settings().auth_token
    signature = RequestValidator(token).compute_signature(sign_url or url, form)
    return requests.post(
        url,
        data=form,
        timeout=10,
        headers={"X-Twilio-Signature": signature, **(headers or {})},
        **kwargs,
    )


def base_form(**extra):
    return {
        "CallSid": SID,
        "AccountSid": load_voice_settings().account_sid,
        "From": "+8613812345678",
        "To": "+862288908890",
        "CallStatus": "ringing",
        **extra,
    }


@pytest.mark.parametrize("path", ["incoming", "menu", "heard", "status", "address"])
def test_unsigned_or_forged_webhooks_are_403_and_change_nothing(app_url, casework, path):
    url = f"{app_url}/voice/{path}"
    unsigned = requests.post(url, data=base_form(SpeechResult="路灯坏了"), timeout=10)
    assert unsigned.status_code == 403
    forged = signed_post(url, base_form(SpeechResult="路灯坏了"), token="not-the-token")
    assert forged.status_code == 403
    signed_for_other_form = RequestValidator(load_voice_settings().auth_token).compute_signature(
        url, base_form()
    )
    tampered = requests.post(
        url,
        data=base_form(SpeechResult="着火了"),
        timeout=10,
        headers={"X-Twilio-Signature": signed_for_other_form},
    )
    assert tampered.status_code == 403
    assert CallLog(casework.db).get(SID) is None
    assert casework.list_cases() == []


def test_behind_a_proxy_the_public_url_is_what_is_signed(app, app_url, monkeypatch):
    from dataclasses import replace

    public = "https://hotline.example.gov.cn"
    app.extensions["voice_settings"] = replace(app.extensions["voice_settings"], public_url=public)
    ok = signed_post(f"{app_url}/voice/incoming", base_form(), sign_url=f"{public}/voice/incoming")
    assert ok.status_code == 200 and ET.fromstring(ok.content).tag == "Response"
    wrong = signed_post(f"{app_url}/voice/incoming", base_form())
    assert wrong.status_code == 403


def test_forwarded_proto_is_honoured(app_url):
    https_url = app_url.replace("http://", "https://") + "/voice/incoming"
    response = signed_post(
        f"{app_url}/voice/incoming",
        base_form(),
        sign_url=https_url,
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 200


def test_signature_check_can_be_turned_off_only_explicitly(app, app_url, caplog):
    from dataclasses import replace

    app.extensions["voice_settings"] = replace(
        app.extensions["voice_settings"], skip_signature=True
    )
    response = requests.post(f"{app_url}/voice/incoming", data=base_form(), timeout=10)
    assert response.status_code == 200
    assert "NOT checked" in caplog.text


@pytest.mark.parametrize(
    "form",
    [
        {"Digits": "abc"},
        {"Digits": "77777777777777777777"},
        {"Digits": "*#"},
        {"SpeechResult": "🙂🙂🙂 lorem ipsum dolor"},
        {"SpeechResult": "停水" * 5000},
        {"SpeechResult": "\x00\x01\x02"},
        {"Confidence": "not-a-number", "SpeechResult": ""},
        {},
    ],
)
def test_garbage_fields_get_valid_twiml(app_url, form):
    for path in (
        "incoming",
        "menu",
        "heard",
        "rated",
        "enterprise",
        "number",
        "number-entered",
        "address",
        "after-decline",
        "emergency-done",
    ):
        response = signed_post(f"{app_url}/voice/{path}", base_form(**form))
        assert response.status_code == 200, (path, response.text[:200])
        assert ET.fromstring(response.content).tag == "Response"


def test_missing_or_malformed_call_sid_is_400(app_url):
    form = base_form()
    del form["CallSid"]
    assert signed_post(f"{app_url}/voice/incoming", form).status_code == 400
    assert (
        signed_post(f"{app_url}/voice/incoming", base_form(CallSid="x' OR 1=1")).status_code == 400
    )


def test_a_huge_body_is_refused_not_a_500(app_url):
    form = base_form(SpeechResult="停" * (5 * 1024 * 1024))
    response = signed_post(f"{app_url}/voice/heard", form)
    assert response.status_code == 413


def test_status_callback_for_an_unknown_call_is_404(app_url):
    assert (
        signed_post(f"{app_url}/voice/status", base_form(CallStatus="completed")).status_code == 404
    )


def test_every_webhook_sent_twice_still_makes_one_case(app_url, standin, casework):
    standin.config.duplicate_webhooks = True
    result = standin.inbound_call(
        f"{app_url}/voice/incoming",
        from_="+8613812345678",
        to="+862288908890",
        caller=ScriptedCaller([Say("我家小区停水两天了 在河西区"), Press("1"), Press("#")]),
        status_callback_url=f"{app_url}/voice/status",
    )
    assert result.application_errors == []
    retries = [r for r in result.requests if r.retry]
    assert retries and all(r.status == 200 for r in retries)
    originals = {r.url: r.body for r in result.requests if not r.retry}
    assert all(r.body == originals[r.url] for r in retries)  # same answer again
    assert len(casework.list_cases()) == 1
    record = CallLog(casework.db).get(result.call_sid)
    assert record.outcome == "case_created"
    assert len(casework.history(record.case_ref)) == 2  # register + assign, once


def test_a_retried_rating_is_recorded_once(app_url, standin, casework):
    standin.config.duplicate_webhooks = True
    result = standin.inbound_call(
        f"{app_url}/voice/incoming",
        from_="+8613812345678",
        to="+862288908890",
        caller=ScriptedCaller([Say("居住证怎么办理"), Press("1")]),
    )
    assert CallLog(casework.db).get(result.call_sid).outcome == "answered"
    assert len(CallLog(casework.db).ratings()) == 1
