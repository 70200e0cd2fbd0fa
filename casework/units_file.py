"""The operators' units file (``data/units.yaml``): read and validated, no database here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

KINDS = frozenset({"district", "bureau", "utility", "office", "center"})
APPROVAL_OFFICE = "office.approval"


class UnitsFileError(ValueError):
    """The units file is invalid; the message names the entry and the field."""


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    district: str | None
    categories: tuple[str, ...]
    keywords: tuple[str, ...]
    active: bool


def read_units_file(path: Path) -> list[UnitSpec]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UnitsFileError(f"{path}: {exc}") from exc
    entries = raw.get("units") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise UnitsFileError(f"{path}: expected a non-empty list under 'units:'")
    specs, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        spec = _spec(path, number, entry)
        if spec.code in seen:
            raise UnitsFileError(f"{path}: unit #{number}: code {spec.code!r} appears twice")
        seen.add(spec.code)
        specs.append(spec)
    return specs


def _spec(path: Path, number: int, entry: object) -> UnitSpec:
    where = f"{path}: unit #{number}"
    if not isinstance(entry, dict):
        raise UnitsFileError(f"{where}: expected a mapping")
    for key in ("code", "name", "kind"):
        if not str(entry.get(key) or "").strip():
            raise UnitsFileError(f"{where}: '{key}' is missing")
    if entry["kind"] not in KINDS:
        raise UnitsFileError(f"{where}: kind must be one of {', '.join(sorted(KINDS))}")
    lists = {}
    for key in ("categories", "keywords"):
        value = entry.get(key) or []
        if not isinstance(value, list):
            raise UnitsFileError(f"{where}: '{key}' must be a list")
        lists[key] = tuple(str(v) for v in value)
    return UnitSpec(
        code=str(entry["code"]).strip(),
        name=str(entry["name"]).strip(),
        kind=entry["kind"],
        district=entry.get("district"),
        categories=lists["categories"],
        keywords=lists["keywords"],
        active=bool(entry.get("active", True)),
    )
