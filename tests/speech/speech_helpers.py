"""Helpers of the speech tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

import base64
import difflib
import os
import unicodedata

import numpy as np

from ivr.speech.audio import mulaw_encode, resample

MULAW_START = {
    "event": "start",
    "sequenceNumber": "1",
    "start": {
        "accountSid": "AC" + "0" * 32,
        "streamSid": "MZ" + "1" * 32,
        "callSid": "CA" + "2" * 32,
        "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {"token": "t0k"},
    },
    "streamSid": "MZ" + "1" * 32,
}
CALL_SID = MULAW_START["start"]["callSid"]


def telephone(pcm: np.ndarray, rate: int, *, pad_seconds: float = 0.0) -> bytes:
    """The clip as a caller's phone sends it: 8 kHz mu-law, with silence after it."""
    pcm8 = resample(pcm, rate, 8000)
    pad = np.zeros(int(8000 * pad_seconds), dtype=np.int16)
    return mulaw_encode(np.concatenate([pcm8, pad]))


def media_events(mulaw: bytes, frame: int = 160):
    """The Media Streams ``media`` messages of mu-law audio, 20 ms each."""
    for i in range(0, len(mulaw), frame):
        yield {
            "event": "media",
            "sequenceNumber": str(i // frame + 2),
            "media": {
                "track": "inbound",
                "chunk": str(i // frame + 1),
                "timestamp": str(i // 8),
                "payload": base64.b64encode(mulaw[i : i + frame]).decode(),
            },
            "streamSid": MULAW_START["streamSid"],
        }


def jamo_similarity(a: str, b: str) -> float:
    """Similarity (0..1) of two Korean texts, compared letter by letter (Hangul jamo).

    Syllable blocks are decomposed (NFD) so that 염파/영파 count as nearly equal;
    spaces are ignored (Vosk's word splits vary).
    """

    def letters(s: str) -> str:
        return unicodedata.normalize("NFD", s.replace(" ", ""))

    return difflib.SequenceMatcher(None, letters(a), letters(b)).ratio()


def rss_mb() -> float:
    """The resident memory of this process (Linux), in MB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
