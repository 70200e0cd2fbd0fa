"""Loading the operator-editable rule files into look-up tables.

The whole vocabulary lives in ``data/nlu/rules.yaml`` and
``data/nlu/corrections.yaml``; this module only turns it into dictionaries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LABELS: tuple[str, ...] = (
    "emergency",
    "excluded_civil",
    "excluded_legal",
    "excluded_military",
    "inquiry",
    "help_request",
    "complaint",
    "report_violation",
    "enforcement_grievance",
    "suggestion",
    "enterprise_service",
)
NUMBERS: tuple[str, ...] = ("110", "119", "120")
CUE_KINDS: tuple[str, ...] = (
    "negation", "not_now", "habitual", "after", "reset", "intensifier", "safe", "not_cue"
)


class RulesError(ValueError):
    """A rule file is malformed."""


@dataclass(frozen=True)
class Role:
    """What a word means to the classifier.

    kind is ``danger`` (target = emergency number), ``label`` (target = label),
    ``group`` (target = combo index, group = group index) or ``cue``
    (target = cue kind).
    """

    kind: str
    target: str | int
    weight: float = 0.0
    # which cues switch the word off: "" none, "negation", "intent"
    # (negation and past/hypothetical) or "danger" (every cue kind)
    cancel: str = ""
    group: int = -1
    # free words match anywhere, even inside a longer jieba word
    free: bool = False


@dataclass(frozen=True)
class Combo:
    name: str
    weight: float
    n_groups: int
    label: str  # "emergency" for danger combos
    number: str | None = None


@dataclass
class Rules:
    lexicon: dict[str, tuple[Role, ...]] = field(default_factory=lambda: defaultdict(list))
    combos: list[Combo] = field(default_factory=list)
    fillers: list[str] = field(default_factory=list)
    soft_fillers: frozenset[str] = frozenset()
    max_chars: int = 2000
    fallback_label: str = "help_request"
    tie_order: list[str] = field(default_factory=lambda: list(LABELS))
    number_order: list[str] = field(default_factory=lambda: list(NUMBERS))
    emergency_threshold: float = 3.0
    intensifier_factor: float = 1.5
    windows: dict[str, int] = field(default_factory=dict)
    low_confidence: float = 0.45
    saturation: float = 2.0
    emergency_min_confidence: float = 0.6
    lone_danger: float = 0.0
    number_first: dict[str, float] = field(default_factory=dict)
    safe_factor: float = 1.0
    contest_ratio: float = 0.0
    contest_below: float = 0.0
    review_danger: float = 1.5
    kb_threshold: float = 0.35
    kb_stopwords: list[str] = field(default_factory=list)
    kb_boost_score: float = 1.1
    kb_boost: float = 0.0
    model_weight: float = 0.0
    model_c: float = 10.0
    model_emergency: float = 0.6
    model_rule_floor: float = 0.25
    model_alone: float = 0.6
    model_rules_win: float = 4.5
    model_veto: float = 0.06
    model_number_sure: float = 0.9
    model_bayes_weight: float = 0.2
    model_bayes_scale: float = 0.3
    model_sure: float = 0.5
    model_review: float = 0.2
    model_low_confidence: float = 0.5
    model_min_coverage: float = 0.5
    model_min_chars: int = 6
    lengths: tuple[int, ...] = ()
    boundary_max_len: int = 2

    @property
    def words(self) -> list[str]:
        return list(self.lexicon)


class _StrictLoader(yaml.SafeLoader):
    """A YAML loader that rejects duplicate keys (a silent overwrite would drop words)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in out:
            raise RulesError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load_yaml(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_StrictLoader) or {}  # noqa: S506 - safe loader subclass
    if not isinstance(data, dict):
        raise RulesError(f"{path}: top level must be a mapping")
    return data


def _weighted(section: Any, where: str) -> dict[str, float]:
    """Accept ``{word: weight}`` or ``{weight: [words]}``-style lists of groups."""
    if section is None:
        return {}
    if isinstance(section, dict):
        out: dict[str, float] = {}
        for key, value in section.items():
            if isinstance(value, list):  # weight: [words]
                for word in value:
                    out[str(word)] = float(key)
            else:
                out[str(key)] = float(value)
        return out
    raise RulesError(f"{where}: expected a mapping of word -> weight")


def load_rules(path: Path) -> Rules:
    data = _load_yaml(path)
    rules = Rules()
    lex = rules.lexicon

    text = data.get("text", {}) or {}
    rules.fillers = [str(f) for f in text.get("fillers", []) or []]
    rules.soft_fillers = frozenset(str(f) for f in text.get("soft_fillers", []) or [])
    rules.max_chars = int(text.get("max_chars", rules.max_chars))
    rules.boundary_max_len = int(text.get("boundary_max_len", rules.boundary_max_len))

    decision = data.get("decision", {}) or {}
    rules.fallback_label = str(decision.get("fallback_label", rules.fallback_label))
    rules.tie_order = [str(x) for x in decision.get("tie_order", rules.tie_order)]
    rules.low_confidence = float(decision.get("low_confidence", rules.low_confidence))
    rules.saturation = float(decision.get("saturation", rules.saturation))
    knowledge = data.get("knowledge", {}) or {}
    rules.kb_threshold = float(knowledge.get("threshold", rules.kb_threshold))
    rules.kb_stopwords = [str(w) for w in knowledge.get("stopwords", []) or []]
    rules.kb_boost_score = float(knowledge.get("boost_score", rules.kb_boost_score))
    rules.kb_boost = float(knowledge.get("boost", rules.kb_boost))
    model = data.get("model", {}) or {}
    rules.model_weight = float(model.get("weight", rules.model_weight))
    rules.model_c = float(model.get("c", rules.model_c))
    rules.model_emergency = float(model.get("emergency", rules.model_emergency))
    rules.model_rule_floor = float(model.get("rule_floor", rules.model_rule_floor))
    rules.model_alone = float(model.get("alone", rules.model_alone))
    rules.model_rules_win = float(model.get("rules_win", rules.model_rules_win))
    rules.model_veto = float(model.get("veto", rules.model_veto))
    rules.model_number_sure = float(model.get("number_sure", rules.model_number_sure))
    rules.model_bayes_weight = float(model.get("bayes_weight", rules.model_bayes_weight))
    rules.model_bayes_scale = float(model.get("bayes_scale", rules.model_bayes_scale))
    rules.model_sure = float(model.get("sure", rules.model_sure))
    rules.model_review = float(model.get("review", rules.model_review))
    rules.model_low_confidence = float(model.get("low_confidence", rules.model_low_confidence))
    rules.model_min_coverage = float(model.get("min_coverage", rules.model_min_coverage))
    rules.model_min_chars = int(model.get("min_chars", rules.model_min_chars))
    if rules.fallback_label not in LABELS:
        raise RulesError(f"unknown fallback_label {rules.fallback_label!r}")

    cues = data.get("cues", {}) or {}
    rules.windows = {k: int(v) for k, v in (cues.get("windows", {}) or {}).items()}
    for kind in CUE_KINDS:
        for word in cues.get(kind, []) or []:
            lex[str(word)].append(Role("cue", kind))

    emergency = data.get("emergency", {}) or {}
    rules.emergency_threshold = float(emergency.get("threshold", rules.emergency_threshold))
    rules.intensifier_factor = float(
        emergency.get("intensifier_factor", rules.intensifier_factor)
    )
    rules.emergency_min_confidence = float(
        emergency.get("min_confidence", rules.emergency_min_confidence)
    )
    rules.number_order = [str(x) for x in emergency.get("number_order", NUMBERS)]
    rules.lone_danger = float(emergency.get("lone_danger", rules.lone_danger))
    rules.number_first = {
        str(k): float(v) for k, v in (emergency.get("number_first", {}) or {}).items()
    }
    rules.safe_factor = float(emergency.get("safe_factor", rules.safe_factor))
    rules.contest_ratio = float(emergency.get("contest_ratio", rules.contest_ratio))
    rules.contest_below = float(emergency.get("contest_below", rules.contest_below))
    rules.review_danger = float(emergency.get("review_danger", rules.review_danger))
    for number, section in (emergency.get("words", {}) or {}).items():
        number = str(number)
        if number not in NUMBERS:
            raise RulesError(f"emergency.words: unknown number {number!r}")
        for word, weight in _weighted(section, f"emergency.words.{number}").items():
            lex[word].append(Role("danger", number, weight, cancel="danger"))
    for number, section in (emergency.get("morphemes", {}) or {}).items():
        number = str(number)
        if number not in NUMBERS:
            raise RulesError(f"emergency.morphemes: unknown number {number!r}")
        for word, weight in _weighted(section, f"emergency.morphemes.{number}").items():
            lex[word].append(Role("danger", number, weight, cancel="danger", free=True))
    for combo in emergency.get("combos", []) or []:
        number = str(combo["number"])
        if number not in NUMBERS:
            raise RulesError(f"emergency combo {combo.get('name')}: unknown number {number!r}")
        cancel = {True: "danger", False: "", "past": "past"}.get(combo.get("cancellable", True))
        if cancel is None:
            raise RulesError(f"combo {combo.get('name')}: cancellable is true, false or past")
        _add_combo(rules, combo, "emergency", number, cancel=cancel)

    for label, section in (data.get("labels", {}) or {}).items():
        if label not in LABELS or label == "emergency":
            raise RulesError(f"labels: unknown or reserved label {label!r}")
        section = section or {}
        for word, weight in _weighted(section.get("words"), f"{label}.words").items():
            lex[word].append(Role("label", label, weight))
        for word, weight in _weighted(section.get("negatable"), f"{label}.negatable").items():
            lex[word].append(Role("label", label, weight, cancel="negation"))
        for word, weight in _weighted(section.get("intents"), f"{label}.intents").items():
            lex[word].append(Role("label", label, weight, cancel="intent"))
        # morphemes count anywhere, even inside a longer jieba word (武警 in 武警部队)
        for word, weight in _weighted(section.get("morphemes"), f"{label}.morphemes").items():
            lex[word].append(Role("label", label, weight, free=True))
        for combo in section.get("combos", []) or []:
            _add_combo(rules, combo, label, None, cancel="")

    rules.lengths = tuple(sorted({len(w) for w in lex if w}))
    rules.lexicon = {word: tuple(roles) for word, roles in lex.items() if word}
    return rules


def _add_combo(
    rules: Rules, combo: dict[str, Any], label: str, number: str | None, cancel: str
) -> None:
    groups = combo.get("all") or []
    if len(groups) < 2:
        raise RulesError(f"combo {combo.get('name')}: needs at least two word groups")
    index = len(rules.combos)
    rules.combos.append(
        Combo(str(combo.get("name", f"combo{index}")), float(combo["weight"]), len(groups),
              label, number)
    )
    for g, words in enumerate(groups):
        for word in words:
            rules.lexicon[str(word)].append(
                Role("group", index, cancel=cancel, group=g, free=True)
            )


def load_corrections(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    data = _load_yaml(path)
    out: dict[str, str] = {}
    for wrong, right in (data.get("corrections", {}) or {}).items():
        out[str(wrong)] = str(right)
    return out
