"""The unit's cases: the list with its deadlines, one case with its history, and the forms.

The same service calls and rules as the JSON API (`ivr.api.cases`): a unit
sees and changes only the cases it handles. A refused request is shown on the
page as a Chinese message (never a 500); another unit's case is a 403 page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from flask import abort, flash, g, redirect, render_template, request, url_for

from casework.lifecycle import CaseError, InvalidInput, NotFound, Status
from casework.privacy import mask_phones_in
from casework.service import Who
from casework.units_file import APPROVAL_OFFICE
from casework.views import CaseView, EventView
from ivr.services import casework
from ivr.web import bp, texts
from ivr.web.auth import deny

PAGE_SIZE = 50
MAX_PAGE = 100_000  # far beyond any unit's cases; keeps the offset a sane integer
MAX_EXTENSION_DAYS = 30
HANDLING = (Status.ACCEPTED.value, Status.REOPENED.value)


class FormError(InvalidInput):
    """A form field the page checks itself; its message is Chinese already."""


def _who() -> Who:
    unit = g.user.unit
    return Who.approval_office(unit) if unit == APPROVAL_OFFICE else Who.unit_user(unit)


def _require_unit_user() -> None:
    if g.user is None or g.user.role != "unit" or not g.user.unit:
        raise deny("承办单位工作台仅供承办单位的用户使用。")


# ----------------------------------------------------------------- helpers for the templates


@bp.context_processor
def _names() -> dict:
    return {
        "status_name": texts.status_name,
        "decision_name": lambda d: texts.DECISION_NAMES.get(d, d),
        "extension_name": lambda e: texts.EXTENSION_NAMES.get(e, e),
    }


@dataclass(frozen=True)
class Deadline:
    kind: str  # 签收 / 受理决定 / 办结
    at: str  # Beijing time
    state: str  # overdue | soon | ok


def deadline_of(case: CaseView, now: dt.datetime, soon: dt.datetime) -> Deadline | None:
    """The running deadline: red when passed, amber when due within one working day."""
    if case.due_at is None:
        return None
    if case.overdue or case.due_at <= now:
        state = "overdue"
    elif case.due_at <= soon:
        state = "soon"
    else:
        state = "ok"
    kind = texts.DUE_KIND_NAMES.get(case.due_kind or "", case.due_kind or "")
    return Deadline(kind, casework().local(case.due_at), state)


def _deadline_window() -> tuple[dt.datetime, dt.datetime]:
    service = casework()
    now = service.clock()
    return now, service.calendar.add_working_days(now, 1)


def _label(label: str) -> str:
    return casework().policy.label_names.get(label) or label


def _actor(actor: str, units: dict[str, str]) -> str:
    kind, _, name = actor.partition(":")
    if kind == "unit":
        return units.get(name, name)
    if kind == "center":
        return "热线中心"
    if kind == "approval_office":
        return "市审批办"
    if kind == "system":
        return {"callbacks": "回访系统"}.get(name, "系统")
    return actor


def _when(value) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return casework().local(value)
    return ""


def _event_details(event: EventView, units: dict[str, str]) -> list[str]:
    data, lines = event.data, []

    def names(codes: list[str]) -> str:
        return "、".join(units.get(c, c) for c in codes)

    if event.action in ("assign", "reassign") and data.get("units"):
        lines.append(f"承办单位：{names(data['units'])}")
    if event.action == "designate" and data.get("lead"):
        lines.append(f"主办：{names([data['lead']])}")
        if data.get("co_handlers"):
            lines.append(f"协办：{names(data['co_handlers'])}")
    if event.action == "register" and data.get("channel"):
        lines.append(f"渠道：{texts.CHANNEL_NAMES.get(data['channel'], data['channel'])}")
    if event.action == "request_extension" and data.get("requested"):
        current = _when(data.get("current"))
        lines.append(f"申请延期至 {_when(data['requested'])}（原办结时限 {current}）")
    if event.action == "approve_extension" and data.get("to"):
        lines.append(f"办结时限延至 {_when(data['to'])}")
    if event.action in ("reminder", "overdue") and data.get("due"):
        lines.append(f"时限：{_when(data['due'])}")
    if event.action == "return" and data.get("late"):
        lines.append("（超过签收时限后退回）")
    if event.action == "relabel" and (change := texts.relabel_detail(data)):
        lines.append(change)
    if event.reason:
        label = {"resolve": "答复", "note": "备注", "callback": "结果"}.get(event.action, "理由")
        lines.append(f"{label}：{event.reason}")
    if event.action == "resolve" and data.get("reply") and not event.reason:
        lines.append(f"答复：{data['reply']}")
    # Article 15: a caller's message, a note or a reply may quote a phone number.
    return [mask_phones_in(line) for line in lines]


# ----------------------------------------------------------------- pages


@bp.get("/workbench/")
def workbench():
    _require_unit_user()
    service = casework()
    status = request.args.get("status") or ""
    if status not in texts.STATUS_NAMES:
        status = ""
    only_overdue = request.args.get("overdue") == "1"
    page = min(max(1, _int_arg("page", 1)), MAX_PAGE)
    cases = service.list_cases(
        viewer=_who(),
        status=status or None,
        overdue=True if only_overdue else None,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    more, cases = len(cases) > PAGE_SIZE, cases[:PAGE_SIZE]
    now, soon = _deadline_window()
    rows = [(c, deadline_of(c, now, soon)) for c in cases]
    counts = {
        "overdue": sum(1 for _, d in rows if d and d.state == "overdue"),
        "soon": sum(1 for _, d in rows if d and d.state == "soon"),
    }
    return render_template(
        "web/list.html",
        rows=rows,
        counts=counts,
        status=status,
        only_overdue=only_overdue,
        page=page,
        more=more,
        unit_name=_unit_name(),
        label=_label,
        summary=lambda c: _summary(c.text),
        created=lambda c: service.local(c.created_at),
    )


@bp.get("/workbench/cases/<ref>")
def case_page(ref: str):
    _require_unit_user()
    return _render_case(ref)


def _render_case(ref: str, status_code: int = 200, values: dict | None = None):
    service = casework()
    who = _who()
    try:
        case = service.get_case(ref, viewer=who)
        history = service.history(ref, viewer=who)
    except CaseError as exc:
        _abort_for(exc)
        raise
    units = service.unit_names()
    now, soon = _deadline_window()
    is_lead = case.unit == who.unit
    handling = case.status in HANDLING
    needs_decision = case.label == "report_violation" and case.decision is None
    can = {
        "accept": is_lead and case.status == Status.ASSIGNED.value,
        "return": is_lead and case.status == Status.ASSIGNED.value and not case.lead_designated,
        "decision": is_lead and handling and needs_decision,
        "extension": is_lead
        and handling
        and case.due_kind == "resolve"
        and case.extension_status != "requested",
        "resolve": is_lead and handling and not needs_decision,
        "note": case.status != Status.CLOSED.value,
    }
    events = [
        {
            "at": service.local(e.at),
            "action": texts.action_name(e.action),
            "actor": _actor(e.actor, units),
            "from": texts.status_name(e.from_status),
            "to": texts.status_name(e.to_status),
            "changed": e.from_status != e.to_status,
            "details": _event_details(e, units),
        }
        for e in history
    ]
    return (
        render_template(
            "web/case.html",
            case=_masked(case),
            text=mask_phones_in(case.text),
            deadline=deadline_of(case, now, soon),
            events=events,
            can=can,
            is_lead=is_lead,
            values=values or {},
            unit_name=_unit_name(),
            units=units,
            label=_label(case.label),
            local=service.local,
            max_days=MAX_EXTENSION_DAYS,
        ),
        status_code,
    )


# ----------------------------------------------------------------- forms


@bp.post("/workbench/cases/<ref>/accept")
def accept(ref: str):
    return _act(ref, "accept", lambda who: casework().accept(ref, who), "已签收。")


@bp.post("/workbench/cases/<ref>/return")
def return_case(ref: str):
    reason = _field("reason")
    # The case leaves the unit: back to the list, where it no longer shows.
    return _act(
        ref,
        "return",
        lambda who: casework().return_case(ref, reason, who),
        f"事项 {ref} 已退回热线中心。",
        then=url_for("web.workbench"),
    )


@bp.post("/workbench/cases/<ref>/decision")
def decide(ref: str):
    choice = request.form.get("admit")
    reason = _field("reason")

    def run(who):
        if choice not in ("1", "0"):
            raise FormError("请选择“受理”或“不予受理”。")
        admit = choice == "1"
        return casework().decide(ref, admit, who, reason or None)

    done = "已受理，请按时办结。" if choice == "1" else "已记录不予受理，举报人将收到告知。"
    return _act(ref, "decision", run, done)


@bp.post("/workbench/cases/<ref>/extension")
def request_extension(ref: str):
    reason = _field("reason")
    raw_days = (request.form.get("days") or "").strip()

    def run(who):
        try:
            days = int(raw_days)
        except ValueError:
            raise FormError("请填写延期天数（工作日，整数）。") from None
        if not 1 <= days <= MAX_EXTENSION_DAYS:
            raise FormError(f"延期天数应在 1 至 {MAX_EXTENSION_DAYS} 个工作日之间。")
        return casework().request_extension(ref, reason, who, days=days)

    return _act(ref, "extension", run, "延期申请已提交，等待热线中心审核。")


@bp.post("/workbench/cases/<ref>/resolve")
def resolve(ref: str):
    reply = _field("reply")
    return _act(
        ref, "resolve", lambda who: casework().resolve(ref, reply, who), "已办结，答复已记录。"
    )


@bp.post("/workbench/cases/<ref>/notes")
def add_note(ref: str):
    text = _field("text")
    return _act(ref, "note", lambda who: casework().add_note(ref, text, who), "备注已添加。")


def _act(ref: str, verb: str, run, done: str, then: str | None = None):
    """Run one unit action; on a refusal show the case again with a Chinese message."""
    _require_unit_user()
    try:
        run(_who())
    except CaseError as exc:
        _abort_for(exc)
        status = _current_status(ref)
        message = str(exc) if isinstance(exc, FormError) else texts.error_message(exc, verb, status)
        flash(message, "error")
        code = 409 if exc.code in ("illegal_transition", "conflict") else 400
        if exc.code == "forbidden":
            code = 403
        return _render_case(ref, code, values={verb: request.form.to_dict()})
    flash(done, "success")
    return redirect(then or url_for("web.case_page", ref=ref))


def _abort_for(exc: CaseError) -> None:
    if texts.is_not_ours(exc):
        raise deny("该事项不由本单位承办，您无权查看或办理。")
    if isinstance(exc, NotFound):
        abort(404)


def _masked(case: CaseView) -> CaseView:
    """The case with phone numbers masked inside its free-text fields (article 15)."""
    return dataclasses.replace(
        case,
        text=mask_phones_in(case.text),
        location=mask_phones_in(case.location) if case.location else case.location,
        reply=mask_phones_in(case.reply) if case.reply else case.reply,
    )


def _current_status(ref: str) -> str | None:
    try:
        return casework().get_case(ref, viewer=_who()).status
    except CaseError:
        return None


def _field(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _int_arg(name: str, default: int) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        return default


def _summary(text: str, size: int = 60) -> str:
    text = " ".join(mask_phones_in(text).split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _unit_name() -> str:
    code = g.user.unit
    return casework().unit_names().get(code, code)
