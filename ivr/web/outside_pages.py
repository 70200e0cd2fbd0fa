"""The supervisors' pages for outside systems and member enterprises (articles 9, 16, 20, 24).

- `/dashboard/outbox`: how many messages to outside systems are in each state, and the
  dead letters (messages that gave up), each with a button to try it again.
- `/dashboard/enterprises/`: the member enterprises with their rating and standing;
  `/dashboard/enterprises/<code>` one of them with its record (violations, suspensions,
  reinstatements) and the forms to suspend or reinstate it, with a reason.

For the supervisor and admin roles only (others get a 403 page); every form carries the
session's CSRF token; every change goes through `casework` (the outbox, the standing)
with the supervisor's name, as the command line does.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, url_for

from casework.enterprise_standing import CAUSE_NAMES, Enterprises
from casework.lifecycle import CaseError, Forbidden, InvalidInput, NotFound
from casework.outbox import Outbox, dead_letters, status_counts
from casework.outbox_config import TOPICS, outbox_file, read_outbox_file
from casework.privacy import mask_phones_in
from ivr.services import casework, catalog, reports
from ivr.web import bp
from ivr.web.dashboard import require_supervisor

DEAD_SHOWN = 100
MAX_REASON = 500
STATUS_NAMES = {
    "pending": "待发送",
    "delivering": "发送中",
    "delivered": "已送达",
    "dead": "已放弃",
}
TOPIC_NAMES = {
    "enforcement_grievance": "执法投诉（受理即报）",
    "violation_reports": "违法行为举报（定期汇总）",
    "enterprise_credit": "加盟企业信用记录",
}
EVENT_NAMES = {"violation": "违法记录", "suspension": "暂停推荐", "reinstatement": "恢复推荐"}


def _period():
    """The dashboard's period, kept in the tabs' links (these pages do not depend on it)."""
    try:
        return reports().period(request.values.get("from"), request.values.get("to"))
    except InvalidInput:
        return reports().period(None, None)


def _period_args() -> dict[str, str]:
    return {k: request.values[k] for k in ("from", "to") if request.values.get(k)}


def _service_names(codes: list[str]) -> str:
    names = catalog().names
    return "、".join(names.get(c, c) for c in codes) or "—"


def _who_name(actor: str) -> str:
    kind, _, name = (actor or "").partition(":")
    if kind == "supervisor":
        return name
    if kind == "system":
        return "系统（回访评价）"
    return actor or "—"


# ----------------------------------------------------------------- the outbox


def _outbox() -> Outbox:
    service = casework()
    settings = read_outbox_file(outbox_file(current_app.extensions["settings"].data_dir))
    return Outbox(service.db, settings, clock=service.clock)


@bp.get("/dashboard/outbox")
def outside_outbox():
    """Article 9, 16, 24: what went to the outside systems, and what gave up."""
    require_supervisor()
    outbox = _outbox()
    letters = [
        {
            "id": m.id,
            "topic": TOPIC_NAMES.get(m.topic, m.topic),
            "destination": outbox.settings.destination(m.destination).name,
            "ref": m.case_ref,
            "attempts": m.attempts,
            "http_status": m.last_http_status,
            "error": mask_phones_in(m.last_error or ""),
            "created_at": casework().local(m.created_at),
            "dead_at": casework().local(m.dead_at) if m.dead_at else "—",
        }
        for m in dead_letters(casework().db, DEAD_SHOWN)
    ]
    destinations = [outbox.settings.destination(c) for c in sorted(set(TOPICS.values()))]
    return render_template(
        "web/outside_outbox.html",
        period=_period(),
        counts=status_counts(casework().db),
        status_names=STATUS_NAMES,
        letters=letters,
        shown=DEAD_SHOWN,
        destinations=destinations,
    )


@bp.post("/dashboard/outbox/<int:message_id>/retry")
def outside_outbox_retry(message_id: int):
    """A dead letter becomes pending again; the delivery job sends it on its next run."""
    require_supervisor()
    try:
        _outbox().retry([message_id])
    except NotFound:
        flash(f"没有找到消息 #{message_id}。", "error")
    except InvalidInput:
        flash(f"消息 #{message_id} 已不在“已放弃”状态（可能已由他人重新发送）。", "error")
    else:
        current_app.logger.info("outbox: %s retried dead letter #%s", g.user.username, message_id)
        flash(f"消息 #{message_id} 将重新发送。", "success")
    return redirect(url_for("web.outside_outbox", **_period_args()))


@bp.post("/dashboard/outbox/retry-all")
def outside_outbox_retry_all():
    require_supervisor()
    count = _outbox().retry(all_dead=True)
    current_app.logger.info("outbox: %s retried all %s dead letters", g.user.username, count)
    if count:
        flash(f"{count} 条已放弃的消息将重新发送。", "success")
    else:
        flash("没有已放弃的消息。", "info")
    return redirect(url_for("web.outside_outbox", **_period_args()))


# ----------------------------------------------------------------- member enterprises


def _enterprises() -> Enterprises:
    service = casework()
    return Enterprises(service.db, clock=service.clock)


@bp.get("/dashboard/enterprises/", defaults={"code": None})
@bp.get("/dashboard/enterprises/<code>")
def outside_enterprises(code: str | None):
    """Articles 20, 24: the members' ratings and standing; one member's record and forms."""
    require_supervisor()
    standing = _enterprises()
    local = casework().local
    if code is None:
        rows = sorted(standing.list(), key=lambda e: (not e.suspended, -e.rating, e.code))
        return render_template(
            "web/outside_enterprises.html",
            period=_period(),
            enterprises=rows,
            services=_service_names,
            cause_names=CAUSE_NAMES,
            rules=standing.rules,
            local=local,
        )
    try:
        view = standing.get(code)
        history = standing.history(code)
    except NotFound:
        flash(f"没有加盟企业 {code}。", "error")
        return redirect(url_for("web.outside_enterprises", **_period_args()))
    return render_template(
        "web/outside_enterprise.html",
        period=_period(),
        e=view,
        history=history,
        services=_service_names,
        event_names=EVENT_NAMES,
        cause_names=CAUSE_NAMES,
        who=_who_name,
        mask=mask_phones_in,
        local=local,
        rules=standing.rules,
    )


@bp.post("/dashboard/enterprises/<code>/suspend")
def outside_enterprise_suspend(code: str):
    return _standing_change(code, "suspend")


@bp.post("/dashboard/enterprises/<code>/reinstate")
def outside_enterprise_reinstate(code: str):
    return _standing_change(code, "reinstate")


def _standing_change(code: str, verb: str):
    """Suspend or reinstate with the signed-in supervisor's name and a reason."""
    require_supervisor()
    reason = (request.form.get("reason") or "").strip()
    back = url_for("web.outside_enterprises", code=code, **_period_args())
    if not reason:
        flash("请填写理由。", "error")
        return redirect(back)
    if len(reason) > MAX_REASON:
        flash(f"理由请不要超过{MAX_REASON}字。", "error")
        return redirect(back)
    standing = _enterprises()
    try:
        if verb == "suspend":
            view = standing.suspend(code, reason, g.user.username)
        else:
            view = standing.reinstate(code, reason, g.user.username)
    except NotFound:
        flash(f"没有加盟企业 {code}。", "error")
        return redirect(url_for("web.outside_enterprises", **_period_args()))
    except Forbidden:
        flash("只有在职的班长或管理员可以暂停或恢复加盟企业。", "error")
        return redirect(back)
    except CaseError as exc:
        if "already" in str(exc):
            flash("该企业已经暂停推荐（可能已由他人操作）。", "error")
        elif "not suspended" in str(exc):
            flash("该企业目前没有暂停推荐（可能已由他人恢复）。", "error")
        else:
            flash(f"未能完成：{exc}", "error")
        return redirect(back)
    done = "已暂停推荐" if verb == "suspend" else "已恢复推荐"
    flash(f"{view.name}{done}，这条记录将报送信用信息公示系统。", "success")
    return redirect(back)
