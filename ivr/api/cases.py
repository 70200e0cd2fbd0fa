"""The unit's cases: list, read, accept, return, decide, extend, resolve, note, designate."""

import datetime as dt

from flask import g, jsonify, request

from casework.lifecycle import InvalidInput
from ivr.api import bp
from ivr.services import casework


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise InvalidInput("the request body must be JSON")
    if body is not None and not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body or {}


def _text(body: dict, key: str) -> str:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{key} must be a string")
    return value or ""


def _int(value, name: str, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{name} must be a whole number") from exc


@bp.get("/me")
def me():
    return jsonify({"unit": g.unit})


@bp.get("/cases")
def list_cases():
    args = request.args
    overdue = {"true": True, "1": True, "false": False, "0": False}.get(args.get("overdue", ""))
    cases = casework().list_cases(
        viewer=g.who,
        status=args.get("status") or None,
        label=args.get("label") or None,
        overdue=overdue,
        limit=_int(args.get("limit"), "limit", 100),
        offset=_int(args.get("offset"), "offset", 0),
    )
    return jsonify({"cases": [c.to_dict() for c in cases]})


@bp.get("/cases/<ref>")
def show_case(ref: str):
    service = casework()
    case = service.get_case(ref, viewer=g.who)
    history = service.history(ref, viewer=g.who)
    return jsonify({**case.to_dict(), "history": [e.to_dict() for e in history]})


@bp.post("/cases/<ref>/accept")
def accept(ref: str):
    return jsonify(casework().accept(ref, g.who).to_dict())


@bp.post("/cases/<ref>/return")
def return_case(ref: str):
    body = _body()
    return jsonify(casework().return_case(ref, _text(body, "reason"), g.who).to_dict())


@bp.post("/cases/<ref>/decision")
def decide(ref: str):
    body = _body()
    admit = body.get("admit")
    if not isinstance(admit, bool):
        raise InvalidInput("admit must be true (受理) or false (不予受理)")
    return jsonify(casework().decide(ref, admit, g.who, _text(body, "reason")).to_dict())


@bp.post("/cases/<ref>/extension")
def request_extension(ref: str):
    body = _body()
    until = None
    if body.get("until"):
        try:
            until = dt.datetime.fromisoformat(_text(body, "until"))
        except ValueError as exc:
            raise InvalidInput("until must be an ISO date-time, e.g. 2026-12-08T17:30") from exc
    case = casework().request_extension(
        ref, _text(body, "reason"), g.who, until=until, days=_int(body.get("days"), "days")
    )
    return jsonify(case.to_dict())


@bp.post("/cases/<ref>/resolve")
def resolve(ref: str):
    body = _body()
    return jsonify(casework().resolve(ref, _text(body, "reply"), g.who).to_dict())


@bp.post("/cases/<ref>/notes")
def add_note(ref: str):
    body = _body()
    return jsonify(casework().add_note(ref, _text(body, "text"), g.who).to_dict())


@bp.post("/cases/<ref>/designate")
def designate(ref: str):
    body = _body()
    co = body.get("co_handlers") or []
    if not isinstance(co, list) or not all(isinstance(c, str) for c in co):
        raise InvalidInput("co_handlers must be a list of unit codes")
    case = casework().designate(
        ref, _text(body, "lead"), co, by=g.who, reason=_text(body, "reason") or None
    )
    return jsonify(case.to_dict())


@bp.get("/notices")
def notices():
    return jsonify({"notices": [n.to_dict() for n in casework().notices(g.unit)]})
