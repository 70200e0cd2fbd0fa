"""Every webhook must carry a valid X-Twilio-Signature (also behind a reverse proxy)."""

from __future__ import annotations

import logging

from flask import abort, request
from twilio.request_validator import RequestValidator

from ivr.services import voice_settings

log = logging.getLogger(__name__)


def public_url() -> str:
    """The URL Twilio signed: the configured public base URL, or this request's URL with the
    scheme the proxy saw (X-Forwarded-Proto)."""
    settings = voice_settings()
    if settings.public_url:
        return settings.public_url + request.full_path.rstrip("?")
    url = request.url
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip()
    if proto in ("http", "https") and not url.startswith(proto + "://"):
        url = proto + url[url.index("://") :]
    return url


def check_signature():
    """Refuse (403) a webhook whose signature is missing or wrong; runs before every one."""
    settings = voice_settings()
    if settings.skip_signature:
        log.warning("HOTLINE_DEV_SKIP_TWILIO_SIGNATURE=1: webhook signatures are NOT checked")
        return None
    signature = request.headers.get("X-Twilio-Signature", "")
    validator = RequestValidator(settings.auth_token)
    if not signature or not validator.validate(public_url(), request.form.to_dict(), signature):
        log.warning("refused a voice webhook with a missing or wrong signature: %s", request.path)
        abort(403)
    return None
