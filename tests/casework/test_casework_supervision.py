"""The supervision sweep: reminders, overdue notices (催办), automatic escalation."""

import datetime as dt

import pytest

from casework.service import Who
from casework.supervision import sweep

WATER = Who.unit_user("utility.water")


@pytest.fixture
def accepted_ref(casework, clock):
    clock.set("2026-11-25 10:00")  # resolve deadline: Monday 2026-11-30 17:30
    case = casework.create_case(text="停水", label="help_request", units=["utility.water"])
    casework.accept(case.ref, WATER)
    return case.ref


def at(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_nothing_to_do_far_from_the_deadline(casework, accepted_ref):
    assert sweep(casework, at("2026-11-26 10:00")).to_dict() == {
        "reminded": 0,
        "overdue": 0,
        "escalated": 0,
    }


def test_reminder_inside_the_window_then_overdue_notice_once_each(
    casework, accepted_ref, events_of
):
    report = sweep(casework, at("2026-11-30 10:00"))  # 7.5 h before the deadline
    assert report.reminded == 1 and report.overdue == 0
    assert sweep(casework, at("2026-11-30 11:00")).reminded == 0  # not twice

    report = sweep(casework, at("2026-11-30 17:31"))
    assert report.overdue == 1
    assert sweep(casework, at("2026-12-01 09:00")).overdue == 0
    assert casework.get_case(accepted_ref).overdue
    assert events_of(accepted_ref)[-2:] == ["reminder", "overdue"]

    notices = casework.notices("utility.water")
    kinds = [n.kind for n in notices]
    assert kinds[:2] == ["overdue", "reminder"]
    assert "催办" in notices[0].body and accepted_ref in notices[0].body
    assert "2026-11-30 17:30" in notices[0].body


def test_an_approved_extension_clears_the_overdue_mark_clock(casework, clock, accepted_ref):
    casework.request_extension(accepted_ref, "需要更换主管道", WATER, days=3)
    casework.approve_extension(accepted_ref)
    assert sweep(casework, at("2026-11-30 17:31")).overdue == 0


def test_unaccepted_case_is_overdue_after_one_working_day(casework, clock):
    clock.set("2026-11-27 16:00")  # Friday
    case = casework.create_case(text="x", label="complaint", units=["district.hexi"])
    assert sweep(casework, at("2026-11-30 17:00")).overdue == 0
    assert sweep(casework, at("2026-11-30 17:31")).overdue == 1
    assert casework.list_cases(overdue=True)[0].ref == case.ref


def test_escalation_after_two_units_returned_it(casework, events_of):
    case = casework.create_case(
        text="小区旁边的空地堆满垃圾", label="help_request", units=["bureau.urban_management"]
    )
    casework.return_case(case.ref, "属于小区物业管理范围", Who.unit_user("bureau.urban_management"))
    assert sweep(casework).escalated == 0
    casework.assign(case.ref, ["bureau.housing"])
    casework.return_case(case.ref, "空地不属于物业", Who.unit_user("bureau.housing"))
    assert sweep(casework).escalated == 1
    escalated = casework.get_case(case.ref)
    assert escalated.status == "escalated" and escalated.due_at is None
    last = casework.history(case.ref)[-1]
    assert (last.action, last.from_status, last.actor) == (
        "escalate",
        "returned",
        "system:supervision",
    )
    assert casework.notices("office.approval")[0].kind == "escalated"
    office = Who.approval_office()
    assert [c.ref for c in casework.list_cases(viewer=office)] == [case.ref]
    assert sweep(casework).escalated == 0


def test_escalation_when_three_units_are_involved(casework):
    case = casework.create_case(
        text="河道污染涉及多个部门",
        label="complaint",
        units=["bureau.water", "bureau.ecology", "district.xiqing"],
    )
    two = casework.create_case(
        text="x", label="complaint", units=["bureau.water", "bureau.ecology"]
    )
    assert sweep(casework).escalated == 1
    assert casework.get_case(case.ref).status == "escalated"
    assert casework.get_case(two.ref).status == "assigned"
    # Once the approval office has named a lead, three units are fine.
    casework.designate(case.ref, "bureau.ecology", ["bureau.water", "district.xiqing"])
    assert sweep(casework).escalated == 0
    assert casework.get_case(case.ref).status == "assigned"


def test_thresholds_come_from_the_policy(casework):
    from dataclasses import replace

    casework.policy = replace(casework.policy, escalate_when_units=2)
    casework.create_case(text="x", label="complaint", units=["bureau.water", "bureau.ecology"])
    assert sweep(casework).escalated == 1


def test_closed_and_resolved_cases_are_left_alone(casework, accepted_ref):
    casework.resolve(accepted_ref, "已恢复供水", WATER)
    assert sweep(casework, at("2026-12-31 10:00")).to_dict() == {
        "reminded": 0,
        "overdue": 0,
        "escalated": 0,
    }
