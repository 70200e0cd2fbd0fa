"""Open311 GeoReport v2 for web and mobile apps, under /open311/v2.

JSON only: a ``.xml`` URL answers 400 with the spec's error list. Errors are
always ``[{"code": 400, "description": "…"}]`` with the same HTTP status.
Posting needs an API key (``ivr apikeys add``); reading is public but shows
only requests that came in on the web and app channels, never a phone number.
"""

from __future__ import annotations

import math
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from casework.apikeys import ApiKeys
from casework.lifecycle import CaseError, InvalidInput
from casework.open311 import Open311Store, parse_w3_datetime, read_open311_file
from ivr import text_intake
from ivr.flows.intake import callback_number
from ivr.services import casework

bp = Blueprint("open311", __name__)
MAX_FIELD = 300


def init_app(app: Flask) -> None:
    """Register the Open311 endpoints on the app."""
    service = app.extensions["casework"]
    settings = app.extensions["settings"]
    path = Path(settings.data_dir) / "open311.yaml"
    config = read_open311_file(path)
    app.extensions["open311"] = Open311Store(service.db, config, service.calendar.timezone)
    app.extensions["apikeys"] = ApiKeys(service.db, service.clock)
    app.register_blueprint(bp, url_prefix="/open311/v2")


def _store() -> Open311Store:
    return current_app.extensions["open311"]


def error(code: int, description: str):
    """The spec's error format, with the same HTTP status."""
    response = jsonify([{"code": code, "description": description}])
    response.status_code = code
    return response


class Refused(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    return error(exc.code, exc.description)


@bp.errorhandler(InvalidInput)
def _invalid(exc: InvalidInput):
    return error(400, str(exc))


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    return error(exc.code or 500, exc.description or exc.name)


def _json_only(fmt: str) -> None:
    if fmt != "json":
        raise Refused(400, f"format {fmt!r} is not supported: this endpoint answers JSON only")


def _jurisdiction() -> None:
    wanted = (request.values.get("jurisdiction_id") or "").strip()
    if wanted and wanted != _store().config.jurisdiction_id:
        raise Refused(404, f"jurisdiction_id {wanted!r} not found")


# ----------------------------------------------------------------- services


@bp.get("/services.<fmt>")
def services(fmt: str):
    _json_only(fmt)
    _jurisdiction()
    return jsonify([s.to_spec() for s in _store().config.services])


@bp.get("/services/<code>.<fmt>")
def service_definition(code: str, fmt: str):
    _json_only(fmt)
    _jurisdiction()
    if _store().config.service(code) is None:
        raise Refused(404, f"service_code {code!r} not found")
    return jsonify({"service_code": code, "attributes": []})


# ----------------------------------------------------------------- requests


@bp.post("/requests.<fmt>")
def post_request(fmt: str):
    _json_only(fmt)
    _jurisdiction()
    client = current_app.extensions["apikeys"].check(request.form.get("api_key"))
    if client is None:
        raise Refused(403, "api_key is missing, unknown or revoked")
    code = _field("service_code")
    service = _store().config.service(code) if code else None
    if service is None:
        raise Refused(400, f"service_code {code!r} not found; see services.json")
    text = _field("description", limit=text_intake.MAX_TEXT)
    if not text:
        raise Refused(400, "description is required: what happened, and where")
    lat, long = _coordinates()
    address = _field("address_string") or _field("address_id")
    if address is None and lat is None:
        raise Refused(400, "a location is required: lat and long, or address_string")
    phone = _field("phone")
    caller = callback_number(phone) if phone else None
    if phone and caller is None:
        raise Refused(400, "phone is not a mainland mobile or landline number")

    decision, outcome = text_intake.understand(text_intake.clean_text(text))
    if outcome is not None:  # emergency, not the hotline's, or a paid household service
        description = outcome.advice or ""
        if outcome.enterprises:
            description += "；".join(f"{e.name} {e.phone}" for e in outcome.enterprises)
        raise Refused(400, description)
    location = address or f"{lat:.6f},{long:.6f}"
    case = text_intake.register(
        text, decision, channel=client.channel, label=code, caller=caller, location=location
    )
    answer = text_intake.kb_answer(decision)
    notice = _notice(case, answer)
    try:
        _store().record(
            case.ref,
            client.id,
            code,
            service_notice=notice,
            address_string=_field("address_string"),
            lat=lat,
            long=long,
            device_id=_field("device_id", limit=100),
            account_id=_field("account_id", limit=100),
            media_url=_field("media_url", limit=500),
        )
    except CaseError:
        current_app.logger.exception("open311: details of %s not stored", case.ref)
    return jsonify([{"service_request_id": case.ref, "service_notice": notice, "account_id": None}])


@bp.get("/requests.<fmt>")
def get_requests(fmt: str):
    _json_only(fmt)
    _jurisdiction()
    ids = [r.strip() for r in (request.args.get("service_request_id") or "").split(",")]
    args = request.args
    start = args.get("start_date")
    end = args.get("end_date")
    found = _store().find(
        refs=[r for r in ids if r][:MAX_FIELD],
        service_code=(args.get("service_code") or "").strip() or None,
        start=parse_w3_datetime(start, "start_date") if start else None,
        end=parse_w3_datetime(end, "end_date") if end else None,
        status=(args.get("status") or "").strip().lower() or None,
        now=casework().clock(),
    )
    return jsonify(found)


@bp.get("/requests/<ref>.<fmt>")
def get_request(ref: str, fmt: str):
    _json_only(fmt)
    _jurisdiction()
    found = _store().find(refs=[ref], now=casework().clock())
    if not found:
        raise Refused(404, f"service_request_id {ref!r} not found")
    return jsonify(found)


# ----------------------------------------------------------------- helpers


def _field(name: str, limit: int = MAX_FIELD) -> str | None:
    value = (request.form.get(name) or "").strip()
    if len(value) > limit:
        raise Refused(400, f"{name} is longer than {limit} characters")
    return value or None


def _coordinates() -> tuple[float | None, float | None]:
    lat, long = _field("lat"), _field("long")
    if lat is None and long is None:
        return None, None
    try:
        lat_f, long_f = float(lat or ""), float(long or "")
    except ValueError as exc:
        raise Refused(400, "lat and long must both be given as decimal degrees") from exc
    if not (math.isfinite(lat_f) and math.isfinite(long_f)):
        raise Refused(400, "lat and long must be numbers")
    if not (-90 <= lat_f <= 90 and -180 <= long_f <= 180):
        raise Refused(400, "lat must be within -90..90 and long within -180..180")
    return lat_f, long_f


def _notice(case, answer: str | None) -> str:
    service = casework()
    if case.unit_name:
        days = service.policy.resolve_limit(case.label)
        notice = (
            f"您的诉求已登记，编号{case.ref}，已转交{case.unit_name}办理，"
            f"一般在{days}个工作日内答复。"
        )
    else:
        notice = f"您的诉求已登记，编号{case.ref}，热线中心将尽快转交有关单位办理。"
    if case.label == "report_violation":
        notice += "有关部门会在规定时限内决定是否受理并告知您。"
    if answer:
        notice += f"相关政策供您参考：{answer}"
    return notice
