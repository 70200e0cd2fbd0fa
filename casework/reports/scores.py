"""Unit scores and ranking (article 22), from the period's figures and the weights in
`data/reports.yaml`.

A unit's score is 100 × the weighted mean of five rates, each 0-1:

    satisfaction       callbacks answered "solved and satisfied" / callbacks answered
    on_time_accept     acceptances by the deadline / acceptances + cases waiting past it
    on_time_complete   cases resolved by the deadline / resolved + handled past it
    not_returned       1 - returns / (acceptances + returns)
    not_reopened       1 - cases reopened / cases resolved at least once

A rate without data for the unit (no callbacks answered yet, say) is left out and
the remaining weights are scaled up to 100%. Units with fewer cases than
``min_cases`` in the period, or with no rate at all, are shown but not ranked.
Equal scores share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.reports.figures import Figures, Rate, UnitStats
from casework.reports.settings import SCORE_PARTS, ReportSettings

PART_NAMES = {
    "satisfaction": "满意率",
    "on_time_accept": "按时签收率",
    "on_time_complete": "按时办结率",
    "not_returned": "未退回率",
    "not_reopened": "未重办率",
}


@dataclass(frozen=True)
class UnitScore:
    code: str
    name: str
    district: str | None
    cases: int
    parts: dict[str, float | None]  # each rate 0-1, None without data
    score: float | None  # 0-100, one decimal
    rank: int | None  # None: not ranked (too few cases, or no data)


def _complement(rate: Rate) -> float | None:
    return None if rate.value is None else 1 - rate.value


def parts_of(unit: UnitStats) -> dict[str, float | None]:
    return {
        "satisfaction": unit.satisfaction.value,
        "on_time_accept": unit.on_time_accept.value,
        "on_time_complete": unit.on_time_complete.value,
        "not_returned": _complement(unit.return_rate),
        "not_reopened": _complement(unit.reopen_rate),
    }


def score_of(parts: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """100 × the weighted mean of the parts that have data; None when none has."""
    used = [(weights.get(p, 0.0), parts[p]) for p in SCORE_PARTS if parts.get(p) is not None]
    total = sum(w for w, _ in used)
    if not total:
        return None
    return round(100 * sum(w * v for w, v in used) / total, 1)


def unit_scores(figures: Figures, settings: ReportSettings) -> list[UnitScore]:
    """Every unit with cases or answers in the period: ranked ones first, best first."""
    scored = []
    for unit in figures.units.values():
        parts = parts_of(unit)
        scored.append((unit, parts, score_of(parts, settings.weights)))
    rankable = [(u, p, s) for u, p, s in scored if s is not None and u.cases >= settings.min_cases]
    rankable.sort(key=lambda x: (-x[2], -x[0].cases, x[0].code))
    ranks: dict[str, int] = {}
    for position, (unit, _, score) in enumerate(rankable, 1):
        previous = rankable[position - 2] if position > 1 else None
        same = previous is not None and previous[2] == score
        ranks[unit.code] = ranks[previous[0].code] if same else position
    others = [x for x in scored if x[0].code not in ranks]
    others.sort(key=lambda x: (x[2] is None, -(x[2] or 0), -x[0].cases, x[0].code))
    return [
        UnitScore(u.code, u.name, u.district, u.cases, p, s, ranks.get(u.code))
        for u, p, s in [*rankable, *others]
    ]
