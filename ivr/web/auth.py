"""Login, logout, the signed-in user, CSRF tokens, and the workbench's error pages."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import Forbidden, HTTPException

from casework.users import UserView
from ivr.web import bp

SESSION_HOURS = 12  # a signed-in session ends after a working day, whatever happens
# The citizens' web form is the one page for people who do not log in.
PUBLIC_ENDPOINTS = frozenset({"web.login", "web.static", "web.citizen_report"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FAILURES, FAILURE_WINDOW = 10, 15 * 60  # per username and address, per process

ERROR_TEXTS = {
    400: ("请求无效", "表单已失效或不完整。请刷新页面后重新提交。"),
    403: ("无权访问", "您无权查看或办理该页面的内容。"),
    404: ("页面不存在", "没有找到您要的页面或事项。"),
    405: ("请求无效", "该页面不支持这种请求方式。"),
    429: ("尝试次数过多", "登录失败次数过多，请 15 分钟后再试。"),
}


def users():
    return current_app.extensions["users"]


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def deny(text: str) -> Forbidden:
    """A 403 whose page says ``text`` (Chinese, for the user)."""
    exc = Forbidden()
    exc.chinese = text
    return exc


@bp.context_processor
def _template_helpers() -> dict:
    return {"csrf_token": csrf_token}


@bp.before_request
def check_csrf():
    """Every POST carries the session's token (form field or X-CSRF-Token): 400 otherwise."""
    if request.method in SAFE_METHODS:
        return None
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400)
    return None


@bp.before_request
def load_user():
    g.user = None
    if request.endpoint == "web.static":
        return None
    uid, stamp, since = session.get("uid"), session.get("stamp"), session.get("since", 0)
    if uid is not None:
        if time.time() - since > SESSION_HOURS * 3600:
            _forget()
            flash("登录已超时，请重新登录。", "info")
        else:
            g.user = users().signed_in(uid, stamp or "")
            if g.user is None:
                _forget()
                flash("您的账号已停用或密码已更改，请重新登录。", "info")
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("web.login", next=_local(request.full_path)))
    return None


@bp.after_request
def security_headers(response):
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    if request.endpoint != "web.static":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = _local(request.values.get("next"))
    if g.user is not None and request.method == "GET":
        return redirect(target or landing_page(g.user))
    username = ""
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        if _throttled(_attempt_key(username)):
            abort(429)
        user = users().authenticate(username, password) if username and password else None
        if user is not None:
            _sign_in(user)
            return redirect(target or landing_page(user))
        _failed(_attempt_key(username))
        flash("用户名或密码错误，或账号已停用。", "error")
        return render_template("web/login.html", username=username, next=target), 401
    return render_template("web/login.html", username=username, next=target)


@bp.post("/logout")
def logout():
    _forget()
    flash("您已安全退出。", "info")
    return redirect(url_for("web.login"))


@bp.errorhandler(HTTPException)
def error_page(exc: HTTPException):
    code = exc.code or 500
    title, text = ERROR_TEXTS.get(code, (exc.name, exc.description))
    text = getattr(exc, "chinese", None) or text
    return render_template("web/error.html", code=code, title=title, text=text), code


def landing_page(user: UserView) -> str:
    """Where a user starts: supervisors and admins on the dashboard, others the workbench."""
    if user.role == "agent":
        return url_for("web.console")  # agents start at the agents' console
    if user.role in ("supervisor", "admin"):
        return url_for("web.dashboard")
    return url_for("web.workbench")


def _sign_in(user: UserView) -> None:
    session.clear()  # a fresh session (and CSRF token) for the signed-in user
    session["uid"], session["stamp"], session["since"] = user.id, user.stamp, int(time.time())
    csrf_token()
    with _lock:
        _failures().pop(_attempt_key(user.username), None)


def _forget() -> None:
    session.clear()
    g.user = None


def _local(target: str | None) -> str | None:
    """Only a path on this site is a safe place to return to after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target.rstrip("?") or None


_lock = threading.Lock()


def _failures() -> dict[str, deque]:
    return current_app.extensions.setdefault("web_login_failures", {})


def _attempt_key(username: str) -> str:
    return f"{username.lower()}@{request.remote_addr}"


def _throttled(key: str) -> bool:
    now = time.monotonic()
    with _lock:
        times = _failures().get(key)
        while times and now - times[0] > FAILURE_WINDOW:
            times.popleft()
        return bool(times) and len(times) >= MAX_FAILURES


def _failed(key: str) -> None:
    with _lock:
        failures = _failures()
        times = failures.setdefault(key, deque(maxlen=MAX_FAILURES))
        times.append(time.monotonic())
        if len(failures) > 10_000:  # names nobody has: do not grow without bound
            failures.clear()
