"""The citizens' web form: text through the same nlu, a reference number or the right advice.

`/report` is public (citizens do not log in), server-rendered, in Chinese, and
every POST carries the session's CSRF token like the workbench's forms. An
emergency shows the number to call at once and registers nothing; a matter the
hotline may not take is explained with where to go; an inquiry with a
confident knowledge-base answer is answered on the page (the citizen may still
register it); everything else becomes a case on the ``web`` channel and the
page shows its reference. Each address may submit a few times per minute; a
refreshed result page does not submit the same words twice.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque

from flask import Flask, current_app, render_template, request, session

from casework.lifecycle import CaseError
from ivr import text_intake
from ivr.flows.intake import callback_number
from ivr.services import casework
from ivr.web import bp

MAX_LOCATION = 300
LIMIT, WINDOW = 5, 60.0  # submissions per address per minute, per process
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Put this feature's services on the app (called by `ivr.web.init_app`)."""
    app.extensions["citizen_submissions"] = {}


@bp.route("/report", methods=["GET", "POST"])
def citizen_report():
    if request.method == "GET":
        return _form()
    text = (request.form.get("text") or "").strip()
    location = (request.form.get("location") or "").strip()
    phone = (request.form.get("phone") or "").strip()
    form = {"text": text, "location": location, "phone": phone}
    nonce = request.form.get("nonce") or ""
    last = session.get("report_last")
    if last and nonce != session.get("report_nonce"):  # a refreshed result, a double click
        return render_template("web/citizen_again.html", ref=last)
    problem = _check(text, location, phone)
    if problem:
        return _form(form, problem, 400)
    if _too_many(request.remote_addr or "?"):
        return _form(form, "提交太频繁了，请稍等一分钟再提交。", 429)
    try:
        outcome = text_intake.take(
            text,
            channel="web",
            caller=callback_number(phone) if phone else None,
            location=location or None,
            answer_inquiries=request.form.get("register") != "1",
        )
    except CaseError:
        current_app.logger.exception("web form: the request could not be registered")
        return _form(form, "系统暂时无法登记，请稍后再试，或拨打88908890。", 503)
    session.pop("report_nonce", None)
    if outcome.case is not None:
        session["report_last"] = outcome.case.ref
    days = casework().policy.resolve_limit(outcome.label) if outcome.case else None
    nonce = _new_nonce() if outcome.kind == "answered" else None
    return render_template(
        "web/citizen_result.html", outcome=outcome, form=form, days=days, nonce=nonce
    )


def _form(form: dict | None = None, error: str | None = None, status: int = 200):
    page = render_template(
        "web/citizen.html",
        form=form or {"text": "", "location": "", "phone": ""},
        error=error,
        nonce=_new_nonce(),
        max_text=text_intake.MAX_TEXT,
    )
    return page, status


def _new_nonce() -> str:
    nonce = session["report_nonce"] = secrets.token_urlsafe(16)
    session.pop("report_last", None)
    return nonce


def _check(text: str, location: str, phone: str) -> str | None:
    if not text:
        return "请写下您要反映的问题。"
    if len(text) > text_intake.MAX_TEXT:
        return f"问题描述请不要超过{text_intake.MAX_TEXT}字。"
    if not text_intake.has_words(text):
        return "没能看懂您写的内容，请用文字写下遇到了什么问题、在什么地方，我们好尽快帮您转办。"
    if len(location) > MAX_LOCATION:
        return f"地址请不要超过{MAX_LOCATION}字。"
    if phone and callback_number(phone) is None:
        return "联系电话的格式不对，请填写手机号码或带区号的固定电话。"
    return None


def _too_many(address: str) -> bool:
    now = time.monotonic()
    with _lock:
        seen: dict[str, deque] = current_app.extensions["citizen_submissions"]
        times = seen.setdefault(address, deque(maxlen=LIMIT))
        while times and now - times[0] > WINDOW:
            times.popleft()
        if len(times) >= LIMIT:
            return True
        times.append(now)
        if len(seen) > 10_000:
            seen.clear()
        return False
