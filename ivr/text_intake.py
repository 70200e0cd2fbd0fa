"""Written requests (the citizens' web form, Open311 apps): the same nlu as the phone.

An emergency is never registered: the citizen is told the number to call at
once. A matter the hotline may not take (article 8) is explained with where to
go. An inquiry with a confident knowledge-base answer is answered (the web form
shows it). A paid household service gets the best-rated member enterprises.
Everything else becomes a case on the given channel, dispatched to the routed
unit when the classifier is confident, else registered for the center: such a case
waits on the 待分派 list (agents' console, supervisors' dashboard) with a dispatch
deadline (``deadlines.dispatch`` in ``data/casework.yaml``) the supervision sweep watches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from casework.calls import EnterpriseView
from casework.lifecycle import CaseError, InvalidInput
from casework.service import CASE_LABELS
from casework.views import CaseView
from ivr.services import calllog, casework, catalog, classifier, prompts
from nlu import Decision

MAX_TEXT = 2000
EMERGENCY_NAMES = {"110": "110报警电话", "119": "119火警电话", "120": "120急救电话"}
UNCERTAIN_REMARK = "网上受理：分类不确定，请人工分派"


@dataclass(frozen=True)
class Outcome:
    """What became of a written request."""

    kind: str  # emergency | excluded | answered | enterprises | case
    label: str
    emergency: str | None = None
    advice: str | None = None  # Chinese, for the citizen
    answer: str | None = None  # the knowledge-base answer of an inquiry
    case: CaseView | None = None
    enterprises: list[EnterpriseView] = field(default_factory=list)
    decision: Decision | None = None


MIN_WORD_CHARS = 2  # Chinese characters, letters or digits: "停水" is enough, "。。。。" is not
_WORD_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9０-９Ａ-Ｚａ-ｚ]")


def has_words(text: str) -> bool:
    """Whether the text says something: a few CJK characters, letters or digits."""
    return len(_WORD_CHAR.findall(text)) >= MIN_WORD_CHARS


def clean_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput("the description is empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"the description is longer than {MAX_TEXT} characters")
    if not has_words(text):
        raise InvalidInput("the description has no words: say what happened, and where")
    return text


def understand(text: str) -> tuple[Decision, Outcome | None]:
    """Classify; the outcome when the request must not become a case, else None."""
    decision = classifier().classify(text)
    if decision.emergency:
        name = EMERGENCY_NAMES.get(decision.emergency, decision.emergency)
        advice = (
            f"您反映的情况比较紧急，请立即拨打{name}。网上留言不能处理紧急求助，本次留言没有登记。"
        )
        return decision, Outcome(
            "emergency", "emergency", decision.emergency, advice, None, None, [], decision
        )
    if decision.label.startswith("excluded_"):
        advice = prompts().text(f"decline_{decision.label}")
        return decision, Outcome("excluded", decision.label, advice=advice, decision=decision)
    if decision.label == "enterprise_service":
        service = catalog().service_in(text)
        found = calllog().enterprises_for(service) if service else []
        advice = "您需要的是有偿家政便民服务，不属于政府部门办理的事项。" + (
            "以下加盟企业可以为您提供服务（按群众评价排序）："
            if found
            else "请拨打88908890，由话务员为您推荐加盟企业。"
        )
        return decision, Outcome(
            "enterprises", decision.label, advice=advice, enterprises=found, decision=decision
        )
    return decision, None


def kb_answer(decision: Decision) -> str | None:
    """The knowledge-base answer when the classifier is confident it answers the question."""
    if decision.label != "inquiry" or decision.low_confidence or not decision.kb_id:
        return None
    entry = next((e for e in classifier().kb.entries if e.id == decision.kb_id), None)
    return entry.answer if entry else None


def register(
    text: str,
    decision: Decision,
    *,
    channel: str,
    label: str | None = None,
    caller: str | None = None,
    location: str | None = None,
) -> CaseView:
    """The case for a written request: dispatched to the routed unit when confident."""
    chosen = label or decision.label
    if chosen not in CASE_LABELS:
        chosen = "inquiry"
    unit = None
    if not decision.low_confidence or label:
        unit = classifier().router.route(chosen, decision.text)
    remark = None if unit else UNCERTAIN_REMARK
    fields = dict(text=text, label=chosen, channel=channel, caller=caller, location=location)
    if unit:
        try:
            return casework().create_case(**fields, units=[unit], remark=remark)
        except CaseError as exc:
            if isinstance(exc, InvalidInput) and "unit" not in str(exc):
                raise
    return casework().create_case(**fields, remark=remark or UNCERTAIN_REMARK)


def take(
    text: str,
    *,
    channel: str,
    caller: str | None = None,
    location: str | None = None,
    answer_inquiries: bool = True,
) -> Outcome:
    """The whole way of a written request; raises InvalidInput for bad input."""
    text = clean_text(text)
    decision, outcome = understand(text)
    if outcome is not None:
        return outcome
    answer = kb_answer(decision)
    if answer and answer_inquiries:
        return Outcome("answered", "inquiry", answer=answer, decision=decision)
    case = register(text, decision, channel=channel, caller=caller, location=location)
    return Outcome("case", case.label, case=case, answer=answer, decision=decision)
