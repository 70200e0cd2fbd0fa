"""Chinese words of the workbench: statuses, actions, actors, and the errors casework raises."""

from __future__ import annotations

from casework.lifecycle import CaseError, Conflict, Forbidden, IllegalTransition, NotFound
from casework.names import DUE_KIND_NAMES, LABEL_NAMES, STATUS_NAMES  # noqa: F401  (used by pages)

ACTION_NAMES = {
    "register": "登记",
    "assign": "交办",
    "reassign": "重新交办",
    "accept": "签收",
    "return": "退回",
    "admit_report": "受理",
    "refuse_report": "不予受理",
    "request_extension": "申请延期",
    "approve_extension": "同意延期",
    "refuse_extension": "不同意延期",
    "escalate": "上报市审批办",
    "designate": "指定承办单位",
    "resolve": "办结",
    "reopen": "重办",
    "close": "归档",
    "note": "备注",
    "callback": "回访",
    "reminder": "到期提醒",
    "overdue": "超期催办",
    # the agents' console (热线坐席)
    "relabel": "更正分类",
    "answer": "当场答复并归档",
}

# What the user tried, for "不能{verb}" messages.
VERBS = {
    "accept": "签收",
    "return": "退回",
    "decision": "作出受理决定",
    "extension": "申请延期",
    "resolve": "办结",
    "note": "添加备注",
}

CHANNEL_NAMES = {"phone": "电话", "web": "网站", "app": "手机客户端", "open311": "Open311"}
EXTENSION_NAMES = {
    "requested": "已申请，待热线中心审核",
    "approved": "已同意",
    "refused": "未同意",
    "withdrawn": "已撤回（已办结）",
}
DECISION_NAMES = {"admitted": "受理", "refused": "不予受理"}

# Casework's InvalidInput messages, by a fragment of the English text.
_INVALID = [
    ("reason is required", "请填写理由。"),
    ("reply is required", "请填写给市民的答复内容。"),
    ("text is required", "请填写备注内容。"),
    ("days must be at least 1", "延期天数至少为 1 个工作日。"),
    ("give either a new deadline", "请填写延期的工作日天数。"),
    ("extension applies to the resolve deadline only", "只有办结时限可以申请延期。"),
    ("extension request is already waiting", "已有延期申请等待热线中心审核，不能重复申请。"),
    ("deadline has passed", "办结时限已过，延期须在时限届满前申请。"),
    ("new deadline must be later", "新的时限必须晚于当前办结时限。"),
    ("record the acceptance decision", "举报类事项须先作出受理或不予受理决定，才能办结。"),
    ("only reports of illegal acts", "只有举报类事项需要作出受理决定。"),
    ("decision was already made", "已经作出过受理决定，不能重复作出。"),
    ("is deactivated", "该承办单位已停用。"),
]


def status_name(status: str | None) -> str:
    return STATUS_NAMES.get(status or "", status or "")


def action_name(action: str) -> str:
    return ACTION_NAMES.get(action, action)


def label_name(label: str | None, names: dict[str, str] | None = None) -> str:
    """A label in Chinese: the policy's names (``data/casework.yaml``) first."""
    label = label or ""
    return (names or {}).get(label) or LABEL_NAMES.get(label, label)


def relabel_detail(data: dict | None, names: dict[str, str] | None = None) -> str:
    """``分类：求助 → 投诉`` for a relabel event's data (``from``, ``to``); "" without them."""
    data = data or {}
    if not data.get("to"):
        return ""
    before = label_name(data.get("from"), names) if data.get("from") else "—"
    return f"分类：{before} → {label_name(data['to'], names)}"


def error_message(exc: CaseError, verb: str = "", status: str | None = None) -> str:
    """A clear Chinese sentence for a refused request; the English original as a last resort."""
    text = str(exc)
    doing = VERBS.get(verb, "执行此操作")
    if isinstance(exc, Conflict):
        return "该事项刚刚被他人修改，请刷新页面后重试。"
    if isinstance(exc, NotFound):
        return "没有找到该事项。"
    if isinstance(exc, IllegalTransition):
        if status:
            return f"该事项当前状态为“{status_name(status)}”，不能{doing}。"
        return f"该事项当前的状态下不能{doing}。"
    if isinstance(exc, Forbidden):
        if "designated this unit as lead" in text:
            return "本单位是市审批办指定的主办单位，不能退回该事项。"
        if "only the lead unit" in text:
            return f"只有主办单位可以{doing}；协办单位可以添加备注。"
        return "无权查看或办理该事项。"
    for fragment, message in _INVALID:
        if fragment in text:
            return message
    return f"操作未能完成：{text}"


def is_not_ours(exc: CaseError) -> bool:
    """True when the case is handled by other units only (a 403 page, not a message)."""
    return isinstance(exc, Forbidden) and "is not handled by" in str(exc)
