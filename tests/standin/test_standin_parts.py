"""The stand-in's parts on their own: callers, TwiML parsing, recordings, configuration."""

from __future__ import annotations

import pytest

from standin import Hangup, InteractiveCaller, Press, Say, ScriptedCaller, Silence
from standin.__main__ import _pairs
from standin.callers import parse_line
from standin.recordings import silent_wav, speech_seconds, wav_comment
from standin.twiml import TwimlError, parse


def test_interactive_lines_become_steps():
    assert parse_line("123#") == Press("123#")
    assert parse_line("我要投诉噪音") == Say("我要投诉噪音")
    assert parse_line("   ") == Silence()
    assert parse_line("/hangup") == Hangup()

    def eof(prompt: str) -> str:
        raise EOFError

    assert InteractiveCaller(eof, print).next_input("gather") == Hangup()


def test_scripted_caller_hangs_up_when_its_steps_run_out():
    caller = ScriptedCaller([Press("1")])
    assert caller.next_input("gather") == Press("1")
    assert caller.next_input("record") == Hangup()
    assert caller.waits == ["gather", "record"]


def test_parse_rejects_what_twilio_would_not_play():
    with pytest.raises(TwimlError):
        parse(b"not xml", "http://app/voice")
    with pytest.raises(TwimlError):
        parse(b"<html/>", "http://app/voice")
    document = parse("<Response><Say>好</Say><Redirect>next</Redirect></Response>", "http://a/b/c")
    assert [v.tag for v in document.verbs] == ["Say", "Redirect"]
    assert document.resolve("next") == "http://a/b/next"
    assert document.resolve("/x") == "http://a/x"
    assert document.resolve("https://other/y") == "https://other/y"


def test_recording_wav_keeps_the_text():
    data = silent_wav(2, comment="热线录音")
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert int.from_bytes(data[4:8], "little") == len(data) - 8
    assert wav_comment(data) == "热线录音"
    assert wav_comment(silent_wav(1)) == ""
    assert speech_seconds("一二三四五") == 2


def test_cli_pairs():
    assert _pairs(["+86138=busy", "88908890=machine"], "--answer") == {
        "+86138": "busy",
        "88908890": "machine",
    }
    with pytest.raises(SystemExit):
        _pairs(["oops"], "--answer")


def test_bridged_dial_goes_on_when_configured_like_real_twilio(standin, app):
    standin.config.end_after_bridge = False
    app.pages["/voice"] = "<Response><Dial>+862200000009</Dial><Say>after</Say></Response>"
    result = standin.inbound_call(app.url("/voice"), "+86138", "88908890", ScriptedCaller())
    assert result.texts == ["after"]
    assert result.end_reason == "end-of-document"
