"""Grammars of the closed questions: what a caller may answer, in the model's words.

A grammar maps each answer the flow understands (its canonical text, e.g. "满意") to the
phrases a caller says for it, written as words of the model separated by spaces (the
Chinese model segments "不满意" as "不 满意"). Recognized in grammar mode, a phrase is
handed to the flow as its canonical text, so the flows read the same words whichever
recognizer heard them.

The defaults are for the Chinese model. ``HOTLINE_SPEECH_GRAMMARS`` names a YAML file
that replaces them (for another model)::

    yes_no:
      是的: [是 的, 是, 对, 解决 了]
      没有解决: [没有, 不 是, 没有 解决]

A grammar with a word the model does not know is not used: that question is asked in
free mode (and the service says so in its log and on ``/health``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["DEFAULT_GRAMMARS", "Grammar", "GrammarSet", "load_grammars"]

DEFAULT_GRAMMARS: dict[str, dict[str, list[str]]] = {
    # "Has the problem been solved?" (callback survey)
    "yes_no": {
        "是的": ["是 的", "是", "对", "解决 了", "已经 解决 了", "好 了"],
        "没有解决": ["没有", "不 是", "没有 解决", "还 没有", "没 解决"],
    },
    # "Call you back on this number?" (case intake): yes, or another number
    "number_ok": {
        "是": ["是", "是 的", "对", "对 的", "可以", "行"],
        "换号码": ["不 是", "不 对", "换 号码", "换 一个", "别的 号码"],
    },
    # "Satisfied, fairly satisfied, dissatisfied?" (survey, member enterprise rating)
    "satisfaction": {
        "满意": ["满意", "非常 满意", "很 满意"],
        "基本满意": ["基本 满意", "还 可以", "一般"],
        "不满意": ["不 满意", "很 不 满意"],
    },
}


@dataclass(frozen=True)
class Grammar:
    name: str
    answers: dict[str, tuple[str, ...]]  # canonical text -> phrases in the model's words

    @property
    def phrases(self) -> list[str]:
        return [p for phrases in self.answers.values() for p in phrases]

    def meaning(self, text: str) -> str:
        """The canonical answer of a recognized phrase ("" for "", the text otherwise)."""
        said = " ".join(text.split())
        for canonical, phrases in self.answers.items():
            if said in phrases:
                return canonical
        return said


class GrammarSet:
    """The grammars of the service, with the ones the model cannot use set aside."""

    def __init__(self, grammars: Mapping[str, Grammar]) -> None:
        self.all = dict(grammars)
        self.usable: dict[str, Grammar] = dict(grammars)
        self.unusable: dict[str, list[str]] = {}  # name -> the unknown words

    def check(self, unknown_words: Callable[[Iterable[str]], list[str]]) -> None:
        """Keep only grammars whose words the model knows."""
        self.usable, self.unusable = {}, {}
        for name, grammar in self.all.items():
            unknown = unknown_words(grammar.phrases)
            if unknown:
                self.unusable[name] = unknown
            else:
                self.usable[name] = grammar

    def get(self, name: str | None) -> Grammar | None:
        return self.usable.get(name) if name else None

    def health(self) -> dict[str, object]:
        return {"usable": sorted(self.usable), "free_mode": self.unusable}


def _grammar(name: str, raw: object) -> Grammar:
    if not isinstance(raw, Mapping) or not raw:
        raise ValueError(f"grammar {name!r} must map answers to lists of phrases")
    answers: dict[str, tuple[str, ...]] = {}
    for canonical, phrases in raw.items():
        if isinstance(phrases, str):
            phrases = [phrases]
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise ValueError(f"grammar {name!r}: the phrases of {canonical!r} must be strings")
        cleaned = tuple(" ".join(p.split()) for p in phrases if p.strip())
        if not cleaned:
            raise ValueError(f"grammar {name!r}: {canonical!r} has no phrase")
        answers[str(canonical)] = cleaned
    return Grammar(name, answers)


def load_grammars(path: str | Path | None = None) -> GrammarSet:
    """The default grammars, or those of a YAML file (ValueError when it is invalid)."""
    raw: object = DEFAULT_GRAMMARS
    if path:
        try:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"speech grammars file {path}: {exc}") from exc
        if not isinstance(raw, Mapping):
            raise ValueError(f"speech grammars file {path}: expected a mapping of grammars")
    return GrammarSet({str(n): _grammar(str(n), g) for n, g in raw.items()})
