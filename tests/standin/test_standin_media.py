"""The stand-in speaks: `SayAudio` as real Twilio Media Streams over a websocket, and as the
audio of a `<Record>`. A tiny Flask app (flask-sock) plays the service here; no Vosk."""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import threading
import wave

import pytest
import requests
from flask import Flask, Response, request
from flask_sock import Sock

from ivr.local_server import serving
from standin import Hangup, Press, SayAudio, ScriptedCaller, StandinConfig, TwilioStandin

pytest.importorskip("numpy")


def tone_wav(path, seconds: float = 0.4, rate: int = 16000) -> str:
    """A 440 Hz tone as a 16-bit PCM WAV file at ``rate``."""
    frames = b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return str(path)


class Service:
    """Answers the stand-in's webhooks with given TwiML and keeps what the websocket got."""

    def __init__(self, first: str) -> None:
        self.app = Flask("media-test")
        self.messages: list[dict] = []
        self.forms: list[dict] = []
        self.first = first
        self.done = threading.Event()
        sock = Sock(self.app)

        @self.app.post("/voice")
        def voice():
            return self._twiml(self.first)

        @self.app.post("/next")
        def after():
            self.forms.append(request.form.to_dict())
            return self._twiml("<Hangup/>")

        @sock.route("/stream")
        def stream(ws):
            while True:
                raw = ws.receive(timeout=10)
                if raw is None:
                    break
                message = json.loads(raw)
                self.messages.append(message)
                if message["event"] == "stop":
                    break
            self.done.set()

    @staticmethod
    def _twiml(body: str) -> Response:
        return Response(f'<?xml version="1.0"?><Response>{body}</Response>', mimetype="text/xml")


@pytest.fixture
def fast_standin():
    with TwilioStandin(config=StandinConfig("", "", media_speed=4.0)) as standin:
        yield standin


def test_say_audio_is_streamed_as_twilio_media_messages(fast_standin, tmp_path):
    service = Service("")
    with serving(service.app) as url:
        ws_url = url.replace("http", "ws") + "/stream"
        service.first = (
            f'<Start><Stream url="{ws_url}" name="ear"><Parameter name="token" value="t0k"/>'
            '</Stream></Start><Gather input="dtmf" timeout="1" action="/next" '
            'actionOnEmptyResult="true"><Say>请讲</Say></Gather>'
        )
        caller = ScriptedCaller([SayAudio(tone_wav(tmp_path / "a.wav")), Hangup()])
        result = fast_standin.inbound_call(f"{url}/voice", "+8613800000000", "88908890", caller)
        assert service.done.wait(10)
    events = [m["event"] for m in service.messages]
    assert events[0] == "connected" and events[1] == "start" and events[-1] == "stop"
    start = service.messages[1]["start"]
    assert start["callSid"] == result.call_sid and start["customParameters"] == {"token": "t0k"}
    assert start["mediaFormat"] == {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
    media = [base64.b64decode(m["media"]["payload"]) for m in service.messages[2:-1]]
    assert len(media) == 50  # the Gather's 1 s timeout, in 20 ms frames
    assert all(len(frame) == 160 for frame in media)
    assert set(media[0]) != {0xFF} and set(media[-1]) == {0xFF}  # the tone, then silence
    assert result.streams[0]["connected"] and result.streams[0]["frames"] == 50
    assert service.forms and "Digits" not in service.forms[0]


def test_streams_to_other_hosts_are_never_opened(fast_standin, tmp_path):
    service = Service(
        '<Start><Stream url="wss://media.example.com/stream"/></Start>'
        '<Gather input="dtmf" timeout="1" action="/next" actionOnEmptyResult="true"/>'
    )
    with serving(service.app) as url:
        caller = ScriptedCaller([SayAudio(tone_wav(tmp_path / "a.wav"))])
        result = fast_standin.inbound_call(f"{url}/voice", "+8613800000000", "88908890", caller)
    assert result.streams[0]["connected"] is False
    assert "this machine" in result.streams[0]["error"]


def test_say_audio_is_the_recording_of_a_record(fast_standin, tmp_path):
    service = Service(
        '<Gather input="dtmf" timeout="1" actionOnEmptyResult="false"><Say>请讲</Say></Gather>'
        '<Record action="/next" maxLength="5" playBeep="false"/>'
    )
    with serving(service.app) as url:
        caller = ScriptedCaller([SayAudio(tone_wav(tmp_path / "a.wav", seconds=1.5))])
        fast_standin.inbound_call(f"{url}/voice", "+8613800000000", "88908890", caller)
    [form] = service.forms  # the keys-only Gather passed the caller's speech on to <Record>
    assert form["RecordingDuration"] == "2"
    wav = requests.get(
        form["RecordingUrl"] + ".wav",
        auth=(fast_standin.account_sid, fast_standin.auth_token),
        timeout=5,
    )
    with wave.open(io.BytesIO(wav.content)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() == 12000


def test_a_key_ends_a_record_with_that_key(fast_standin):
    service = Service('<Record action="/next" finishOnKey="0123456789*#" playBeep="false"/>')
    with serving(service.app) as url:
        caller = ScriptedCaller([Press("3")])
        fast_standin.inbound_call(f"{url}/voice", "+8613800000000", "88908890", caller)
    assert service.forms == [{**service.forms[0], "Digits": "3"}]
    assert "RecordingUrl" not in service.forms[0]
