"""`/health`: is the service usable, and what should an operator fix."""

import datetime as dt

from flask import Blueprint, jsonify
from sqlalchemy import text

from casework import migrate
from ivr.services import casework, speech

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    service = casework()
    warnings = []
    try:
        with service.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
        if not migrate.is_up_to_date(service.db.engine):
            warnings.append("database schema is not up to date: run `ivr db upgrade`")
    except Exception as exc:  # the health page reports any failure, it never raises
        database = f"error: {type(exc).__name__}"
    this_year = dt.date.today().year
    missing = service.calendar.missing_years(range(this_year, this_year + 2))
    for year in missing:
        warnings.append(
            f"no holiday schedule for {year}: Monday to Friday counted as working days; "
            "add it to data/holidays.yaml"
        )
    voice = speech()
    if voice.mode != voice.settings.mode:
        warnings.append(f"speech recognition: {voice.reason}")
    ok = database == "ok"
    body = {
        "status": "ok" if ok else "error",
        "database": database,
        "calendar": {"missing_years": missing},
        "speech": voice.health(),
        "warnings": warnings,
    }
    return jsonify(body), 200 if ok else 503
