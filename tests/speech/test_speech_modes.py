"""The speech mode as configured, and what happens without a model (no Vosk needed)."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET

from ivr.app import create_app
from ivr.local_server import serving
from standin import Hangup, ScriptedCaller


def test_without_a_model_the_service_uses_twilio_and_says_so(
    casework, standin, monkeypatch, tmp_path, caplog
):
    monkeypatch.setenv("HOTLINE_SPEECH_MODE", "vosk-stream")
    monkeypatch.setenv("HOTLINE_VOSK_MODEL", str(tmp_path / "no-such-model"))
    with caplog.at_level(logging.WARNING):
        app = create_app(casework=casework)
    assert "using twilio" in caplog.text
    health = app.test_client().get("/health").get_json()
    assert health["status"] == "ok"
    speech = health["speech"]
    assert speech["configured_mode"] == "vosk-stream" and speech["mode"] == "twilio"
    assert speech["model"] is None and "no-such-model" in speech["reason"]
    assert any(w.startswith("speech recognition:") for w in health["warnings"])
    with serving(app) as url:
        result = standin.inbound_call(
            f"{url}/voice/incoming", "+8613812345678", "88908890", ScriptedCaller([Hangup()])
        )
    first = ET.fromstring(result.requests[0].body)
    assert first.find("Start") is None
    gather = first.find("Gather")
    assert gather.get("input") == "dtmf speech" and gather.get("language") == "zh-CN"


def test_twilio_mode_is_the_default_and_needs_no_warning(casework, monkeypatch):
    monkeypatch.delenv("HOTLINE_SPEECH_MODE", raising=False)
    app = create_app(casework=casework)
    health = app.test_client().get("/health").get_json()
    assert health["speech"]["mode"] == health["speech"]["configured_mode"] == "twilio"
    assert not any("speech" in w for w in health["warnings"])


def test_the_answer_can_be_rated_by_voice(app_url, standin, casework):
    """The rating is a closed question: keys, or the words of the "satisfaction" grammar."""
    from casework.calls import CallLog
    from standin import Say

    result = standin.inbound_call(
        f"{app_url}/voice/incoming",
        "+8613812345678",
        "88908890",
        ScriptedCaller([Say("外地人在天津怎么办居住证"), Say("基本满意")]),
    )
    rating = ET.fromstring(result.requests[1].body).find("Gather")
    assert rating.get("input") == "dtmf speech"
    record = CallLog(casework.db).get(result.call_sid)
    assert CallLog(casework.db).ratings() == [(record.state["kb_id"], 2)]
