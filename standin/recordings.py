"""Recordings made by `<Record>`: silent 8 kHz WAV files that remember what was said."""

from __future__ import annotations

import datetime as dt
import struct
import threading
from dataclasses import dataclass, field

SAMPLE_RATE = 8000
# Speaking rate used to turn a caller's text into a recording length.
CHARS_PER_SECOND = 4


def speech_seconds(text: str) -> int:
    return max(1, -(-len(text.strip()) // CHARS_PER_SECOND))


@dataclass(frozen=True)
class Recording:
    sid: str
    call_sid: str
    account_sid: str
    duration: int
    text: str
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def wav(self) -> bytes:
        return silent_wav(self.duration, comment=self.text)


def _chunk(tag: bytes, data: bytes) -> bytes:
    pad = b"\0" if len(data) % 2 else b""
    return tag + struct.pack("<I", len(data)) + data + pad


def silent_wav(seconds: int, comment: str = "") -> bytes:
    """A mono 16-bit PCM WAV of silence; `comment` goes into a LIST/INFO ICMT chunk (UTF-8)."""
    fmt = struct.pack("<HHIIHH", 1, 1, SAMPLE_RATE, SAMPLE_RATE * 2, 2, 16)
    chunks = _chunk(b"fmt ", fmt)
    if comment:
        info = _chunk(b"ICMT", comment.encode("utf-8") + b"\0")
        chunks += _chunk(b"LIST", b"INFO" + info)
    chunks += _chunk(b"data", bytes(SAMPLE_RATE * 2 * max(0, seconds)))
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def wav_comment(data: bytes) -> str:
    """The ICMT comment of a WAV made by `silent_wav` ('' if none)."""
    pos = 12
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if tag == b"LIST" and body[:4] == b"INFO":
            inner = 4
            while inner + 8 <= len(body):
                sub, sub_size = (
                    body[inner : inner + 4],
                    struct.unpack("<I", body[inner + 4 : inner + 8])[0],
                )
                if sub == b"ICMT":
                    raw = body[inner + 8 : inner + 8 + sub_size]
                    return raw.rstrip(b"\0").decode("utf-8")
                inner += 8 + sub_size + (sub_size % 2)
        pos += 8 + size + (size % 2)
    return ""


class RecordingStore:
    """Thread-safe map of recording sid to recording, shared by all calls of a stand-in."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Recording] = {}

    def add(self, recording: Recording) -> None:
        with self._lock:
            self._items[recording.sid] = recording

    def get(self, sid: str) -> Recording | None:
        with self._lock:
            return self._items.get(sid)

    def all(self) -> list[Recording]:
        with self._lock:
            return list(self._items.values())
