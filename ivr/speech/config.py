"""Speech settings from environment variables (all optional).

- ``HOTLINE_SPEECH_MODE``: ``twilio`` (default), ``vosk-stream`` or ``vosk-record``.
- ``HOTLINE_VOSK_MODEL``: a folder name under ``<instance>/models``, a path, or a
  ``vosk_model*`` package (default ``vosk-model-small-cn-0.22``).
- ``HOTLINE_VOSK_MAX_STREAMS``: live recognizers at once (default: the number of CPUs);
  a call beyond that uses ``twilio`` for the turn.
- ``HOTLINE_SPEECH_MAX_SECONDS``: the longest utterance, in audio seconds after the first
  partial text (default 15).
- ``HOTLINE_SPEECH_NO_SPEECH_SECONDS``: end with "" when nobody speaks (default 8).
- ``HOTLINE_SPEECH_IDLE_SECONDS``: close a stream that sends no event (default 30).
- ``HOTLINE_SPEECH_LISTEN_SECONDS``: the longest a live call's turn listens without speech,
  its prompts included, before it ends as silence (default 75; the keys' timeout usually
  ends the turn first).
- ``HOTLINE_SPEECH_GRAMMARS``: a YAML file of the closed questions' grammars (default: the
  Chinese ones in :mod:`ivr.speech.grammars`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from ivr.speech.models import DEFAULT_MODEL

MODES = ("twilio", "vosk-stream", "vosk-record")
TWILIO = "twilio"
VOSK_STREAM = "vosk-stream"
VOSK_RECORD = "vosk-record"


def _env(environ: dict[str, str] | os._Environ, name: str, default: str) -> str:
    return (environ.get(name) or "").strip() or default


def _number(environ, name: str, default: float, *, minimum: float, integer: bool = False):
    raw = _env(environ, name, str(default))
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {raw!r}")
    return value


@dataclass(frozen=True)
class SpeechSettings:
    mode: str = TWILIO
    model: str = DEFAULT_MODEL
    max_streams: int = max(1, os.cpu_count() or 1)
    max_seconds: float = 15.0
    no_speech_seconds: float = 8.0
    idle_seconds: float = 30.0
    grammars_file: str | None = None
    listen_seconds: float = 75.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"speech mode {self.mode!r} is not one of {', '.join(MODES)}")

    @property
    def wants_vosk(self) -> bool:
        return self.mode != TWILIO

    def with_(self, **changes) -> SpeechSettings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SpeechSettings:
        env = os.environ if environ is None else environ
        mode = _env(env, "HOTLINE_SPEECH_MODE", TWILIO).lower()
        if mode not in MODES:
            raise ValueError(f"HOTLINE_SPEECH_MODE must be one of {', '.join(MODES)}, not {mode!r}")
        return cls(
            mode=mode,
            model=_env(env, "HOTLINE_VOSK_MODEL", DEFAULT_MODEL),
            max_streams=_number(
                env, "HOTLINE_VOSK_MAX_STREAMS", cls.max_streams, minimum=0, integer=True
            ),
            max_seconds=_number(env, "HOTLINE_SPEECH_MAX_SECONDS", 15.0, minimum=1),
            no_speech_seconds=_number(env, "HOTLINE_SPEECH_NO_SPEECH_SECONDS", 8.0, minimum=1),
            idle_seconds=_number(env, "HOTLINE_SPEECH_IDLE_SECONDS", 30.0, minimum=1),
            grammars_file=_env(env, "HOTLINE_SPEECH_GRAMMARS", "") or None,
            listen_seconds=_number(env, "HOTLINE_SPEECH_LISTEN_SECONDS", 75.0, minimum=1),
        )


def load_speech_settings(environ: dict[str, str] | None = None) -> SpeechSettings:
    return SpeechSettings.from_env(environ)
