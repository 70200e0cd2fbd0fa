"""Chinese names of labels, case statuses and deadline kinds, shared by pages and reports."""

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
DUE_KIND_NAMES = {"dispatch": "分派", "accept": "签收", "decision": "受理决定", "resolve": "办结"}
