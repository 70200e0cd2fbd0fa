"""Inbound calls through the stand-in: webhooks, signatures and the TwiML verbs."""

from __future__ import annotations

import wave
from io import BytesIO
from urllib.parse import unquote

import requests
from twilio.request_validator import RequestValidator

from standin import (
    Hangup,
    InteractiveCaller,
    Press,
    Say,
    ScriptedCaller,
    Silence,
    StandinCall,
    StandinConfig,
    wav_comment,
)

CITIZEN = "+8613800000001"
HOTLINE = "88908890"


def doc(*verbs: str) -> str:
    return "<?xml version='1.0' encoding='UTF-8'?><Response>" + "".join(verbs) + "</Response>"


def call(standin, app, path, *steps, status_callback=None):
    return standin.inbound_call(
        app.url(path),
        CITIZEN,
        HOTLINE,
        ScriptedCaller(steps),
        status_callback_url=app.url(status_callback) if status_callback else None,
    )


MENU = doc(
    '<Say language="zh-CN" voice="Polly.Zhiyu">您好，这里是88908890便民服务专线。</Say>',
    '<Gather input="dtmf speech" action="/menu" numDigits="1" language="zh-CN" timeout="4">',
    '<Say language="zh-CN">查询请按1，投诉请按2，或者直接说出您的问题。</Say>',
    "</Gather>",
    '<Say language="zh-CN">没有收到您的选择，再见。</Say>',
    "<Hangup/>",
)


def menu_answer(values):
    if values.get("Digits"):
        return doc(f'<Say language="zh-CN">您按了{values["Digits"]}</Say>')
    if values.get("SpeechResult"):
        return doc(f'<Say language="zh-CN">您说的是{values["SpeechResult"]}</Say>')
    return doc('<Say language="zh-CN">空的结果</Say>')


# -- webhooks and signatures ---------------------------------------------------------------


def test_first_webhook_carries_twilio_fields_and_a_valid_signature(standin, app):
    app.pages["/voice"] = MENU
    app.pages["/menu"] = menu_answer
    result = call(standin, app, "/voice", Press("1"))

    assert app.rejected == []
    first = app.hits_to("/voice")[0]
    for field in ("AccountSid", "CallSid", "From", "To", "Caller", "Called", "Direction"):
        assert first.form[field]
    assert first.form["ApiVersion"] == "2010-04-01"
    assert first.form["AccountSid"] == standin.account_sid
    assert first.form["CallSid"].startswith("CA") and len(first.form["CallSid"]) == 34
    assert first.form["CallStatus"] == "ringing"
    assert first.form["Direction"] == "inbound"
    assert (first.form["From"], first.form["To"]) == (CITIZEN, HOTLINE)
    assert first.form["FromCountry"] == first.form["ToCountry"] == "CN"
    assert app.hits_to("/menu")[0].form["CallStatus"] == "in-progress"
    assert first.headers["X-Twilio-Signature"]
    assert result.status == "completed"
    assert [r.purpose for r in result.requests] == ["webhook", "action"]
    assert result.requests[0].status == 200 and "<Gather" in result.requests[0].body


def test_app_rejects_a_tampered_signature(standin, app):
    app.pages["/voice"] = MENU
    form = {"CallSid": "CA" + "0" * 32, "From": CITIZEN, "To": HOTLINE}
    good = RequestValidator("test-auth-token-88908890").compute_signature(app.url("/voice"), form)
    ok = requests.post(app.url("/voice"), data=form, headers={"X-Twilio-Signature": good})
    assert ok.status_code == 200
    tampered = {**form, "From": "+8613999999999"}
    bad = requests.post(app.url("/voice"), data=tampered, headers={"X-Twilio-Signature": good})
    assert bad.status_code == 403

    # A stand-in that signs with another token is rejected too, and says so in its result.
    config = StandinConfig(standin.account_sid, "not-the-token")
    wrong = StandinCall(
        config, caller=ScriptedCaller(), from_=CITIZEN, to=HOTLINE, url=app.url("/voice")
    ).run()
    assert wrong.application_errors[0]["status"] == 403
    assert app.rejected[-1] == app.url("/voice")


# -- Gather --------------------------------------------------------------------------------


def test_gather_with_digits_posts_digits_to_the_action(standin, app):
    app.pages["/voice"] = MENU
    app.pages["/menu"] = menu_answer
    result = call(standin, app, "/voice", Press("2#"))
    action = app.hits_to("/menu")[0].form
    assert action["Digits"] == "2"
    assert "SpeechResult" not in action
    assert result.texts == [
        "您好，这里是88908890便民服务专线。",
        "查询请按1，投诉请按2，或者直接说出您的问题。",
        "您按了2",
    ]
    assert result.prompts[0] == {
        "kind": "say",
        "text": "您好，这里是88908890便民服务专线。",
        "voice": "Polly.Zhiyu",
        "language": "zh-CN",
    }
    assert result.end_reason == "end-of-document"


def test_gather_with_speech_posts_speech_result_and_confidence(standin, app):
    app.pages["/voice"] = MENU
    app.pages["/menu"] = menu_answer
    result = call(standin, app, "/voice", Say("我家门口的路灯坏了"))
    action = app.hits_to("/menu")[0].form
    assert action["SpeechResult"] == "我家门口的路灯坏了"
    assert float(action["Confidence"]) > 0
    assert "Digits" not in action
    assert result.texts[-1] == "您说的是我家门口的路灯坏了"


def test_speech_to_a_dtmf_only_gather_is_no_input(standin, app):
    app.pages["/voice"] = doc(
        '<Gather action="/menu"><Say>Press a key</Say></Gather>', "<Say>nothing</Say>"
    )
    app.pages["/menu"] = menu_answer
    result = call(standin, app, "/voice", Say("hello"))
    assert app.hits_to("/menu") == []
    assert result.texts == ["Press a key", "nothing"]


def test_gather_silence_continues_after_the_gather(standin, app):
    app.pages["/voice"] = MENU
    app.pages["/menu"] = menu_answer
    result = call(standin, app, "/voice", Silence())
    assert app.hits_to("/menu") == []
    assert result.texts[-1] == "没有收到您的选择，再见。"
    assert result.end_reason == "hangup"


def test_gather_silence_with_action_on_empty_result_posts_the_action(standin, app):
    app.pages["/voice"] = doc(
        '<Gather input="speech" action="/menu" actionOnEmptyResult="true"><Say>说吧</Say></Gather>',
        "<Say>never heard</Say>",
    )
    app.pages["/menu"] = menu_answer
    result = call(standin, app, "/voice", Silence())
    action = app.hits_to("/menu")[0].form
    assert "Digits" not in action and "SpeechResult" not in action
    assert result.texts == ["说吧", "空的结果"]


def test_gather_without_action_posts_to_the_current_document(standin, app):
    def voice(values):
        if values.get("Digits"):
            return doc(f"<Say>got {values['Digits']}</Say>")
        return doc('<Gather numDigits="3"><Say>code</Say></Gather>')

    app.pages["/voice"] = voice
    result = call(standin, app, "/voice", Press("12345"))
    assert result.texts == ["code", "got 123"]


def test_caller_hanging_up_mid_call_still_gets_the_status_callback(standin, app):
    app.pages["/voice"] = MENU
    result = call(standin, app, "/voice", Hangup(), status_callback="/status")
    assert result.end_reason == "caller-hangup"
    assert result.status == "completed"
    callbacks = app.hits_to("/status")
    assert len(callbacks) == 1
    form = callbacks[0].form
    assert form["CallStatus"] == "completed"
    assert form["CallSid"] == result.call_sid
    assert int(form["CallDuration"]) == result.duration > 0
    assert form["SequenceNumber"] == "0"
    assert form["Timestamp"].endswith("+0000")


def test_steps_running_out_hang_up(standin, app):
    app.pages["/voice"] = MENU
    result = call(standin, app, "/voice")
    assert result.end_reason == "caller-hangup"
    assert app.hits_to("/menu") == []


# -- Redirect and URLs ---------------------------------------------------------------------


def test_redirect_and_relative_urls_resolve_against_their_document(standin, app):
    app.pages["/voice"] = doc("<Redirect>/flows/main</Redirect>")
    app.pages["/flows/main"] = doc(
        "<Play>audio/welcome.wav</Play>",
        '<Gather action="next"><Say>one</Say></Gather>',
    )
    app.pages["/flows/next"] = doc('<Redirect method="GET">../top?from=next</Redirect>')
    app.pages["/top"] = doc("<Say>top</Say>")
    result = call(standin, app, "/voice", Press("1"))
    assert app.rejected == []
    assert [r.purpose for r in result.requests] == ["webhook", "redirect", "action", "redirect"]
    assert result.prompts[0] == {"kind": "play", "url": app.url("/flows/audio/welcome.wav")}
    top = app.hits_to("/top")[0]
    assert top.method == "GET"
    assert top.form["from"] == "next" and top.form["CallSid"] == result.call_sid
    assert result.texts == ["one", "top"]


def test_unknown_verbs_are_recorded_and_skipped(standin, app):
    app.pages["/voice"] = doc("<Sms>hi</Sms>", "<Say>still here</Say>")
    result = call(standin, app, "/voice")
    assert result.errors == [{"kind": "unknown-verb", "verb": "Sms", "url": app.url("/voice")}]
    assert result.texts == ["still here"]


# -- application errors --------------------------------------------------------------------


def test_app_answering_500_is_an_application_error(standin, app):
    app.pages["/voice"] = lambda values: ("Internal Server Error", 500)
    result = call(standin, app, "/voice", status_callback="/status")
    assert result.application_errors[0]["status"] == 500
    assert result.end_reason == "application-error"
    assert result.prompts[-1]["kind"] == "system"
    assert app.hits_to("/status")[0].form["CallStatus"] == "completed"


def test_app_answering_garbage_mid_call_is_an_application_error(standin, app):
    app.pages["/voice"] = MENU
    app.pages["/menu"] = "this is not TwiML"
    result = call(standin, app, "/voice", Press("1"))
    assert result.application_errors[0]["purpose"] == "action"
    assert "not XML" in result.application_errors[0]["detail"]
    assert result.status == "completed"


def test_wrong_root_and_unreachable_app_are_application_errors(standin, app):
    app.pages["/voice"] = "<html><body>hello</body></html>"
    assert call(standin, app, "/voice").application_errors[0]["detail"].startswith("root")
    result = standin.inbound_call("http://127.0.0.1:9/voice", CITIZEN, HOTLINE, ScriptedCaller())
    assert result.application_errors[0]["status"] == 0
    assert result.requests[0].status == 0


# -- Dial ----------------------------------------------------------------------------------


def test_dial_outcomes_reach_the_action(standin, app):
    standin.dial_outcomes["+862223456789"] = "busy"
    app.pages["/voice"] = doc(
        '<Dial action="/dialed" timeout="20" callerId="88908890">'
        "<Number>+862223456789</Number></Dial>"
    )
    app.pages["/dialed"] = lambda v: doc(f"<Say>{v['DialCallStatus']}</Say>")
    result = call(standin, app, "/voice")
    action = app.hits_to("/dialed")[0].form
    assert action["DialCallStatus"] == "busy"
    assert action["DialCallSid"].startswith("CA")
    assert action["DialCallDuration"] == "0"
    assert result.texts == ["busy"]
    assert result.dialed[0]["target"] == "+862223456789"
    assert result.dialed[0]["outcome"] == "busy"
    assert result.dialed[0]["caller_id"] == "88908890"


def test_dial_without_action(standin, app):
    standin.dial_outcomes["+862200000002"] = "no-answer"
    app.pages["/voice"] = doc("<Dial>+862200000002</Dial>", "<Say>not answered</Say>")
    app.pages["/bridged"] = doc("<Dial>+862200000003</Dial>", "<Say>after bridge</Say>")
    unanswered = call(standin, app, "/voice")
    assert unanswered.dialed[0]["kind"] == "number"
    assert unanswered.texts == ["not answered"]
    bridged = call(standin, app, "/bridged")
    assert bridged.dialed[0]["outcome"] == "completed"
    assert bridged.texts == []
    assert bridged.end_reason == "bridged-party-hangup"
    assert bridged.duration >= 30


def test_dial_number_whisper_is_heard_by_the_called_party(standin, app):
    app.pages["/voice"] = doc(
        '<Dial action="/dialed"><Number url="/whisper">+862211112222</Number></Dial>'
    )
    app.pages["/whisper"] = doc('<Say language="zh-CN">市民来电，请接听</Say>')
    app.pages["/dialed"] = doc("<Hangup/>")
    result = call(standin, app, "/voice")
    whisper = app.hits_to("/whisper")[0].form
    assert whisper["Direction"] == "outbound-dial"
    assert whisper["ParentCallSid"] == result.call_sid
    assert whisper["To"] == "+862211112222"
    assert result.prompts == [
        {
            "kind": "whisper",
            "text": "市民来电，请接听",
            "voice": "man",
            "language": "zh-CN",
            "target": "+862211112222",
        }
    ]
    assert app.hits_to("/dialed")[0].form["DialCallStatus"] == "completed"


def test_dial_conference_queue_and_client_are_recorded(standin, app):
    app.pages["/voice"] = doc(
        "<Dial><Conference>supervision-room</Conference></Dial>",
    )
    app.pages["/queue"] = doc(
        '<Dial action="/dialed"><Queue>agents</Queue><Client>operator7</Client></Dial>'
    )
    conference = call(standin, app, "/voice")
    assert conference.dialed[0]["kind"] == "conference"
    assert conference.dialed[0]["target"] == "supervision-room"
    assert conference.end_reason == "bridged-party-hangup"
    queue = call(standin, app, "/queue")
    assert [(d["kind"], d["target"]) for d in queue.dialed] == [
        ("queue", "agents"),
        ("client", "operator7"),
    ]


# -- Enqueue -------------------------------------------------------------------------------


def test_enqueue_plays_the_wait_url_and_posts_the_queue_result(standin, app):
    app.pages["/voice"] = doc('<Enqueue waitUrl="/wait" action="/queued">operators</Enqueue>')
    app.pages["/wait"] = doc('<Say language="zh-CN">请稍候</Say>', "<Play>/hold.mp3</Play>")
    app.pages["/queued"] = lambda v: doc(f"<Say>{v['QueueResult']}</Say>")
    result = call(standin, app, "/voice", Silence())
    wait = app.hits_to("/wait")[0].form
    assert wait["QueuePosition"] == "1" and wait["QueueSid"].startswith("QU")
    assert app.hits_to("/queued")[0].form["QueueResult"] == "bridged"
    assert result.enqueued[0]["queue"] == "operators"
    assert result.enqueued[0]["result"] == "bridged"
    assert [p["kind"] for p in result.prompts] == ["say", "play", "say"]
    assert result.texts == ["请稍候", "bridged"]


def test_enqueue_caller_hanging_up_during_the_wait(standin, app):
    standin.queue_results["full"] = "queue-full"
    app.pages["/voice"] = doc('<Enqueue action="/queued">operators</Enqueue>')
    app.pages["/full"] = doc('<Enqueue action="/queued">full</Enqueue>')
    app.pages["/queued"] = lambda v: doc(f"<Say>{v['QueueResult']}</Say>")
    hung_up = call(standin, app, "/voice", Hangup(), status_callback="/status")
    assert app.hits_to("/queued")[0].form["QueueResult"] == "hangup"
    assert hung_up.end_reason == "caller-hangup"
    assert hung_up.texts == []  # the answer to the action is ignored after a hangup
    assert len(app.hits_to("/status")) == 1
    full = call(standin, app, "/full", Silence())
    assert full.texts == ["queue-full"]


# -- Record --------------------------------------------------------------------------------


def test_record_serves_a_wav_that_remembers_the_words(standin, app):
    app.pages["/voice"] = doc(
        '<Record action="/recorded" maxLength="60" recordingStatusCallback="/rec-status"/>'
    )
    app.pages["/recorded"] = doc("<Say>谢谢</Say>")
    words = "小区门口的井盖丢了，很危险"
    result = call(standin, app, "/voice", Say(words))
    action = app.hits_to("/recorded")[0].form
    assert action["RecordingSid"].startswith("RE")
    assert int(action["RecordingDuration"]) >= 3
    assert "Digits" not in action
    assert result.prompts[0] == {"kind": "beep"}
    assert result.texts == ["谢谢"]
    assert result.recordings[0]["text"] == words

    media = requests.get(action["RecordingUrl"] + ".wav", timeout=5)
    assert media.status_code == 200
    assert wav_comment(media.content) == words
    assert unquote(media.headers["X-Standin-Text"]) == words
    with wave.open(BytesIO(media.content)) as audio:
        assert audio.getframerate() == 8000
        assert audio.getnframes() == 8000 * int(action["RecordingDuration"])
    short = requests.get(f"{standin.base_url}/recordings/{action['RecordingSid']}", timeout=5)
    assert short.content == media.content
    status = app.hits_to("/rec-status")[0].form
    assert status["RecordingStatus"] == "completed"
    assert status["RecordingSid"] == action["RecordingSid"]


def test_record_silence_skips_the_action_and_hangup_after_speaking(standin, app):
    app.pages["/voice"] = doc(
        '<Record action="/recorded" playBeep="false"/>', "<Say>nothing recorded</Say>"
    )
    app.pages["/recorded"] = doc("<Say>should not be heard</Say>")
    silent = call(standin, app, "/voice", Silence())
    assert app.hits_to("/recorded") == []
    assert silent.texts == ["nothing recorded"]
    assert silent.recordings == []

    spoken = call(standin, app, "/voice", Say("我说完了", hangup=True), status_callback="/s")
    action = app.hits_to("/recorded")[0].form
    assert action["Digits"] == "hangup"
    assert spoken.texts == []
    assert spoken.end_reason == "caller-hangup"
    assert app.hits_to("/s")[0].form["CallStatus"] == "completed"


# -- Streams, Hangup, Reject ---------------------------------------------------------------


def test_start_stream_parameters_are_recorded(standin, app):
    app.pages["/voice"] = doc(
        '<Start><Stream url="wss://asr.example/stream" name="asr" track="inbound_track">'
        '<Parameter name="case" value="TJ-1"/><Parameter name="lang" value="zh-CN"/>'
        "</Stream></Start>",
        "<Say>继续</Say>",
        '<Stop><Stream name="asr"/></Stop>',
        "<Hangup/>",
    )
    result = call(standin, app, "/voice")
    stream = result.streams[0]
    assert stream["mode"] == "start"
    assert stream["url"] == "wss://asr.example/stream"
    assert stream["parameters"] == {"case": "TJ-1", "lang": "zh-CN"}
    assert stream["stopped"] is True
    assert result.texts == ["继续"]
    assert result.end_reason == "hangup"


def test_connect_stream_holds_until_the_caller_hangs_up(standin, app):
    app.pages["/voice"] = doc(
        '<Connect><Stream url="wss://bot.example/s"><Parameter name="a" value="1"/></Stream>'
        "</Connect>",
        "<Say>after connect</Say>",
    )
    standin.config.hold_seconds = 0.01
    result = call(standin, app, "/voice", Say("你好"), Press("5"))
    assert result.streams[0]["mode"] == "connect"
    assert result.streams[0]["parameters"] == {"a": "1"}
    assert result.streams[0]["inputs"] == [{"say": "你好"}, {"press": "5"}]
    assert result.end_reason == "caller-hangup"
    assert result.texts == []


def test_reject_and_hangup_end_the_call(standin, app):
    app.pages["/reject"] = doc('<Reject reason="busy"/>', "<Say>never</Say>")
    app.pages["/hangup"] = doc("<Say>bye</Say>", "<Hangup/>", "<Say>never</Say>")
    rejected = call(standin, app, "/reject", status_callback="/status")
    assert rejected.status == "busy"
    assert rejected.end_reason == "reject"
    assert app.hits_to("/status")[0].form["CallStatus"] == "busy"
    hung_up = call(standin, app, "/hangup")
    assert hung_up.texts == ["bye"]
    assert hung_up.end_reason == "hangup"


# -- retries and interactive callers -------------------------------------------------------


def test_duplicate_webhooks_repeat_each_twiml_request(standin, app):
    standin.config.duplicate_webhooks = True
    app.pages["/voice"] = MENU
    app.pages["/menu"] = menu_answer
    result = call(standin, app, "/voice", Press("1"))
    assert len(app.hits_to("/voice")) == 2 and len(app.hits_to("/menu")) == 2
    tokens = [h.headers["I-Twilio-Idempotency-Token"] for h in app.hits_to("/menu")]
    assert tokens[0] == tokens[1]
    assert [r.retry for r in result.requests] == [False, True, False, True]
    assert result.texts[-1] == "您按了1"


def test_repeat_last_webhook(standin, app):
    app.pages["/voice"] = MENU
    app.pages["/menu"] = menu_answer
    live = standin.new_inbound_call(
        app.url("/voice"), CITIZEN, HOTLINE, ScriptedCaller([Press("2")])
    )
    live.run()
    again = live.repeat_last_webhook()
    assert again.retry and again.status == 200
    first, second = app.hits_to("/menu")
    assert first.form == second.form
    assert first.headers["X-Twilio-Signature"] == second.headers["X-Twilio-Signature"]


def test_interactive_caller_prints_prompts_and_reads_lines(standin, app):
    app.pages["/voice"] = MENU
    app.pages["/menu"] = menu_answer
    lines = iter(["", "  "])
    printed: list[str] = []

    def read(prompt: str) -> str:
        printed.append(prompt)
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    app.pages["/voice"] = doc(
        '<Gather input="speech dtmf" action="/menu"><Say>说</Say></Gather>',
        '<Gather action="/menu"><Say>按</Say></Gather>',
        '<Gather action="/menu"><Say>再按</Say></Gather>',
    )
    result = standin.inbound_call(
        app.url("/voice"), CITIZEN, HOTLINE, InteractiveCaller(read, printed.append)
    )
    assert printed[:3] == ["[say en-US] 说", "(keys or speech) > ", "[say en-US] 按"]
    assert result.end_reason == "caller-hangup"
    assert [i["step"] for i in result.inputs] == [
        {"silence": True},
        {"silence": True},
        {"hangup": True},
    ]
