"""Errors of the speech package (importable without numpy or Vosk)."""

from __future__ import annotations


class SpeechError(RuntimeError):
    """Base class of the recognition errors."""


class StreamError(SpeechError):
    """A Media Streams event that is refused (the session is closed when this is raised)."""


class GrammarError(SpeechError, ValueError):
    """Grammar phrases with words the model does not know."""


class CapacityError(SpeechError):
    """No recognizer slot became free in time."""
