"""Parse TwiML and interpret its verbs, one at a time, the way Twilio's voice engine does.

The interpreter knows TwiML; the call (`engine.StandinCall`) knows HTTP, the caller and the
clock, and is reached through the `CallContext` protocol. Each verb yields an outcome: None
(go on with the next verb), `Fetch` (replace the document by the app's answer to a request),
`End` (the call is over) or `Hold` (stay on the line: `<Connect><Stream>`).

Choices where Twilio's behaviour is unspecified or cannot be reproduced without audio:
- `<Gather>` without `action` posts to the current document's URL (as Twilio does); keys
  after `finishOnKey` are dropped and `numDigits` truncates; a caller who speaks and hangs up
  (`Say(..., hangup=True)`) ends the call without the action request.
- `<Record>`: silence or keys only make an empty recording, so, as Twilio does, the action
  is not requested and the next verb runs. Speech makes a recording; the recording status
  callback is sent before the action request. Speech then hangup posts Digits=hangup and the
  answer is ignored. `transcribe` is not simulated.
- `<Dial>` does not ask the caller for a step; several targets ring at once and the first
  "completed" one wins. Without `action`, a bridged dial ends the call (configurable, see
  `StandinConfig.end_after_bridge`); an unanswered one goes on with the next verb.
- `<Enqueue>` asks the caller for one step after the wait URL's prompts: Hangup gives
  QueueResult=hangup, anything else the configured result (bridged by default); `<Leave>` in
  the wait TwiML gives "leave"; a REST update during the wait gives "redirected".
- `<Dial><Conference>` with waitUrl, statusCallback, startConferenceOnEnter or
  endConferenceOnExit joins a live room shared by all calls (`standin.conference`); a bare
  `<Conference>` is recorded as a bridged dial target like the other nouns.
- `<Reject>` ends the call with CallStatus=busy, whatever its reason.
- `<Start><Stream>` to a ws(s) URL on this machine is really connected (`standin.media`):
  `SayAudio` goes out as 20 ms Media Stream frames in real time while a `<Gather>` or a
  `<Pause>` waits (a REST update ends the wait). A keys-only `<Gather>` right before a
  `<Record>` (no action on an empty result) passes a spoken or silent step on to it.
- `<Connect><Stream>` holds: one caller step per turn, kept as the stream's inputs, until a
  REST update arrives or the caller hangs up. No websocket is opened.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin

from standin.callers import Hangup, Press, Say, SayAudio, Silence, Step
from standin.recordings import speech_seconds
from standin.result import CallResult

DEFAULT_VOICE = "man"
DEFAULT_LANGUAGE = "en-US"
CONFIDENCE = "0.9"
DIAL_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")


class TwimlError(ValueError):
    pass


@dataclass(frozen=True)
class Document:
    url: str
    verbs: list[ET.Element]

    def resolve(self, ref: str | None) -> str | None:
        return urljoin(self.url, ref.strip()) if ref and ref.strip() else None


def parse(body: bytes | str, url: str) -> Document:
    """Parse a TwiML document; relative URLs in it resolve against `url`."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise TwimlError(f"not XML: {exc}") from None
    if root.tag != "Response":
        raise TwimlError(f"root element is <{root.tag}>, not <Response>")
    return Document(url, list(root))


@dataclass(frozen=True)
class Fetch:
    url: str
    method: str
    params: dict[str, str]
    purpose: str = "action"
    # The caller has hung up: send the request but ignore the answer (Twilio does the same).
    then_end: bool = False


@dataclass(frozen=True)
class End:
    reason: str
    status: str = "completed"


@dataclass(frozen=True)
class Hold:
    stream: dict[str, Any] = field(default_factory=dict)


Outcome = Fetch | End | Hold | None


class CallContext(Protocol):
    result: CallResult

    def heard(self, prompt: dict[str, Any]) -> None: ...

    def ask(self, wait: str, verb: dict[str, Any]) -> Step: ...

    def elapse(self, seconds: float) -> None: ...

    def update_pending(self) -> bool: ...

    def call_params(self) -> dict[str, str]: ...

    def new_sid(self, prefix: str) -> str: ...

    def dial_outcome(self, kind: str, target: str) -> str: ...

    def queue_result(self, name: str) -> str: ...

    def bridged_seconds(self) -> int: ...

    def end_after_bridge(self) -> bool: ...

    def fetch_side(
        self, url: str, method: str, params: dict[str, str], purpose: str
    ) -> Document | None: ...

    def make_recording(self, text: str, seconds: int) -> tuple[str, str]: ...

    def notify(self, url: str, method: str, params: dict[str, str], purpose: str) -> None: ...


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _method(el: ET.Element, attr: str = "method") -> str:
    return (el.get(attr) or "POST").upper()


def _text(el: ET.Element) -> str:
    # itertext keeps text inside SSML children such as <break/> or <prosody>.
    return "".join(el.itertext()).strip()


class Interpreter:
    def __init__(self, ctx: CallContext) -> None:
        self.ctx = ctx

    def run(self, verb: ET.Element, doc: Document) -> Outcome:
        handler = getattr(self, f"_verb_{verb.tag.lower()}", None)
        if handler is None or verb.tag[:1] != verb.tag[:1].upper():
            self.ctx.result.errors.append(
                {"kind": "unknown-verb", "verb": verb.tag, "url": doc.url}
            )
            return None
        return handler(verb, doc)

    # -- prompts -------------------------------------------------------------------------

    def _prompt(self, el: ET.Element, doc: Document, kind: str | None = None, **extra: Any) -> None:
        loop = max(1, _int(el.get("loop"), 1))
        if el.tag == "Say":
            text = _text(el)
            prompt = {
                "kind": kind or "say",
                "text": text,
                "voice": el.get("voice") or DEFAULT_VOICE,
                "language": el.get("language") or DEFAULT_LANGUAGE,
            }
            seconds = speech_seconds(text)
        elif el.tag == "Play":
            prompt = {"kind": kind or "play", "url": doc.resolve(_text(el)) or ""}
            if el.get("digits"):
                prompt["digits"] = el.get("digits")
            seconds = 2
        elif el.tag == "Pause":
            if self._streaming():  # the caller's audio goes on; a REST update ends the wait
                self.ctx.listen(_int(el.get("length"), 1))
            self.ctx.elapse(_int(el.get("length"), 1))
            return
        else:
            self.ctx.result.errors.append(
                {"kind": "unexpected-noun", "verb": el.tag, "url": doc.url, **extra}
            )
            return
        if loop != 1:
            prompt["loop"] = loop
        self.ctx.heard({**prompt, **extra})
        self.ctx.elapse(seconds * loop)

    def _verb_say(self, el: ET.Element, doc: Document) -> Outcome:
        self._prompt(el, doc)
        return None

    _verb_play = _verb_say
    _verb_pause = _verb_say

    # -- input ---------------------------------------------------------------------------

    def _verb_gather(self, el: ET.Element, doc: Document) -> Outcome:
        inputs = set((el.get("input") or "dtmf").lower().split())
        for child in el:
            self._prompt(child, doc)
        timeout = _int(el.get("timeout"), 5)
        info = {
            "verb": "gather",
            "input": sorted(inputs),
            "language": el.get("language"),
            "hints": el.get("hints"),
            "num_digits": el.get("numDigits"),
        }
        step = self.ctx.ask("gather", info)
        if isinstance(step, Hangup):
            return End("caller-hangup")
        if isinstance(step, SayAudio) and self._streaming():
            self.ctx.speak(step)
        if (
            not isinstance(step, Press)
            and "speech" not in inputs
            and not _true(el.get("actionOnEmptyResult"))
            and _next_verb(doc, el) == "Record"
            and hasattr(self.ctx, "hold")
        ):
            self.ctx.hold(step)  # a keys-only Gather before <Record>: the caller talks on
            return None
        params: dict[str, str] = {}
        if isinstance(step, Press) and "dtmf" in inputs:
            digits = _keys(step.digits, el.get("finishOnKey", "#"), el.get("numDigits"))
            if digits:
                params["Digits"] = digits
            self.ctx.elapse(max(1, len(step.digits)))
        elif isinstance(step, Say) and "speech" in inputs and step.text.strip():
            params.update(SpeechResult=step.text.strip(), Confidence=CONFIDENCE)
            self.ctx.elapse(speech_seconds(step.text))
        elif isinstance(step, SayAudio) and "speech" in inputs and step.text.strip():
            # Twilio's own recognizer: the stand-in takes the audio's given transcript.
            params.update(SpeechResult=step.text.strip(), Confidence=CONFIDENCE)
            self.ctx.elapse(speech_seconds(step.text))
        elif self._streaming():
            # Keys only: the caller's voice goes to the media stream while the Gather waits.
            if self.ctx.listen(timeout):
                return None
            self.ctx.elapse(timeout)
        else:
            # Silence, or input of a kind this Gather does not listen for.
            self.ctx.elapse(timeout)
        if isinstance(step, Say) and step.hangup:
            return End("caller-hangup")
        if self.ctx.update_pending():
            return None
        action = doc.resolve(el.get("action")) or doc.url
        if params or _true(el.get("actionOnEmptyResult")):
            return Fetch(action, _method(el), params)
        return None

    def _verb_record(self, el: ET.Element, doc: Document) -> Outcome:
        if (el.get("playBeep") or "true").lower() != "false":
            self.ctx.heard({"kind": "beep"})
        info = {"verb": "record", "max_length": _int(el.get("maxLength"), 3600)}
        step = self.ctx.ask("record", info)
        if isinstance(step, Hangup):
            return End("caller-hangup")
        finish = el.get("finishOnKey", "1234567890*#")
        if isinstance(step, Press) and step.digits[:1] and step.digits[0] in finish:
            # A key ends the recording at once: the action gets the key, no recording.
            self.ctx.elapse(1)
            action = doc.resolve(el.get("action")) or doc.url
            return Fetch(action, _method(el), {"Digits": step.digits[0]})
        if isinstance(step, SayAudio) and hasattr(self.ctx, "make_audio_recording"):
            sid, url, seconds = self.ctx.make_audio_recording(step, max(1, info["max_length"]))
            return self._recorded(el, doc, sid, url, seconds, hangup=False)
        if not isinstance(step, Say) or not step.text.strip():
            # Nothing recorded: Twilio skips the action URL and goes on with the next verb.
            self.ctx.elapse(_int(el.get("timeout"), 5) if isinstance(step, Silence) else 1)
            return None
        seconds = min(speech_seconds(step.text), max(1, info["max_length"]))
        self.ctx.elapse(seconds)
        sid, url = self.ctx.make_recording(step.text.strip(), seconds)
        return self._recorded(el, doc, sid, url, seconds, hangup=step.hangup)

    def _recorded(
        self, el: ET.Element, doc: Document, sid: str, url: str, seconds: int, hangup: bool
    ) -> Outcome:
        params = {"RecordingUrl": url, "RecordingSid": sid, "RecordingDuration": str(seconds)}
        if hangup:
            params["Digits"] = "hangup"
        callback = doc.resolve(el.get("recordingStatusCallback"))
        if callback:
            status = {
                "AccountSid": self.ctx.call_params()["AccountSid"],
                "CallSid": self.ctx.call_params()["CallSid"],
                "RecordingSid": sid,
                "RecordingUrl": url,
                "RecordingStatus": "completed",
                "RecordingDuration": str(seconds),
                "RecordingChannels": "1",
                "RecordingSource": "RecordVerb",
            }
            method = _method(el, "recordingStatusCallbackMethod")
            self.ctx.notify(callback, method, status, "recording-status-callback")
        if self.ctx.update_pending() and not hangup:
            return None
        action = doc.resolve(el.get("action")) or doc.url
        return Fetch(action, _method(el), params, then_end=hangup)

    # -- flow ----------------------------------------------------------------------------

    def _verb_redirect(self, el: ET.Element, doc: Document) -> Outcome:
        url = doc.resolve(_text(el))
        if url is None:
            self.ctx.result.errors.append({"kind": "invalid-twiml", "detail": "empty Redirect"})
            return None
        return Fetch(url, _method(el), {}, purpose="redirect")

    def _verb_hangup(self, el: ET.Element, doc: Document) -> Outcome:
        return End("hangup")

    def _verb_reject(self, el: ET.Element, doc: Document) -> Outcome:
        reason = el.get("reason") or "rejected"
        self.ctx.result.inputs.append({"verb": "reject", "reason": reason})
        return End("reject", status="busy")

    # -- connecting ----------------------------------------------------------------------

    def _verb_dial(self, el: ET.Element, doc: Document) -> Outcome:
        room = next((child for child in el if child.tag == "Conference"), None)
        if room is not None and hasattr(self.ctx, "conference") and _live(room):
            return self.ctx.conference(self, el, room, doc)  # standin.conference.join
        common = {
            "timeout": _int(el.get("timeout"), 30),
            "caller_id": el.get("callerId"),
            "record": el.get("record"),
        }
        targets: list[dict[str, Any]] = []
        children = list(el)
        if not children and _text(el):
            children = [ET.Element("Number")]
            children[0].text = _text(el)
        for child in children:
            kind = child.tag.lower()
            if kind not in ("number", "client", "conference", "queue", "sip"):
                self.ctx.result.errors.append(
                    {"kind": "unexpected-noun", "verb": child.tag, "url": doc.url}
                )
                continue
            name = _text(child)
            entry: dict[str, Any] = {"kind": kind, "target": name, **common}
            entry["attributes"] = dict(child.attrib)
            entry["outcome"] = self.ctx.dial_outcome(kind, name)
            entry["sid"] = self.ctx.new_sid("CA")
            self.ctx.result.dialed.append(entry)
            targets.append(entry)
            if kind == "number" and child.get("url") and entry["outcome"] == "completed":
                self._whisper(child, doc, entry)
        if not targets:
            return None
        winner = next((t for t in targets if t["outcome"] == "completed"), targets[0])
        completed = winner["outcome"] == "completed"
        seconds = self.ctx.bridged_seconds() if completed else 0
        self.ctx.elapse(seconds if completed else min(common["timeout"], 30))
        action = doc.resolve(el.get("action"))
        if action:
            params = {
                "DialCallStatus": winner["outcome"],
                "DialCallSid": winner["sid"],
                "DialCallDuration": str(seconds),
                "DialBridged": "true" if completed else "false",
            }
            return Fetch(action, _method(el), params)
        if completed and self.ctx.end_after_bridge():
            return End("bridged-party-hangup")
        return None

    def _whisper(self, number: ET.Element, doc: Document, entry: dict[str, Any]) -> None:
        url = doc.resolve(number.get("url")) or ""
        parent = self.ctx.call_params()
        params = {
            **parent,
            "CallSid": entry["sid"],
            "ParentCallSid": parent["CallSid"],
            "Direction": "outbound-dial",
            "CallStatus": "in-progress",
            "To": entry["target"],
            "Called": entry["target"],
            "From": entry["caller_id"] or parent["From"],
            "Caller": entry["caller_id"] or parent["From"],
        }
        whisper = self.ctx.fetch_side(url, _method(number), params, "whisper")
        entry["whisper_url"] = url
        if whisper is None:
            return
        for verb in whisper.verbs:
            if verb.tag in ("Say", "Play", "Pause"):
                self._prompt(verb, whisper, kind="whisper", target=entry["target"])
            else:
                # The called party's side of screening (Gather, Hangup...) is not simulated.
                entry.setdefault("whisper_verbs", []).append(verb.tag)

    def _verb_enqueue(self, el: ET.Element, doc: Document) -> Outcome:
        name = _text(el)
        queue_sid = self.ctx.new_sid("QU")
        entry: dict[str, Any] = {"queue": name, "sid": queue_sid, "wait_url": None}
        self.ctx.result.enqueued.append(entry)
        wait_url = doc.resolve(el.get("waitUrl"))
        left = False
        if wait_url:
            entry["wait_url"] = wait_url
            params = {
                **self.ctx.call_params(),
                "QueueSid": queue_sid,
                "QueuePosition": "1",
                "QueueTime": "0",
                "AvgQueueTime": "0",
                "CurrentQueueSize": "1",
                "MaxQueueSize": "100",
            }
            wait = self.ctx.fetch_side(wait_url, _method(el, "waitUrlMethod"), params, "wait-url")
            for verb in wait.verbs if wait else []:
                if verb.tag in ("Say", "Play", "Pause"):
                    self._prompt(verb, wait, queue=name)
                elif verb.tag == "Leave":
                    left = True
                    break
        step = self.ctx.ask("enqueue", {"verb": "enqueue", "queue": name})
        if isinstance(step, Hangup):
            result = "hangup"
        elif self.ctx.update_pending():
            # A REST update takes the caller out of the queue; the new TwiML takes over.
            entry["result"] = "redirected"
            return None
        elif left:
            result = "leave"
        else:
            result = self.ctx.queue_result(name)
        entry["result"] = result
        bridged = result == "bridged"
        seconds = self.ctx.bridged_seconds() if bridged else 0
        self.ctx.elapse(seconds)
        action = doc.resolve(el.get("action"))
        if action:
            params = {"QueueResult": result, "QueueSid": queue_sid, "QueueTime": str(seconds)}
            return Fetch(action, _method(el), params, then_end=result == "hangup")
        if result == "hangup":
            return End("caller-hangup")
        if bridged and self.ctx.end_after_bridge():
            return End("bridged-party-hangup")
        return None

    # -- media streams -------------------------------------------------------------------

    def _streams(self, el: ET.Element, doc: Document, mode: str) -> list[dict[str, Any]]:
        found = []
        for child in el:
            if child.tag != "Stream":
                self.ctx.result.errors.append(
                    {"kind": "unexpected-noun", "verb": f"{el.tag}/{child.tag}", "url": doc.url}
                )
                continue
            stream = {
                "mode": mode,
                "url": child.get("url"),
                "name": child.get("name"),
                "track": child.get("track"),
                "status_callback": doc.resolve(child.get("statusCallback")),
                "parameters": {
                    p.get("name", ""): p.get("value", "") for p in child if p.tag == "Parameter"
                },
                "inputs": [],
            }
            self.ctx.result.streams.append(stream)
            found.append(stream)
        return found

    def _verb_start(self, el: ET.Element, doc: Document) -> Outcome:
        for stream in self._streams(el, doc, "start"):
            if hasattr(self.ctx, "start_stream"):  # a real websocket (standin.media)
                self.ctx.start_stream(stream)
        return None

    def _streaming(self) -> bool:
        return bool(getattr(self.ctx, "streaming", None) and self.ctx.streaming())

    def _verb_connect(self, el: ET.Element, doc: Document) -> Outcome:
        streams = self._streams(el, doc, "connect")
        return Hold(streams[0]) if streams else None

    def _verb_stop(self, el: ET.Element, doc: Document) -> Outcome:
        names = {child.get("name") for child in el if child.tag == "Stream"}
        for stream in self.ctx.result.streams:
            if stream["mode"] == "start" and (stream["name"] in names or None in names):
                stream["stopped"] = True
        if hasattr(self.ctx, "stop_streams"):
            self.ctx.stop_streams(names)
        return None


def _next_verb(doc: Document, el: ET.Element) -> str | None:
    following = doc.verbs[doc.verbs.index(el) + 1 :] if el in doc.verbs else []
    return following[0].tag if following else None


def _live(conference: ET.Element) -> bool:
    """A `<Conference>` with any of these attributes runs as a live room
    (`standin.conference`); a bare one is recorded as a bridged dial target."""
    live = ("waitUrl", "statusCallback", "startConferenceOnEnter", "endConferenceOnExit")
    return any(conference.get(name) is not None for name in live)


def _keys(pressed: str, finish_on_key: str, num_digits: str | None) -> str:
    digits = pressed
    for i, ch in enumerate(pressed):
        if finish_on_key and ch in finish_on_key:
            digits = pressed[:i]
            break
    limit = _int(num_digits, 0)
    return digits[:limit] if limit > 0 else digits
