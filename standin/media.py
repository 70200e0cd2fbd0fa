"""The caller's voice in the stand-in: WAV files as Twilio Media Streams and as recordings.

A `<Start><Stream>` whose URL is on this machine (ws:// or wss:// to a loopback address) is
really connected: the stand-in sends `connected` and `start` (with the `<Parameter>`
values as `customParameters`), then 20 ms `media` frames of 8 kHz mu-law in real time
while the call waits (a `<Gather>`'s timeout, a `<Pause>`), and `stop` when the stream is
stopped or the call ends. What the caller says (`SayAudio`) is queued and streamed in
order; silence (mu-law 0xFF) fills the rest. The app may close the socket at any time.
For `<Record>` the same audio becomes the recording (8 kHz 16-bit PCM WAV, like Twilio's).

Needs numpy (the `speech` extras) to convert the WAV file; streams to other hosts are never
opened (they are listed in the call's result with `"connected": False`).
"""

from __future__ import annotations

import base64
import contextlib
import io
import ipaddress
import json
import logging
import threading
import time
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from standin.recordings import Recording

log = logging.getLogger(__name__)

RATE = 8000
FRAME = 160  # 20 ms of 8 kHz mu-law
SILENCE = b"\xff"
_BIAS, _CLIP = 0x84, 32635


# --- audio ----------------------------------------------------------------------------------


def _numpy() -> Any:
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy comes with the speech extras
        raise RuntimeError("speaking audio needs numpy: pip install -e '.[speech]'") from None
    return numpy


def read_pcm8k(source: str | Path | bytes) -> Any:
    """A PCM WAV file (path or bytes; 8/16-bit, any rate, mono or stereo) as int16 at 8 kHz."""
    np = _numpy()
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a PCM WAV file: {exc}") from None
    if width == 2:
        samples = np.frombuffer(raw[: len(raw) - len(raw) % 2], "<i2").astype(np.float64)
    elif width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128) * 256
    else:
        raise ValueError(f"unsupported WAV sample width: {width} bytes")
    if channels > 1:
        samples = samples[: len(samples) - len(samples) % channels]
        samples = samples.reshape(-1, channels).mean(axis=1)
    if rate != RATE and len(samples):
        # Band-limited resampling in the frequency domain (the clips are short).
        n_out = max(1, int(round(len(samples) * RATE / rate)))
        spectrum = np.fft.rfft(samples)
        keep = n_out // 2 + 1
        spectrum = spectrum[:keep] if len(spectrum) >= keep else np.pad(
            spectrum, (0, keep - len(spectrum))
        )
        samples = np.fft.irfft(spectrum, n_out) * (n_out / len(samples))
    return np.clip(np.rint(samples), -32768, 32767).astype(np.int16)


def mulaw(pcm: Any) -> bytes:
    """int16 samples → G.711 mu-law bytes."""
    np = _numpy()
    x = np.asarray(pcm, dtype=np.int32)
    sign = np.where(x < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(x), _CLIP) + _BIAS
    exponent = np.clip(np.frexp(magnitude)[1] - 8, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def pcm_wav(pcm: Any) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(_numpy().asarray(pcm, dtype="<i2").tobytes())
    return out.getvalue()


@dataclass(frozen=True)
class AudioRecording(Recording):
    """A recording of what the caller really said (an 8 kHz PCM WAV)."""

    audio: bytes = b""

    def wav(self) -> bytes:
        return self.audio


# --- streams --------------------------------------------------------------------------------


def is_local(url: str | None) -> bool:
    parts = urlsplit(url or "")
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


class _Link:
    """One connected stream: a websocket client that sends Twilio's messages."""

    def __init__(self, info: dict[str, Any], call_params: dict[str, str], sid: str) -> None:
        self.info = info
        self.sid = sid
        self.ws: Any = None
        self.sequence = 0
        self.chunk = 0
        self.call_sid = call_params["CallSid"]
        self.account_sid = call_params["AccountSid"]
        info.update(connected=False, frames=0, stream_sid=sid)

    def open(self) -> bool:
        from simple_websocket import Client

        try:
            self.ws = Client.connect(self.info["url"])
        except Exception as exc:
            self.info["error"] = f"{type(exc).__name__}: {exc}"
            return False
        self.info["connected"] = True
        self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        self._send(
            {
                "event": "start",
                "start": {
                    "accountSid": self.account_sid,
                    "streamSid": self.sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": dict(self.info.get("parameters") or {}),
                },
            }
        )
        return self.open_

    @property
    def open_(self) -> bool:
        return self.ws is not None and self.ws.connected

    def frame(self, payload: bytes) -> None:
        self.chunk += 1
        media = {
            "track": "inbound",
            "chunk": str(self.chunk),
            "timestamp": str((self.chunk - 1) * 20),
            "payload": base64.b64encode(payload).decode(),
        }
        if self._send({"event": "media", "media": media}):
            self.info["frames"] += 1

    def stop(self) -> None:
        if self.open_:
            stop = {"accountSid": self.account_sid, "callSid": self.call_sid}
            self._send({"event": "stop", "stop": stop})
            with contextlib.suppress(Exception):
                self.ws.close()
        self.info.setdefault("closed_by", "stand-in")

    def _send(self, message: dict[str, Any]) -> bool:
        if not self.open_:
            self.info.setdefault("closed_by", "app")
            return False
        self.sequence += 1
        message = {**message, "sequenceNumber": str(self.sequence), "streamSid": self.sid}
        try:
            self.ws.send(json.dumps(message))
            return True
        except Exception:
            self.info.setdefault("closed_by", "app")
            return False


class CallMedia:
    """The media streams of one call and the caller's audio still to be sent."""

    def __init__(self, call_params: Callable[[], dict[str, str]], speed: float = 1.0) -> None:
        self._call_params = call_params
        self.speed = max(0.01, speed)
        self._links: list[_Link] = []
        self._queue = bytearray()
        self._lock = threading.Lock()

    def start(self, info: dict[str, Any], sid: str) -> None:
        if not is_local(info.get("url")):
            info.update(connected=False, error="not a stream URL on this machine")
            return
        link = _Link(info, self._call_params(), sid)
        if link.open():
            self._links.append(link)

    def stop(self, names: set[str | None]) -> None:
        for link in list(self._links):
            if None in names or link.info.get("name") in names:
                link.stop()
                self._links.remove(link)

    def close(self) -> None:
        self.stop({None})

    @property
    def live(self) -> bool:
        self._links = [link for link in self._links if link.open_]
        return bool(self._links)

    def speak(self, path: str | Path) -> float:
        """Queue the caller's WAV file; returns its length in seconds."""
        audio = mulaw(read_pcm8k(path))
        with self._lock:
            self._queue += audio
        return len(audio) / RATE

    def pump(self, seconds: float, interrupted: Callable[[], bool]) -> bool:
        """Send `seconds` of the caller's audio (or silence) in real time / speed; True when
        `interrupted()` became true first (a REST update arrived)."""
        frames = max(1, int(seconds * RATE / FRAME))
        started = time.monotonic()
        for i in range(frames):
            if interrupted():
                return True
            if not self.live:
                # Nobody listens any more: the rest of the wait passes without frames.
                return _wait(started + seconds / self.speed, interrupted)
            with self._lock:
                payload = bytes(self._queue[:FRAME])
                del self._queue[:FRAME]
            payload += SILENCE * (FRAME - len(payload))
            for link in self._links:
                link.frame(payload)
            delay = started + (i + 1) * FRAME / RATE / self.speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return interrupted()


def _wait(deadline: float, interrupted: Callable[[], bool]) -> bool:
    while time.monotonic() < deadline:
        if interrupted():
            return True
        time.sleep(0.02)
    return interrupted()


def recording_of(path: str | Path, max_seconds: int) -> tuple[bytes, int]:
    """The WAV recording of a caller's audio file, and its length in whole seconds."""
    pcm = read_pcm8k(path)[: max(1, max_seconds) * RATE]
    return pcm_wav(pcm), max(1, -(-len(pcm) // RATE))
