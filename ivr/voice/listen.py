"""Hearing the caller with Vosk: one text result for the flows, whatever the speech mode.

``twilio``: ``<Gather input="dtmf speech">``; Twilio posts ``SpeechResult``.

``vosk-stream``: the turn reserves a recognizer (an :class:`Ear`) while it builds its TwiML:
``<Start><Stream>`` (the token and the ear's id as ``<Parameter>``) and a keys-only
``<Gather>`` with the prompts. The websocket (:mod:`ivr.voice.stream`) feeds the audio to
the ear's session; at Vosk's endpoint (or the maximum length) it moves the call on with the
REST API to the step's URL with ``heard=<ear id>``, where :func:`hear` hands the text to the
flow as ``SpeechResult``. If the keys-only Gather times out first, the step's webhook takes
the result itself: the text if the session has one, "still listening" (``<Pause>`` and
``<Redirect>``) while the caller is mid-sentence, and silence otherwise. A key always wins.
When every recognizer is busy the turn is an ordinary ``twilio`` turn.

``vosk-record``: the prompts in a keys-only ``<Gather>``, then ``<Record>``; the step's
webhook fetches the recording with the account's credentials and transcribes it.

Closed questions pass a grammar name (:mod:`ivr.speech.grammars`): Vosk then listens for
those phrases only, and the flow gets the canonical answer.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from flask import current_app, request
from twilio.twiml.voice_response import Gather, VoiceResponse

from ivr.speech import SpeechError, stream_token
from ivr.speech.config import TWILIO, VOSK_RECORD, VOSK_STREAM
from ivr.speech.grammars import Grammar
from ivr.voice.turn import Reply, Turn

if TYPE_CHECKING:
    from ivr.config import VoiceSettings
    from ivr.speech import SpeechService
    from ivr.speech.recognizer import StreamSession

log = logging.getLogger(__name__)

STREAM_PATH = "/voice/stream"
TOKEN_TTL = 600.0
RECORD_SILENCE = 3  # seconds of silence that end a <Record>
FORGET_AFTER = 600.0  # an ear nobody came back for is dropped after this long
LAG_TOLERANCE = 1.0  # seconds of received audio not decoded yet before a webhook waits


# --- ears: the live listening of one turn ---------------------------------------------------


@dataclass(eq=False)
class Ear:
    id: str
    call_sid: str
    session: StreamSession
    update_url: str  # absolute URL of the step, with heard=<id>
    grammar: Grammar | None
    step: tuple[str, str] = ("", "")  # (path, t) of the webhook that takes the result
    opened: float = field(default_factory=time.monotonic)
    attached: bool = False  # the websocket came
    started_at: float | None = None  # when its start event came (media flows from then on)
    redirected: bool = False  # the REST update that moves the call on was sent
    consumed: bool = False  # a webhook handed the result to the flow
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        return self.session.closed

    @property
    def mid_sentence(self) -> bool:
        s = self.session
        return not s.closed and (s.speech_at is not None or bool(s.partial))

    def behind(self) -> float:
        """Seconds of audio Twilio has sent (media flows in real time from ``start``) that
        the recognizer has not decoded yet: a busy server finishes hearing before deciding."""
        if self.started_at is None or self.session.closed:
            return 0.0
        return max(0.0, time.monotonic() - self.started_at - self.session.audio_seconds)

    def text(self) -> str:
        text = self.session.text or ""
        return self.grammar.meaning(text) if self.grammar else text


class Ears:
    """The ears of the live turns, by id and by call (one per call)."""

    def __init__(self, speech: SpeechService, voice: VoiceSettings) -> None:
        self.speech = speech
        self.voice = voice
        self._lock = threading.Lock()
        self._by_id: dict[str, Ear] = {}
        self._client: Any = None

    def open(self, call_sid: str, update_url: str, grammar: Grammar | None, timeout: float):
        """A recognizer for this call's turn, or None (no Vosk, or every recognizer busy)."""
        self.close_call(call_sid)
        self._forget_stale()
        settings = self.speech.settings
        limit = max(settings.listen_seconds, timeout + settings.no_speech_seconds)
        try:
            session = self.speech.open_stream(
                call_sid,
                phrases=grammar.phrases if grammar else None,
                no_speech_seconds=limit,
            )
        except SpeechError as exc:
            log.warning("speech: no stream for %s: %s", call_sid, exc)
            return None
        if session is None:
            return None
        ear_id = uuid.uuid4().hex[:16]
        parts = urlsplit(update_url)
        step = (parts.path, parse_qs(parts.query).get("t", [""])[0])
        ear = Ear(ear_id, call_sid, session, _with_query(update_url, heard=ear_id), grammar, step)
        with self._lock:
            self._by_id[ear_id] = ear
        return ear

    def get(self, ear_id: str | None) -> Ear | None:
        with self._lock:
            return self._by_id.get(ear_id or "")

    def of_call(self, call_sid: str) -> Ear | None:
        with self._lock:
            return next((e for e in self._by_id.values() if e.call_sid == call_sid), None)

    def drop(self, ear: Ear) -> None:
        """Forget the ear and give its recognizer back."""
        ear.session.close()
        with self._lock:
            self._by_id.pop(ear.id, None)

    def close_call(self, call_sid: str) -> None:
        with self._lock:
            mine = [e for e in self._by_id.values() if e.call_sid == call_sid]
        for ear in mine:
            self.drop(ear)

    def _forget_stale(self) -> None:
        now = time.monotonic()
        with self._lock:
            stale = [e for e in self._by_id.values() if now - e.opened > FORGET_AFTER]
        for ear in stale:
            self.drop(ear)

    @property
    def live(self) -> int:
        with self._lock:
            return len(self._by_id)

    # -- the end of a stream (websocket thread)

    def heard(self, ear: Ear) -> bool:
        """The session has its text: move the call on to the step (REST update), unless a
        webhook already took the result. True when the update was sent."""
        with ear.lock:
            if ear.redirected or ear.consumed or ear.session.text is None:
                return False
            ear.redirected = True
        try:
            self.client().calls(ear.call_sid).update(url=ear.update_url, method="POST")
        except Exception as exc:  # the call may have ended; the Gather's timeout takes over
            log.warning("speech: could not move call %s on: %s", ear.call_sid, exc)
            return False
        log.info("speech: call %s moved on (%s)", ear.call_sid, ear.session.reason)
        return True

    def client(self) -> Any:
        if self._client is None:
            import twilio.rest

            client = twilio.rest.Client(self.voice.account_sid, self.voice.auth_token)
            if self.voice.api_base_url:
                client.api.base_url = self.voice.api_base_url.rstrip("/")
            self._client = client
        return self._client


# --- TwiML of a turn that listens ------------------------------------------------------------


def listen(
    turn: Turn,
    response: VoiceResponse,
    action: str,
    gather_options: dict[str, Any],
    grammar: str | None = None,
) -> Gather:
    """Add what lets the caller answer ``action`` by speech (and keys) to ``response``;
    returns the Gather that holds the prompts."""
    speech: SpeechService | None = current_app.extensions.get("speech")
    mode = speech.mode if speech is not None else TWILIO
    chosen = speech.grammars.get(grammar) if speech is not None else None
    if mode == VOSK_STREAM:
        ears: Ears = current_app.extensions["ears"]
        timeout = float(gather_options.get("timeout", 6))
        ear = ears.open(turn.call.call_sid, _absolute(turn.url(action)), chosen, timeout)
        if ear is not None:
            _start_stream(response, ear)
            return response.gather(input="dtmf", **gather_options)
        log.warning("speech: call %s: this turn uses twilio (no free recognizer)", _sid(turn))
    elif mode == VOSK_RECORD and speech is not None and speech.pool is not None:
        if speech.pool.available > 0:
            return _record(turn, response, action, gather_options, speech, chosen)
        log.warning("speech: call %s: this turn uses twilio (no free recognizer)", _sid(turn))
    return response.gather(
        input="dtmf speech",
        language=turn.prompts.speech_language,
        speech_timeout="auto",
        **gather_options,
    )


def _start_stream(response: VoiceResponse, ear: Ear) -> None:
    secret = current_app.config["SECRET_KEY"]
    start = response.start()
    stream = start.stream(url=_stream_url(), name=f"listen-{ear.id}", track="inbound_track")
    stream.parameter(name="turn", value=ear.id)
    stream.parameter(
        name="token", value=stream_token(secret, f"{ear.call_sid}/{ear.id}", ttl=TOKEN_TTL)
    )


def _record(
    turn: Turn,
    response: VoiceResponse,
    action: str,
    gather_options: dict[str, Any],
    speech: SpeechService,
    grammar: Grammar | None,
) -> Gather:
    # Keys during the prompts go to the Gather; silence after them falls through to
    # <Record>, which a key also ends; nothing recorded goes on to the <Redirect>.
    options = {**gather_options, "timeout": 1, "action_on_empty_result": False}
    gather = response.gather(input="dtmf", **options)
    query = {"g": grammar.name} if grammar else {}
    response.record(
        action=_with_query(turn.url(action), **query),
        method="POST",
        max_length=int(speech.settings.max_seconds),
        timeout=RECORD_SILENCE,
        finish_on_key="0123456789*#",
        play_beep=False,
        trim="trim-silence",
    )
    response.redirect(turn.url(action), method="POST")
    return gather


# --- the step's webhook: the text for the flow -----------------------------------------------


class _Replay(VoiceResponse):
    """TwiML already sent (the answer to a late duplicate of a result)."""

    def __init__(self, body: str) -> None:
        super().__init__()
        self._body = body

    def to_xml(self, xml_declaration: bool = True) -> str:
        return self._body

    def __str__(self) -> str:
        return self._body


def hear(turn: Turn) -> Turn | Reply:
    """The turn with the caller's words as ``SpeechResult`` (vosk modes), or a reply that
    keeps listening. Twilio's own results pass through unchanged."""
    if turn.form.get("RecordingUrl"):
        return _transcribed(turn)
    ears: Ears | None = current_app.extensions.get("ears")
    if ears is None:
        return turn
    ear_id = turn.args.get("heard")
    ear = ears.get(ear_id) if ear_id else ears.of_call(turn.call.call_sid)
    if ear is None or ear.call_sid != turn.call.call_sid:
        if ear_id and turn.call.last_response:  # the result was taken already
            return Reply(_Replay(turn.call.last_response), turn.call)
        return turn
    path, t = ear.step  # the public URL may have a prefix the proxy strips
    if not path.endswith(request.path) or t != turn.args.get("t", ""):
        # A late request of an earlier turn (the call is in the ear's turn): answer with
        # what the call already has rather than run an old step on a new turn's ear.
        if turn.call.last_response:
            return Reply(_Replay(turn.call.last_response), turn.call)
        return turn
    if turn.digits:  # a key wins over what is being said
        ears.drop(ear)
        return turn
    with ear.lock:
        if ear.consumed:
            return Reply(_Replay(turn.call.last_response or str(VoiceResponse())), turn.call)
        lag = ear.behind()
        if ear.mid_sentence or lag > LAG_TOLERANCE:
            return _still_listening(turn, ear, lag)
        ear.consumed = True
    ears.drop(ear)
    if ear.session.text is None and not ear.attached:
        log.warning("speech: no media stream came for call %s: heard as silence", _sid(turn))
    text = ear.text()
    log.info("speech: call %s heard %d characters (%s)", _sid(turn), len(text), ear.session.reason)
    return replace(turn, form={**turn.form, "SpeechResult": text})


def _still_listening(turn: Turn, ear: Ear, lag: float) -> Reply:
    """The caller is mid-sentence (or the recognizer is behind) when the keys timed out:
    wait for the stream's result, which moves the call on; or come back and look again."""
    response = VoiceResponse()
    wait = (ear.session.max_seconds or 15) if ear.mid_sentence else min(lag, 10)
    response.pause(length=int(wait) + 2)
    response.redirect(ear.update_url, method="POST")
    return Reply(response, turn.call)


RECORD_WAIT_SECONDS = 2.0


def _transcribed(turn: Turn) -> Turn:
    if turn.digits:  # a key ended the recording
        return turn
    speech: SpeechService | None = current_app.extensions.get("speech")
    if speech is None or speech.pool is None:
        return turn
    grammar = speech.grammars.get(turn.args.get("g"))
    voice: VoiceSettings = current_app.extensions["voice_settings"]
    url = turn.form["RecordingUrl"]
    text = ""
    try:
        wav = fetch_recording(url, voice)
        # inside Twilio's 15 s webhook limit: no long wait for a busy recognizer (the
        # caller is asked again instead of hearing an application error)
        text = speech.transcribe(
            wav, phrases=grammar.phrases if grammar else None, wait_seconds=RECORD_WAIT_SECONDS
        )
        text = grammar.meaning(text) if grammar else text
    except (SpeechError, requests.RequestException, ValueError) as exc:
        log.warning("speech: recording of call %s not transcribed: %s", _sid(turn), exc)
    log.info("speech: call %s recording gave %d characters", _sid(turn), len(text))
    return replace(turn, form={**turn.form, "SpeechResult": text})


def fetch_recording(url: str, voice: VoiceSettings, timeout: float = 10.0) -> bytes:
    """The recording as WAV, fetched with the account's credentials; only from Twilio's API
    (or the configured API URL), never sending the credentials anywhere else."""
    parts = urlsplit(url)
    allowed = voice.api_base_url or "https://api.twilio.com"
    base = urlsplit(allowed)
    host_ok = (parts.scheme, parts.netloc) == (base.scheme, base.netloc) or (
        not voice.api_base_url
        and parts.scheme == "https"
        and (parts.hostname or "").endswith(".twilio.com")
    )
    if not host_ok:
        raise ValueError(f"recording URL is not on {allowed}: {parts.scheme}://{parts.netloc}")
    wav_url = url if parts.path.endswith(".wav") else url + ".wav"
    for attempt in range(3):  # a recording can take a moment to be available
        answer = requests.get(
            wav_url, auth=(voice.account_sid, voice.auth_token), timeout=timeout, stream=True
        )
        if answer.status_code != 404 or attempt == 2:
            break
        answer.close()
        time.sleep(0.5)
    answer.raise_for_status()
    data = answer.raw.read(8 * 1024 * 1024 + 1, decode_content=True)
    if len(data) > 8 * 1024 * 1024:
        raise ValueError("recording larger than 8 MB")
    return data


# --- URLs -----------------------------------------------------------------------------------


def _base_url() -> str:
    voice: VoiceSettings = current_app.extensions["voice_settings"]
    if voice.public_url:
        return voice.public_url
    base = request.host_url.rstrip("/")
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
    if proto in ("http", "https"):
        base = proto + base[base.index("://") :]
    return base


def _absolute(path: str) -> str:
    return path if "://" in path else _base_url() + path


def _stream_url() -> str:
    """wss:// for an https service (Twilio requires it), ws:// for a local http one."""
    base = _base_url()
    return ("wss" + base[5:] if base.startswith("https") else "ws" + base[4:]) + STREAM_PATH


def _with_query(url: str, **params: str) -> str:
    if not params:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _sid(turn: Turn) -> str:
    return turn.call.call_sid


def call_ended(call_sid: str, status: str) -> None:
    """A status callback: when the call is over, give back the recognizer of a turn that
    was still listening."""
    ears: Ears | None = current_app.extensions.get("ears")
    final = status in ("completed", "busy", "failed", "no-answer", "canceled")
    if ears is not None and call_sid and final:
        ears.close_call(call_sid)


def hearing(flow: Callable[[Turn], Reply]) -> Callable[[Turn], Reply]:
    """Wrap a flow step so that it gets the caller's words as ``SpeechResult`` in every mode."""

    @functools.wraps(flow)
    def step(turn: Turn) -> Reply:
        heard = hear(turn)
        return heard if isinstance(heard, Reply) else flow(heard)

    return step
