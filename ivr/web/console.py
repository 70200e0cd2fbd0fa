"""The agents' console: presence, the live queue, the screen-pop and the call-in-hand actions.

Server-rendered pages under /console/ for agents and supervisors (others get a
403 page). The live part (status, queue, transcript, suggestion, knowledge-base
answers, the caller's earlier cases, the case history) is polled every two
seconds by `static/console.js`, which reloads the whole page when the call in
hand changes. Every action goes through `casework` (or the agents' desk) and
appears in the case history; every form carries the CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from casework.agents import EntryView
from casework.lifecycle import CaseError, IllegalTransition, InvalidInput, NotFound
from casework.privacy import mask_phone, mask_phones_in
from casework.service import CASE_LABELS, Who
from casework.units_file import APPROVAL_OFFICE
from casework.views import CaseView, EventView
from ivr.services import agent_desk, calllog, casework, classifier
from ivr.web import bp, texts
from ivr.web.auth import deny

ROLES = frozenset({"agent", "supervisor"})
MAX_NOTE = 2000
STATUS_NAMES = {"available": "空闲", "away": "离开", "busy": "通话中"}
ENTRY_NAMES = {
    "waiting": "排队中",
    "ringing": "振铃中",
    "connected": "通话中",
    "message": "已转留言",
    "ended": "已结束",
}
ACTION_NAMES = texts.ACTION_NAMES
PENDING_SHOWN = 50
NOT_DISPATCHABLE = frozenset({APPROVAL_OFFICE, "center.hotline"})
TRANSFER_TARGETS = {"110": "110 报警", "119": "119 消防", "120": "120 急救"}
DESK_ERRORS = [
    ("on a call", "通话中不能更改状态，通话结束后会自动恢复。"),
    ("not available", "该坐席现在不是空闲状态，不能转接。"),
    ("already being rung", "已经在为这通电话呼叫另一位坐席，请稍候。"),
    ("no longer connected", "这通电话已经不在通话中。"),
    ("not connected to an agent", "这通电话已经不在通话中，不能转接。"),
    ("could not be placed", "转接没有成功，请稍后再试或请来电人直接拨打。"),
    ("could not be rung", "没能呼叫该坐席，请稍后再试。"),
    ("choose another agent", "请选择其他坐席。"),
    ("already labelled", "分类没有变化。"),
    ("already returned this case", "该单位已退回过这个事项，请选择其他单位，或上报市审批办。"),
    ("approval office designates", "市审批办不能作为承办单位，请选择具体的承办单位。"),
    ("correct the label first", "只有“咨询”类事项可以当场答复，请先更正分类。"),
    ("reply", "请填写答复内容。"),
    ("text", "请填写备注内容。"),
]


def init_app(app: Flask) -> None:
    """Put this feature's services on the app (called by `ivr.web.init_app`): the agents'
    desk, the transfer settings, the REST client, and the agents' Twilio webhooks."""
    from callbacks.jobs import twilio_client
    from casework.agents import AgentDesk
    from ivr.config import load_transfer_settings
    from ivr.flows.agent_legs import bp as legs_bp

    service = app.extensions["casework"]
    app.extensions["agent_desk"] = AgentDesk(service.db, service.clock)
    app.extensions["transfer_settings"] = load_transfer_settings()
    app.extensions["twilio_rest"] = twilio_client(app.extensions["voice_settings"])
    app.register_blueprint(legs_bp, url_prefix="/voice/agents")


def _require_agent() -> None:
    if g.user is None or g.user.role not in ROLES:
        raise deny("坐席工作台仅供热线坐席和班长使用。")


# ----------------------------------------------------------------- the screen-pop


@dataclass
class ScreenPop:
    entry: EntryView
    caller: str  # masked
    transcript: list[tuple[str, str]]  # (kind, words)
    label: str | None
    label_name: str
    confidence: float | None
    words: list[str]
    rules: list[str]
    answers: list[dict[str, str]]
    earlier: list[CaseView]
    case: CaseView | None
    history: list[EventView] = field(default_factory=list)
    live: bool = True


def screen_pop(entry: EntryView) -> ScreenPop:
    from ivr.flows.agent_legs import matched_words

    call = calllog().get(entry.call_sid)
    state = call.state if call else {}
    decision = state.get("decision") or {}
    transcript = [("said", mask_phones_in(t)) for t in state.get("said", [])]
    transcript += [("unclear", mask_phones_in(t)) for t in state.get("unclear", [])]
    if state.get("message"):
        transcript.append(("message", mask_phones_in(state["message"])))
    text = " ".join(t for _, t in transcript)
    found = classifier().kb.search(text, 3) if text else []
    answers = [
        {"id": e.id, "question": e.question, "answer": e.answer, "score": f"{score:.2f}"}
        for e, score in found
        if score > 0
    ]
    case = casework().case_for_call(entry.call_sid)
    label = (case.label if case else None) or (call.label if call else None)
    rules = [m.get("rule", "") for m in decision.get("matched") or []]
    return ScreenPop(
        entry=entry,
        caller=mask_phone(entry.caller_number) or "未显示号码",
        transcript=transcript,
        label=label,
        label_name=_label(label) if label else "未识别",
        confidence=call.confidence if call else None,
        words=matched_words(decision),
        rules=[r for r in rules if r],
        answers=answers,
        earlier=agent_desk().earlier_cases(entry.caller_number, entry.call_sid, limit=5),
        case=case,
        history=casework().history(case.ref) if case else [],
        live=entry.live,
    )


def page_key(pop: ScreenPop | None) -> str:
    """Changes when the page's forms must change: another call, or its case registered."""
    if pop is None:
        return ""
    return f"{pop.entry.call_sid}|{pop.case.ref if pop.case else ''}"


def _label(label: str | None) -> str:
    return texts.label_name(label, _label_names())


def _label_names() -> dict[str, str]:
    return casework().policy.label_names


def _context() -> dict[str, Any]:
    desk = agent_desk()
    me = desk.agent(g.user.username)
    entry = desk.in_hand(g.user.username)
    queue = desk.live_queue()
    agents = {a.id: a for a in desk.list_agents()}
    return {
        "me": me,
        "pop": screen_pop(entry) if entry else None,
        "queue": queue,
        "agents": agents,
        "masked": mask_phone,
        "entry_name": lambda s: ENTRY_NAMES.get(s, s),
        "status_names": STATUS_NAMES,
        "action_label": lambda a: ACTION_NAMES.get(a, a),
        "relabel_detail": lambda data: texts.relabel_detail(data, _label_names()),
        "label": _label,
        "local": casework().local,
        "summary": lambda text: mask_phones_in(text or "")[:60],
        "page_key": page_key,
    }


@bp.get("/console/")
def console() -> ResponseReturnValue:
    _require_agent()
    context = _context()
    service = casework()
    others = [
        a
        for a in context["agents"].values()
        if a.username != g.user.username and a.status == "available"
    ]
    units = service.list_units(active_only=True)
    pending_total, pending = service.awaiting_dispatch(PENDING_SHOWN)
    return render_template(
        "web/console.html",
        **context,
        labels=[(code, _label(code)) for code in sorted(CASE_LABELS)],
        units=units,
        dispatch_units=[u for u in units if u.code not in NOT_DISPATCHABLE],
        others=others,
        targets=TRANSFER_TARGETS,
        pending=pending,
        pending_total=pending_total,
        picked=request.args.get("pick", ""),
        now=service.clock(),
    )


@bp.get("/console/live")
def console_live() -> ResponseReturnValue:
    """The live part of the page as HTML, and which call is in hand (JS polls this)."""
    _require_agent()
    context = _context()
    pop = context["pop"]
    return jsonify(
        call=pop.entry.call_sid if pop else "",
        key=page_key(pop),
        live=bool(pop and pop.live),
        status=context["me"].status if context["me"] else "away",
        html=render_template("web/console_live.html", **context),
    )


# ----------------------------------------------------------------- actions


@bp.post("/console/status")
def console_status() -> ResponseReturnValue:
    _require_agent()
    status = request.form.get("status", "")
    if status not in ("available", "away"):
        flash("请选择“空闲”或“离开”。", "error")
        return redirect(url_for("web.console"))
    try:
        agent_desk().set_status(g.user.username, status)
    except CaseError as exc:
        flash(_message(exc), "error")
        return redirect(url_for("web.console"))
    if status == "available":
        from ivr.flows.agent_legs import offer_waiting_calls
        from ivr.flows.transfer import base_url

        offer_waiting_calls(base_url())
    flash(f"您的状态已设为“{STATUS_NAMES[status]}”。", "info")
    return redirect(url_for("web.console"))


def _act(call_sid: str, verb: str, work) -> ResponseReturnValue:
    """Run one call-in-hand action for the signed-in agent; refusals become messages."""
    _require_agent()
    entry = _entry_of(call_sid)
    try:
        done = work(entry, Who.center(g.user.username))
    except CaseError as exc:
        flash(_message(exc, verb), "error")
    else:
        flash(done, "info")
    return redirect(url_for("web.console"))


def _entry_of(call_sid: str) -> EntryView:
    entry = agent_desk().entry_for_call(call_sid)
    if entry is None:
        raise deny("没有这通电话。")
    mine = agent_desk().agent(g.user.username)
    if g.user.role != "supervisor" and (mine is None or mine.call_sid != call_sid):
        raise deny("这通电话不在您的手上。")
    return entry


def _case_of(entry: EntryView) -> CaseView:
    case = casework().case_for_call(entry.call_sid)
    if case is None:
        raise InvalidInput("no case yet: register it first")
    return case


def _field(name: str, limit: int = MAX_NOTE) -> str:
    return (request.form.get(name) or "").strip()[:limit]


@bp.post("/console/calls/<call_sid>/case")
def console_case(call_sid: str) -> ResponseReturnValue:
    def work(entry: EntryView, who: Who) -> str:
        from ivr.flows.transfer import register_for_agent

        ref = register_for_agent(entry.call_sid, g.user.username)
        if ref is None:
            raise InvalidInput("no such call")
        return f"工单 {ref} 已登记。"

    return _act(call_sid, "register", work)


@bp.post("/console/calls/<call_sid>/label")
def console_label(call_sid: str) -> ResponseReturnValue:
    def work(entry: EntryView, who: Who) -> str:
        label = request.form.get("label", "")
        case = casework().relabel(_case_of(entry).ref, label, who, _field("reason") or None)
        return f"分类已更正为“{_label(case.label)}”。"

    return _act(call_sid, "relabel", work)


@bp.post("/console/calls/<call_sid>/dispatch")
def console_dispatch(call_sid: str) -> ResponseReturnValue:
    def work(entry: EntryView, who: Who) -> str:
        unit = request.form.get("unit", "")
        if not unit:
            raise InvalidInput("choose a unit")
        case = casework().assign(_case_of(entry).ref, [unit], who, _field("reason") or None)
        return f"工单 {case.ref} 已交办给{case.unit_name or unit}。"

    return _act(call_sid, "assign", work)


@bp.post("/console/calls/<call_sid>/answer")
def console_answer(call_sid: str) -> ResponseReturnValue:
    def work(entry: EntryView, who: Who) -> str:
        reply = _field("reply", 5000)
        case = _case_of(entry)
        if not reply:
            raise InvalidInput("the reply is empty")
        # one casework call: relabelled to an inquiry and answered together, or neither
        case = casework().answer_inquiry(case.ref, reply, who, relabel_reason="坐席当场答复的咨询")
        return f"已当场答复，工单 {case.ref} 已归档。"

    return _act(call_sid, "answer", work)


@bp.post("/console/pending/dispatch")
def console_pending_dispatch() -> ResponseReturnValue:
    """待分派: an agent or supervisor dispatches a case waiting for the center to a unit."""
    _require_agent()
    ref = _field("ref", 32)
    unit = _field("unit", 64)
    back = redirect(url_for("web.console") + "#pending")
    if not ref:
        flash("请先在待分派列表中选择一个事项。", "error")
        return back
    if not unit:
        flash("请选择承办单位。", "error")
        return redirect(url_for("web.console", pick=ref) + "#pending")
    try:
        case = casework().assign(
            ref, [unit], Who.center(g.user.username), _field("reason") or None, awaiting_only=True
        )
    except IllegalTransition:
        flash(f"事项 {ref} 已不在待分派状态（可能已由他人分派），请刷新后查看。", "error")
    except NotFound:
        flash(f"没有找到事项 {ref} 或所选单位。", "error")
    except CaseError as exc:
        flash(_message(exc, "assign"), "error")
        return redirect(url_for("web.console", pick=ref) + "#pending")
    else:
        flash(f"事项 {case.ref} 已交办给{case.unit_name or unit}。", "info")
    return back


@bp.post("/console/calls/<call_sid>/note")
def console_note(call_sid: str) -> ResponseReturnValue:
    def work(entry: EntryView, who: Who) -> str:
        text = _field("text")
        if not text:
            raise InvalidInput("text is required")
        case = casework().add_note(_case_of(entry).ref, text, who)
        return f"备注已添加到工单 {case.ref}。"

    return _act(call_sid, "note", work)


@bp.post("/console/calls/<call_sid>/transfer")
def console_transfer(call_sid: str) -> ResponseReturnValue:
    def work(entry: EntryView, who: Who) -> str:
        from ivr.flows.onward import transfer_to_agent, transfer_to_number
        from ivr.flows.transfer import base_url

        target = request.form.get("target", "")
        if target in TRANSFER_TARGETS:
            transfer_to_number(entry, target, g.user.username, base_url())
            return f"正在转接{TRANSFER_TARGETS[target]}，来电人保留在通话中。"
        if target.startswith("agent:"):
            transfer_to_agent(entry, target.removeprefix("agent:"), g.user.username, base_url())
            return "正在呼叫该坐席，对方接听后会加入通话。"
        raise InvalidInput("choose where to transfer")

    return _act(call_sid, "transfer", work)


@bp.post("/console/calls/<call_sid>/leave")
def console_leave(call_sid: str) -> ResponseReturnValue:
    def work(entry: EntryView, who: Who) -> str:
        from ivr.flows.agent_legs import hang_up

        mine = agent_desk().agent(g.user.username)
        if mine is None or not mine.leg_sid:
            raise InvalidInput("no longer connected")
        hang_up(mine.leg_sid)
        return "您已退出通话。"

    return _act(call_sid, "leave", work)


def _message(exc: CaseError, verb: str = "") -> str:
    text = str(exc)
    for fragment, message in DESK_ERRORS:
        if fragment in text:
            return message
    if "register it first" in text:
        return "这通电话还没有登记工单，请先点击“登记工单”。"
    if "choose a unit" in text:
        return "请选择承办单位。"
    if "choose where" in text:
        return "请选择转接对象。"
    return texts.error_message(exc, verb)
