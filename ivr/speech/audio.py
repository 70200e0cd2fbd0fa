"""Telephone audio with numpy: G.711 mu-law, Media Streams payloads, resampling, WAV files.

- :func:`mulaw_decode` / :func:`mulaw_encode`: G.711 mu-law through a 256-entry table
  (decode) and the standard segment search (encode). No ``audioop``: it is gone in
  Python 3.13.
- :func:`decode_payload`: the base64 ``media.payload`` of a Twilio Media Streams
  message; invalid or truncated base64 raises :class:`AudioError`.
- :class:`Resampler`: a streaming rational resampler (L/M polyphase FIR, Kaiser-windowed
  sinc designed here with numpy). Telephone audio is 8 kHz and Vosk's models are
  16 kHz; upsampling by 2 must remove the spectral image of the 0-4 kHz band mirrored
  into 4-8 kHz (a 3.9 kHz tone would otherwise come out with a 4.1 kHz twin). A
  linear interpolation (``np.interp``) only attenuates that image by about 6-15 dB;
  the filter here attenuates it by more than 70 dB from 4.1 kHz up.
- :func:`read_wav`: int16 mono samples and the rate of a PCM (8/16/24/32-bit) or
  mu-law WAV file (Twilio recordings are 8 kHz PCM; mu-law is parsed here because
  the stdlib ``wave`` module only reads PCM).
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import struct
import wave
from functools import lru_cache
from os import PathLike
from pathlib import Path

import numpy as np

__all__ = [
    "AudioError",
    "MULAW_TABLE",
    "Resampler",
    "decode_payload",
    "mulaw_decode",
    "mulaw_encode",
    "mulaw_wav_bytes",
    "pcm_wav_bytes",
    "read_wav",
    "resample",
]


class AudioError(ValueError):
    """Audio that cannot be decoded: bad base64, an unsupported WAV format, …"""


# --- G.711 mu-law ---------------------------------------------------------------------------

_BIAS = 0x84
_CLIP = 32635


def _mulaw_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    table = np.where(sign != 0, -magnitude, magnitude)
    table.flags.writeable = False
    return table.astype(np.int16)


MULAW_TABLE: np.ndarray = _mulaw_table()
"""The 256 int16 values of the mu-law codes (0xFF and 0x7F are zero)."""


def mulaw_decode(data: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    """mu-law bytes → int16 PCM samples (one sample per byte)."""
    codes = np.frombuffer(data, dtype=np.uint8) if not isinstance(data, np.ndarray) else data
    return MULAW_TABLE[codes]


def mulaw_encode(pcm: np.ndarray) -> bytes:
    """int16 PCM samples → mu-law bytes (G.711, as telephone networks and Twilio send)."""
    x = np.asarray(pcm, dtype=np.int32)
    sign = np.where(x < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(x), _CLIP) + _BIAS
    # The segment is the position of the highest set bit above bit 7 (0..7).
    exponent = np.clip(np.frexp(magnitude)[1] - 8, 0, 7)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    code = ~(sign | (exponent << 4) | mantissa) & 0xFF
    return code.astype(np.uint8).tobytes()


def decode_payload(payload: str | bytes) -> bytes:
    """The raw bytes of a base64 Media Streams payload.

    Raises :class:`AudioError` for characters outside the base64 alphabet and for a
    truncated payload (a length that is not a multiple of 4 after padding), instead of
    silently decoding a shifted byte stream.
    """
    if not isinstance(payload, (str, bytes)):
        raise AudioError(f"media payload must be a base64 string, not {type(payload).__name__}")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        length = len(payload)
        hint = " (truncated?)" if length % 4 else ""
        raise AudioError(
            f"invalid base64 media payload of {length} characters{hint}: {exc}"
        ) from None


# --- resampling -----------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _design(up: int, down: int, taps_per_phase: int, beta: float) -> np.ndarray:
    """Polyphase bank (up × taps_per_phase) of a Kaiser-windowed sinc low-pass.

    The filter runs at ``up`` × the input rate, cuts at 0.92 × the lower Nyquist of the
    two rates (leaving a short transition band under Nyquist) and has a gain of ``up``
    so that zero-stuffing does not lower the level.
    """
    n = up * taps_per_phase - 1  # odd: a whole-sample delay at the high rate
    nyquist = 0.5 / max(up, down)  # cycles per sample at the high rate
    cutoff = 0.92 * nyquist
    t = np.arange(n) - (n - 1) / 2
    h = 2 * cutoff * np.sinc(2 * cutoff * t) * np.kaiser(n, beta)
    h = np.append(h * (up / h.sum()), 0.0)
    # Phase p holds h[p], h[p + up], …: output sample y[j] (at the high rate) is
    # sum_k h[p + k*up] * x[(j - p)/up - k] for the phase p = j mod up.
    return np.ascontiguousarray(h.reshape(taps_per_phase, up).T)


class Resampler:
    """Streaming resampler of int16 PCM from ``in_rate`` to ``out_rate``.

    ``process(chunk)`` may be called with chunks of any length (one 20 ms Media Streams
    frame, or a whole file) and returns the samples ready so far; the output is delayed by
    the filter's half length (about 3 ms for 8→16 kHz) and ``flush()`` returns the tail.
    The output of a sequence of chunks is identical to the output of their concatenation.
    """

    def __init__(
        self, in_rate: int, out_rate: int, *, taps_per_phase: int = 48, beta: float = 8.0
    ) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, not {in_rate} → {out_rate}")
        g = math.gcd(in_rate, out_rate)
        self.in_rate, self.out_rate = in_rate, out_rate
        self.up, self.down = out_rate // g, in_rate // g
        self.passthrough = self.up == self.down
        self._taps = taps_per_phase
        self._bank = _design(self.up, self.down, taps_per_phase, beta)
        # Input history: the last taps-1 samples before the current chunk (zeros at start).
        self._history = np.zeros(taps_per_phase - 1, dtype=np.float64)
        self._next = 0  # index (at the high rate) of the next output sample, relative to chunk
        self._flushed = False

    @property
    def delay(self) -> float:
        """The filter delay, in output samples."""
        return 0.0 if self.passthrough else (self.up * self._taps - 2) / 2 / self.down

    def process(self, pcm: np.ndarray) -> np.ndarray:
        pcm = np.asarray(pcm)
        if self.passthrough:
            return pcm.astype(np.int16, copy=False)
        x = np.concatenate([self._history, pcm.astype(np.float64)])
        count = len(pcm)
        if self.down == 1:
            # Integer upsampling: each phase is a plain convolution, interleaved.
            phases = [np.convolve(x, self._bank[p], mode="valid") for p in range(self.up)]
            y = np.stack(phases, axis=1).reshape(-1)
        else:
            # General L/M: gather the taps of each output sample.
            high_end = count * self.up  # high-rate samples covered by this chunk
            j = np.arange(self._next, high_end, self.down)
            self._next = int(j[-1] + self.down - high_end) if len(j) else self._next - high_end
            phase = j % self.up
            base = j // self.up + (self._taps - 1)  # index in x of the newest tap
            idx = base[:, None] - np.arange(self._taps)[None, :]
            y = np.einsum("nk,nk->n", self._bank[phase], x[idx])
        self._history = x[len(x) - (self._taps - 1) :] if self._taps > 1 else x[:0]
        return _to_int16(y)

    def flush(self) -> np.ndarray:
        """The delayed tail: the response to the last samples (call once, at the end)."""
        if self.passthrough or self._flushed:
            return np.zeros(0, dtype=np.int16)
        self._flushed = True
        return self.process(np.zeros(self._taps // 2, dtype=np.int16))


def _to_int16(y: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(y), -32768, 32767).astype(np.int16)


def resample(pcm: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    """Resample a whole signal, aligned (the filter delay removed), about len·out/in long."""
    pcm = np.asarray(pcm)
    r = Resampler(in_rate, out_rate)
    if r.passthrough:
        return pcm.astype(np.int16, copy=True)
    y = np.concatenate([r.process(pcm), r.flush()])
    start = int(round(r.delay))
    length = len(pcm) * out_rate // in_rate
    return y[start : start + length]


# --- WAV ------------------------------------------------------------------------------------

_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_MULAW = 7
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE


def read_wav(source: str | PathLike | bytes | bytearray) -> tuple[np.ndarray, int]:
    """A WAV file (path or bytes) → (int16 mono samples, sample rate).

    PCM 8/16/24/32-bit and G.711 mu-law are read; several channels are averaged.
    Raises :class:`AudioError` for anything else (A-law, float, not a WAV file).
    """
    data = bytes(source) if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
    fmt = _riff_format(data)
    if fmt == _WAVE_FORMAT_MULAW:
        return _read_mulaw_wav(data)
    if fmt != _WAVE_FORMAT_PCM:
        raise AudioError(f"unsupported WAV format tag {fmt:#x}: only PCM and mu-law are read")
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioError(f"unreadable WAV file: {exc}") from None
    raw = raw[: len(raw) - len(raw) % (width * channels)]
    if width == 1:
        samples = (np.frombuffer(raw, np.uint8).astype(np.int32) - 128) << 8
    elif width == 2:
        samples = np.frombuffer(raw, "<i2").astype(np.int32)
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8) >> 16
    elif width == 4:
        samples = np.frombuffer(raw, "<i4") >> 16
    else:
        raise AudioError(f"unsupported WAV sample width: {width} bytes")
    return _mono(samples, channels), rate


def _riff_format(data: bytes) -> int:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError("not a WAV file (no RIFF/WAVE header)")
    for chunk_id, body in _chunks(data):
        if chunk_id == b"fmt ":
            if len(body) < 16:
                raise AudioError("truncated WAV fmt chunk")
            tag = struct.unpack_from("<H", body)[0]
            if tag == _WAVE_FORMAT_EXTENSIBLE and len(body) >= 26:
                tag = struct.unpack_from("<H", body, 24)[0]  # the sub-format GUID's first field
            return tag
    raise AudioError("WAV file without a fmt chunk")


def _chunks(data: bytes):
    pos = 12
    while pos + 8 <= len(data):
        chunk_id, size = struct.unpack_from("<4sI", data, pos)
        yield chunk_id, data[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)


def _read_mulaw_wav(data: bytes) -> tuple[np.ndarray, int]:
    fmt = body = None
    for chunk_id, chunk in _chunks(data):
        if chunk_id == b"fmt ":
            fmt = chunk
        elif chunk_id == b"data":
            body = chunk
    if fmt is None or body is None:
        raise AudioError("mu-law WAV file without fmt or data chunk")
    channels, rate = struct.unpack_from("<HI", fmt, 2)
    bits = struct.unpack_from("<H", fmt, 14)[0]
    if bits != 8:
        raise AudioError(f"mu-law WAV with {bits} bits per sample (expected 8)")
    channels = max(channels, 1)
    body = body[: len(body) - len(body) % channels]
    return _mono(mulaw_decode(body).astype(np.int32), channels), rate


def _mono(samples: np.ndarray, channels: int) -> np.ndarray:
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return np.asarray(samples).astype(np.int16)


def pcm_wav_bytes(pcm: np.ndarray, rate: int) -> bytes:
    """A 16-bit mono PCM WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(pcm, dtype="<i2").tobytes())
    return out.getvalue()


def mulaw_wav_bytes(mulaw: bytes, rate: int = 8000) -> bytes:
    """A mono G.711 mu-law WAV file (format tag 7) around mu-law bytes."""
    fmt = struct.pack("<HHIIHHH", _WAVE_FORMAT_MULAW, 1, rate, rate, 1, 8, 0)
    body = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(mulaw)) + mulaw + (b"\0" if len(mulaw) & 1 else b"")
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def add_noise(pcm: np.ndarray, rng: np.random.Generator, level: float) -> np.ndarray:
    """``pcm`` plus Gaussian noise of standard deviation ``level`` (int16 units).

    Telephone audio often holds runs of exact digital silence (mu-law 0xFF). After such
    runs Vosk's endpointer was seen to never fire (no trailing "silence" is found in
    all-zero features); a noise floor of a few LSB (about -75 dBFS, like the comfort
    noise of telephone networks) makes endpointing reliable and does not change speech.
    """
    if level <= 0 or not len(pcm):
        return pcm
    noisy = pcm + rng.normal(0.0, level, len(pcm))
    return np.clip(np.rint(noisy), -32768, 32767).astype(np.int16)
