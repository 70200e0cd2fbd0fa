"""Every action from every status: legal ones move the case, illegal ones change nothing."""

import pytest

from casework.lifecycle import CaseError, Forbidden, IllegalTransition
from casework.service import Who

UNIT = "utility.water"
WATER = Who.unit_user(UNIT)

# Written from the regulation, independently of casework.lifecycle.TRANSITIONS:
# action -> (statuses it is legal from, status afterwards or None for "unchanged").
EXPECTED = {
    "assign": ({"registered", "assigned", "returned"}, "assigned"),
    "accept": ({"assigned"}, "accepted"),
    "return": ({"assigned"}, "returned"),
    "escalate": ({"registered", "assigned", "returned", "accepted", "reopened"}, "escalated"),
    "designate": ({"escalated"}, "assigned"),
    "request_extension": ({"accepted", "reopened"}, None),
    "resolve": ({"accepted", "reopened"}, "resolved"),
    "reopen": ({"resolved"}, "reopened"),
    "close": ({"resolved"}, "closed"),
    "note": (
        {"registered", "assigned", "accepted", "returned", "escalated", "resolved", "reopened"},
        None,
    ),
}
STATUSES = [
    "registered",
    "assigned",
    "accepted",
    "returned",
    "escalated",
    "resolved",
    "reopened",
    "closed",
]


def make_case_in(casework, status: str) -> str:
    """Drive a help request to ``status`` through the service, the way people would."""
    case = casework.create_case(text="楼道里水管漏水了", label="help_request", caller="13800001111")
    ref = case.ref
    if status == "registered":
        return ref
    casework.assign(ref, [UNIT])
    if status == "assigned":
        return ref
    if status == "returned":
        casework.return_case(ref, "不是我们管的", WATER)
        return ref
    if status == "escalated":
        casework.escalate(ref, "职责不清")
        return ref
    casework.accept(ref, WATER)
    if status == "accepted":
        return ref
    casework.resolve(ref, "已经修好了", WATER)
    if status == "resolved":
        return ref
    if status == "reopened":
        casework.reopen(ref, "市民表示没有修好")
    elif status == "closed":
        casework.close(ref)
    return ref


def perform(casework, action: str, ref: str):
    if action == "assign":
        return casework.assign(ref, ["bureau.water"])
    if action == "accept":
        return casework.accept(ref, WATER)
    if action == "return":
        return casework.return_case(ref, "不属于本单位职责", WATER)
    if action == "escalate":
        return casework.escalate(ref, "涉及多个部门")
    if action == "designate":
        return casework.designate(ref, "district.hexi", ["bureau.water"])
    if action == "request_extension":
        return casework.request_extension(ref, "需要协调施工队", WATER, days=2)
    if action == "resolve":
        return casework.resolve(ref, "已处理完毕", WATER)
    if action == "reopen":
        return casework.reopen(ref, "市民不满意")
    if action == "close":
        return casework.close(ref)
    if action == "note":
        return casework.add_note(ref, "市民来电催问", Who.center("agent7"))
    raise AssertionError(action)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_every_action_from_every_status(casework, action, status):
    ref = make_case_in(casework, status)
    before = casework.get_case(ref)
    history_before = casework.history(ref)
    legal_from, target = EXPECTED[action]

    if status in legal_from:
        after = perform(casework, action, ref)
        assert after.status == (target or status)
        history = casework.history(ref)
        assert len(history) == len(history_before) + 1
        last = history[-1]
        assert last.from_status == status and last.to_status == after.status
        assert last.action in {action, "reassign"}
    else:
        with pytest.raises(CaseError):
            perform(casework, action, ref)
        assert casework.get_case(ref) == before
        assert casework.history(ref) == history_before


def test_illegal_transition_says_what_is_allowed(casework):
    ref = make_case_in(casework, "closed")
    with pytest.raises(IllegalTransition, match="cannot reopen a case that is closed"):
        casework.reopen(ref, "again")


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("resolved", "close"),
        ("resolved", "reopen"),
        ("registered", "assign"),
        ("escalated", "designate"),
    ],
)
def test_units_cannot_do_the_centers_actions(casework, status, action):
    ref = make_case_in(casework, status)
    before = casework.get_case(ref)
    with pytest.raises(Forbidden):
        if action == "close":
            casework.close(ref, by=WATER)
        elif action == "reopen":
            casework.reopen(ref, "x", by=WATER)
        elif action == "assign":
            casework.assign(ref, [UNIT], by=WATER)
        else:
            casework.designate(ref, UNIT, by=WATER)
    assert casework.get_case(ref) == before


def test_the_center_cannot_accept_or_resolve_for_a_unit(casework):
    ref = make_case_in(casework, "assigned")
    with pytest.raises(Forbidden):
        casework.accept(ref, Who.center())
    casework.accept(ref, WATER)
    with pytest.raises(Forbidden):
        casework.resolve(ref, "done", Who.center())


def test_a_co_handler_sees_the_case_but_cannot_accept_it(casework):
    case = casework.create_case(
        text="小区门口路面塌陷",
        label="help_request",
        units=["bureau.urban_management", "bureau.water"],
    )
    co = Who.unit_user("bureau.water")
    assert casework.get_case(case.ref, viewer=co).co_handlers == ["bureau.water"]
    with pytest.raises(Forbidden, match="lead unit"):
        casework.accept(case.ref, co)
    casework.add_note(case.ref, "已派人配合", co)
    assert casework.history(case.ref)[-1].actor == "unit:bureau.water"
