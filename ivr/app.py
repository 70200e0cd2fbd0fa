"""The Flask application factory: one blueprint per feature."""

from __future__ import annotations

import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import nlu
from callbacks.service import Callbacks
from casework.calls import CallLog, read_enterprise_file
from casework.config import Settings, load_settings
from casework.privacy import install_log_masking
from casework.service import Casework
from ivr.config import load_proxy_hops, load_voice_settings
from ivr.prompts import Prompts

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, casework: Casework | None = None) -> Flask:
    settings = settings or load_settings()
    install_log_masking()
    for noisy in ("alembic", "twilio.http_client"):  # a line per statement / REST request
        logging.getLogger(noisy).setLevel(logging.WARNING)
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, JSON_AS_ASCII=False)
    app.json.ensure_ascii = False
    if settings.uses_dev_secret:
        log.warning("HOTLINE_SECRET_KEY is not set: using the development secret")
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024  # webhooks are small; refuse huge bodies
    hops = load_proxy_hops()
    if hops:  # the client's address and scheme as the trusted proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    voice = load_voice_settings(settings)
    if voice.uses_dev_credentials:
        log.warning("HOTLINE_TWILIO_AUTH_TOKEN is not set: using the development token")
    casework = casework or Casework.from_settings(settings)
    catalog, _ = read_enterprise_file(voice.enterprises_file)
    app.extensions.update(
        settings=settings,
        voice_settings=voice,
        casework=casework,
        calllog=CallLog(casework.db, casework.clock),
        classifier=nlu.default_classifier(),
        prompts=Prompts.load(voice.prompts_file, voice.voice),
        service_catalog=catalog,
        callbacks=Callbacks.build(casework),
    )

    from ivr.voice.stream import init_app as init_speech  # speech mode, /voice/stream

    init_speech(app)

    from ivr.api import bp as api_bp
    from ivr.health import bp as health_bp
    from ivr.voice.routes import bp as voice_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(voice_bp, url_prefix="/voice")

    from ivr.web import init_app as init_web  # the units' workbench: login, pages, CSRF

    init_web(app)

    from ivr.open311 import init_app as init_open311  # web and app intake (GeoReport v2)

    init_open311(app)
    return app
