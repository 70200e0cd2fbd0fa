"""JSON errors: a stable ``error`` code and a human ``message``; never an HTML page."""

from flask import jsonify
from werkzeug.exceptions import HTTPException

from casework.lifecycle import CaseError, Conflict, Forbidden, IllegalTransition, NotFound
from ivr.api import bp

_STATUS = {NotFound: 404, Forbidden: 403, IllegalTransition: 409, Conflict: 409}


def error_response(status: int, code: str, message: str):
    return jsonify({"error": code, "message": message}), status


@bp.errorhandler(CaseError)
def case_error(exc: CaseError):
    return error_response(_STATUS.get(type(exc), 400), exc.code, str(exc))


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return error_response(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description)
