"""Which handling unit (承办单位) takes a decision.

Unit keywords come from ``data/units.yaml`` (the lead's registry); the policy
(which labels get no unit, defaults, kind priority, extra keywords) comes from
``data/nlu/routing.yaml``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .automaton import automaton


@dataclass(frozen=True)
class Unit:
    code: str
    kind: str
    categories: frozenset[str]
    keywords: tuple[str, ...]


def _yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return data if isinstance(data, dict) else {}


class Router:
    def __init__(self, units: list[Unit], policy: dict[str, Any]) -> None:
        self.units = units
        self.no_unit = set(policy.get("no_unit", []) or [])
        self.fixed = dict(policy.get("fixed", {}) or {})
        self.fallback = dict(policy.get("fallback", {}) or {})
        self.kind_rank = {str(k): int(v) for k, v in (policy.get("kind_rank", {}) or {}).items()}
        self.district_first = set(policy.get("district_first", []) or [])
        # keyword -> indexes of the units that list it
        self._owners: dict[str, list[int]] = {}
        for index, unit in enumerate(units):
            for keyword in dict.fromkeys(unit.keywords):
                if keyword:
                    self._owners.setdefault(keyword, []).append(index)
        self._automaton = automaton({keyword: keyword for keyword in self._owners})

    @classmethod
    def load(cls, routing_path: Path, units_path: Path) -> Router:
        policy = _yaml(routing_path)
        extra = policy.get("extra_keywords", {}) or {}
        units = []
        for item in _yaml(units_path).get("units", []) or []:
            if not isinstance(item, dict) or item.get("active", True) is False:
                continue
            code = str(item["code"])
            keywords = [str(k) for k in item.get("keywords") or []]
            keywords += [str(k) for k in extra.get(code, []) or []]
            units.append(
                Unit(code, str(item.get("kind", "")),
                     frozenset(str(c) for c in item.get("categories") or []), tuple(keywords))
            )
        return cls(units, policy)

    def route(self, label: str, text: str, tokens: Collection[str] | None = None) -> str | None:
        """The unit code for a decision, or None when the center dispatches by hand."""
        if label in self.no_unit:
            return None
        if label in self.fixed:
            return self.fixed[label]
        tokens = tokens or ()
        scores: dict[int, int] = {}
        for keyword in self._keywords_in(text, tokens):
            for index in self._owners[keyword]:
                scores[index] = scores.get(index, 0) + len(keyword)
        best: dict[bool, tuple[int, int, str]] = {}
        for index, score in sorted(scores.items()):  # file order breaks ties
            unit = self.units[index]
            if label not in unit.categories:
                continue
            is_district = unit.kind == "district"
            key = (score, self.kind_rank.get(unit.kind, 0), unit.code)
            if is_district not in best or key[:2] > best[is_district][:2]:
                best[is_district] = key
        specific = best.get(False)
        district = best.get(True)
        if specific and not (district and specific[2] in self.district_first):
            return specific[2]
        if district:
            return district[2]
        return self.fallback.get(label)

    def _keywords_in(self, text: str, tokens: Collection[str]) -> set[str]:
        """Unit keywords in the text; one-character ones only as whole words."""
        if self._automaton is None:
            return set()
        return {word for _, word in self._automaton.iter(text)
                if len(word) > 1 or word in tokens}
