"""Chinese names the reports show for labels, outcomes and statuses."""

from __future__ import annotations

LABEL_NAMES = {
    "help_request": "求助",
    "complaint": "投诉",
    "report_violation": "举报",
    "enforcement_grievance": "执法投诉",
    "suggestion": "意见建议",
    "inquiry": "咨询",
    "emergency": "紧急警情",
    "excluded_civil": "民事纠纷",
    "excluded_legal": "已进入法定程序",
    "excluded_military": "军队事务",
    "enterprise_service": "家政服务",
}
STATUS_NAMES = {
    "registered": "已登记",
    "assigned": "待签收",
    "accepted": "办理中",
    "returned": "已退回",
    "escalated": "已上报",
    "resolved": "已办结",
    "reopened": "重办",
    "closed": "已归档",
}
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
DUE_KIND_NAMES = {"dispatch": "分派", "accept": "签收", "decision": "受理决定", "resolve": "办结"}
RATING_NAMES = {1: "满意", 2: "基本满意", 3: "不满意"}


def label_name(label: str | None) -> str:
    return LABEL_NAMES.get(label or "", label or "—")


def status_name(status: str | None) -> str:
    return STATUS_NAMES.get(status or "", status or "—")
