"""Deadline limits and supervision thresholds, read from ``data/casework.yaml``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class PolicyError(ValueError):
    """The casework rules file is invalid."""


@dataclass(frozen=True)
class Policy:
    accept_days: int = 1
    accept_complex_days: int = 2
    report_decision_days: int = 5
    dispatch_days: int = 1  # a case nobody has dispatched yet (registered or returned)
    resolve_days: dict[str, int] = field(
        default_factory=lambda: {
            "help_request": 3,
            "complaint": 13,
            "report_violation": 13,
            "suggestion": 10,
            "enforcement_grievance": 13,
            "default": 10,
        }
    )
    end_of_business: dt.time = dt.time(17, 30)
    reminder_hours: float = 8
    escalate_after_returns: int = 2
    escalate_when_units: int = 3
    notices: dict[str, str] = field(default_factory=dict)
    label_names: dict[str, str] = field(default_factory=dict)
    due_kind_names: dict[str, str] = field(default_factory=dict)

    def accept_limit(self, complex_case: bool) -> int:
        return self.accept_complex_days if complex_case else self.accept_days

    def resolve_limit(self, label: str) -> int:
        return self.resolve_days.get(label, self.resolve_days["default"])

    def notice(self, kind: str, **values: str) -> str:
        """The notice text of ``kind`` with its placeholders filled; unknown ones stay visible."""
        template = self.notices.get(kind, f"{kind}: {{ref}}")
        if "label" in values:
            values["label"] = self.label_names.get(values["label"], values["label"])
        if "due_kind" in values:
            values["due_kind"] = self.due_kind_names.get(values["due_kind"], values["due_kind"])
        return template.format_map(_Defaulting(values))

    @classmethod
    def from_file(cls, path: Path) -> Policy:
        if not path.exists():
            return cls()
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            deadlines = raw.get("deadlines", {})
            supervision = raw.get("supervision", {})
            hours = raw.get("business_hours", {})
            base = cls()
            resolve = {**base.resolve_days, **(deadlines.get("resolve") or {})}
            policy = cls(
                accept_days=int(deadlines.get("accept", base.accept_days)),
                accept_complex_days=int(deadlines.get("accept_complex", base.accept_complex_days)),
                report_decision_days=int(
                    deadlines.get("report_decision", base.report_decision_days)
                ),
                dispatch_days=int(deadlines.get("dispatch", base.dispatch_days)),
                resolve_days={label: int(days) for label, days in resolve.items()},
                end_of_business=dt.time.fromisoformat(str(hours.get("end_of_business", "17:30"))),
                reminder_hours=float(supervision.get("reminder_hours", base.reminder_hours)),
                escalate_after_returns=int(
                    supervision.get("escalate_after_returns", base.escalate_after_returns)
                ),
                escalate_when_units=int(
                    supervision.get("escalate_when_units", base.escalate_when_units)
                ),
                notices={k: str(v) for k, v in (raw.get("notices") or {}).items()},
                label_names={k: str(v) for k, v in (raw.get("labels") or {}).items()},
                due_kind_names={k: str(v) for k, v in (raw.get("due_kinds") or {}).items()},
            )
        except (yaml.YAMLError, TypeError, ValueError, AttributeError) as exc:
            raise PolicyError(f"{path}: {exc}") from exc
        limits = (policy.accept_days, policy.accept_complex_days, policy.dispatch_days)
        if min(*limits, policy.report_decision_days, *policy.resolve_days.values()) < 1:
            raise PolicyError(f"{path}: every limit must be at least one working day")
        return policy


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
