"""The units' workbench in the browser: login, the unit's cases, and the forms to handle them.

Server-rendered pages under /login and /workbench/. Every page needs a signed-in
user (a signed session cookie, HttpOnly, SameSite=Lax); every POST needs the
session's CSRF token. The JSON API under /api/ keeps its bearer tokens and is
not touched by any of this.
"""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web/static",
)


def init_app(app: Flask) -> None:
    """Register the workbench on the app: cookie settings, the users service, the routes."""
    from casework.users import Users

    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    casework = app.extensions["casework"]
    app.extensions["users"] = Users(casework.db, casework.clock)
    console.init_app(app)
    dashboard.init_app(app)
    citizen.init_app(app)
    app.register_blueprint(bp)


from ivr.web import auth, citizen, console, dashboard, outside_pages, workbench  # noqa: E402,F401  (routes register on import)
