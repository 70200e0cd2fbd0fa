"""The supervisors' dashboard: figures, lists, charts, low-rated answers (articles 12, 13, 18).

Server-rendered pages under /dashboard/ for the supervisor and admin roles (others
get a 403 page). The figures come from `casework.reports`; charts are SVG made on
the server. An escalated case gets its lead unit and co-handlers here (article 12).
"""

from __future__ import annotations

from flask import Flask, flash, g, redirect, render_template, request, url_for
from markupsafe import Markup

from casework.lifecycle import CaseError, InvalidInput, NotFound
from casework.reports import charts, names
from casework.reports.scores import PART_NAMES
from casework.reports.service import Reports
from casework.reports.settings import SCORE_PARTS
from casework.service import Who
from casework.units_file import APPROVAL_OFFICE
from ivr.services import casework, reports
from ivr.web import bp
from ivr.web.auth import deny

ROLES = frozenset({"supervisor", "admin"})
NOT_DISPATCHABLE = frozenset({APPROVAL_OFFICE, "center.hotline"})


def init_app(app: Flask) -> None:
    """Put the reports service on the app (called by `ivr.web.init_app`)."""
    app.extensions["reports"] = Reports(app.extensions["casework"])


def require_supervisor() -> None:
    if g.user is None or g.user.role not in ROLES:
        raise deny("督办监控页面仅供热线中心班长和管理员使用。")


def _period():
    try:
        return reports().period(request.values.get("from"), request.values.get("to"))
    except InvalidInput:
        flash("日期格式应为 年-月-日，且结束日期不早于开始日期；已显示近 7 天。", "error")
        return reports().period(None, None)


@bp.context_processor
def _report_helpers() -> dict:
    return {
        "label_name": names.label_name,
        "report_status": names.status_name,
        "pct": lambda rate: rate.percent(),
        "rate_bar": lambda rate, good=True: Markup(charts.rate_bar(rate.value, 120, good)),
    }


@bp.get("/dashboard/")
def dashboard():
    require_supervisor()
    service = reports()
    period = _period()
    figures = service.figures(period)
    units = service.unit_names()
    calls = figures.calls
    call_items = [(names.CALL_OUTCOMES.get(k, k), v) for k, v in calls.outcomes.items() if v]
    label_items = [(names.label_name(k), v) for k, v in figures.by_label.items()]
    unit_rows = sorted(
        (u for u in figures.units.values() if u.cases or u.returns),
        key=lambda u: (-u.cases, u.code),
    )
    return render_template(
        "web/dashboard.html",
        period=period,
        f=figures,
        calls=calls,
        units=units,
        unit_rows=unit_rows[:20],
        escalated=service.escalated(),
        overdue=service.overdue(),
        reopened=service.reopened(),
        awaiting=_awaiting_dispatch(),
        low_rated=service.low_rated(period),
        questions=_questions(),
        choices=_unit_choices(),
        trend=Markup(charts.trend_chart(figures.days)),
        district=Markup(charts.district_grid(figures.by_district)),
        call_chart=Markup(charts.bar_chart(call_items, "来电处理方式", unit="通")),
        label_chart=Markup(charts.bar_chart(label_items, "事项类别", unit="件")),
        names=names,
        local=casework().local,
    )


@bp.post("/dashboard/cases/<ref>/designate")
def designate(ref: str):
    """Article 12: name the lead unit (and co-handlers) of an escalated case."""
    require_supervisor()
    lead = (request.form.get("lead") or "").strip()
    co = [c for c in request.form.getlist("co") if c and c != lead]
    back = url_for(
        "web.dashboard", **{k: request.form[k] for k in ("from", "to") if request.form.get(k)}
    )
    if not lead:
        flash(f"请为事项 {ref} 选择主办单位。", "error")
        return redirect(back + "#escalated")
    who = Who.approval_office(g.user.username)
    reason = (request.form.get("reason") or "").strip() or None
    try:
        casework().designate(ref, lead, co, by=who, reason=reason)
    except CaseError as exc:
        flash(_designate_error(ref, exc), "error")
        return redirect(back + "#escalated")
    names_ = casework().unit_names()
    text = f"事项 {ref} 已指定主办单位：{names_.get(lead, lead)}"
    if co:
        text += "；协办单位：" + "、".join(names_.get(c, c) for c in co)
    flash(text + "。", "success")
    return redirect(back + "#escalated")


def _awaiting_dispatch(limit: int = 50) -> dict:
    """待分派: cases with no unit yet, soonest dispatch deadline first, numbers masked."""
    from casework.privacy import mask_phones_in

    service = casework()
    total, cases = service.awaiting_dispatch(limit)
    now = service.clock()
    lines = [
        {
            "ref": c.ref,
            "label": c.label,
            "status": c.status,
            "summary": mask_phones_in(" ".join(c.text.split()))[:60],
            "caller": c.caller or "—",
            "created_at": c.created_at,
            "due_at": c.due_at,
            "overdue": c.overdue or (c.due_at is not None and c.due_at <= now),
        }
        for c in cases
    ]
    return {"total": total, "lines": lines}


def _designate_error(ref: str, exc: CaseError) -> str:
    if isinstance(exc, NotFound):
        return f"没有找到事项 {ref} 或所选单位。"
    if exc.code in ("illegal_transition", "conflict"):
        return f"事项 {ref} 已不在“已上报”状态（可能已由他人指定），请刷新后查看。"
    if "deactivated" in str(exc):
        return "所选单位已停用，请另选。"
    if "approval office designates" in str(exc):
        return "市审批办不能作为承办单位，请选择具体的承办单位。"
    return f"未能指定：{exc}"


def _unit_choices() -> list[tuple[str, str, str]]:
    """Active units a case can go to: (code, name, kind), districts first."""
    order = {"district": 0, "bureau": 1, "utility": 2}
    units = [u for u in casework().list_units(active_only=True) if u.code not in NOT_DISPATCHABLE]
    units.sort(key=lambda u: (order.get(u.kind, 9), u.code))
    return [(u.code, u.name, u.kind) for u in units]


def _questions() -> dict[str, str]:
    """Knowledge-base questions by id, to name the low-rated answers."""
    from nlu.knowledge import load_entries
    from nlu.paths import nlu_file

    return {e.id: e.question for e in load_entries(nlu_file("knowledge_base.yaml"))}


@bp.get("/dashboard/topics")
def dashboard_topics():
    """Articles 18, 19: the period's hot topics, the rising ones, and where they come from."""
    require_supervisor()
    period = _period()
    report = reports().topics(period)
    peak = max([t.weight for t in report.top] or [1.0]) or 1.0
    return render_template("web/dashboard_topics.html", period=period, report=report, peak=peak)


@bp.get("/dashboard/scores")
def dashboard_scores():
    """Article 22: each unit's score for the period and the ranking."""
    require_supervisor()
    service = reports()
    period = _period()
    settings = service.settings
    total = sum(settings.weights.values()) or 1.0
    weights = [
        (PART_NAMES[p], settings.weights.get(p, 0.0) / total * 100)
        for p in SCORE_PARTS
        if settings.weights.get(p)
    ]
    return render_template(
        "web/dashboard_scores.html",
        period=period,
        scores=service.scores(period),
        parts=[(p, PART_NAMES[p]) for p in SCORE_PARTS],
        weights=weights,
        min_cases=settings.min_cases,
    )
