"""Cases waiting for the center (待分派): the dispatch deadline, its supervision, the list;
relabelling with everything that hangs on the label; answering an inquiry in one step."""

import datetime as dt

import pytest
from sqlalchemy import select

from casework import service as service_module
from casework.lifecycle import IllegalTransition, InvalidInput
from casework.outside_models import OutboxMessage
from casework.policy import Policy, PolicyError
from casework.service import Who
from casework.supervision import sweep

BEIJING = dt.timezone(dt.timedelta(hours=8))
WATER = Who.unit_user("utility.water")
AGENT = Who.center("agent1")


def local(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M") if moment else None


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def grievances(casework) -> list[OutboxMessage]:
    with casework.db.transaction() as s:
        return list(
            s.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.topic == "enforcement_grievance")
                .order_by(OutboxMessage.id)
            )
        )


# ----------------------------------------------------------------- the dispatch deadline


def test_a_case_registered_without_a_unit_must_be_dispatched_within_one_working_day(
    casework, clock
):
    clock.set("2026-11-27 16:00")  # Friday afternoon: due at the close of Monday
    case = casework.create_case(text="网上留言，分类不确定", label="inquiry", channel="web")
    assert case.status == "registered" and case.unit is None
    assert (case.due_kind, local(case.due_at)) == ("dispatch", "2026-11-30 17:30")
    dispatched = casework.create_case(text="停水", label="help_request", units=["utility.water"])
    assert dispatched.due_kind == "accept"  # a case dispatched on intake runs the unit's clock


def test_the_dispatch_limit_comes_from_the_rules_file(tmp_path, casework, clock):
    rules = tmp_path / "casework.yaml"
    rules.write_text("deadlines:\n  dispatch: 2\n", encoding="utf-8")
    assert Policy.from_file(rules).dispatch_days == 2
    casework.policy = Policy.from_file(rules)
    clock.set("2026-11-25 10:00")  # Wednesday
    case = casework.create_case(text="x", label="complaint")
    assert local(case.due_at) == "2026-11-27 17:30"
    rules.write_text("deadlines:\n  dispatch: 0\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        Policy.from_file(rules)


def test_the_sweep_reminds_and_flags_an_undispatched_case_and_tells_the_center(
    casework, clock, events_of
):
    clock.set("2026-11-25 10:00")  # dispatch due Thursday 2026-11-26 17:30
    case = casework.create_case(text="来电要求人工服务", label="inquiry")
    assert sweep(casework, at("2026-11-26 10:00")).reminded == 1  # 7.5 h before
    report = sweep(casework, at("2026-11-26 17:31"))
    assert report.overdue == 1
    assert sweep(casework, at("2026-11-27 09:00")).overdue == 0  # once
    assert casework.get_case(case.ref).overdue
    assert casework.list_cases(overdue=True)[0].ref == case.ref
    assert events_of(case.ref)[-2:] == ["reminder", "overdue"]
    notices = casework.notices("center.hotline")
    assert [n.kind for n in notices] == ["overdue", "reminder"]
    assert "分派时限" in notices[0].body and "2026-11-26 17:30" in notices[0].body

    clock.set("2026-11-27 09:00")  # dispatched late: the unit's own clocks start fresh
    assigned = casework.assign(case.ref, ["utility.water"], AGENT)
    assert assigned.due_kind == "accept" and not assigned.overdue
    assert local(assigned.due_at) == local(assigned.accept_due) == "2026-11-30 17:30"
    assert local(assigned.resolve_due) == "2026-12-02 17:30"  # inquiry: 3 working days
    assert sweep(casework, at("2026-11-27 10:00")).overdue == 0


def test_a_returned_case_waits_for_the_center_again(casework, clock):
    clock.set("2026-11-25 10:00")
    case = casework.create_case(text="停水", label="help_request", units=["utility.water"])
    clock.set("2026-11-26 11:00")
    returned = casework.return_case(case.ref, "小区内部管道，不属于本单位", WATER)
    assert (returned.due_kind, local(returned.due_at)) == ("dispatch", "2026-11-27 17:30")


def test_the_awaiting_dispatch_list_holds_unassigned_open_cases_soonest_first(casework, clock):
    clock.set("2026-11-25 10:00")
    later = casework.create_case(text="b", label="complaint", caller="13812345678")
    clock.set("2026-11-24 10:00")
    sooner = casework.create_case(text="a 电话13900001111", label="suggestion")
    casework.create_case(text="c", label="help_request", units=["utility.water"])
    answered = casework.create_case(text="d", label="inquiry")
    casework.answer_inquiry(answered.ref, "已答复", AGENT)
    total, cases = casework.awaiting_dispatch()
    assert total == 2 and [c.ref for c in cases] == [sooner.ref, later.ref]
    assert cases[1].caller == "138****5678"
    total, cases = casework.awaiting_dispatch(limit=1)
    assert total == 2 and len(cases) == 1


# ----------------------------------------------------------------- relabel


def test_relabelling_an_assigned_case_recounts_its_deadlines_and_tells_the_unit(
    casework, clock, events_of
):
    clock.set("2026-11-25 10:00")  # received and dispatched on Wednesday
    case = casework.create_case(text="停水三天", label="help_request", units=["utility.water"])
    assert local(case.resolve_due) == "2026-11-30 17:30"  # 3 working days
    clock.set("2026-11-26 09:00")
    moved = casework.relabel(case.ref, "complaint", AGENT, "实为投诉")
    assert local(moved.resolve_due) == "2026-12-14 17:30"  # 13 working days from receipt
    assert local(moved.accept_due) == local(case.accept_due)  # the accept clock stays
    assert moved.due_kind == "accept" and moved.decision_due is None
    event = casework.history(case.ref)[-1]
    assert event.action == "relabel" and event.reason == "实为投诉"
    assert event.data["from"] == "help_request" and event.data["to"] == "complaint"
    assert event.data["deadlines_to"]["resolve_due"].startswith("2026-12-14T09:30")
    notice = casework.notices("utility.water")[0]
    assert notice.kind == "relabeled"
    assert "由求助更正为投诉" in notice.body and "2026-12-14 17:30" in notice.body

    report = casework.relabel(case.ref, "report_violation", AGENT)
    assert local(report.decision_due) == "2026-12-02 17:30"  # 5 working days from receipt
    assert "受理或不予受理" in casework.notices("utility.water")[0].body
    accepted = casework.accept(case.ref, WATER)
    assert accepted.due_kind == "decision" and accepted.due_at == report.decision_due


def test_deadlines_count_from_the_dispatch_when_it_came_after_receipt(casework, clock):
    clock.set("2026-11-24 10:00")
    case = casework.create_case(text="x", label="help_request")
    clock.set("2026-11-25 10:00")
    casework.assign(case.ref, ["utility.water"], AGENT)
    moved = casework.relabel(case.ref, "complaint", AGENT)
    assert local(moved.resolve_due) == "2026-12-14 17:30"  # as a dispatch on Wednesday


def test_relabelling_to_an_enforcement_grievance_queues_it_once(casework, clock):
    case = casework.create_case(text="执法人员态度粗暴", label="complaint", caller="13812345678")
    assert grievances(casework) == []
    casework.relabel(case.ref, "enforcement_grievance", AGENT)
    [message] = grievances(casework)
    assert message.idempotency_key == f"enforcement_grievance:{case.ref}"
    assert message.payload["ref"] == case.ref and message.payload["caller"] == "138****5678"
    assert casework.history(case.ref)[-1].data["outbox"] is True
    casework.relabel(case.ref, "complaint", AGENT)
    casework.relabel(case.ref, "enforcement_grievance", AGENT)
    assert len(grievances(casework)) == 1  # already on its way: not twice


def test_the_grievance_copy_and_the_relabel_are_one_transaction(casework, monkeypatch):
    case = casework.create_case(text="执法人员态度粗暴", label="complaint")
    real = service_module.outbox.enqueue_grievance

    def written_then_failed(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the database went away after the outbox row")

    monkeypatch.setattr(service_module.outbox, "enqueue_grievance", written_then_failed)
    with pytest.raises(RuntimeError):
        casework.relabel(case.ref, "enforcement_grievance", AGENT)
    assert grievances(casework) == []
    assert casework.get_case(case.ref).label == "complaint"
    assert [e.action for e in casework.history(case.ref)] == ["register"]


def test_a_refused_relabel_changes_nothing(casework):
    case = casework.create_case(text="x", label="complaint", units=["utility.water"])
    casework.accept(case.ref, WATER)
    with pytest.raises(IllegalTransition):
        casework.relabel(case.ref, "enforcement_grievance", AGENT)
    assert grievances(casework) == [] and casework.get_case(case.ref).label == "complaint"


# ----------------------------------------------------------------- answering on the spot


def test_an_agent_answers_a_registered_case_as_an_inquiry_in_one_step(casework, events_of):
    case = casework.create_case(text="供暖期是什么时候", label="complaint")
    done = casework.answer_inquiry(case.ref, "每年11月15日开始供暖。", AGENT, "当场答复的咨询")
    assert done.status == "closed" and done.label == "inquiry" and done.due_at is None
    assert events_of(case.ref) == ["register", "relabel", "answer"]
    relabel = casework.history(case.ref)[1]
    assert relabel.data["from"] == "complaint" and relabel.reason == "当场答复的咨询"


def test_answering_a_dispatched_case_is_refused_and_its_label_is_untouched(casework, events_of):
    case = casework.create_case(text="x", label="complaint", units=["utility.water"])
    with pytest.raises(IllegalTransition):
        casework.answer_inquiry(case.ref, "答复", AGENT, "当场答复的咨询")
    assert casework.get_case(case.ref).label == "complaint"
    assert events_of(case.ref) == ["register", "assign"]
    with pytest.raises(InvalidInput):  # without the relabel, only an inquiry is answered
        casework.answer_inquiry(
            casework.create_case(text="y", label="complaint").ref, "答复", AGENT
        )


def test_dispatching_from_the_waiting_list_never_sends_a_case_twice(casework):
    case = casework.create_case(text="x", label="complaint")
    casework.assign(case.ref, ["district.hexi"], AGENT, awaiting_only=True)
    with pytest.raises(IllegalTransition):  # a second agent on the same stale list
        casework.assign(case.ref, ["district.heping"], AGENT, awaiting_only=True)
    assert casework.get_case(case.ref).unit == "district.hexi"
