"""Open311 GeoReport v2 for web and mobile apps, under /open311/v2."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("open311", __name__)


def init_app(app: Flask) -> None:
    """Register the Open311 endpoints on the app."""
    app.register_blueprint(bp, url_prefix="/open311/v2")
