"""`SpeechService`: the one object the web app holds (see the package docstring)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from os import PathLike
from typing import TYPE_CHECKING, Any

from ivr.speech.config import TWILIO, VOSK_STREAM, SpeechSettings
from ivr.speech.errors import SpeechError
from ivr.speech.grammars import GrammarSet, load_grammars
from ivr.speech.models import LoadedModel, ModelError, load_model, vosk_status

if TYPE_CHECKING:
    from ivr.speech.recognizer import RecognizerPool, StreamSession

log = logging.getLogger(__name__)


def effective_mode(settings: SpeechSettings) -> tuple[str, str, LoadedModel | None]:
    """(mode, reason, model): a Vosk mode whose model cannot be loaded becomes ``twilio``.

    The reason is one line for the log and the health page.
    """
    if not settings.wants_vosk:
        return TWILIO, "twilio mode configured (HOTLINE_SPEECH_MODE)", None
    available, detail = vosk_status()
    if not available:
        reason = f"{settings.mode} configured but {detail}: using twilio"
        log.warning("speech: %s", reason)
        return TWILIO, reason, None
    try:
        import numpy  # noqa: F401  (the audio path needs it)
    except ImportError:
        reason = f"{settings.mode} configured but numpy is not installed: using twilio"
        log.warning("speech: %s", reason)
        return TWILIO, reason, None
    try:
        model = load_model(settings.model)
    except ModelError as exc:
        reason = f"{settings.mode} configured but {exc}: using twilio"
        log.warning("speech: %s", reason)
        return TWILIO, reason, None
    if settings.max_streams == 0 and settings.mode == VOSK_STREAM:
        reason = "vosk-stream configured with HOTLINE_VOSK_MAX_STREAMS=0: using twilio"
        log.warning("speech: %s", reason)
        return TWILIO, reason, model
    reason = (
        f"{settings.mode} with model {model.name} ({model.source}, {model.sample_rate} Hz, "
        f"{detail}), at most {settings.max_streams} recognizers"
    )
    log.info("speech: %s", reason)
    return settings.mode, reason, model


class SpeechService:
    """Speech recognition as configured, degraded to ``twilio`` when Vosk cannot run."""

    def __init__(self, settings: SpeechSettings | None = None) -> None:
        self.settings = settings or SpeechSettings.from_env()
        self.mode, self.reason, self.model = effective_mode(self.settings)
        self.pool: RecognizerPool | None = None
        self.grammars: GrammarSet = load_grammars(self.settings.grammars_file)
        if self.model is not None:
            self.grammars.check(self.check_grammar)
            for name, words in self.grammars.unusable.items():
                log.warning(
                    "speech: grammar %s has words model %s does not know (%s): "
                    "that question is asked in free mode",
                    name,
                    self.model.name,
                    ", ".join(words),
                )
        if self.mode != TWILIO and self.model is not None:
            from ivr.speech.recognizer import RecognizerPool

            self.pool = RecognizerPool(
                self.model,
                self.settings.max_streams,
                max_seconds=self.settings.max_seconds,
                no_speech_seconds=self.settings.no_speech_seconds,
                idle_seconds=self.settings.idle_seconds,
            )

    @property
    def uses_vosk(self) -> bool:
        return self.pool is not None

    def open_stream(
        self, call_sid: str | None = None, *, phrases: Iterable[str] | None = None, **limits: Any
    ) -> StreamSession | None:
        """A live session for a call, or None (no Vosk, or every recognizer busy): then
        use ``<Gather input="speech">`` for this turn."""
        if self.pool is None:
            return None
        session = self.pool.acquire(call_sid, phrases=phrases, **limits)
        if session is None:
            log.warning(
                "speech: all %d recognizers busy, %s falls back to twilio",
                self.pool.capacity,
                call_sid,
            )
        return session

    def grammar_session(
        self, phrases: Iterable[str], call_sid: str | None = None, **limits: Any
    ) -> StreamSession | None:
        """A live session restricted to ``phrases`` (GrammarError for unknown words)."""
        return self.open_stream(call_sid, phrases=phrases, **limits)

    def check_grammar(self, phrases: Iterable[str]) -> list[str]:
        """The words of ``phrases`` the model does not know ([] without a model)."""
        if self.model is None:
            return []
        from ivr.speech.recognizer import normalize_phrases

        return self.model.unknown_words(normalize_phrases(phrases))

    def transcribe(
        self,
        wav: bytes | str | PathLike,
        *,
        phrases: Iterable[str] | None = None,
        wait_seconds: float = 10.0,
    ) -> str:
        """Text of a recording (``vosk-record``); SpeechError/CapacityError on failure."""
        if self.pool is None:
            raise SpeechError(f"no Vosk recognizer: {self.reason}")
        return self.pool.transcribe_wav(wav, phrases=phrases, wait_seconds=wait_seconds)

    def health(self) -> dict[str, Any]:
        """For the health page: mode, why, the model and the recognizers in use."""
        info: dict[str, Any] = {
            "configured_mode": self.settings.mode,
            "mode": self.mode,
            "reason": self.reason,
            "model": None,
        }
        if self.model is not None:
            info["model"] = {
                "name": self.model.name,
                "path": str(self.model.path),
                "source": self.model.source,
                "sample_rate": self.model.sample_rate,
            }
        if self.pool is not None:
            info["recognizers"] = {
                "capacity": self.pool.capacity,
                "in_use": self.pool.in_use,
                "refused": self.pool.refused,
            }
            info["grammars"] = self.grammars.health()
        return info

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close_all()
