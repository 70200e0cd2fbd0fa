"""Per-unit API tokens: ``Authorization: Bearer <token>``; a token acts as its unit only."""

from flask import g, request

from casework.service import Who
from casework.units_file import APPROVAL_OFFICE
from ivr.api import bp
from ivr.api.errors import error_response
from ivr.services import casework


@bp.before_request
def authenticate():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response(401, "unauthorized", "send the unit's token: Authorization: Bearer …")
    unit = casework().unit_for_token(token.strip())
    if unit is None:
        return error_response(401, "unauthorized", "unknown or revoked token")
    g.unit = unit
    g.who = Who.approval_office(unit) if unit == APPROVAL_OFFICE else Who.unit_user(unit)
    return None
