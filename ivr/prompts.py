"""Prompts from the operators' file: `<Say>` in the configured Mandarin voice, or `<Play>`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from twilio.twiml import TwiML

DIGITS = dict(zip("0123456789", "零幺二三四五六七八九", strict=True))


class PromptsError(ValueError):
    """The prompts file is invalid or lacks a prompt the service needs."""


@dataclass(frozen=True)
class Prompt:
    text: str
    audio: str | None = None


@dataclass(frozen=True)
class Prompts:
    prompts: dict[str, Prompt]
    voice: str
    language: str
    speech_language: str

    @classmethod
    def load(cls, path: Path, voice: str | None = None) -> Prompts:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise PromptsError(f"{path}: {exc}") from exc
        prompts = {}
        for key, value in (raw.get("prompts") or {}).items():
            if isinstance(value, dict):
                prompts[key] = Prompt(str(value.get("text", "")), value.get("audio") or None)
            else:
                prompts[key] = Prompt(str(value))
        return cls(
            prompts=prompts,
            voice=voice or str(raw.get("voice", "Polly.Zhiyu")),
            language=str(raw.get("language", "cmn-CN")),
            speech_language=str(raw.get("speech_language", "zh-CN")),
        )

    def text(self, key: str, /, **values: object) -> str:
        prompt = self.prompts.get(key)
        if prompt is None:
            raise PromptsError(f"the prompts file has no prompt {key!r}")
        return prompt.text.format(**values)

    def say(self, verb: TwiML, key: str, /, **values: object) -> None:
        """Add the prompt to a response or a Gather: recorded audio if given, else speech."""
        prompt = self.prompts.get(key)
        if prompt is not None and prompt.audio and not values:
            verb.play(prompt.audio)
        else:
            self.say_text(verb, self.text(key, **values))

    def say_text(self, verb: TwiML, text: str) -> None:
        verb.say(text, voice=self.voice, language=self.language)


def spoken_digits(digits: str) -> str:
    """Digits as a Chinese phone service reads them: 1 as 幺, 0 as 零."""
    return "".join(DIGITS.get(ch, ch) for ch in digits)


def spoken_reference(ref: str) -> str:
    """``TJ20261126-000123`` → ``T J，二零二六幺幺二六，零零零幺二三``."""
    letters = " ".join(ch for ch in ref if ch.isalpha())
    groups = [spoken_digits(group) for group in re.findall(r"\d+", ref)]
    return "，".join(part for part in (letters, *groups) if part)
