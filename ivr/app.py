"""The Flask application factory: one blueprint per feature."""

from __future__ import annotations

import logging

from flask import Flask

from casework.config import Settings, load_settings
from casework.privacy import install_log_masking
from casework.service import Casework

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, casework: Casework | None = None) -> Flask:
    settings = settings or load_settings()
    install_log_masking()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False)
    app.json.ensure_ascii = False
    if settings.uses_dev_secret:
        log.warning("HOTLINE_SECRET_KEY is not set: using the development secret")
    app.extensions["settings"] = settings
    app.extensions["casework"] = casework or Casework.from_settings(settings)

    from ivr.api import bp as api_bp
    from ivr.health import bp as health_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    return app
