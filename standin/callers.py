"""The person on the phone: scripted for tests, interactive for a developer at a terminal.

A call asks its caller for one step each time it waits for input: a `<Gather>`, a `<Record>`,
the wait of an `<Enqueue>`, and each turn of a `<Connect><Stream>` hold.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class Say:
    """The caller speaks. With `hangup=True` the caller hangs up right after speaking (so a
    `<Record>` ends with Digits=hangup)."""

    text: str
    hangup: bool = False


@dataclass(frozen=True)
class SayAudio:
    """The caller speaks a WAV file: streamed as Media Stream frames to a `<Start><Stream>`, or
    recorded by `<Record>`. `text`, when given, is what Twilio's own recognizer would hear (a
    `<Gather input="speech">` gets it as SpeechResult)."""

    path: str
    text: str = ""


@dataclass(frozen=True)
class Press:
    """The caller presses keys (0-9, *, #)."""

    digits: str


@dataclass(frozen=True)
class Silence:
    """The caller says and presses nothing until the wait times out."""


@dataclass(frozen=True)
class Hangup:
    """The caller hangs up."""


Step = Say | SayAudio | Press | Silence | Hangup

# What a call is waiting for when it asks for a step.
WAIT_KINDS = ("gather", "record", "enqueue", "stream", "conference")


@runtime_checkable
class Caller(Protocol):
    def hear(self, prompt: Mapping[str, Any]) -> None:
        """Receive one prompt (say, play, whisper, beep, system...) as it is heard."""

    def next_input(self, wait: str) -> Step:
        """The caller's next step while the call waits (`wait` is one of WAIT_KINDS)."""


class ScriptedCaller:
    """Consumes one step per wait; hangs up when the steps run out. Keeps what it heard."""

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self._steps = list(steps)
        self.heard: list[dict[str, Any]] = []
        self.waits: list[str] = []

    def hear(self, prompt: Mapping[str, Any]) -> None:
        self.heard.append(dict(prompt))

    def next_input(self, wait: str) -> Step:
        self.waits.append(wait)
        return self._steps.pop(0) if self._steps else Hangup()

    @property
    def remaining(self) -> list[Step]:
        return list(self._steps)


def describe(prompt: Mapping[str, Any]) -> str:
    """One line for a prompt, as a terminal shows it."""
    kind = prompt.get("kind", "?")
    body = prompt.get("text") or prompt.get("url") or ""
    extra = prompt.get("language") or prompt.get("target") or ""
    label = f"{kind} {extra}".strip()
    return f"[{label}] {body}".rstrip()


_HINTS = {
    "gather": "keys or speech",
    "record": "speak for the recording",
    "enqueue": "waiting in queue; Enter to keep waiting",
    "stream": "streaming; speak, or Enter to stay",
    "conference": "in a conference; Enter to stay",
}


class InteractiveCaller:
    """A developer at a terminal: prints prompts as they are heard and reads one line per wait.

    Text is speech, digits/*/# only are keys, `@FILE.wav` speaks a WAV file, an empty line is
    silence, `/hangup` or EOF hangs up.
    """

    def __init__(
        self,
        input_fn: Callable[[str], str] = input,
        output_fn: Callable[[str], Any] = print,
    ) -> None:
        self._input = input_fn
        self._output = output_fn

    def hear(self, prompt: Mapping[str, Any]) -> None:
        self._output(describe(prompt))

    def next_input(self, wait: str) -> Step:
        try:
            line = self._input(f"({_HINTS.get(wait, wait)}) > ")
        except EOFError:
            return Hangup()
        return parse_line(line)


def parse_line(line: str) -> Step:
    text = line.strip()
    if text == "/hangup":
        return Hangup()
    if not text:
        return Silence()
    if text.startswith("@") and text.lower().endswith(".wav"):
        return SayAudio(text[1:])
    if all(ch in "0123456789*#" for ch in text):
        return Press(text)
    return Say(text)
