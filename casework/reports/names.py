"""Chinese names the reports show for labels, outcomes and statuses."""

from __future__ import annotations

from casework.names import DUE_KIND_NAMES, LABEL_NAMES, STATUS_NAMES

__all__ = [
    "CALLBACK_OUTCOMES",
    "CALL_OUTCOMES",
    "DUE_KIND_NAMES",
    "LABEL_NAMES",
    "RATING_NAMES",
    "STATUS_NAMES",
]

CALL_OUTCOMES = {
    "emergency_transfer": "转接 110/119/120",
    "declined": "不予受理并告知",
    "answered": "知识库直接答复",
    "case_created": "登记事项",
    "enterprise_referral": "推荐加盟企业",
    "agent_transfer": "转人工坐席",
    "agent_message": "无人接听转留言",
    "abandoned": "中途挂断",
    "unfinished": "未记录结果",
}
CALLBACK_OUTCOMES = {
    "satisfied": "已解决且满意",
    "unsolved": "未解决",
    "dissatisfied": "不满意",
    "unreachable": "未能联系",
    "opted_out": "要求不再回访",
    "no_answer": "未作答",
    "case_changed": "事项已变更",
    "basically_satisfied": "基本满意",
}
RATING_NAMES = {1: "满意", 2: "基本满意", 3: "不满意"}


def label_name(label: str | None) -> str:
    return LABEL_NAMES.get(label or "", label or "—")


def status_name(status: str | None) -> str:
    return STATUS_NAMES.get(status or "", status or "—")
