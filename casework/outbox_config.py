"""The outbox's settings (``data/outbox.yaml``): destinations, retries, backoff. No database."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from casework.lifecycle import InvalidInput

ENFORCEMENT = "enforcement_supervision"
CREDIT = "credit_information"
# Which destination each topic goes to.
TOPICS = {
    "enforcement_grievance": ENFORCEMENT,  # article 9: copied on receipt
    "violation_reports": ENFORCEMENT,  # article 16: gathered periodically
    "enterprise_credit": CREDIT,  # article 24: member enterprises' records
}


@dataclass(frozen=True)
class Destination:
    code: str
    name: str
    url: str
    token: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class OutboxSettings:
    destinations: dict[str, Destination] = field(default_factory=dict)
    every_seconds: int = 30
    batch: int = 20
    timeout_seconds: float = 10.0
    max_attempts: int = 8
    backoff_first_seconds: float = 60.0
    backoff_max_seconds: float = 21600.0
    jitter: float = 0.5
    lease_seconds: float = 300.0
    report_every_minutes: int = 60

    def destination(self, code: str) -> Destination:
        return self.destinations.get(code) or Destination(code, code, "")

    def backoff(self, attempts: int, draw: float) -> float:
        """Seconds to wait after ``attempts`` failed tries; ``draw`` is uniform in [0, 1).

        Exponential (first delay doubling up to the maximum) with jitter, so
        many messages failing together do not come back at the same moment.
        """
        ceiling = min(self.backoff_max_seconds, self.backoff_first_seconds * 2 ** (attempts - 1))
        return ceiling * (1 - self.jitter * draw)


def outbox_file(data_dir: Path) -> Path:
    return Path(os.environ.get("HOTLINE_OUTBOX_FILE", "").strip() or data_dir / "outbox.yaml")


def read_outbox_file(path: Path) -> OutboxSettings:
    """The settings in ``path``; environment variables override URLs and hold tokens."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        destinations = {}
        for code, spec in (raw.get("destinations") or {}).items():
            spec = spec or {}
            url = os.environ.get(f"HOTLINE_OUTBOX_URL_{code.upper()}", "").strip()
            token_env = str(spec.get("token_env") or "")
            destinations[code] = Destination(
                code=str(code),
                name=str(spec.get("name") or code),
                url=url or str(spec.get("url") or "").strip(),
                token=(os.environ.get(token_env, "").strip() or None) if token_env else None,
            )
        delivery = raw.get("delivery") or {}
        reports = raw.get("reports") or {}
        settings = OutboxSettings(
            destinations=destinations,
            every_seconds=int(delivery.get("every_seconds", 30)),
            batch=int(delivery.get("batch", 20)),
            timeout_seconds=float(delivery.get("timeout_seconds", 10)),
            max_attempts=int(delivery.get("max_attempts", 8)),
            backoff_first_seconds=float(delivery.get("backoff_first_seconds", 60)),
            backoff_max_seconds=float(delivery.get("backoff_max_seconds", 21600)),
            jitter=float(delivery.get("jitter", 0.5)),
            lease_seconds=float(delivery.get("lease_seconds", 300)),
            report_every_minutes=int(reports.get("every_minutes", 60)),
        )
    except (OSError, yaml.YAMLError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
    _check(path, settings)
    return settings


def _check(path: Path, s: OutboxSettings) -> None:
    problems = []
    if s.max_attempts < 1 or s.batch < 1 or s.every_seconds < 1 or s.report_every_minutes < 1:
        problems.append("max_attempts, batch, every_seconds and every_minutes must be at least 1")
    if not 0 <= s.jitter <= 1:
        problems.append("jitter must be between 0 and 1")
    if s.backoff_first_seconds <= 0 or s.backoff_max_seconds < s.backoff_first_seconds:
        problems.append("backoff_first_seconds > 0 and backoff_max_seconds >= it")
    if s.lease_seconds <= s.timeout_seconds * s.batch:  # a claimed batch is sent in turn
        problems.append("lease_seconds must be longer than timeout_seconds × batch")
    missing = set(TOPICS.values()) - set(s.destinations)
    if missing:
        problems.append(f"destinations missing: {sorted(missing)}")
    for d in s.destinations.values():
        if d.url and not d.url.startswith(("http://", "https://")):
            problems.append(f"{d.code}: url must start with http:// or https://")
    if problems:
        raise InvalidInput(f"{path}: " + "; ".join(problems))
