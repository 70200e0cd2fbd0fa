"""`data/reports.yaml`: score weights, topic settings and stop words, low-rating thresholds."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from casework.config import REPO_ROOT
from casework.lifecycle import InvalidInput

SCORE_PARTS = ("satisfaction", "on_time_accept", "on_time_complete", "not_returned", "not_reopened")


@dataclass(frozen=True)
class ReportSettings:
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SCORE_PARTS, 1.0))
    min_cases: int = 5
    top_topics: int = 20
    topic_min_cases: int = 2
    rising_min: int = 3
    allow_pos: tuple[str, ...] = ("n", "nr", "ns", "nt", "nz", "vn", "v", "an", "eng")
    stop_words: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    min_ratings: int = 3
    max_satisfied: float = 0.5
    min_dissatisfied: float = 0.3


def _data_dir() -> Path:
    return Path(os.environ.get("HOTLINE_DATA", "").strip() or REPO_ROOT / "data")


def default_reports_file() -> Path:
    """``$HOTLINE_REPORTS_FILE``, else ``reports.yaml`` in the data folder."""
    return Path(os.environ.get("HOTLINE_REPORTS_FILE", "").strip() or _data_dir() / "reports.yaml")


def default_userdict() -> Path:
    """The hotline's jieba user dictionary (the classifier's, shared)."""
    return _data_dir() / "nlu" / "userdict.txt"


def load_report_settings(path: Path | None = None) -> ReportSettings:
    """Read the file; a missing file gives the embedded defaults, a broken one InvalidInput."""
    path = path or default_reports_file()
    if not path.exists():
        return ReportSettings()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        scores = raw.get("scores") or {}
        topics = raw.get("topics") or {}
        low = raw.get("low_ratings") or {}
        weights = {part: float(w) for part, w in (scores.get("weights") or {}).items()}
        unknown = set(weights) - set(SCORE_PARTS)
        if unknown:
            raise ValueError(f"unknown score parts {sorted(unknown)}; known: {SCORE_PARTS}")
        if any(w < 0 for w in weights.values()) or not sum(weights.values()):
            raise ValueError("score weights must be positive numbers")
        defaults = ReportSettings()
        return ReportSettings(
            weights=weights or defaults.weights,
            min_cases=int(scores.get("min_cases", defaults.min_cases)),
            top_topics=int(topics.get("top", defaults.top_topics)),
            topic_min_cases=int(topics.get("min_cases", defaults.topic_min_cases)),
            rising_min=int(topics.get("rising_min", defaults.rising_min)),
            allow_pos=tuple(topics.get("allow_pos") or defaults.allow_pos),
            stop_words=frozenset(str(w) for w in topics.get("stop_words") or ()),
            words=tuple(str(w) for w in topics.get("words") or ()),
            min_ratings=int(low.get("min_ratings", defaults.min_ratings)),
            max_satisfied=float(low.get("max_satisfied", defaults.max_satisfied)),
            min_dissatisfied=float(low.get("min_dissatisfied", defaults.min_dissatisfied)),
        )
    except (OSError, yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
