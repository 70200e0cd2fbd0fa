"""Recognizers: a bounded pool of live Media Streams sessions, whole-file transcription, grammars.

One ``vosk.KaldiRecognizer`` per call, made from the shared model; a recognizer is not
thread-safe, so each :class:`StreamSession` guards it with a lock. The pool bounds how
many recognizers decode at once (decoding is CPU-bound: past the machine's capacity all
calls lag); when it is full :meth:`RecognizerPool.acquire` returns None and the call
uses Twilio's own recognition instead.

A session gives its slot back as soon as it has a final text, when it is closed (also
by ``with`` on an exception), when an event is refused, and when the pool reaps it after
``idle_seconds`` without any event (a websocket that died without ``stop``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np

from ivr.speech.audio import (
    AudioError,
    Resampler,
    add_noise,
    decode_payload,
    mulaw_decode,
    read_wav,
)
from ivr.speech.errors import CapacityError, GrammarError, SpeechError, StreamError
from ivr.speech.models import LoadedModel, ModelError, _vosk

__all__ = [
    "CapacityError",
    "GrammarError",
    "RecognizerPool",
    "SpeechError",
    "StreamError",
    "StreamSession",
    "StreamUpdate",
    "grammar_json",
    "transcribe_pcm",
    "transcribe_wav",
]

log = logging.getLogger(__name__)

MEDIA_ENCODING = "audio/x-mulaw"
MEDIA_RATE = 8000
MAX_PAYLOAD_BYTES = 16000  # 2 s of mu-law in one message; Twilio sends 160 (20 ms)
UNK = "[unk]"
NOISE_LEVEL = 6.0  # see audio.add_noise


# --- grammars -------------------------------------------------------------------------------


def normalize_phrases(phrases: Iterable[str]) -> list[str]:
    out: list[str] = []
    for phrase in phrases:
        if not isinstance(phrase, str):
            raise GrammarError(f"grammar phrases must be strings, not {phrase!r}")
        phrase = " ".join(phrase.split())
        if phrase and phrase not in out and phrase != UNK:
            out.append(phrase)
    if not out:
        raise GrammarError("a grammar needs at least one non-empty phrase")
    return out


def grammar_json(model: LoadedModel, phrases: Iterable[str]) -> str:
    """The grammar argument of ``KaldiRecognizer`` for ``phrases``, checked against the model.

    Words are separated by spaces (Chinese models segment words: "满意" and "不 满意"
    must be written as the model's words). Raises :class:`GrammarError` listing the
    unknown words. ``[unk]`` is added when the model has it, so that anything else is
    recognized as ``[unk]`` (returned as "") rather than forced onto a phrase.
    The JSON is written with ``ensure_ascii=False``: Vosk does not decode ``\\uXXXX``
    escapes and would silently drop every Chinese or Korean word.
    """
    phrases = normalize_phrases(phrases)
    unknown = model.unknown_words(phrases)
    if unknown:
        raise GrammarError(
            f"not in the vocabulary of model {model.name}: {', '.join(unknown)} "
            f"(grammar phrases: {' | '.join(phrases)})"
        )
    items = phrases + ([UNK] if model.has_word(UNK) else [])
    return json.dumps(items, ensure_ascii=False)


def _new_recognizer(model: LoadedModel, grammar: str | None) -> Any:
    vosk = _vosk()
    rate = float(model.sample_rate)
    try:
        if grammar is not None:
            return vosk.KaldiRecognizer(model.vosk_model, rate, grammar)
        return vosk.KaldiRecognizer(model.vosk_model, rate)
    except Exception as exc:
        raise ModelError(f"cannot create a recognizer for {model.name}: {exc}") from None


def _clean(text: str, grammar: bool) -> str:
    words = text.split()
    if grammar:
        words = [w for w in words if w != UNK]
    return " ".join(words)


# --- whole files ----------------------------------------------------------------------------


def transcribe_pcm(
    model: LoadedModel,
    pcm: np.ndarray,
    rate: int,
    *,
    phrases: Iterable[str] | None = None,
    chunk_seconds: float = 0.5,
    noise_level: float = NOISE_LEVEL,
) -> str:
    """Text of int16 mono samples at ``rate`` (resampled to the model's rate first).

    Several utterances (Vosk endpoints) are joined with a space.
    """
    grammar = grammar_json(model, phrases) if phrases is not None else None
    recognizer = _new_recognizer(model, grammar)
    resampler = Resampler(rate, model.sample_rate)
    step = max(1, int(rate * chunk_seconds))
    rng = np.random.default_rng(0)
    texts: list[str] = []
    pcm = np.asarray(pcm)
    for start in range(0, len(pcm) + 1, step):
        piece = resampler.process(pcm[start : start + step])
        if start + step >= len(pcm):
            piece = np.concatenate([piece, resampler.flush()])
        piece = add_noise(piece, rng, noise_level)
        if len(piece) and recognizer.AcceptWaveform(piece.tobytes()):
            texts.append(json.loads(recognizer.Result()).get("text", ""))
        if start + step >= len(pcm):
            break
    texts.append(json.loads(recognizer.FinalResult()).get("text", ""))
    return _clean(" ".join(texts), grammar is not None)


def transcribe_wav(
    model: LoadedModel,
    source: str | PathLike | bytes | bytearray,
    *,
    phrases: Iterable[str] | None = None,
) -> str:
    """Text of a WAV file (path or bytes): PCM or mu-law, any rate (Twilio records 8 kHz)."""
    try:
        pcm, rate = read_wav(source)
    except AudioError as exc:
        raise SpeechError(f"cannot transcribe the recording: {exc}") from None
    return transcribe_pcm(model, pcm, rate, phrases=phrases)


# --- live streams ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamUpdate:
    """What a session knows after an event."""

    partial: str  # the running (partial) text of the utterance, "" before any speech
    partial_changed: bool  # the partial text changed with this event
    done: bool  # the final text is known (``text``); later media is ignored
    text: str | None  # the final text once done ("" when nothing was understood)
    reason: str | None  # endpoint|no-match|max-length|no-speech|stop|closed|idle|error


class StreamSession:
    """One call's Media Stream decoded by one recognizer.

    Feed it the websocket messages (JSON text or parsed dicts) with :meth:`handle`; it
    checks ``start.mediaFormat`` (mu-law, 8000 Hz, mono), decodes the base64 ``media``
    payloads, resamples to the model's rate and decodes in ``chunk_ms`` pieces. It ends
    (``done``) at Vosk's endpoint after speech, at ``max_seconds`` of audio after the
    first speech, at ``no_speech_seconds`` of audio without speech, or on ``stop``.
    A refused event raises :class:`StreamError` and closes the session.
    """

    def __init__(
        self,
        pool: RecognizerPool | None,
        model: LoadedModel,
        recognizer: Any,
        *,
        call_sid: str | None = None,
        grammar: bool = False,
        max_seconds: float | None = 15.0,
        no_speech_seconds: float | None = 8.0,
        chunk_ms: int = 100,
        noise_level: float = NOISE_LEVEL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool = pool
        self._noise_level = noise_level
        self._rng = np.random.default_rng(0)
        self.model = model
        self._recognizer = recognizer
        self.call_sid = call_sid
        self.grammar = grammar
        self.max_seconds = max_seconds
        self.no_speech_seconds = no_speech_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._resampler = Resampler(MEDIA_RATE, model.sample_rate)
        self._chunk = max(1, model.sample_rate * chunk_ms // 1000)
        self._pending: list[np.ndarray] = []
        self._pending_len = 0
        self._texts: list[str] = []
        self.stream_sid: str | None = None
        self.custom_parameters: dict[str, str] = {}
        self.media_format: dict[str, Any] | None = None
        self.connected = False
        self.started = False
        self.partial = ""
        self.partial_count = 0  # how many times the partial text changed
        self.endpoints = 0  # Vosk endpoints seen (silence-only ones included)
        self.audio_seconds = 0.0  # inbound audio received
        self.speech_at: float | None = None  # audio time of the first partial text
        self.text: str | None = None
        self.reason: str | None = None
        self.error: str | None = None
        self.opened_at = clock()
        self.last_event_at = self.opened_at
        self.closed = False

    # -- state

    @property
    def done(self) -> bool:
        return self.text is not None

    def update(self, changed: bool = False) -> StreamUpdate:
        return StreamUpdate(self.partial, changed, self.done, self.text, self.reason)

    def idle_seconds(self, now: float | None = None) -> float:
        return (self._clock() if now is None else now) - self.last_event_at

    # -- events

    def handle(self, event: Mapping[str, Any] | str | bytes) -> StreamUpdate:
        """Process one Media Streams message (``connected``, ``start``, ``media``, ``stop``,
        ``mark``; others such as ``dtmf`` are ignored)."""
        with self._lock:
            if self.closed and not self.done:
                raise StreamError(f"stream session of {self.call_sid} is closed ({self.reason})")
            self.last_event_at = self._clock()
            try:
                return self._handle(_parse_event(event))
            except StreamError as exc:
                self._fail(str(exc))
                raise
            except Exception as exc:  # a bug or a Vosk failure: never keep the slot
                self._fail(f"{exc.__class__.__name__}: {exc}")
                raise StreamError(f"stream session failed: {exc}") from exc

    def _handle(self, event: Mapping[str, Any]) -> StreamUpdate:
        kind = event["event"]
        if kind == "media":
            if self.done:
                return self.update()
            if not self.started:
                raise StreamError("media event before the start event")
            media = event.get("media")
            if not isinstance(media, Mapping):
                raise StreamError("media event without a media object")
            if media.get("track", "inbound") not in ("inbound", "inbound_track"):
                return self.update()
            try:
                payload = decode_payload(media.get("payload"))
            except AudioError as exc:
                raise StreamError(str(exc)) from None
            if len(payload) > MAX_PAYLOAD_BYTES:
                raise StreamError(f"media payload of {len(payload)} bytes is too long")
            return self._accept(payload)
        if kind == "start":
            self._start(event)
        elif kind == "stop":
            if not self.done:
                self._finish("stop")
        elif kind == "connected":
            self.connected = True
        # "mark", "dtmf" and future events change nothing here.
        return self.update()

    def _start(self, event: Mapping[str, Any]) -> None:
        if self.started:
            raise StreamError("a second start event")
        start = event.get("start")
        if not isinstance(start, Mapping):
            raise StreamError("start event without a start object")
        fmt = start.get("mediaFormat")
        if not isinstance(fmt, Mapping):
            raise StreamError("start event without mediaFormat")
        encoding, rate = fmt.get("encoding"), _as_int(fmt.get("sampleRate"))
        channels = _as_int(fmt.get("channels", 1))
        if encoding != MEDIA_ENCODING or rate != MEDIA_RATE or channels != 1:
            raise StreamError(
                f"unsupported media format {encoding!r} at {rate!r} Hz, {channels!r} channel(s): "
                f"expected {MEDIA_ENCODING} at {MEDIA_RATE} Hz, mono"
            )
        call_sid = start.get("callSid")
        if self.call_sid and call_sid and call_sid != self.call_sid:
            raise StreamError(f"stream of call {call_sid} on the session of {self.call_sid}")
        params = start.get("customParameters") or {}
        if not isinstance(params, Mapping):
            raise StreamError("start.customParameters is not an object")
        self.call_sid = self.call_sid or call_sid
        self.stream_sid = start.get("streamSid") or event.get("streamSid")
        self.custom_parameters = {str(k): str(v) for k, v in params.items()}
        self.media_format = dict(fmt)
        self.started = True

    # -- audio

    def feed_mulaw(self, data: bytes) -> StreamUpdate:
        """Feed raw 8 kHz mu-law bytes (what ``media`` events carry) without the events."""
        with self._lock:
            if self.closed and not self.done:
                raise StreamError(f"stream session of {self.call_sid} is closed ({self.reason})")
            self.last_event_at = self._clock()
            self.started = True
            try:
                return self._accept(data)
            except Exception as exc:
                self._fail(f"{exc.__class__.__name__}: {exc}")
                raise

    def _accept(self, mulaw: bytes) -> StreamUpdate:
        if self.done:
            return self.update()
        self.audio_seconds += len(mulaw) / MEDIA_RATE
        pcm = self._resampler.process(mulaw_decode(mulaw))
        self._pending.append(pcm)
        self._pending_len += len(pcm)
        changed = False
        if self._pending_len >= self._chunk:
            chunk = add_noise(np.concatenate(self._pending), self._rng, self._noise_level)
            changed = self._decode(chunk)
            self._pending.clear()
            self._pending_len = 0
        if self.done:
            return self.update(changed)
        if (
            self.speech_at is None
            and not self._texts
            and self.no_speech_seconds is not None
            and self.audio_seconds >= self.no_speech_seconds
        ):
            self._finish("no-speech")
        if (
            not self.done
            and self.max_seconds is not None
            and self.speech_at is not None
            and self.audio_seconds - self.speech_at >= self.max_seconds
        ):
            self._finish("max-length")
        return self.update(changed)

    def _decode(self, pcm: np.ndarray) -> bool:
        recognizer = self._recognizer
        if recognizer.AcceptWaveform(pcm.tobytes()):
            self.endpoints += 1
            raw = json.loads(recognizer.Result()).get("text", "")
            text = _clean(raw, self.grammar)
            changed = self.partial != ""
            self.partial = ""
            if text:
                self._texts.append(text)
                self._finish("endpoint", final=False)
            elif raw.strip():
                # Grammar mode: the caller said something, but none of the phrases.
                self._finish("no-match", final=False)
            return changed
        partial = _clean(json.loads(recognizer.PartialResult()).get("partial", ""), self.grammar)
        if partial == self.partial:
            return False
        self.partial = partial
        self.partial_count += 1
        if partial and self.speech_at is None:
            self.speech_at = self.audio_seconds
        return True

    # -- ending

    def _finish(self, reason: str, *, final: bool = True) -> None:
        if final and self._recognizer is not None:
            tail = np.concatenate([*self._pending, self._resampler.flush()])
            tail = add_noise(tail, self._rng, self._noise_level)
            self._pending.clear()
            if len(tail):
                self._recognizer.AcceptWaveform(tail.tobytes())
            text = json.loads(self._recognizer.FinalResult()).get("text", "")
            text = _clean(text, self.grammar)
            if text:
                self._texts.append(text)
        self.text = " ".join(self._texts)
        self.reason = reason
        self.partial = ""
        self._release()
        log.debug("stream %s done (%s): %r", self.call_sid, self.reason, self.text)

    def finish(self, reason: str = "closed") -> str:
        """The final text now (flushing what was received); releases the recognizer."""
        with self._lock:
            if not self.done:
                if self.closed or self._recognizer is None:
                    raise StreamError(f"stream session of {self.call_sid} is closed")
                try:
                    self._finish(reason)
                except Exception as exc:
                    self._fail(f"{exc.__class__.__name__}: {exc}")
                    raise StreamError(f"stream session failed: {exc}") from exc
            return self.text or ""

    def close(self) -> None:
        """Give the recognizer back (idempotent). A session closed before its end has no text."""
        with self._lock:
            if not self.closed:
                if not self.done:
                    self.reason = self.reason or "closed"
                self._release()

    def _fail(self, message: str) -> None:
        self.error = message
        if not self.done:
            self.reason = "error"
        log.warning("stream %s refused: %s", self.call_sid, message)
        self._release()

    def _release(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._recognizer = None
        self._pending.clear()
        self._pending_len = 0
        if self._pool is not None:
            self._pool._release(self)

    def __enter__(self) -> StreamSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "done" if self.done else "closed" if self.closed else "live"
        return f"<StreamSession {self.call_sid} {state} {self.audio_seconds:.1f}s>"


def _as_int(value: Any) -> Any:
    """8000 or "8000" → 8000; anything else unchanged (and then refused)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return value


def _parse_event(event: Mapping[str, Any] | str | bytes) -> Mapping[str, Any]:
    if isinstance(event, (str, bytes, bytearray)):
        try:
            event = json.loads(event)
        except (ValueError, UnicodeDecodeError) as exc:
            raise StreamError(f"message is not JSON: {exc}") from None
    if not isinstance(event, Mapping):
        raise StreamError(f"message is not a JSON object: {type(event).__name__}")
    kind = event.get("event")
    if not isinstance(kind, str):
        raise StreamError("message without an event name")
    return event


# --- the pool -------------------------------------------------------------------------------


class RecognizerPool:
    """At most ``capacity`` recognizers decoding at once, over one shared model."""

    def __init__(
        self,
        model: LoadedModel,
        capacity: int,
        *,
        max_seconds: float | None = 15.0,
        no_speech_seconds: float | None = 8.0,
        idle_seconds: float | None = 30.0,
        chunk_ms: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if capacity < 0:
            raise ValueError("capacity must be 0 or more")
        self.model = model
        self.capacity = capacity
        self.max_seconds = max_seconds
        self.no_speech_seconds = no_speech_seconds
        self.idle_seconds = idle_seconds
        self.chunk_ms = chunk_ms
        self._clock = clock
        self._cond = threading.Condition()
        self._sessions: set[StreamSession] = set()
        self._reserved = 0  # slots held by whole-file transcriptions
        self.refused = 0  # acquisitions refused because the pool was full

    @property
    def in_use(self) -> int:
        with self._cond:
            return len(self._sessions) + self._reserved

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.in_use)

    def sessions(self) -> list[StreamSession]:
        with self._cond:
            return list(self._sessions)

    def acquire(
        self,
        call_sid: str | None = None,
        *,
        phrases: Iterable[str] | None = None,
        max_seconds: float | None | type[Ellipsis] = ...,
        no_speech_seconds: float | None | type[Ellipsis] = ...,
    ) -> StreamSession | None:
        """A new session, or None when every slot is taken (fall back to Twilio then).

        ``phrases`` makes it a grammar session (checked first: GrammarError).
        """
        grammar = grammar_json(self.model, phrases) if phrases is not None else None
        self.reap()
        with self._cond:
            if len(self._sessions) + self._reserved >= self.capacity:
                self.refused += 1
                return None
            self._reserved += 1  # hold the slot while the recognizer is made
        try:
            recognizer = _new_recognizer(self.model, grammar)
            session = StreamSession(
                self,
                self.model,
                recognizer,
                call_sid=call_sid,
                grammar=grammar is not None,
                max_seconds=self.max_seconds if max_seconds is ... else max_seconds,
                no_speech_seconds=(
                    self.no_speech_seconds if no_speech_seconds is ... else no_speech_seconds
                ),
                chunk_ms=self.chunk_ms,
                clock=self._clock,
            )
        except BaseException:
            with self._cond:
                self._reserved -= 1
                self._cond.notify()
            raise
        with self._cond:
            self._reserved -= 1
            self._sessions.add(session)
        return session

    def _release(self, session: StreamSession) -> None:
        with self._cond:
            self._sessions.discard(session)
            self._cond.notify()

    def reap(self, now: float | None = None) -> int:
        """Close sessions without any event for ``idle_seconds``; how many were closed."""
        if self.idle_seconds is None:
            return 0
        now = self._clock() if now is None else now
        stale = [s for s in self.sessions() if s.idle_seconds(now) >= self.idle_seconds]
        for session in stale:
            log.warning(
                "closing stream %s: no event for %.0f s",
                session.call_sid,
                session.idle_seconds(now),
            )
            session.reason = "idle"
            session.close()
        return len(stale)

    def close_all(self) -> None:
        for session in self.sessions():
            session.close()

    def transcribe_wav(
        self,
        source: str | PathLike | bytes | bytearray,
        *,
        phrases: Iterable[str] | None = None,
        wait_seconds: float = 10.0,
    ) -> str:
        """:func:`transcribe_wav` in one of the pool's slots (waits up to ``wait_seconds``)."""
        with self.slot(wait_seconds):
            return transcribe_wav(self.model, source, phrases=phrases)

    def slot(self, wait_seconds: float = 10.0) -> _Slot:
        return _Slot(self, wait_seconds)


class _Slot:
    def __init__(self, pool: RecognizerPool, wait_seconds: float) -> None:
        self.pool, self.wait_seconds = pool, wait_seconds

    def __enter__(self) -> None:
        pool = self.pool
        pool.reap()
        with pool._cond:
            ok = pool._cond.wait_for(
                lambda: len(pool._sessions) + pool._reserved < pool.capacity, self.wait_seconds
            )
            if not ok:
                pool.refused += 1
                raise CapacityError(
                    f"all {pool.capacity} recognizers busy for {self.wait_seconds:.0f} s"
                )
            pool._reserved += 1

    def __exit__(self, *exc: object) -> None:
        with self.pool._cond:
            self.pool._reserved -= 1
            self.pool._cond.notify()
