"""Case intake, references, deadlines per label, extensions, reports, reopening, the archive."""

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import text

from casework.lifecycle import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from casework.service import Who

WATER = Who.unit_user("utility.water")
BEIJING = dt.timezone(dt.timedelta(hours=8))


def local(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def test_a_case_gets_a_readable_reference_and_masked_caller(casework, clock):
    clock.set("2026-11-26 09:15")
    first = casework.create_case(text="家里停水了", label="help_request", caller="13812345678")
    second = casework.create_case(text="路灯坏了", label="help_request", caller="022-23456789")
    assert first.ref == "TJ20261126-000001"
    assert second.ref == "TJ20261126-000002"
    assert first.caller == "138****5678"
    assert second.caller == "022****6789"
    assert "13812345678" not in str(first.to_dict())
    assert first.status == "registered" and first.unit is None
    # not dispatched yet: the center's dispatch deadline runs (1 working day, 17:30)
    assert first.due_kind == "dispatch" and local(first.due_at) == "2026-11-27 17:30"


def test_references_follow_the_beijing_day_and_restart_each_day(casework, clock):
    clock.set("2026-11-26 23:59")
    assert casework.create_case(text="a", label="suggestion").ref == "TJ20261126-000001"
    clock.set("2026-11-27 00:01")  # still 26 November in UTC
    assert casework.create_case(text="b", label="suggestion").ref == "TJ20261127-000001"


def test_concurrent_intake_never_hands_out_a_reference_twice(casework):
    refs, errors = [], []

    def intake():
        try:
            for _ in range(10):
                refs.append(casework.create_case(text="并发登记", label="complaint").ref)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=intake) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(refs) == 40 and len(set(refs)) == 40
    assert all(re.fullmatch(r"TJ\d{8}-\d{6}", r) for r in refs)


@pytest.mark.parametrize(
    ("label", "resolve_days", "expected_resolve"),
    [
        ("help_request", 3, "2026-11-30 17:30"),
        ("suggestion", 10, "2026-12-09 17:30"),
        ("complaint", 13, "2026-12-14 17:30"),
        ("enforcement_grievance", 13, "2026-12-14 17:30"),
    ],
)
def test_dispatch_sets_deadlines_per_label(casework, clock, label, resolve_days, expected_resolve):
    clock.set("2026-11-25 10:00")  # Wednesday
    case = casework.create_case(text="事项", label=label, units=["district.hexi"])
    assert casework.policy.resolve_limit(label) == resolve_days
    assert case.status == "assigned"
    assert local(case.accept_due) == "2026-11-26 17:30"
    assert local(case.resolve_due) == expected_resolve
    assert case.due_kind == "accept" and case.due_at == case.accept_due


def test_complex_cases_get_two_days_to_accept_or_return(casework, clock):
    clock.set("2026-11-25 10:00")
    case = casework.create_case(
        text="复杂事项", label="complaint", units=["district.hexi"], complex_case=True
    )
    assert local(case.accept_due) == "2026-11-27 17:30"


def test_accepting_starts_the_resolve_clock(casework):
    case = casework.create_case(text="暖气不热", label="help_request", units=["utility.heating"])
    accepted = casework.accept(case.ref, Who.unit_user("utility.heating"))
    assert accepted.due_kind == "resolve" and accepted.due_at == accepted.resolve_due


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "  ", "label": "complaint"}, "empty"),
        ({"text": "着火了", "label": "emergency"}, "110, 119 or 120"),
        ({"text": "邻居欠钱", "label": "excluded_civil"}, "declined"),
        ({"text": "开锁", "label": "enterprise_service"}, "member enterprises"),
        ({"text": "x", "label": "nonsense"}, "unknown label"),
        ({"text": "x", "label": "complaint", "channel": "fax"}, "unknown channel"),
        ({"text": "x", "label": "complaint", "caller": "call me maybe"}, "not a phone number"),
        ({"text": "x", "label": "complaint", "priority": "asap"}, "priority"),
    ],
)
def test_bad_intake_is_refused_with_a_clear_error_and_nothing_stored(casework, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        casework.create_case(**kwargs)
    assert casework.list_cases() == []


def test_dispatch_to_an_unknown_or_deactivated_unit_stores_nothing(casework):
    with pytest.raises(NotFound, match="no unit"):
        casework.create_case(text="x", label="complaint", units=["bureau.nowhere"])
    assert casework.list_cases() == []
    from casework.units_file import UnitSpec

    casework.load_units([UnitSpec("bureau.old", "旧单位", "bureau", None, (), (), False)])
    with pytest.raises(InvalidInput, match="deactivated"):
        casework.create_case(text="x", label="complaint", units=["bureau.old"])


def test_returned_case_cannot_go_back_to_a_unit_that_returned_it(casework):
    case = casework.create_case(text="x", label="help_request", units=["utility.water"])
    casework.return_case(case.ref, "供水管网以外，属于小区内部管道", WATER)
    with pytest.raises(InvalidInput, match="already returned"):
        casework.assign(case.ref, ["utility.water"])
    reassigned = casework.assign(case.ref, ["bureau.housing"], reason="小区内部管道")
    assert reassigned.unit == "bureau.housing" and reassigned.return_count == 1


def test_a_returning_unit_no_longer_sees_the_case(casework):
    case = casework.create_case(text="x", label="help_request", units=["utility.water"])
    casework.return_case(case.ref, "不属于本单位", WATER)
    with pytest.raises(Forbidden):
        casework.get_case(case.ref, viewer=WATER)
    assert casework.list_cases(viewer=WATER) == []


def test_a_late_return_is_recorded_as_late(casework, clock):
    case = casework.create_case(text="x", label="help_request", units=["utility.water"])
    clock.advance(days=5)
    casework.return_case(case.ref, "不属于本单位", WATER)
    assert casework.history(case.ref)[-1].data["late"] is True


def test_return_needs_a_reason(casework):
    case = casework.create_case(text="x", label="help_request", units=["utility.water"])
    with pytest.raises(InvalidInput, match="reason"):
        casework.return_case(case.ref, "   ", WATER)


class TestExtensions:
    @pytest.fixture
    def ref(self, casework, clock):
        clock.set("2026-11-25 10:00")
        case = casework.create_case(text="水管爆裂", label="help_request", units=["utility.water"])
        casework.accept(case.ref, WATER)
        return case.ref

    def test_approval_moves_the_deadline(self, casework, ref):
        asked = casework.request_extension(ref, "需要停水施工", WATER, days=2)
        assert asked.extension_status == "requested"
        assert local(asked.resolve_due) == "2026-11-30 17:30"
        approved = casework.approve_extension(ref)
        assert local(approved.resolve_due) == "2026-12-02 17:30"
        assert approved.due_at == approved.resolve_due

    def test_refusal_keeps_the_deadline(self, casework, ref):
        before = casework.get_case(ref).resolve_due
        casework.request_extension(ref, "人手不足", WATER, until=dt.datetime(2026, 12, 10, 17, 30))
        refused = casework.refuse_extension(ref, "理由不充分")
        assert refused.extension_status == "refused" and refused.resolve_due == before

    def test_must_be_asked_before_the_deadline(self, casework, clock, ref):
        clock.set("2026-11-30 17:31")
        with pytest.raises(InvalidInput, match="before it"):
            casework.request_extension(ref, "来不及了", WATER, days=1)

    def test_new_date_must_be_later_and_given_once(self, casework, ref):
        with pytest.raises(InvalidInput, match="later"):
            casework.request_extension(ref, "x", WATER, until=dt.datetime(2026, 11, 26, 9))
        with pytest.raises(InvalidInput, match="either"):
            casework.request_extension(ref, "x", WATER)
        casework.request_extension(ref, "x", WATER, days=1)
        with pytest.raises(InvalidInput, match="already waiting"):
            casework.request_extension(ref, "x", WATER, days=2)

    def test_approve_without_request_is_refused(self, casework, ref):
        with pytest.raises(InvalidInput, match="no extension request"):
            casework.approve_extension(ref)


class TestReportsOfIllegalActs:
    """Article 9: registered, transferred, acceptance decided within the limit, reporter told."""

    @pytest.fixture
    def ref(self, casework, clock):
        clock.set("2026-11-25 10:00")
        case = casework.create_case(
            text="有人在河边偷排污水",
            label="report_violation",
            caller="13900002222",
            units=["bureau.ecology"],
        )
        return case.ref

    def test_decision_clock_then_admission(self, casework, ref):
        ecology = Who.unit_user("bureau.ecology")
        case = casework.get_case(ref)
        assert local(case.decision_due) == "2026-12-02 17:30"
        accepted = casework.accept(ref, ecology)
        assert accepted.due_kind == "decision" and accepted.due_at == accepted.decision_due
        with pytest.raises(InvalidInput, match="decision"):
            casework.resolve(ref, "已查处", ecology)
        admitted = casework.decide(ref, True, ecology)
        assert admitted.decision == "admitted" and admitted.due_kind == "resolve"
        assert casework.resolve(ref, "已立案查处", ecology).status == "resolved"
        told = [n for n in _citizen_notices(casework, ref)]
        assert len(told) == 1 and "受理" in told[0] and ref in told[0]

    def test_refusal_resolves_and_tells_the_reporter_why(self, casework, ref):
        ecology = Who.unit_user("bureau.ecology")
        casework.accept(ref, ecology)
        with pytest.raises(InvalidInput, match="reason"):
            casework.decide(ref, False, ecology)
        refused = casework.decide(ref, False, ecology, "该排口属于雨水排口，未发现违法排污")
        assert refused.status == "resolved" and refused.decision == "refused"
        told = _citizen_notices(casework, ref)
        assert "不予受理" in told[0] and "雨水排口" in told[0]
        with pytest.raises(IllegalTransition):
            casework.decide(ref, True, ecology)

    def test_other_labels_need_no_decision(self, casework):
        case = casework.create_case(text="x", label="complaint", units=["district.hexi"])
        hexi = Who.unit_user("district.hexi")
        casework.accept(case.ref, hexi)
        with pytest.raises(InvalidInput, match="only reports"):
            casework.decide(case.ref, True, hexi)


def _citizen_notices(casework, ref):
    with casework.db.engine.connect() as c:
        rows = (
            c.execute(
                text(
                    "SELECT n.body FROM notices n JOIN cases c ON c.id = n.case_id "
                    "WHERE c.ref = :ref AND n.recipient = 'citizen' ORDER BY n.id"
                ),
                {"ref": ref},
            )
            .scalars()
            .all()
        )
    return list(rows)


def test_reopen_goes_back_to_the_same_unit_with_a_new_deadline(casework, clock):
    clock.set("2026-11-25 10:00")
    case = casework.create_case(text="x", label="help_request", units=["utility.water"])
    casework.accept(case.ref, WATER)
    casework.resolve(case.ref, "已修复", WATER)
    clock.set("2026-12-07 10:00")
    reopened = casework.reopen(case.ref, "回访不满意：还是漏水")
    assert reopened.status == "reopened" and reopened.unit == "utility.water"
    assert reopened.reopen_count == 1 and local(reopened.resolve_due) == "2026-12-10 17:30"
    assert casework.resolve(case.ref, "更换了阀门", WATER).status == "resolved"


def test_designation_names_lead_and_co_handlers_and_binds_the_lead(casework):
    case = casework.create_case(text="x", label="complaint", units=["district.hexi"])
    casework.escalate(case.ref, "责任不清")
    designated = casework.designate(
        case.ref, "bureau.urban_management", ["district.hexi"], reason="主要是占道经营问题"
    )
    assert designated.status == "assigned" and designated.unit == "bureau.urban_management"
    assert designated.co_handlers == ["district.hexi"] and designated.lead_designated
    with pytest.raises(Forbidden, match="approval office"):
        casework.return_case(case.ref, "不是我们", Who.unit_user("bureau.urban_management"))


def test_history_records_who_when_from_to_and_why(casework, clock):
    case = casework.create_case(
        text="x", label="help_request", units=["utility.water"], by=Who.center("agent-042")
    )
    clock.advance(minutes=30)
    casework.return_case(case.ref, "小区内部管道", WATER)
    history = casework.history(case.ref)
    assert [e.action for e in history] == ["register", "assign", "return"]
    assert history[0].actor == "center:agent-042"
    ret = history[-1]
    assert ret.actor == "unit:utility.water" and ret.reason == "小区内部管道"
    assert (ret.from_status, ret.to_status) == ("assigned", "returned")
    assert ret.at == clock.now


def test_the_database_refuses_to_change_or_delete_history(casework):
    case = casework.create_case(text="x", label="help_request", units=["utility.water"])
    for statement in ("UPDATE case_events SET reason = 'rewritten'", "DELETE FROM case_events"):
        with pytest.raises(Exception, match="append-only"), casework.db.engine.begin() as c:
            c.execute(text(statement))
    assert len(casework.history(case.ref)) == 2


def test_two_people_changing_one_case_at_once_do_not_overwrite_each_other(casework):
    case = casework.create_case(text="x", label="help_request", units=["utility.water"])
    barrier, results = threading.Barrier(2), []

    def act(fn):
        barrier.wait()
        try:
            results.append(fn().status)
        except Exception as exc:
            results.append(type(exc).__name__)

    threads = [
        threading.Thread(target=act, args=(lambda: casework.accept(case.ref, WATER),)),
        threading.Thread(target=act, args=(lambda: casework.return_case(case.ref, "x", WATER),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Exactly one wins; the other is refused (illegal after the first, or a conflict).
    assert sum(r in {"accepted", "returned"} for r in results) == 1
    refused = {"IllegalTransition", "Forbidden", Conflict.__name__}
    assert len(results) == 2 and set(results) - {"accepted", "returned"} <= refused
    assert len(casework.history(case.ref)) == 3


def test_unknown_reference_is_not_found(casework):
    with pytest.raises(NotFound):
        casework.get_case("TJ20991231-999999")
