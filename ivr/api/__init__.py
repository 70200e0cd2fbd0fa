"""JSON API for handling units under /api/, authenticated by per-unit tokens."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from ivr.api import auth, cases, errors  # noqa: E402,F401  (routes register on import)
