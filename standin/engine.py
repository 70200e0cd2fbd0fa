"""One call through the stand-in: signed webhooks to the app, TwiML in, status callbacks out.

`StandinCall.run()` drives the call in the calling thread and returns its `CallResult`.
`update()` may be called from any thread: the call picks it up at the next verb boundary
(or as soon as a caller's wait ends, or during a `<Connect><Stream>` hold).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from twilio.request_validator import RequestValidator

from standin import conference
from standin.callers import Caller, Hangup, Press, Say, SayAudio, Silence, Step
from standin.media import AudioRecording, CallMedia, recording_of
from standin.recordings import Recording, RecordingStore
from standin.result import CallResult, Exchange
from standin.twiml import (
    DIAL_STATUSES,
    Document,
    End,
    Fetch,
    Hold,
    Interpreter,
    TwimlError,
    parse,
)

API_VERSION = "2010-04-01"
APPLICATION_ERROR = "We are sorry, an application error has occurred. Goodbye."
CALLBACK_EVENTS = ("initiated", "ringing", "answered", "completed")
# A runaway Redirect loop would never end; Twilio gives up on such calls too.
MAX_DOCUMENTS = 500
# Purposes whose answer is TwiML (the ones Twilio retries and the duplicate flag repeats).
_DOCUMENT_PURPOSES = ("webhook", "action", "redirect", "update")


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def rfc2822(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(dt.UTC)).replace("-0000", "+0000")


@dataclass
class StandinConfig:
    """What the telephone network does, shared by every call of one stand-in."""

    account_sid: str
    auth_token: str
    # Base URL of the HTTP server that serves recordings ("" when there is none).
    media_base_url: str = ""
    recordings: RecordingStore = field(default_factory=RecordingStore)
    # Dialed number / client / queue / conference name -> DialCallStatus (default completed).
    dial_outcomes: dict[str, str] = field(default_factory=dict)
    # Queue name -> QueueResult after the wait (default bridged).
    queue_results: dict[str, str] = field(default_factory=dict)
    webhook_timeout: float = 15.0
    # POST every TwiML request twice with the same idempotency token, as Twilio retries do.
    duplicate_webhooks: bool = False
    # How long a <Connect><Stream> hold waits for an update between two caller steps.
    hold_seconds: float = 0.2
    # Media Stream frames go out at this multiple of real time (`standin.media`).
    media_speed: float = 1.0
    # The brief's rule: a bridged <Dial>/<Enqueue> without action ends the call. Real Twilio
    # goes on with the next verb after the bridged party hangs up; set False for that.
    end_after_bridge: bool = True
    # Simulated length of a bridged call leg, in seconds.
    bridged_seconds: int = 30
    # Conference rooms shared by every call (`standin.conference`).
    conferences: conference.ConferenceHub = field(default_factory=conference.ConferenceHub)

    def recording_url(self, sid: str) -> str:
        base = self.media_base_url.rstrip("/") or "http://standin.invalid"
        return f"{base}/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{sid}"


@dataclass
class _Update:
    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    status: str | None = None


class StandinCall:
    def __init__(
        self,
        config: StandinConfig,
        *,
        caller: Caller,
        from_: str,
        to: str,
        direction: str = "inbound",
        url: str | None = None,
        method: str = "POST",
        twiml: str | None = None,
        status_callback: str | None = None,
        status_callback_method: str = "POST",
        status_callback_events: tuple[str, ...] = ("completed",),
        answered_by: str | None = None,
        call_sid: str | None = None,
    ) -> None:
        if url is None and twiml is None:
            raise ValueError("a call needs a url or twiml")
        self.config = config
        self.caller = caller
        self.from_, self.to, self.direction = from_, to, direction
        self.url, self.method, self.twiml = url, method.upper(), twiml
        self.status_callback = status_callback
        self.status_callback_method = status_callback_method.upper()
        self.status_callback_events = tuple(status_callback_events)
        self.result = CallResult(call_sid=call_sid or new_sid("CA"), direction=direction)
        self.result.answered_by = answered_by
        self.created = dt.datetime.now(dt.UTC)
        self.started: dt.datetime | None = None
        self.ended: dt.datetime | None = None
        self.done = threading.Event()
        self._session = requests.Session()
        self._validator = RequestValidator(config.auth_token)
        self._seconds = 0.0
        self._sequence = 0
        self._lock = threading.Lock()
        self._update: _Update | None = None
        self._update_event = threading.Event()
        self._last: tuple[str, str, dict[str, str], str, str] | None = None
        self.media = CallMedia(self.call_params, config.media_speed)
        self._held: Step | None = None  # a step a keys-only <Gather> passed on to <Record>

    @property
    def sid(self) -> str:
        return self.result.call_sid

    # -- driving -------------------------------------------------------------------------

    def run(self, outcome: str = "answered") -> CallResult:
        """Drive the call to its end. `outcome` other than "answered" is a DialCallStatus-like
        status (busy, no-answer, failed, canceled) for an outbound call never answered."""
        try:
            self._run(outcome)
        finally:
            self.ended = dt.datetime.now(dt.UTC)
            self._session.close()
            self.done.set()
        return self.result

    def _run(self, outcome: str) -> None:
        self._callback("initiated", "initiated")
        self.result.status = "ringing"
        self._callback("ringing", "ringing")
        with self._lock:
            cancel = self._update is not None and self._update.status in ("canceled", "completed")
        if cancel:
            self._take_update()
            outcome = "canceled"
        if outcome != "answered":
            self._finish(End("not-answered", status=outcome))
            return
        self.started = dt.datetime.now(dt.UTC)
        if self.direction != "inbound":
            self.result.status = "in-progress"
            self._callback("answered", "in-progress")
        # Twilio's first webhook of an inbound call says CallStatus=ringing.
        if self.twiml is not None:
            first: Document | End = self._parse_or_end(self.twiml, self.url or "")
        else:
            first = self._fetch_document(Fetch(self.url or "", self.method, {}, "webhook"))
        self.result.status = "in-progress"
        self._finish(self._drive(first))

    def _drive(self, current: Document | End) -> End:
        interpreter = Interpreter(self)
        documents = 1
        while isinstance(current, Document):
            if documents > MAX_DOCUMENTS:
                self.result.errors.append({"kind": "too-many-documents", "url": current.url})
                return End("application-error")
            documents += 1
            current = self._run_document(interpreter, current)
        return current

    def _run_document(self, interpreter: Interpreter, doc: Document) -> Document | End:
        for verb in doc.verbs:
            update = self._take_update()
            if update is not None:
                return self._apply_update(update, doc)
            outcome = interpreter.run(verb, doc)
            if isinstance(outcome, Hold):
                held = self._hold(outcome.stream)
                if held is not None:
                    return held
                update = self._take_update()
                if update is not None:
                    return self._apply_update(update, doc)
            elif isinstance(outcome, End):
                return outcome
            elif isinstance(outcome, Fetch):
                following = self._fetch_document(outcome)
                return End("caller-hangup") if outcome.then_end else following
        update = self._take_update()
        return self._apply_update(update, doc) if update else End("end-of-document")

    def _hold(self, stream: dict[str, Any]) -> End | None:
        """Stay on a <Connect><Stream> until an update arrives or the caller hangs up."""
        while not self.update_pending():
            step = self.ask("stream", {"verb": "stream", "url": stream.get("url")})
            if isinstance(step, Hangup):
                return End("caller-hangup")
            stream.setdefault("inputs", []).append(_describe(step))
            self._update_event.wait(self.config.hold_seconds)
        return None

    def _finish(self, end: End) -> None:
        self.media.close()
        if end.reason == "application-error":
            self.heard({"kind": "system", "text": APPLICATION_ERROR})
        self.result.end_reason = end.reason
        self.result.status = end.status
        self.result.duration = int(round(self._seconds)) if end.status == "completed" else 0
        self._callback("completed", end.status, final=True)

    # -- live updates (any thread) -------------------------------------------------------

    def update(
        self,
        url: str | None = None,
        method: str = "POST",
        twiml: str | None = None,
        status: str | None = None,
    ) -> None:
        if not (url or twiml is not None or status in ("completed", "canceled")):
            return
        with self._lock:
            self._update = _Update(url, (method or "POST").upper(), twiml, status)
        self._update_event.set()

    def update_pending(self) -> bool:
        with self._lock:
            return self._update is not None

    def _take_update(self) -> _Update | None:
        with self._lock:
            update, self._update = self._update, None
            self._update_event.clear()
        return update

    def _apply_update(self, update: _Update, doc: Document) -> Document | End:
        if update.status in ("completed", "canceled"):
            return End("updated")
        if update.twiml is not None:
            return self._parse_or_end(update.twiml, doc.url)
        return self._fetch_document(Fetch(update.url or doc.url, update.method, {}, "update"))

    # -- CallContext for the interpreter -------------------------------------------------

    def heard(self, prompt: dict[str, Any]) -> None:
        self.result.prompts.append(prompt)
        self.caller.hear(prompt)

    def ask(self, wait: str, verb: dict[str, Any]) -> Step:
        step, self._held = self._held or self.caller.next_input(wait), None
        self.result.inputs.append({**verb, "step": _describe(step)})
        return step

    def elapse(self, seconds: float) -> None:
        self._seconds += max(0.0, float(seconds))

    def call_params(self) -> dict[str, str]:
        status = self.result.status if self.result.status != "queued" else "ringing"
        params = {
            "AccountSid": self.config.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.sid,
            "CallStatus": status,
            "Direction": self.direction,
            "From": self.from_,
            "To": self.to,
            "Caller": self.from_,
            "Called": self.to,
        }
        for prefix in ("From", "To", "Caller", "Called"):
            params.update(
                {
                    f"{prefix}Country": "CN",
                    f"{prefix}City": "",
                    f"{prefix}State": "",
                    f"{prefix}Zip": "",
                }
            )
        if self.result.answered_by:
            params["AnsweredBy"] = self.result.answered_by
        return params

    def new_sid(self, prefix: str) -> str:
        return new_sid(prefix)

    def dial_outcome(self, kind: str, target: str) -> str:
        outcome = self.config.dial_outcomes.get(target, "completed")
        return outcome if outcome in DIAL_STATUSES else "failed"

    def queue_result(self, name: str) -> str:
        return self.config.queue_results.get(name, "bridged")

    def bridged_seconds(self) -> int:
        return self.config.bridged_seconds

    def end_after_bridge(self) -> bool:
        return self.config.end_after_bridge

    def make_recording(self, text: str, seconds: int) -> tuple[str, str]:
        sid = new_sid("RE")
        recording = Recording(sid, self.sid, self.config.account_sid, seconds, text)
        self.config.recordings.add(recording)
        url = self.config.recording_url(sid)
        self.result.recordings.append({"sid": sid, "url": url, "duration": seconds, "text": text})
        return sid, url

    # -- the caller's voice (standin.media) ----------------------------------------------

    def start_stream(self, stream: dict[str, Any]) -> None:
        self.media.start(stream, new_sid("MZ"))

    def stop_streams(self, names: set[str | None]) -> None:
        self.media.stop(names)

    def streaming(self) -> bool:
        return self.media.live

    def speak(self, step: SayAudio) -> None:
        self.elapse(self.media.speak(step.path))

    def listen(self, seconds: float) -> bool:
        """Stream the caller's audio for `seconds`; True when a REST update came first."""
        return self.media.pump(seconds, self.update_pending)

    def hold(self, step: Step) -> None:
        """Offer `step` again at the next wait (the caller goes on talking)."""
        self._held = step

    def make_audio_recording(self, step: SayAudio, max_seconds: int) -> tuple[str, str, int]:
        audio, seconds = recording_of(step.path, max_seconds)
        sid = new_sid("RE")
        text = step.text or Path(step.path).name
        recording = AudioRecording(
            sid, self.sid, self.config.account_sid, seconds, text, audio=audio
        )
        self.config.recordings.add(recording)
        url = self.config.recording_url(sid)
        self.result.recordings.append({"sid": sid, "url": url, "duration": seconds, "text": text})
        return sid, url, seconds

    def fetch_side(
        self, url: str, method: str, params: dict[str, str], purpose: str
    ) -> Document | None:
        """Fetch TwiML that does not replace the call's document (whisper, wait URL)."""
        exchange = self._send(method, url, params, purpose)
        document = self._document_of(exchange, url)
        return document if isinstance(document, Document) else None

    def notify(self, url: str, method: str, params: dict[str, str], purpose: str) -> None:
        self._send(method, url, params, purpose)

    def conference(self, interpreter: Interpreter, dial: Any, noun: Any, doc: Document):
        """Stay in a `<Dial><Conference>` until leaving it (`standin.conference.join`)."""
        return conference.join(self, interpreter, dial, noun, doc)

    # -- HTTP ----------------------------------------------------------------------------

    def _fetch_document(self, fetch: Fetch) -> Document | End:
        params = {**self.call_params(), **fetch.params}
        exchange = self._send(fetch.method, fetch.url, params, fetch.purpose)
        return self._document_of(exchange, fetch.url)

    def _document_of(self, exchange: Exchange, url: str) -> Document | End:
        # `url` is the document's address without the call parameters a GET adds to it.
        if not exchange.ok:
            detail = f"HTTP {exchange.status}" if exchange.status else exchange.body
            return self._app_error(exchange, detail)
        return self._parse_or_end(exchange.body, url, exchange)

    def _parse_or_end(
        self, body: str, url: str, exchange: Exchange | None = None
    ) -> Document | End:
        try:
            return parse(body.encode("utf-8"), url)
        except TwimlError as exc:
            return self._app_error(exchange, str(exc), url)

    def _app_error(self, exchange: Exchange | None, detail: str, url: str = "") -> End:
        self.result.errors.append(
            {
                "kind": "application-error",
                "url": exchange.url if exchange else url,
                "status": exchange.status if exchange else None,
                "purpose": exchange.purpose if exchange else "twiml",
                "detail": detail,
            }
        )
        return End("application-error")

    def _send(self, method: str, url: str, params: dict[str, str], purpose: str) -> Exchange:
        token = uuid.uuid4().hex
        self._last = (method, url, params, purpose, token)
        exchange = self._request(method, url, params, purpose, token)
        if self.config.duplicate_webhooks and purpose in _DOCUMENT_PURPOSES:
            exchange = self._request(method, url, params, purpose, token, retry=True)
        return exchange

    def repeat_last_webhook(self) -> Exchange:
        """Send the last request again with the same form, signature and idempotency token, as
        a Twilio retry after a timeout does. Recorded in the result with retry=True."""
        if self._last is None:
            raise RuntimeError("no request was sent yet")
        method, url, params, purpose, token = self._last
        return self._request(method, url, params, purpose, token, retry=True)

    def _request(
        self,
        method: str,
        url: str,
        params: dict[str, str],
        purpose: str,
        token: str,
        retry: bool = False,
    ) -> Exchange:
        method = method.upper() if method.upper() in ("GET", "POST") else "POST"
        headers = {
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": token,
        }
        if method == "GET":
            target, data = _with_query(url, params), None
            headers["X-Twilio-Signature"] = self._validator.compute_signature(target, {})
        else:
            target, data = url, params
            headers["X-Twilio-Signature"] = self._validator.compute_signature(url, params)
        started = time.perf_counter()
        try:
            response = self._session.request(
                method, target, data=data, headers=headers, timeout=self.config.webhook_timeout
            )
            status, body = response.status_code, _body_text(response)
        except requests.RequestException as exc:
            status, body = 0, f"{type(exc).__name__}: {exc}"
        elapsed = time.perf_counter() - started
        exchange = Exchange(method, target, dict(params), status, body, purpose, retry, elapsed)
        with self._lock:
            self.result.requests.append(exchange)
        return exchange

    def _callback(self, event: str, status: str, final: bool = False) -> None:
        if not self.status_callback:
            return
        if not final and (self.direction == "inbound" or event not in self.status_callback_events):
            return
        params = self.call_params()
        params["CallStatus"] = status
        params["Timestamp"] = rfc2822(dt.datetime.now(dt.UTC))
        params["SequenceNumber"] = str(self._sequence)
        params["CallbackSource"] = "call-progress-events"
        if final:
            params["CallDuration"] = str(self.result.duration)
            params["Duration"] = str(-(-self.result.duration // 60))
        self._sequence += 1
        self._send(self.status_callback_method, self.status_callback, params, "status-callback")


def _describe(step: Step) -> dict[str, Any]:
    if isinstance(step, Say):
        return {"say": step.text, **({"hangup": True} if step.hangup else {})}
    if isinstance(step, SayAudio):
        return {"say_audio": step.path, **({"text": step.text} if step.text else {})}
    if isinstance(step, Press):
        return {"press": step.digits}
    if isinstance(step, Silence):
        return {"silence": True}
    return {"hangup": True}


def _with_query(url: str, params: dict[str, str]) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def _body_text(response: requests.Response) -> str:
    # requests assumes ISO-8859-1 for text/* without a charset; TwiML is UTF-8 unless it says.
    content_type = response.headers.get("Content-Type", "")
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip("\"'")
    try:
        return response.content.decode(charset, errors="replace")
    except LookupError:
        return response.content.decode("utf-8", errors="replace")
