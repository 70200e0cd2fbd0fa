"""Open311 GeoReport v2 without the web: the service list, what a client sent with a request,
and service requests as the spec names their fields. No Flask here.

Our statuses map to the spec's two: a resolved or closed case is ``closed``,
every other one ``open``. Only requests posted through Open311 are listed (not
phone calls, not the web form). Phone numbers are never in the output (article
15): the caller's number is not a field, and numbers inside texts are masked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import and_, select

from casework.db import Database
from casework.lifecycle import InvalidInput
from casework.models import Case, Unit
from casework.outside_models import Open311Request
from casework.privacy import mask_phones_in
from casework.service import CASE_LABELS

CLOSED = frozenset({"resolved", "closed"})
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
W3_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # the dates a client may ask for
W3_LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    group: str
    keywords: tuple[str, ...]

    def to_spec(self) -> dict[str, Any]:
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.description,
            "metadata": False,
            "type": "realtime",
            "keywords": ",".join(self.keywords),
            "group": self.group,
        }


@dataclass(frozen=True)
class Open311Config:
    jurisdiction_id: str
    services: tuple[Service, ...]

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)


def read_open311_file(path: Path) -> Open311Config:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        services = tuple(
            Service(
                code=str(s["code"]),
                name=str(s["name"]),
                description=str(s.get("description") or ""),
                group=str(s.get("group") or ""),
                keywords=tuple(str(k) for k in s.get("keywords") or ()),
            )
            for s in raw.get("services") or []
        )
        config = Open311Config(str(raw.get("jurisdiction_id") or ""), services)
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
    wrong = [s.code for s in services if s.code not in CASE_LABELS]
    if wrong or not services:
        raise InvalidInput(f"{path}: services must be case labels ({sorted(CASE_LABELS)}): {wrong}")
    return config


def parse_w3_datetime(value: str, name: str) -> dt.datetime:
    """An ISO 8601 moment with its time zone (w3 format), e.g. 2010-04-14T06:37:38-08:00."""
    text = (value or "").strip().replace("Z", "+00:00").replace(" ", "+")
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(
            f"{name} is not a w3 date-time such as 2026-11-25T10:00:00+08:00"
        ) from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone, e.g. 2026-11-25T10:00:00+08:00 or …Z")
    if not W3_EARLIEST <= moment <= W3_LATEST:  # also keeps "minus 90 days" from overflowing
        raise InvalidInput(
            f"{name} must lie between {W3_EARLIEST.date()} and {W3_LATEST.date()} (UTC)"
        )
    return moment


class Open311Store:
    def __init__(self, database: Database, config: Open311Config, timezone: str) -> None:
        self.db = database
        self.config = config
        self.tz = ZoneInfo(timezone)

    def record(self, ref: str, api_key_id: int, service_code: str, **fields: Any) -> None:
        """What the client sent beside the case (location parts, device, notice given)."""
        with self.db.transaction() as s:
            case_id = s.scalar(select(Case.id).where(Case.ref == ref))
            s.add(
                Open311Request(
                    case_id=case_id, api_key_id=api_key_id, service_code=service_code, **fields
                )
            )

    def find(
        self,
        *,
        refs: list[str] | None = None,
        service_code: str | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        status: str | None = None,
        now: dt.datetime,
    ) -> list[dict[str, Any]]:
        """Service requests, newest first, as the spec's GET requests answers them."""
        cases, units, extra = Case.__table__, Unit.__table__, Open311Request.__table__
        query = (
            select(
                cases,
                units.c.name.label("unit_name"),
                extra.c.lat,
                extra.c.long,
                extra.c.media_url,
                extra.c.service_notice,
                extra.c.address_string,
            )
            .select_from(  # only requests that came in through Open311 are published here
                cases.join(extra, extra.c.case_id == cases.c.id).outerjoin(
                    units, units.c.id == cases.c.unit_id
                )
            )
            .order_by(cases.c.id.desc())
            .limit(MAX_RESULTS)
        )
        if refs:
            query = query.where(cases.c.ref.in_(refs))  # overrides every other filter
        else:
            if status not in (None, "", "open", "closed"):
                raise InvalidInput("status is open or closed")
            if end is None:
                end = now
            if start is None:
                start = end - dt.timedelta(days=DEFAULT_DAYS)
            if start > end:
                raise InvalidInput("start_date is after end_date")
            query = query.where(and_(cases.c.created_at >= start, cases.c.created_at <= end))
            if service_code:
                query = query.where(cases.c.label == service_code)
            if status == "closed":
                query = query.where(cases.c.status.in_(CLOSED))
            elif status == "open":
                query = query.where(cases.c.status.not_in(CLOSED))
        with self.db.reading() as c:
            rows = c.execute(query).mappings().all()
        return [self._spec(r) for r in rows]

    def _spec(self, r) -> dict[str, Any]:
        service = self.config.service(r["label"])
        closed = r["status"] in CLOSED
        notes = None
        if r["status"] in CLOSED and r["reply"]:
            notes = mask_phones_in(r["reply"])
        elif r["decision"] == "refused":
            notes = "有关部门决定不予受理"
        return {
            "service_request_id": r["ref"],
            "status": "closed" if closed else "open",
            "status_notes": notes,
            "service_name": service.name if service else r["label"],
            "service_code": r["label"],
            "description": mask_phones_in(r["text"]),
            "agency_responsible": r["unit_name"],
            "service_notice": r["service_notice"],
            "requested_datetime": self._w3(r["created_at"]),
            "updated_datetime": self._w3(r["updated_at"]),
            "expected_datetime": self._w3(r["resolve_due"]),
            "address": r["address_string"] or r["location"],
            "address_id": None,
            "zipcode": None,
            "lat": r["lat"],
            "long": r["long"],
            "media_url": r["media_url"],
        }

    def _w3(self, moment: dt.datetime | None) -> str | None:
        if moment is None:
            return None
        if moment.tzinfo is None:  # plain rows from the table: naive UTC
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.tz).isoformat(timespec="seconds")
