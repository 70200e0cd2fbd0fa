"""Callback rules from ``data/callbacks.yaml`` (path: HOTLINE_CALLBACKS_FILE)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from casework.config import Settings, load_settings


class CallbackSettingsError(ValueError):
    """The callbacks file is invalid."""


@dataclass(frozen=True)
class CallbackSettings:
    windows: tuple[tuple[dt.time, dt.time], ...] = (
        (dt.time(9), dt.time(12)),
        (dt.time(14), dt.time(20)),
    )
    delay_working_days: int = 1
    max_attempts: int = 3
    retry_after: dt.timedelta = dt.timedelta(minutes=120)
    calls_per_second: int = 1
    max_concurrent_calls: int = 5
    from_number: str = "+862288908890"
    stale_after: dt.timedelta = dt.timedelta(minutes=20)


def load_callback_settings(settings: Settings | None = None) -> CallbackSettings:
    settings = settings or load_settings()
    path = Path(os.environ.get("HOTLINE_CALLBACKS_FILE") or settings.data_dir / "callbacks.yaml")
    if not path.exists():
        return CallbackSettings()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        base = CallbackSettings()
        windows = (
            tuple(
                (dt.time.fromisoformat(str(a)), dt.time.fromisoformat(str(b)))
                for a, b in raw.get("calling_hours") or []
            )
            or base.windows
        )
        result = CallbackSettings(
            windows=windows,
            delay_working_days=int(raw.get("delay_working_days", base.delay_working_days)),
            max_attempts=int(raw.get("max_attempts", base.max_attempts)),
            retry_after=dt.timedelta(minutes=float(raw.get("retry_after_minutes", 120))),
            calls_per_second=int(raw.get("calls_per_second", base.calls_per_second)),
            max_concurrent_calls=int(raw.get("max_concurrent_calls", base.max_concurrent_calls)),
            from_number=str(raw.get("from_number", base.from_number)),
            stale_after=dt.timedelta(minutes=float(raw.get("stale_after_minutes", 20))),
        )
    except (yaml.YAMLError, TypeError, ValueError) as exc:
        raise CallbackSettingsError(f"{path}: {exc}") from exc
    if any(a >= b for a, b in result.windows):
        raise CallbackSettingsError(f"{path}: each calling window must start before it ends")
    if min(result.max_attempts, result.calls_per_second, result.max_concurrent_calls) < 1:
        raise CallbackSettingsError(f"{path}: attempts and caps must be at least 1")
    return result
