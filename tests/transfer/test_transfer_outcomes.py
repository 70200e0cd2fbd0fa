"""What the caller hears and what the call counts as at the end of an agent's call or a
message: through the stand-in, on the real database."""

from __future__ import annotations

import time

from casework.reports.calls import call_figures
from casework.reports.service import Reports
from casework.service import Who
from standin import HoldOn, Press, Say

ASKS_FOR_HEATING = [Say("供暖期是从几月几号到几月几号"), Press("0")]  # answered, then 0


def eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.05)
    return value


def test_a_caller_whose_inquiry_was_answered_is_not_promised_a_result(
    standin, desk, available, dial_in, casework, record_of
):
    available("agent1")
    agent = HoldOn()
    standin.answer("client:agent1", agent)
    call = dial_in(HoldOn(ASKS_FOR_HEATING))
    eventually(agent.joined.is_set)
    case = eventually(lambda: casework.case_for_call(call.sid))
    casework.answer_inquiry(case.ref, "供暖期为每年11月15日至次年3月15日。", Who.center("agent1"))
    agent.release()
    result = standin.wait(call.sid)
    assert result.application_errors == []
    said = " ".join(result.texts)
    assert "本次来电的编号是" in said and "办理结果会及时答复您" not in said
    assert record_of(call.sid).outcome == "agent_transfer"


def test_an_agent_leaving_without_dispatching_leaves_the_case_awaiting_dispatch(
    standin, desk, available, dial_in, casework
):
    available("agent1")
    agent = HoldOn()
    standin.answer("client:agent1", agent)
    call = dial_in(HoldOn(ASKS_FOR_HEATING))
    eventually(agent.joined.is_set)
    case = eventually(lambda: casework.case_for_call(call.sid))
    agent.release()
    result = standin.wait(call.sid)
    assert "办理结果会及时答复您" in " ".join(result.texts)  # still open: a result will come
    case = casework.get_case(case.ref)
    assert case.status == "registered" and case.due_kind == "dispatch"
    assert case.due_at == casework.dispatch_due(case.created_at)
    total, waiting = casework.awaiting_dispatch()
    assert total == 1 and waiting[0].ref == case.ref


def test_a_message_counts_neither_as_the_ivr_nor_as_an_agent_but_is_shown(
    standin, dial_in, casework, record_of
):
    call = dial_in(HoldOn([Press("0"), Say("小区门口的路灯坏了一个星期了")]))
    assert standin.wait(call.sid).application_errors == []
    assert record_of(call.sid).outcome == "agent_message"
    with casework.db.reading() as c:
        calls, _ = call_figures(c, Reports(casework).period(None, None))
    assert calls.outcomes.get("agent_message") == 1
    assert calls.by_agents == 0 and calls.by_ivr == 0
